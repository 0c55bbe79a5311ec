#include "fault_log.h"

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
