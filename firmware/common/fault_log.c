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

__attribute__((naked, noreturn)) void thread_on_psp_pend_irq(uint32_t psp __attribute__((unused)),
                                                             uint32_t irq __attribute__((unused)))
{
    __asm__ volatile("msr psp, r0\n\t"
                     "movs r0, #2\n\t" /* CONTROL.SPSEL */
                     "msr control, r0\n\t"
                     "isb\n\t"
                     "movs r2, #1\n\t"
                     "lsls r2, r2, r1\n\t"
                     "ldr r1, =0xE000E200\n\t" /* NVIC_ISPR0 */
                     "str r2, [r1]\n\t"
                     "dsb\n\t"
                     "isb\n\t"
                     "1: b 1b\n\t"
                     ".ltorg");
}
