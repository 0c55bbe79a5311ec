/* Reads a register of a window the board lists but minivm does not model
 * (the mps2 GPIO at 0x40010000). Without --strict it reads as zero and
 * the program exits 0; with --strict the access is a bus error: a precise
 * BusFault as QEMU raises for a device's bus error (CFSR.PRECISERR,
 * BFARVALID, BFAR the address, stacked PC the load), escalated to
 * HardFault with BusFault disabled, whose handler reports it and exits 2. */
#include "armv7m.h"
#include "console.h"
#include "semihost.h"

#define GPIO_DATA 0x40010000u

extern const uint16_t load_insn[];

__attribute__((used)) void hardfault_c(ExcFrame *f)
{
    uint32_t cfsr = SCB->CFSR;
    con_printf("HardFault: PRECISERR=%u BFARVALID=%u BFAR=%x FORCED=%u, stacked PC %s\n",
               (cfsr & SCB_CFSR_PRECISERR) ? 1u : 0u, (cfsr & SCB_CFSR_BFARVALID) ? 1u : 0u,
               SCB->BFAR, (SCB->HFSR & SCB_HFSR_FORCED) ? 1u : 0u,
               f->pc == (uint32_t)load_insn ? "right" : "WRONG");
    sh_exit(2);
}
HANDLER_WITH_FRAME(HardFault_Handler, hardfault_c)

__attribute__((naked, noinline)) static uint32_t load(uint32_t addr __attribute__((unused)))
{
    __asm__ volatile("movs r1, #1\n"
                     "load_insn: ldr r0, [r0]\n\t"
                     "bx lr");
}

int main(void)
{
    uint32_t v = load(GPIO_DATA);
    con_printf("unmodelled register reads %u\n", (unsigned)v);
    return 0;
}
