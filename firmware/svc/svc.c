/* SVC (B1.5.6, A7.7.175): the handler finds the SVC number in the SVC
 * instruction before the stacked PC, takes its arguments from the stacked
 * r0-r3 and returns its result by writing the stacked r0. Also checks that
 * exception return restores r1-r3, r12, lr and the flags, that an SVC from
 * a lower-priority handler is taken at once, and that an SVC with
 * PRIMASK set escalates to HardFault. */
#include "armv7m.h"
#include "check.h"
#include "console.h"

static volatile unsigned svc_count;
static volatile uint32_t svc_ipsr;
static volatile int in_pendsv;
static volatile int svc_preempted_pendsv;
static volatile uint32_t hardfault_hfsr;

/* SVC numbers */
#define SVC_NOP 0
#define SVC_ADD 1
#define SVC_SUM4 2
/* any other number n: returns 0x5C000000 | n */

#define svc(n, a, b, c, d)                                                          \
    ({                                                                              \
        register uint32_t r0_ __asm__("r0") = (a);                                  \
        register uint32_t r1_ __asm__("r1") = (b);                                  \
        register uint32_t r2_ __asm__("r2") = (c);                                  \
        register uint32_t r3_ __asm__("r3") = (d);                                  \
        __asm__ volatile("svc %[num]"                                               \
                         : "+r"(r0_)                                                \
                         : [num] "i"(n), "r"(r1_), "r"(r2_), "r"(r3_)               \
                         : "memory");                                               \
        r0_;                                                                        \
    })

__attribute__((used)) void svc_dispatch(ExcFrame *f)
{
    /* The stacked PC is the instruction after the 16-bit SVC (B1.5.6). */
    uint8_t number = ((const uint16_t *)f->pc)[-1] & 0xFF;
    svc_count++;
    svc_ipsr = __get_IPSR();
    if (in_pendsv)
        svc_preempted_pendsv = 1;
    switch (number) {
    case SVC_NOP:
        break;
    case SVC_ADD:
        f->r0 = f->r0 + f->r1;
        break;
    case SVC_SUM4:
        f->r0 = f->r0 + f->r1 + f->r2 + f->r3;
        break;
    default:
        f->r0 = 0x5C000000u | number;
        break;
    }
}
HANDLER_WITH_FRAME(SVC_Handler, svc_dispatch)

void PendSV_Handler(void)
{
    in_pendsv = 1;
    svc(SVC_NOP, 0, 0, 0, 0);
    in_pendsv = 0;
}

/* An SVC that cannot be taken (PRIMASK=1) escalates to HardFault (B1.5.4);
 * its return address is still the instruction after the SVC. */
void HardFault_Handler(void)
{
    hardfault_hfsr = SCB->HFSR;
    SCB->HFSR = hardfault_hfsr;
}

/* Loads known values into r1-r3, r12, lr and the flags, calls SVC #0 (whose
 * handler, C code, clobbers them) and returns how many came back intact. */
static int svc_preserves_registers(void)
{
    uint32_t r1, r2, r3, r12, lr, apsr;
    __asm__ volatile("mov r1, #0x11\n\t"
                     "mov r2, #0x22\n\t"
                     "mov r3, #0x33\n\t"
                     "mov r12, #0x44\n\t"
                     "mov lr, #0x55\n\t"
                     "movs r0, #0\n\t"
                     "cmp r0, #1\n\t" /* N=1 Z=0 C=0 V=0 */
                     "svc #0\n\t"
                     "mrs r0, apsr\n\t"
                     "mov %[r1], r1\n\t"
                     "mov %[r2], r2\n\t"
                     "mov %[r3], r3\n\t"
                     "mov %[r12], r12\n\t"
                     "mov %[lr], lr\n\t"
                     "mov %[apsr], r0"
                     : [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r12] "=&r"(r12),
                       [lr] "=&r"(lr), [apsr] "=&r"(apsr)
                     :
                     : "r0", "r1", "r2", "r3", "r12", "lr", "cc", "memory");
    return (r1 == 0x11) + (r2 == 0x22) + (r3 == 0x33) + (r12 == 0x44) + (lr == 0x55) +
           ((apsr >> 28) == 0x8);
}

int main(void)
{
    uint32_t r = svc(SVC_ADD, 2, 3, 0, 0);
    con_printf("svc #1 add(2, 3) = %u\n", r);
    CHECK(r == 5);

    r = svc(SVC_SUM4, 1, 20, 300, 4000);
    con_printf("svc #2 sum(1, 20, 300, 4000) = %u\n", r);
    CHECK(r == 4321);

    r = svc(127, 0, 0, 0, 0);
    con_printf("svc #127 -> %x\n", r);
    CHECK(r == 0x5C00007Fu);
    r = svc(255, 0, 0, 0, 0);
    con_printf("svc #255 -> %x\n", r);
    CHECK(r == 0x5C0000FFu);

    con_printf("IPSR in the handler: %u\n", svc_ipsr);
    CHECK(svc_ipsr == EXC_SVCALL);
    CHECK(__get_IPSR() == 0);

    int kept = svc_preserves_registers();
    con_printf("r1-r3, r12, lr and flags intact after return: %d of 6\n", kept);
    CHECK(kept == 6);

    /* SVC (priority 0) from PendSV (priority 7) preempts at once. */
    NVIC_SetPriority(PendSV_IRQn, 7);
    unsigned before = svc_count;
    SCB->ICSR = SCB_ICSR_PENDSVSET;
    __ISB();
    con_printf("svc from PendSV: taken %s\n", svc_preempted_pendsv ? "at once" : "late");
    CHECK(svc_preempted_pendsv && svc_count == before + 1);

    /* With PRIMASK=1 the SVC cannot be taken: it escalates to HardFault. */
    before = svc_count;
    __disable_irq();
    r = svc(SVC_ADD, 40, 2, 0, 0);
    __enable_irq();
    con_printf("svc with PRIMASK=1: HardFault, HFSR.FORCED=%u, handler ran %u times, r0=%u\n",
               (hardfault_hfsr & SCB_HFSR_FORCED) ? 1u : 0u, svc_count - before, r);
    CHECK(hardfault_hfsr & SCB_HFSR_FORCED);
    CHECK(svc_count == before && r == 40);

    return check_finish("svc");
}
