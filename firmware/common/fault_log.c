#include "fault_log.h"

#define XPSR_THUMB (1u << 24)

volatile FaultLog fault;
volatile int faults;

void fault_log_take(const ExcFrame *f)
{
    faults++;
    fault.exception = (int)__get_IPSR();
    fault.cfsr = SCB->CFSR;
    fault.hfsr = SCB->HFSR;
    fault.mmfar = SCB->MMFAR;
    fault.bfar = SCB->BFAR;
    fault.pc = f->pc;
    SCB->CFSR = fault.cfsr;
    SCB->HFSR = fault.hfsr;
}

/* Thread mode: back to the main stack and privilege, then on to the
 * function in r0 */
__attribute__((naked)) static void to_msp(void)
{
    __asm__ volatile("movs r1, #0\n\t"
                     "msr control, r1\n\t"
                     "isb\n\t"
                     "bx r0");
}

uint32_t fault_return_to(uint32_t psp_top, void (*fn)(void))
{
    ExcFrame *f = (ExcFrame *)(psp_top - sizeof(ExcFrame));
    *f = (ExcFrame){ .r0 = (uint32_t)fn, .pc = (uint32_t)to_msp & ~1u, .xpsr = XPSR_THUMB };
    __set_PSP((uint32_t)f);
    return EXC_RETURN_THREAD_PSP;
}
