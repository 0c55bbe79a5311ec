/* Priority order and masking (B1.5.4, B3.2.4, B3.2.6, B3.4): PRIGROUP
 * splits priorities into group and subpriority (only the group preempts;
 * pending ones are taken by group, then subpriority, then exception
 * number); ties of equal priority go by exception number (PendSV 14,
 * SysTick 15, IRQs); BASEPRI is compared by its group priority; BASEPRI_MAX
 * only raises the masking; FAULTMASK masks everything but NMI and is
 * cleared by every exception return except NMI's; NMI (ICSR.NMIPENDSET)
 * preempts HardFault; STIR pends an interrupt; ICSR's PENDSVSET/CLR,
 * PENDSTSET/CLR, VECTPENDING, ISRPENDING, RETTOBASE and VECTACTIVE seen
 * from thread mode and from handlers.
 *
 * Priorities are written in the top 3 bits (as the CMSIS helpers do), so
 * with PRIGROUP=6 a priority p has group priority p/4 and subpriority
 * p%4; with PRIGROUP=7 every configurable priority is in group 0. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

#define FIRST_IRQ 24 /* IRQ A..F = lines 24..29, free on mps2-an385 */
#define NUM_TEST_IRQS 6
#define IRQ(letter) (FIRST_IRQ + ((letter) - 'A'))

#define ICSR_VECTPENDING(icsr) (((icsr) >> 12) & 0x1FFu)
#define ICSR_RETTOBASE (1u << 11)
#define ICSR_ISRPENDING (1u << 22)

/* What a handler does after tracing its entry: pend other exceptions. */
typedef void (*Action)(void);
static volatile Action action[NUM_TEST_IRQS];

static void set_prigroup(unsigned prigroup)
{
    SCB->AIRCR = SCB_AIRCR_VECTKEY | (prigroup << 8);
    __DSB();
    __ISB();
}

static void pend(char letter)
{
    NVIC_SetPendingIRQ(IRQ(letter));
    __DSB();
    __ISB();
}

static void run_irq(char letter)
{
    unsigned i = (unsigned)(letter - 'A');
    trace(letter);
    Action a = action[i];
    if (a != 0) {
        action[i] = 0; /* once */
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

void PendSV_Handler(void)
{
    trace('P');
    trace('p');
}

void SysTick_Handler(void)
{
    trace('S');
    trace('s');
}

static volatile uint32_t nmi_icsr, nmi_faultmask, nmi_ipsr;
static volatile int nmi_set_faultmask;

void NMI_Handler(void)
{
    trace('N');
    nmi_ipsr = __get_IPSR();
    nmi_icsr = SCB->ICSR;
    nmi_faultmask = __get_FAULTMASK();
    trace('n');
}

static volatile uint32_t hf_hfsr;
static volatile int hf_pend_nmi;

void HardFault_Handler(void)
{
    trace('H');
    hf_hfsr = SCB->HFSR;
    SCB->HFSR = hf_hfsr;
    if (hf_pend_nmi) {
        SCB->ICSR = SCB_ICSR_NMIPENDSET;
        __DSB();
        __ISB();
        trace('h'); /* after NMI returned */
    } else {
        trace('h');
    }
}

/* ---- 1. PRIGROUP ----------------------------------------------------------- */

static void a_pends_b(void) { pend('B'); }
static void d_pends_a(void)
{
    action[0] = a_pends_b;
    pend('A');
}
static void c_pends_b(void) { pend('B'); }

static void prigroup_tests(void)
{
    con_puts("1. PRIGROUP=6: group = p/4, subpriority = p%4\n");
    set_prigroup(6);
    NVIC_SetPriority(IRQ('A'), 3);
    NVIC_SetPriority(IRQ('B'), 1);
    NVIC_SetPriority(IRQ('C'), 5);
    NVIC_SetPriority(IRQ('D'), 4);
    NVIC_SetPriority(IRQ('E'), 1);
    NVIC_SetPriority(IRQ('F'), 2);
    __disable_irq();
    for (char l = 'F'; l >= 'A'; l--)
        pend(l);
    __enable_irq();
    con_puts("  six pended under PRIMASK: priority, then number\n");
    trace_expect("BbEeFfAaDdCc");

    con_puts("  D (group 1) pends A (group 0): A preempts; A pends B (group 0): B waits\n");
    action[IRQ('D') - FIRST_IRQ] = d_pends_a;
    pend('D');
    trace_expect("DAaBbd");

    con_puts("2. PRIGROUP=7: every priority in group 0, nothing preempts\n");
    set_prigroup(7);
    action[IRQ('C') - FIRST_IRQ] = c_pends_b;
    pend('C');
    trace_expect("CcBb");

    con_puts("3. PRIGROUP=5: priorities 4 and 5 share group 2; 3 is group 1\n");
    set_prigroup(5);
    action[IRQ('C') - FIRST_IRQ] = d_pends_a; /* C pends A (3), A pends B (1) */
    pend('C');
    /* A (group 1) preempts C (group 2); B (group 0) preempts A */
    trace_expect("CABbac");
    set_prigroup(0);
}

/* ---- 2. equal priorities: exception number --------------------------------- */

static void tie_tests(void)
{
    con_puts("4. equal priority: PendSV (14), SysTick (15), IRQ A, IRQ B by number\n");
    NVIC_SetPriority(PendSV_IRQn, 2);
    NVIC_SetPriority(SysTick_IRQn, 2);
    NVIC_SetPriority(IRQ('A'), 2);
    NVIC_SetPriority(IRQ('B'), 2);
    __disable_irq();
    pend('B');
    NVIC->STIR = IRQ('A');
    SCB->ICSR = SCB_ICSR_PENDSTSET;
    SCB->ICSR = SCB_ICSR_PENDSVSET;
    __DSB();
    uint32_t icsr = SCB->ICSR;
    con_printf("  ICSR: VECTPENDING=%u, PENDSVSET=%u, PENDSTSET=%u, ISRPENDING=%u\n",
               ICSR_VECTPENDING(icsr), (icsr >> 28) & 1, (icsr >> 26) & 1,
               (icsr & ICSR_ISRPENDING) ? 1u : 0u);
    CHECK(ICSR_VECTPENDING(icsr) == EXC_PENDSV);
    __enable_irq();
    trace_expect("PpSsAaBb");

    con_puts("5. PENDSVCLR and PENDSTCLR from thread mode withdraw them\n");
    __disable_irq();
    SCB->ICSR = SCB_ICSR_PENDSVSET | SCB_ICSR_PENDSTSET;
    SCB->ICSR = SCB_ICSR_PENDSVCLR | SCB_ICSR_PENDSTCLR;
    icsr = SCB->ICSR;
    __enable_irq();
    __ISB();
    con_printf("  after CLR: PENDSVSET=%u, PENDSTSET=%u, VECTPENDING=%u\n", (icsr >> 28) & 1,
               (icsr >> 26) & 1, ICSR_VECTPENDING(icsr));
    CHECK(((icsr >> 26) & 5) == 0 && ICSR_VECTPENDING(icsr) == 0);
    trace_expect("");

    con_puts("6. STIR pends a disabled interrupt; ISER then lets it in\n");
    NVIC_DisableIRQ(IRQ('C'));
    NVIC->STIR = IRQ('C');
    __DSB();
    __ISB();
    con_printf("  C pending=%u while disabled\n", NVIC_GetPendingIRQ(IRQ('C')));
    trace_expect("");
    NVIC_EnableIRQ(IRQ('C'));
    __DSB();
    __ISB();
    trace_expect("Cc");
}

/* ---- 3. ICSR seen from handlers ------------------------------------------- */

static volatile uint32_t icsr_seen[4];

static void c_reads_icsr(void)
{
    icsr_seen[0] = SCB->ICSR;
    SCB->ICSR = SCB_ICSR_PENDSVSET;
    icsr_seen[1] = SCB->ICSR;
    NVIC_SetPendingIRQ(IRQ('A')); /* priority 6: above PendSV, below C */
    icsr_seen[2] = SCB->ICSR;
    SCB->ICSR = SCB_ICSR_PENDSTSET;
    icsr_seen[3] = SCB->ICSR;
}

static void b_pends_d_nested(void);
static volatile uint32_t nested_icsr;
static void d_reads_icsr(void) { nested_icsr = SCB->ICSR; }
static void b_pends_d_nested(void)
{
    action[IRQ('D') - FIRST_IRQ] = d_reads_icsr;
    pend('D');
}

static void print_icsr(const char *when, uint32_t icsr)
{
    con_printf("  %s: VECTACTIVE=%u RETTOBASE=%u VECTPENDING=%u ISRPENDING=%u PENDSV=%u "
               "PENDST=%u\n",
               when, icsr & 0x1FF, (icsr & ICSR_RETTOBASE) ? 1u : 0u, ICSR_VECTPENDING(icsr),
               (icsr & ICSR_ISRPENDING) ? 1u : 0u, (icsr >> 28) & 1, (icsr >> 26) & 1);
}

static void icsr_tests(void)
{
    con_puts("7. ICSR from a handler (C, priority 5; A 6, SysTick 7, PendSV 7)\n");
    NVIC_SetPriority(IRQ('C'), 5);
    NVIC_SetPriority(IRQ('A'), 6);
    NVIC_SetPriority(SysTick_IRQn, 7);
    NVIC_SetPriority(PendSV_IRQn, 7);
    action[IRQ('C') - FIRST_IRQ] = c_reads_icsr;
    pend('C');
    print_icsr("on entry", icsr_seen[0]);
    print_icsr("PENDSVSET", icsr_seen[1]);
    print_icsr("IRQ A pended", icsr_seen[2]);
    print_icsr("PENDSTSET", icsr_seen[3]);
    CHECK((icsr_seen[0] & 0x1FF) == (uint32_t)EXC_IRQ(IRQ('C')));
    CHECK(ICSR_VECTPENDING(icsr_seen[1]) == EXC_PENDSV);
    CHECK(ICSR_VECTPENDING(icsr_seen[2]) == (uint32_t)EXC_IRQ(IRQ('A')));
    CHECK(ICSR_VECTPENDING(icsr_seen[3]) == (uint32_t)EXC_IRQ(IRQ('A')));
    /* after C: A (6), then PendSV (7, exception 14) before SysTick (7, 15) */
    trace_expect("CcAaPpSs");

    con_puts("8. ICSR in a nested handler (D, priority 2, preempts B, priority 3)\n");
    NVIC_SetPriority(IRQ('B'), 3);
    NVIC_SetPriority(IRQ('D'), 2);
    action[IRQ('B') - FIRST_IRQ] = b_pends_d_nested;
    pend('B');
    print_icsr("in D", nested_icsr);
    CHECK((nested_icsr & ICSR_RETTOBASE) == 0);
    CHECK((nested_icsr & 0x1FF) == (uint32_t)EXC_IRQ(IRQ('D')));
    trace_expect("BDdb");
    uint32_t icsr = SCB->ICSR;
    print_icsr("thread", icsr);
}

/* ---- 4. BASEPRI, BASEPRI_MAX, FAULTMASK, NMI ------------------------------ */

static void b_sets_masks(void)
{
    __disable_fault_irq();
    __disable_irq();
}

static void mask_tests(void)
{
    con_puts("9. BASEPRI is compared by group priority\n");
    NVIC_SetPriority(IRQ('B'), 1);
    set_prigroup(6);
    __set_BASEPRI(BASEPRI_FOR(3)); /* group 0: masks every configurable priority */
    pend('B');
    con_printf("  PRIGROUP=6, BASEPRI=%x: B (priority 1) pending=%u\n", __get_BASEPRI(),
               NVIC_GetPendingIRQ(IRQ('B')));
    trace_expect("");
    set_prigroup(0);
    con_puts("  PRIGROUP=0: B taken\n");
    trace_expect("Bb");
    __set_BASEPRI(0);

    con_puts("10. BASEPRI_MAX\n");
    __set_BASEPRI_MAX(BASEPRI_FOR(4));
    uint32_t v1 = __get_BASEPRI();
    __set_BASEPRI_MAX(0);
    uint32_t v2 = __get_BASEPRI();
    __set_BASEPRI_MAX(BASEPRI_FOR(5));
    uint32_t v3 = __get_BASEPRI();
    __set_BASEPRI_MAX(BASEPRI_FOR(2));
    uint32_t v4 = __get_BASEPRI();
    con_printf("  from 0 to %x: %x; write 0: %x; write %x: %x; write %x: %x\n",
               BASEPRI_FOR(4), v1, v2, BASEPRI_FOR(5), v3, BASEPRI_FOR(2), v4);
    CHECK(v1 == BASEPRI_FOR(4) && v2 == v1 && v3 == v1 && v4 == BASEPRI_FOR(2));
    __set_BASEPRI(0);

    con_puts("11. FAULTMASK masks priority 0, not NMI\n");
    NVIC_SetPriority(IRQ('A'), 0);
    __disable_fault_irq();
    pend('A');
    SCB->ICSR = SCB_ICSR_NMIPENDSET;
    __DSB();
    __ISB();
    uint32_t fm = __get_FAULTMASK();
    con_printf("  NMI: IPSR=%u, FAULTMASK in NMI=%u, after NMI=%u, A pending=%u\n", nmi_ipsr,
               nmi_faultmask, fm, NVIC_GetPendingIRQ(IRQ('A')));
    CHECK(nmi_ipsr == EXC_NMI && nmi_faultmask == 1 && fm == 1);
    trace_expect("Nn");
    __enable_fault_irq();
    __ISB();
    trace_expect("Aa");

    con_puts("12. exception return clears FAULTMASK, not PRIMASK\n");
    action[IRQ('B') - FIRST_IRQ] = b_sets_masks;
    pend('B');
    fm = __get_FAULTMASK();
    uint32_t pm = __get_PRIMASK();
    __enable_irq();
    con_printf("  handler set both: after return FAULTMASK=%u, PRIMASK=%u\n", fm, pm);
    CHECK(fm == 0 && pm == 1);
    trace_expect("Bb");

    con_puts("13. NMI preempts HardFault\n");
    hf_pend_nmi = 1;
    __disable_irq();
    __asm__ volatile("svc #0" ::: "memory"); /* cannot be taken: HardFault */
    __enable_irq();
    hf_pend_nmi = 0;
    con_printf("  HFSR.FORCED=%u; in NMI: VECTACTIVE=%u, RETTOBASE=%u\n",
               (hf_hfsr & SCB_HFSR_FORCED) ? 1u : 0u, nmi_icsr & 0x1FF,
               (nmi_icsr & ICSR_RETTOBASE) ? 1u : 0u);
    CHECK((nmi_icsr & 0x1FF) == EXC_NMI && !(nmi_icsr & ICSR_RETTOBASE));
    trace_expect("HNnh");
}

int main(void)
{
    for (int i = 0; i < NUM_TEST_IRQS; i++)
        NVIC_EnableIRQ(FIRST_IRQ + i);
    prigroup_tests();
    tie_tests();
    icsr_tests();
    mask_tests();
    return check_finish("prio-order");
}
