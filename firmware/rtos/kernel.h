/* A small preemptive RTOS for the Cortex-M3: fixed-priority scheduling
 * with round-robin among equal priorities on each SysTick, context switch
 * in PendSV, the first task started by an SVC, tasks on PSP. Blocking
 * queues of words and mutexes with priority inheritance. */
#ifndef RTOS_KERNEL_H
#define RTOS_KERNEL_H

#include <stdint.h>

#define RTOS_MAX_TASKS 8

typedef struct Task Task;
typedef void (*TaskFn)(void *arg);

/* prio: higher number runs first. stack: 8-byte aligned, words >= 64.
 * A task that returns ends. */
Task *rtos_task_create(const char *name, TaskFn fn, void *arg, unsigned prio, uint64_t *stack,
                       unsigned stack_dwords);
/* Starts SysTick at tick_hz and runs the tasks; never returns. */
__attribute__((noreturn)) void rtos_start(uint32_t cpu_hz, uint32_t tick_hz);

void rtos_delay(uint32_t ticks);
uint32_t rtos_ticks(void);
const char *rtos_task_name(void);

typedef struct {
    Task *owner;
} Mutex;

void mutex_lock(Mutex *m);
void mutex_unlock(Mutex *m);

typedef struct {
    uint32_t *buf;
    unsigned capacity, head, count;
} Queue;

void queue_init(Queue *q, uint32_t *buf, unsigned capacity);
void queue_send(Queue *q, uint32_t value);  /* blocks while full */
uint32_t queue_receive(Queue *q);           /* blocks while empty */

#endif
