/* An LDM from an address that is not word aligned, in firmware that never
 * enables UsageFault (A3.2.1: a UsageFault, escalated to HardFault): the
 * HardFault handler reports the fault and exits 2, as under QEMU 7.2.
 * minivm checks LDRD/STRD/LDM/STM from reset in an image with few of them,
 * like this one; unaligned-ldm-large has more, and there the load
 * completes (exit 0) unless the firmware enables UsageFault or --strict
 * is given (README.md "Known limitations"). */
#ifndef EXTRA_MULTIWORDS
#define EXTRA_MULTIWORDS "0"
#endif

#include "armv7m.h"
#include "console.h"
#include "semihost.h"

static uint32_t buf[4] __attribute__((aligned(8))) = { 0x33221100, 0x77665544, 0xBBAA9988,
                                                       0xFFEEDDCC };
extern const uint16_t ldm_insn[];

__attribute__((used)) void hardfault_c(ExcFrame *f)
{
    con_printf("HardFault: UNALIGNED=%u FORCED=%u, stacked PC %s\n",
               (SCB->CFSR & SCB_CFSR_UNALIGNED) ? 1u : 0u,
               (SCB->HFSR & SCB_HFSR_FORCED) ? 1u : 0u,
               f->pc == (uint32_t)ldm_insn ? "right" : "WRONG");
    sh_exit(2);
}
HANDLER_WITH_FRAME(HardFault_Handler, hardfault_c)

__attribute__((naked, noinline)) static uint32_t do_ldm(uint32_t addr __attribute__((unused)))
{
    __asm__ volatile("ldm_insn: ldm.w r0, {r1, r2}\n\t"
                     "add r0, r1, r2\n\t"
                     "bx lr\n\t"
                     /* unaligned-ldm-large: more of them, never executed */
                     ".rept " EXTRA_MULTIWORDS "\n\t"
                     "ldm.w r0, {r1, r2}\n\t"
                     ".endr");
}

int main(void)
{
    uint32_t v = do_ldm((uint32_t)buf + 2);
    con_printf("unaligned LDM completed: %x\n", v);
    return 0;
}
