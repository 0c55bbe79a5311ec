/* Lockup from NMI (B1.5.15): a fault in the NMI handler cannot be taken
 * (NMI runs at priority -2, above HardFault), so the processor locks up.
 * UsageFault is enabled and HardFault is first shown to work from thread
 * mode; then NMI is pended through ICSR.NMIPENDSET and executes UDF.
 * minivm stops and reports the lockup (exit status 100); QEMU 7.2 aborts
 * ("Lockup: can't escalate 3 to HardFault"). Nothing after the UDF in the
 * NMI handler may run. */
#include "armv7m.h"
#include "console.h"
#include "semihost.h"

static volatile int usage_faults;

__attribute__((used)) void usage_c(ExcFrame *f)
{
    usage_faults++;
    SCB->CFSR = SCB->CFSR;
    f->pc += 2; /* skip the 16-bit UDF */
}
HANDLER_WITH_FRAME(UsageFault_Handler, usage_c)

void NMI_Handler(void)
{
    con_puts("in NMI: UDF\n");
    __asm__ volatile("udf #1" ::: "memory");
    con_puts("FAIL: no lockup, the NMI handler continued\n");
    sh_exit(1);
}

int main(void)
{
    SCB->SHCSR |= SCB_SHCSR_USGFAULTENA;
    __asm__ volatile("udf #0" ::: "memory");
    con_printf("UDF in thread mode: UsageFault taken %d time(s)\n", usage_faults);
    con_puts("pending NMI\n");
    SCB->ICSR = SCB_ICSR_NMIPENDSET;
    __DSB();
    __ISB();
    con_puts("FAIL: returned from NMI\n");
    return 1;
}
