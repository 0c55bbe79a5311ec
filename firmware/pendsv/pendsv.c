/* PendSV at the lowest priority (B1.5.2, B3.2.4 ICSR): pended from a
 * higher-priority handler it runs only once that handler (and anything
 * else above it) has returned, just before thread mode resumes; pended from
 * thread mode it runs at once; PENDSVCLR withdraws it; a higher-priority
 * interrupt preempts PendSV itself. SysTick is pended through ICSR too. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

#define IRQ_HIGH 24  /* priority 1 */
#define IRQ_MID 25   /* priority 2 */

static volatile int pendsv_runs;
static volatile int clear_in_handler;
static volatile int mid_from_pendsv;

void PendSV_Handler(void)
{
    trace('P');
    con_puts("  PendSV runs\n");
    pendsv_runs++;
    if (mid_from_pendsv) {
        mid_from_pendsv = 0;
        con_puts("  PendSV pends IRQ mid\n");
        NVIC_SetPendingIRQ(IRQ_MID);
        __DSB();
        __ISB();
        con_puts("  PendSV resumes\n");
    }
    trace('p');
}

void SysTick_Handler(void)
{
    trace('S');
    con_puts("  SysTick runs\n");
}

IRQ_HANDLER(IRQ_MID)
{
    trace('M');
    con_puts("  IRQ mid runs\n");
}

IRQ_HANDLER(IRQ_HIGH)
{
    trace('H');
    con_puts("  IRQ high pends PendSV\n");
    SCB->ICSR = SCB_ICSR_PENDSVSET;
    __DSB();
    __ISB();
    int pending = (SCB->ICSR & SCB_ICSR_PENDSVSET) != 0;
    con_printf("  still in IRQ high, PendSV %s\n", pending ? "pending" : "not pending");
    CHECK(pending && pendsv_runs == 0);
    if (clear_in_handler) {
        SCB->ICSR = SCB_ICSR_PENDSVCLR;
        con_printf("  PENDSVCLR: PendSV %s\n",
                   (SCB->ICSR & SCB_ICSR_PENDSVSET) ? "pending" : "not pending");
    } else {
        con_puts("  IRQ high also pends IRQ mid and SysTick\n");
        NVIC_SetPendingIRQ(IRQ_MID);
        SCB->ICSR = SCB_ICSR_PENDSTSET;
    }
    con_puts("  IRQ high returns\n");
    trace('h');
}

int main(void)
{
    NVIC_SetPriority(PendSV_IRQn, 7);
    NVIC_SetPriority(SysTick_IRQn, 6);
    NVIC_SetPriority(IRQ_HIGH, 1);
    NVIC_SetPriority(IRQ_MID, 2);
    NVIC_EnableIRQ(IRQ_HIGH);
    NVIC_EnableIRQ(IRQ_MID);

    con_puts("1. pended by a higher-priority handler\n");
    NVIC_SetPendingIRQ(IRQ_HIGH);
    __DSB();
    __ISB();
    con_puts("thread resumes\n");
    /* after IRQ high: mid (2), SysTick (6), PendSV (7) by priority */
    trace_expect("HhMSPp");

    con_puts("2. pended from thread mode: runs at once\n");
    pendsv_runs = 0;
    SCB->ICSR = SCB_ICSR_PENDSVSET;
    __DSB();
    __ISB();
    con_printf("thread resumes, PendSV ran %d times\n", pendsv_runs);
    CHECK(pendsv_runs == 1);
    trace_expect("Pp");

    con_puts("3. pended, then withdrawn with PENDSVCLR\n");
    pendsv_runs = 0;
    clear_in_handler = 1;
    NVIC_SetPendingIRQ(IRQ_HIGH);
    __DSB();
    __ISB();
    con_printf("thread resumes, PendSV ran %d times\n", pendsv_runs);
    CHECK(pendsv_runs == 0);
    trace_expect("Hh");

    con_puts("4. a higher-priority interrupt preempts PendSV\n");
    mid_from_pendsv = 1;
    SCB->ICSR = SCB_ICSR_PENDSVSET;
    __DSB();
    __ISB();
    con_puts("thread resumes\n");
    trace_expect("PMp");

    return check_finish("pendsv");
}
