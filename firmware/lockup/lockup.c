/* Lockup (B1.5.15): a load from an unmapped address escalates to HardFault
 * (BusFault is disabled); the HardFault handler faults the same way, which
 * cannot escalate any further: the processor locks up. minivm stops and
 * reports it (exit status 100); QEMU 7.2 aborts ("Lockup: can't escalate 3
 * to HardFault") with SIGABRT. Nothing after the second fault may run. */
#include "console.h"
#include "semihost.h"

#define UNMAPPED 0x60000000u

void HardFault_Handler(void)
{
    con_puts("in HardFault: loading from the unmapped address again\n");
    (void)*(volatile uint32_t *)UNMAPPED;
    con_puts("FAIL: no lockup, the HardFault handler continued\n");
    sh_exit(1);
}

int main(void)
{
    con_puts("loading from unmapped 0x60000000, BusFault disabled\n");
    (void)*(volatile uint32_t *)UNMAPPED;
    con_puts("FAIL: the load did not fault\n");
    return 1;
}
