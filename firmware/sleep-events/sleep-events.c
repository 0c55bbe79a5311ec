/* Sleeping as the architecture defines it (B1.5.18, B1.5.19, B3.2.7 SCR),
 * where QEMU 7.2 differs (it ignores SCR.SLEEPONEXIT and runs WFE and SEV
 * as NOPs), so expected.txt follows the architecture, not QEMU:
 *   SLEEPONEXIT  a return to Thread mode sleeps instead of running thread
 *                code; the next interrupt's handler runs, then the core
 *                sleeps again, until a handler clears SLEEPONEXIT
 *   WFE, SEV     SEV sets the event register, WFE clears it or, when it is
 *                clear, waits for an event: an interrupt that is taken, or
 *                with SCR.SEVONPEND any exception becoming pending (even a
 *                disabled one); an exception return sets the register.
 * Counts are of SysTick interrupts every 1 ms (reference clock); the
 * program decides nothing on elapsed time, only on what ran. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "mps2-an385.h"
#include "startup.h"

#define IRQ_KICK 24
#define SCR_SEVONPEND (1u << 4)

static volatile int ticks;
static volatile int stop_sleeping_at; /* tick count that clears SLEEPONEXIT */

void SysTick_Handler(void)
{
    ticks++;
    if (stop_sleeping_at != 0 && ticks >= stop_sleeping_at) {
        SCB->SCR &= ~SCB_SCR_SLEEPONEXIT;
        stop_sleeping_at = 0;
    }
}

static volatile int kicks;
IRQ_HANDLER(IRQ_KICK) { kicks++; }

static void systick_start(void)
{
    SysTick->LOAD = SYSTICK_REF_CLOCK / 1000 - 1;
    SysTick->VAL = 0;
    SysTick->CTRL = SysTick_CTRL_TICKINT | SysTick_CTRL_ENABLE; /* reference clock */
}

static void __SEV(void) { __asm__ volatile("sev" ::: "memory"); }
static void __WFE(void) { __asm__ volatile("wfe" ::: "memory"); }

/* Clears the event register whatever its state: SEV sets it, WFE clears it. */
static void clear_event(void)
{
    __SEV();
    __WFE();
}

int main(void)
{
    NVIC_SetPriority(SysTick_IRQn, 2);
    NVIC_SetPriority(IRQ_KICK, 3);
    NVIC_EnableIRQ(IRQ_KICK);
    systick_start();

    con_puts("1. SLEEPONEXIT: IRQ kick returns to sleep, not to thread code\n");
    ticks = 0;
    stop_sleeping_at = 3;
    SCB->SCR |= SCB_SCR_SLEEPONEXIT;
    __DSB();
    __ISB();
    NVIC_SetPendingIRQ(IRQ_KICK);
    __DSB();
    __ISB();
    int seen = ticks;
    con_printf("  thread resumed after %d SysTick interrupts (kick ran %d)\n", seen, kicks);
    CHECK(seen == 3 && kicks == 1);
    CHECK(!(SCB->SCR & SCB_SCR_SLEEPONEXIT));

    con_puts("2. WFE after SEV returns at once\n");
    clear_event();
    __SEV();
    seen = ticks;
    __WFE();
    con_printf("  interrupts during it: %d\n", ticks - seen);
    CHECK(ticks == seen);

    con_puts("3. WFE with the event register clear waits for an interrupt\n");
    clear_event();
    seen = ticks;
    __WFE();
    int after = ticks;
    con_printf("  woke after %d SysTick interrupt(s)\n", after - seen);
    CHECK(after - seen == 1);
    con_puts("  the handler's exception return set the event register: next WFE at once\n");
    __WFE();
    con_printf("  interrupts during it: %d\n", ticks - after);
    CHECK(ticks == after);

    con_puts("4. SEVONPEND: a disabled interrupt becoming pending wakes WFE\n");
    SysTick->CTRL = 0;
    NVIC_DisableIRQ(TIMER0_IRQn);
    NVIC_ClearPendingIRQ(TIMER0_IRQn);
    CMSDK_TIMER0->INTSTATUS = CMSDK_TIMER_INT;
    CMSDK_TIMER0->RELOAD = SYSTEM_CORE_CLOCK / 1000;
    CMSDK_TIMER0->VALUE = SYSTEM_CORE_CLOCK / 1000;
    SCB->SCR |= SCR_SEVONPEND;
    clear_event();
    CMSDK_TIMER0->CTRL = CMSDK_TIMER_CTRL_EN | CMSDK_TIMER_CTRL_IRQEN;
    __WFE();
    int pending = NVIC_GetPendingIRQ(TIMER0_IRQn);
    con_printf("  woke with TIMER0 (disabled) pending=%d\n", pending);
    CHECK(pending);
    CMSDK_TIMER0->CTRL = 0;
    CMSDK_TIMER0->INTSTATUS = CMSDK_TIMER_INT;
    NVIC_ClearPendingIRQ(TIMER0_IRQn);
    SCB->SCR &= ~SCR_SEVONPEND;

    return check_finish("sleep-events");
}
