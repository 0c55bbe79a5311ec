/* Reads a register of a window the board lists but minivm does not model
 * (the mps2 watchdog at 0x40008000). Without --strict it reads as zero and
 * the program exits 0; with --strict the access is a bus error, which
 * minivm raises as an imprecise BusFault (a device access cannot be made
 * precise on Unicorn): with BusFault disabled it escalates to HardFault,
 * whose handler reports the status bits and exits 2. */
#include "armv7m.h"
#include "console.h"
#include "semihost.h"

#define WATCHDOG_LOAD (*(volatile uint32_t *)0x40008000u)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define CFSR_IMPRECISERR (1u << 10)
#define HFSR_FORCED (1u << 30)

void HardFault_Handler(void)
{
    con_printf("HardFault: IMPRECISERR=%u FORCED=%u\n", (SCB_CFSR & CFSR_IMPRECISERR) ? 1u : 0u,
               (SCB_HFSR & HFSR_FORCED) ? 1u : 0u);
    sh_exit(2);
}

int main(void)
{
    uint32_t v = WATCHDOG_LOAD;
    __asm volatile("dsb\n isb" ::: "memory");
    con_printf("unmodelled register reads %u\n", (unsigned)v);
    return 0;
}
