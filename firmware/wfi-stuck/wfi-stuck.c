/* WFI with every interrupt source disabled (B1.5.19): no interrupt is
 * enabled in the NVIC, SysTick is off, nothing is pending, so nothing can
 * ever wake the core. minivm stops with exit status 101 and says why;
 * QEMU 7.2 just sleeps for ever. An interrupt pended and enabled first
 * shows that WFI itself works (it returns at once). */
#include "armv7m.h"
#include "console.h"

#define IRQ_TEST 24

static volatile int runs;
void IRQ24_Handler(void) { runs++; }

int main(void)
{
    NVIC_EnableIRQ(IRQ_TEST);
    NVIC_SetPendingIRQ(IRQ_TEST);
    __WFI();
    con_printf("WFI with an interrupt pending returned, handler ran %d time(s)\n", runs);
    NVIC_DisableIRQ(IRQ_TEST);
    SysTick->CTRL = 0;
    con_puts("every interrupt source disabled: WFI\n");
    __WFI();
    con_puts("FAIL: WFI returned\n");
    return 1;
}
