/* SCR.SLEEPONEXIT with nothing left that could wake the CPU: the return
 * from the only interrupt puts the core to sleep for good, without a WFI
 * anywhere in the program. minivm must stop with status 101 and name
 * sleep-on-exit, not a WFI, as what cannot wake. */
#include "armv7m.h"
#include "console.h"

void PendSV_Handler(void)
{
    con_puts("PendSV\n");
}

int main(void)
{
    SCB->SCR = SCB_SCR_SLEEPONEXIT;
    SCB->ICSR = SCB_ICSR_PENDSVSET;
    con_puts("not reached\n");
    return 0;
}
