/* A bus error while stacking an exception frame (B1.5.6 PushStack,
 * B3.2.15 BFSR.STKERR): the thread runs on a PSP that points at unmapped
 * memory (0x60000100) when an interrupt arrives. The frame cannot be
 * written: the derived BusFault (or, with BusFault disabled, a forced
 * HardFault) is taken instead, with STKERR set, LR = 0xFFFFFFFD and PSP
 * moved down by the frame size; the interrupt stays pending, not active.
 * The fault handler builds a frame on a valid process stack that returns to
 * a recovery function; the interrupt then runs as the fault handler
 * returns, and the recovery function goes on with the next case. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "semihost.h"
#include "startup.h"

#define IRQ_TEST 24
#define BAD_PSP 0x60000100u

static uint64_t good_stack[128];
#define GOOD_PSP ((uint32_t)&good_stack[128])

typedef struct {
    int exception;
    uint32_t cfsr, hfsr, lr, psp;
    int irq_pending, irq_active;
} Fault;

static volatile Fault fault;
static volatile int irq_runs, irq_runs_at_fault;
static void (*volatile recover_to)(void);

void IRQ24_Handler(void) { irq_runs++; }

/* Records the fault and returns to *recover_to on a fresh frame on the
 * good process stack (the interrupted thread state is lost). */
__attribute__((used)) uint32_t stack_fault_c(uint32_t exc_return)
{
    fault.exception = (int)__get_IPSR();
    fault.cfsr = SCB->CFSR;
    fault.hfsr = SCB->HFSR;
    fault.lr = exc_return;
    fault.psp = __get_PSP();
    fault.irq_pending = NVIC_GetPendingIRQ(IRQ_TEST);
    fault.irq_active = NVIC_GetActive(IRQ_TEST);
    irq_runs_at_fault = irq_runs;
    SCB->CFSR = fault.cfsr;
    SCB->HFSR = fault.hfsr;
    return fault_return_to(GOOD_PSP, recover_to);
}

HANDLER_RETURNING(BusFault_Handler, stack_fault_c)

HANDLER_RETURNING(HardFault_Handler, stack_fault_c)

static void report(void)
{
    con_printf("  %s: CFSR=%x, FORCED=%u, LR=%x, PSP moved down %u bytes\n",
               fault.exception == EXC_BUSFAULT   ? "BusFault"
               : fault.exception == EXC_HARDFAULT ? "HardFault"
                                                  : "other",
               fault.cfsr, (fault.hfsr & SCB_HFSR_FORCED) ? 1u : 0u, fault.lr,
               BAD_PSP - fault.psp);
    con_printf("  at the fault the IRQ was pending=%d active=%d, ran %d; it ran %d time(s) since\n",
               fault.irq_pending, fault.irq_active, irq_runs_at_fault,
               irq_runs - irq_runs_at_fault);
    CHECK(fault.cfsr == (1u << 12) && fault.lr == EXC_RETURN_THREAD_PSP);
    CHECK(BAD_PSP - fault.psp == 32 && fault.irq_pending && !fault.irq_active);
}

static void finish(void)
{
    report();
    CHECK(fault.exception == EXC_BUSFAULT && irq_runs == 2);
    sh_exit(check_finish("stack-fault"));
}

static void second_case(void)
{
    report();
    CHECK(fault.exception == EXC_HARDFAULT && (fault.hfsr & SCB_HFSR_FORCED) && irq_runs == 1);
    con_puts("2. BusFault enabled\n");
    SCB->SHCSR |= SCB_SHCSR_BUSFAULTENA;
    recover_to = finish;
    thread_on_psp_pend_irq(BAD_PSP, IRQ_TEST);
}

int main(void)
{
    NVIC_SetPriority(IRQ_TEST, 3);
    NVIC_EnableIRQ(IRQ_TEST);
    con_puts("1. BusFault disabled: the stacking error escalates\n");
    recover_to = second_case;
    thread_on_psp_pend_irq(BAD_PSP, IRQ_TEST);
}
