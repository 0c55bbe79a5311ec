/* The RTOS kernel (see kernel.h). Kernel state is changed only with
 * PRIMASK set. A task that must wait records what it waits for, marks
 * itself blocked and pends PendSV; the switch happens when it unmasks
 * interrupts, and when it runs again it re-checks its condition. */
#include "kernel.h"

#include "armv7m.h"

typedef enum { READY, BLOCKED, DELAYED, DONE } TaskState;

struct Task {
    uint32_t sp; /* saved PSP; first member: PendSV_Handler relies on it */
    const char *name;
    unsigned prio, base_prio;
    TaskState state;
    const void *waiting_for;
    uint32_t wake_tick;
};

static Task tasks[RTOS_MAX_TASKS];
static unsigned task_count;
__attribute__((used)) static Task *current; /* read by SVC_Handler */
static volatile uint32_t ticks;

static void task_exit(void)
{
    __disable_irq();
    current->state = DONE;
    SCB->ICSR = SCB_ICSR_PENDSVSET;
    __enable_irq();
    for (;;)
        ;
}

Task *rtos_task_create(const char *name, TaskFn fn, void *arg, unsigned prio, uint64_t *stack,
                       unsigned stack_dwords)
{
    Task *t = &tasks[task_count++];
    /* Initial stack: the frame PendSV restores (r4-r11), then the one the
     * exception return pops: r0-r3, r12, lr, pc, xPSR (Thumb bit set). */
    uint32_t *sp = (uint32_t *)&stack[stack_dwords] - 16;
    for (int i = 0; i < 16; i++)
        sp[i] = 0;
    sp[8] = (uint32_t)arg;
    sp[13] = (uint32_t)task_exit;
    sp[14] = (uint32_t)fn & ~1u;
    sp[15] = 1u << 24;
    t->sp = (uint32_t)sp;
    t->name = name;
    t->prio = t->base_prio = prio;
    t->state = READY;
    return t;
}

/* Highest priority ready task; among equals, the next after current. */
static Task *pick_next(void)
{
    Task *best = 0;
    unsigned cur = (unsigned)(current - tasks);
    for (unsigned k = 1; k <= task_count; k++) {
        Task *t = &tasks[(cur + k) % task_count];
        if (t->state == READY && (!best || t->prio > best->prio))
            best = t;
    }
    return best;
}

/* Called by PendSV_Handler with the outgoing task's PSP; returns the PSP
 * of the task to run. */
__attribute__((used)) uint32_t rtos_switch(uint32_t sp)
{
    __disable_irq();
    current->sp = sp;
    current = pick_next();
    __enable_irq();
    return current->sp;
}

__attribute__((naked)) void PendSV_Handler(void)
{
    __asm__ volatile("mrs r0, psp\n\t"
                     "stmdb r0!, {r4-r11}\n\t"
                     "push {r3, lr}\n\t"
                     "bl rtos_switch\n\t"
                     "pop {r3, lr}\n\t"
                     "ldmia r0!, {r4-r11}\n\t"
                     "msr psp, r0\n\t"
                     "bx lr");
}

/* SVC from rtos_start: drop the main stack, switch to the first task's
 * PSP and return to thread mode on it (EXC_RETURN 0xFFFFFFFD). */
__attribute__((naked)) void SVC_Handler(void)
{
    __asm__ volatile("ldr r0, =__stack_top\n\t"
                     "msr msp, r0\n\t"
                     "ldr r1, =current\n\t"
                     "ldr r1, [r1]\n\t"
                     "ldr r0, [r1]\n\t"
                     "ldmia r0!, {r4-r11}\n\t"
                     "msr psp, r0\n\t"
                     "ldr lr, =0xFFFFFFFD\n\t"
                     "bx lr");
}

void SysTick_Handler(void)
{
    ticks++;
    for (unsigned i = 0; i < task_count; i++)
        if (tasks[i].state == DELAYED && (int32_t)(ticks - tasks[i].wake_tick) >= 0)
            tasks[i].state = READY;
    SCB->ICSR = SCB_ICSR_PENDSVSET; /* preemption and time slicing */
}

static void idle(void *arg)
{
    (void)arg;
    for (;;)
        __WFI();
}

void rtos_start(uint32_t cpu_hz, uint32_t tick_hz)
{
    static uint64_t idle_stack[64];
    rtos_task_create("idle", idle, 0, 0, idle_stack, 64);
    current = &tasks[task_count - 1];
    current = pick_next();
    NVIC_SetPriority(PendSV_IRQn, 7);
    NVIC_SetPriority(SysTick_IRQn, 6);
    SysTick->LOAD = cpu_hz / tick_hz - 1;
    SysTick->VAL = 0;
    SysTick->CTRL = SysTick_CTRL_CLKSOURCE | SysTick_CTRL_TICKINT | SysTick_CTRL_ENABLE;
    __asm__ volatile("svc #0");
    for (;;)
        ;
}

uint32_t rtos_ticks(void)
{
    return ticks;
}

const char *rtos_task_name(void)
{
    return current->name;
}

/* With PRIMASK set: gives up the CPU until wake_all(obj). */
static void block_on(const void *obj)
{
    current->state = BLOCKED;
    current->waiting_for = obj;
    SCB->ICSR = SCB_ICSR_PENDSVSET;
    __enable_irq(); /* PendSV switches away here */
    __disable_irq();
}

/* With PRIMASK set: makes every task waiting for obj ready; they re-check
 * their condition, the highest priority first. */
static void wake_all(const void *obj)
{
    for (unsigned i = 0; i < task_count; i++) {
        if (tasks[i].state == BLOCKED && tasks[i].waiting_for == obj) {
            tasks[i].state = READY;
            tasks[i].waiting_for = 0;
            if (tasks[i].prio > current->prio)
                SCB->ICSR = SCB_ICSR_PENDSVSET;
        }
    }
}

void rtos_delay(uint32_t n)
{
    __disable_irq();
    current->state = DELAYED;
    current->wake_tick = ticks + n;
    SCB->ICSR = SCB_ICSR_PENDSVSET;
    __enable_irq();
}

void mutex_lock(Mutex *m)
{
    __disable_irq();
    while (m->owner) {
        if (m->owner->prio < current->prio)
            m->owner->prio = current->prio; /* priority inheritance */
        block_on(m);
    }
    m->owner = current;
    __enable_irq();
}

void mutex_unlock(Mutex *m)
{
    __disable_irq();
    m->owner = 0;
    if (current->prio != current->base_prio) {
        current->prio = current->base_prio; /* end of inheritance */
        SCB->ICSR = SCB_ICSR_PENDSVSET;
    }
    wake_all(m);
    __enable_irq();
}

void queue_init(Queue *q, uint32_t *buf, unsigned capacity)
{
    q->buf = buf;
    q->capacity = capacity;
    q->head = q->count = 0;
}

void queue_send(Queue *q, uint32_t value)
{
    __disable_irq();
    while (q->count == q->capacity)
        block_on(q);
    q->buf[(q->head + q->count++) % q->capacity] = value;
    wake_all(q);
    __enable_irq();
}

uint32_t queue_receive(Queue *q)
{
    __disable_irq();
    while (q->count == 0)
        block_on(q);
    uint32_t value = q->buf[q->head];
    q->head = (q->head + 1) % q->capacity;
    q->count--;
    wake_all(q);
    __enable_irq();
    return value;
}
