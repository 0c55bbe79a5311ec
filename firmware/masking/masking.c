/* PRIMASK, FAULTMASK and BASEPRI defer interrupts; the deferred interrupt
 * is taken right after the instruction that unmasks it (CPSIE, MSR PRIMASK,
 * MSR BASEPRI): the very next instruction, a load of the handler's run
 * counter, must see that the handler ran (B1.5.4 execution priority,
 * B5.2.3 MSR/CPS). A store to the NVIC (ISPR, ISER) that makes an
 * interrupt deliverable takes effect once a DSB and an ISB have followed it
 * (the ordering the architecture guarantees for System Control Space
 * writes; QEMU too takes the interrupt only a few instructions later), so
 * there the load comes right after "str; dsb; isb". */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

#define IRQ_LOW 24  /* priority 3 */
#define IRQ_HIGH 25 /* priority 1 */
#define IRQ_OFF 26  /* priority 2, starts disabled in the NVIC */

static volatile int ran_low, ran_high, ran_off;

IRQ_HANDLER(IRQ_LOW) { ran_low++; }
IRQ_HANDLER(IRQ_HIGH) { ran_high++; }
IRQ_HANDLER(IRQ_OFF) { ran_off++; }

/* Executes the unmasking instruction(s) insn (operands: %[v] = val,
 * %[a] = addr) and, as the very next instruction, loads *counter. */
#define UNMASK_AND_READ(insn, counter, val, addr)                                        \
    ({                                                                              \
        int n_;                                                                     \
        __asm__ volatile(insn "\n\tldr %[n], [%[c]]"                                \
                         : [n] "=&r"(n_)                                            \
                         : [c] "r"(counter), [v] "r"(val), [a] "r"(addr)                 \
                         : "memory");                                               \
        n_;                                                                         \
    })

static void expect_ran(int n, int before, const char *what)
{
    n -= before;
    con_printf("  %s: handler %s\n", what,
               n == 1 ? "ran before the next load" : n ? "ran twice" : "did not run");
    CHECK(n == 1);
}

static void expect_not_yet(volatile int *counter, int before, int irq, const char *what)
{
    int n = *counter - before;
    con_printf("  %s: %s, %s\n", what, n ? "handler ran" : "deferred",
               NVIC_GetPendingIRQ(irq) ? "pending" : "not pending");
    CHECK(n == 0 && NVIC_GetPendingIRQ(irq));
}

int main(void)
{
    NVIC_SetPriority(IRQ_LOW, 3);
    NVIC_SetPriority(IRQ_HIGH, 1);
    NVIC_SetPriority(IRQ_OFF, 2);
    NVIC_EnableIRQ(IRQ_LOW);
    NVIC_EnableIRQ(IRQ_HIGH);
    int before;

    con_puts("PRIMASK\n");
    before = ran_low;
    __disable_irq();
    NVIC_SetPendingIRQ(IRQ_LOW);
    __ISB();
    expect_not_yet(&ran_low, before, IRQ_LOW, "pended with PRIMASK=1");
    expect_ran(UNMASK_AND_READ("cpsie i", &ran_low, 0, 0), before, "CPSIE i");

    before = ran_low;
    __set_PRIMASK(1);
    NVIC_SetPendingIRQ(IRQ_LOW);
    __ISB();
    expect_not_yet(&ran_low, before, IRQ_LOW, "pended with MSR PRIMASK, 1");
    expect_ran(UNMASK_AND_READ("msr primask, %[v]", &ran_low, 0, 0), before, "MSR PRIMASK, 0");

    con_puts("FAULTMASK\n");
    before = ran_high;
    __disable_fault_irq();
    NVIC_SetPendingIRQ(IRQ_HIGH);
    __ISB();
    expect_not_yet(&ran_high, before, IRQ_HIGH, "pended with FAULTMASK=1");
    expect_ran(UNMASK_AND_READ("cpsie f", &ran_high, 0, 0), before, "CPSIE f");

    con_puts("BASEPRI\n");
    __set_BASEPRI(BASEPRI_FOR(2)); /* masks priorities 2..7 */
    con_printf("  BASEPRI=%x\n", __get_BASEPRI());
    before = ran_high;
    expect_ran(UNMASK_AND_READ("str %[v], [%[a]]\n\tdsb\n\tisb", &ran_high, 1u << IRQ_HIGH, &NVIC->ISPR[0]),
               before, "priority 1 pended (ISPR), above BASEPRI");
    before = ran_low;
    NVIC_SetPendingIRQ(IRQ_LOW);
    __ISB();
    expect_not_yet(&ran_low, before, IRQ_LOW, "priority 3 pended");
    __set_BASEPRI(BASEPRI_FOR(3));
    __ISB();
    expect_not_yet(&ran_low, before, IRQ_LOW, "BASEPRI=priority 3 still masks it");
    expect_ran(UNMASK_AND_READ("msr basepri, %[v]", &ran_low, BASEPRI_FOR(4), 0), before,
               "MSR BASEPRI, priority 4");

    /* BASEPRI_MAX only ever raises the masking (lowers the value). */
    __set_BASEPRI(BASEPRI_FOR(4));
    __set_BASEPRI_MAX(BASEPRI_FOR(6));
    con_printf("  BASEPRI_MAX %x over %x: BASEPRI=%x\n", BASEPRI_FOR(6), BASEPRI_FOR(4),
               __get_BASEPRI());
    CHECK(__get_BASEPRI() == BASEPRI_FOR(4));
    __set_BASEPRI_MAX(BASEPRI_FOR(2));
    con_printf("  BASEPRI_MAX %x over %x: BASEPRI=%x\n", BASEPRI_FOR(2), BASEPRI_FOR(4),
               __get_BASEPRI());
    CHECK(__get_BASEPRI() == BASEPRI_FOR(2));
    before = ran_low;
    NVIC_SetPendingIRQ(IRQ_LOW);
    expect_ran(UNMASK_AND_READ("msr basepri, %[v]", &ran_low, 0, 0), before, "MSR BASEPRI, 0");

    con_puts("NVIC enable\n");
    before = ran_off;
    NVIC_SetPendingIRQ(IRQ_OFF);
    __ISB();
    expect_not_yet(&ran_off, before, IRQ_OFF, "pended while disabled in the NVIC");
    expect_ran(UNMASK_AND_READ("str %[v], [%[a]]\n\tdsb\n\tisb", &ran_off, 1u << IRQ_OFF, &NVIC->ISER[0]),
               before, "ISER store");

    con_puts("PRIMASK and BASEPRI together\n");
    before = ran_low;
    __disable_irq();
    __set_BASEPRI(BASEPRI_FOR(3));
    NVIC_SetPendingIRQ(IRQ_LOW);
    __enable_irq();
    __ISB();
    expect_not_yet(&ran_low, before, IRQ_LOW, "CPSIE with BASEPRI still masking");
    expect_ran(UNMASK_AND_READ("msr basepri, %[v]", &ran_low, 0, 0), before, "MSR BASEPRI, 0");

    return check_finish("masking");
}
