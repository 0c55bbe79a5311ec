/* Late arrival and tail-chaining (B1.5.4, B1.5.12): two interrupts that
 * become pending together are taken highest first, the other one
 * tail-chained after it; with three nesting levels, interrupts pended by
 * the innermost handler are taken in priority order as each level
 * returns, each only once nothing active has an equal or higher group
 * priority; an interrupt pended for a lower priority than the running
 * handler waits for everything above it. Also WFI with PRIMASK=1 (B1.5.19):
 * a pending interrupt wakes the core without being taken until CPSIE, and
 * a WFI with one already pending returns at once. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "mps2-an385.h"
#include "startup.h"

#define FIRST_IRQ 24 /* IRQ A..F = lines 24..29, free on mps2-an385 */
#define NUM_TEST_IRQS 6
#define IRQ(letter) (FIRST_IRQ + ((letter) - 'A'))
#define BIT(letter) (1u << IRQ(letter))

typedef void (*Action)(void);
static volatile Action action[NUM_TEST_IRQS];

static void pend_mask(uint32_t mask)
{
    NVIC->ISPR[0] = mask;
    __DSB();
    __ISB();
}

static void run_irq(char letter)
{
    unsigned i = (unsigned)(letter - 'A');
    trace(letter);
    Action a = action[i];
    if (a != 0) {
        action[i] = 0;
        a();
    }
    trace((char)(letter - 'A' + 'a'));
}

IRQ_HANDLER(24) { run_irq('A'); }
IRQ_HANDLER(25) { run_irq('B'); }
IRQ_HANDLER(26) { run_irq('C'); }
IRQ_HANDLER(27) { run_irq('D'); }
IRQ_HANDLER(28) { run_irq('E'); }
IRQ_HANDLER(29) { run_irq('F'); }

static volatile int timer_runs;

IRQ_HANDLER(TIMER0_IRQn)
{
    CMSDK_TIMER0->INTSTATUS = CMSDK_TIMER_INT;
    CMSDK_TIMER0->CTRL = 0;
    timer_runs++;
    trace('T');
}

static void set_priorities(const char *letters, const unsigned *prio)
{
    for (int i = 0; letters[i]; i++)
        NVIC_SetPriority(IRQ(letters[i]), prio[i]);
}

/* ---- three levels ----------------------------------------------------- */

static void c_pends_def(void) { pend_mask(BIT('D') | BIT('E') | BIT('F')); }
static void b_pends_c(void)
{
    action[IRQ('C') - FIRST_IRQ] = c_pends_def;
    pend_mask(BIT('C'));
}
static void a_pends_b(void)
{
    action[IRQ('B') - FIRST_IRQ] = b_pends_c;
    pend_mask(BIT('B'));
}

/* Pended from the highest level: only D (priority 0) beats anything */
static void c_pends_low(void) { pend_mask(BIT('F')); }
static void b_pends_c_low(void)
{
    action[IRQ('C') - FIRST_IRQ] = c_pends_low;
    pend_mask(BIT('C'));
}

int main(void)
{
    for (int i = 0; i < NUM_TEST_IRQS; i++)
        NVIC_EnableIRQ(FIRST_IRQ + i);

    con_puts("1. two pended by one store: the higher first, then tail-chained\n");
    static const unsigned p1[] = { 4, 2 };
    set_priorities("AB", p1);
    pend_mask(BIT('A') | BIT('B'));
    trace_expect("BbAa");
    /* and with the lower exception number at the higher priority */
    static const unsigned p1b[] = { 2, 4 };
    set_priorities("AB", p1b);
    pend_mask(BIT('A') | BIT('B'));
    trace_expect("AaBb");

    con_puts("2. three levels A(5) < B(4) < C(3); C pends D(4), E(3), F(5)\n");
    static const unsigned p2[] = { 5, 4, 3, 4, 3, 5 };
    set_priorities("ABCDEF", p2);
    action[0] = a_pends_b;
    pend_mask(BIT('A'));
    /* C returns: E (3) beats B (4) -> tail-chain; then D (4) does not
     * beat B (4): back to B; B returns: D (4) beats A (5); A returns:
     * F (5) */
    trace_expect("ABCcEebDdaFf");

    con_puts("3. same, D(0) E(1) F(2) all above A, B and C\n");
    static const unsigned p3[] = { 5, 4, 3, 0, 1, 2 };
    set_priorities("ABCDEF", p3);
    action[0] = a_pends_b;
    pend_mask(BIT('A'));
    /* D preempts C at once, then E and F tail-chain before C resumes */
    trace_expect("ABCDdEeFfcba");

    con_puts("4. pended below the running handler waits for all levels above it\n");
    static const unsigned p4[] = { 3, 2, 1, 0, 0, 4 };
    set_priorities("ABCDEF", p4);
    action[0] = 0;
    action[1] = b_pends_c_low;
    pend_mask(BIT('B'));
    /* F (4) pended by C (1) while B (2) active: runs after B */
    trace_expect("BCcbFf");

    con_puts("5. WFI with PRIMASK=1: wakes, handler only after CPSIE\n");
    NVIC_SetPriority(TIMER0_IRQn, 1);
    NVIC_EnableIRQ(TIMER0_IRQn);
    __disable_irq();
    CMSDK_TIMER0->INTSTATUS = CMSDK_TIMER_INT;
    CMSDK_TIMER0->RELOAD = SYSTEM_CORE_CLOCK / 1000; /* 1 ms */
    CMSDK_TIMER0->VALUE = SYSTEM_CORE_CLOCK / 1000;
    CMSDK_TIMER0->CTRL = CMSDK_TIMER_CTRL_EN | CMSDK_TIMER_CTRL_IRQEN;
    while (!NVIC_GetPendingIRQ(TIMER0_IRQn))
        __WFI();
    int ran = timer_runs;
    con_printf("  woke: timer IRQ pending=%u, handler ran=%d\n",
               NVIC_GetPendingIRQ(TIMER0_IRQn), ran);
    CHECK(ran == 0);
    con_puts("  WFI again with it still pending returns at once\n");
    __WFI();
    CHECK(timer_runs == 0 && NVIC_GetPendingIRQ(TIMER0_IRQn));
    __enable_irq();
    __ISB();
    con_printf("  after CPSIE: handler ran=%d\n", timer_runs);
    CHECK(timer_runs == 1);
    trace_expect("T");

    return check_finish("tail-chain");
}
