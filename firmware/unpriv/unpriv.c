/* Unprivileged Thread mode on the process stack (B1.4.4, B1.5.6-B1.5.8,
 * B5.2.2-B5.2.3): CONTROL.nPRIV=1 with SPSEL=1.
 *   - BASEPRI set before dropping privilege, and PRIMASK set by an SVC
 *     handler, keep masking: a pending interrupt is not taken while the
 *     thread runs unprivileged; an SVC with PRIMASK set escalates to a
 *     (privileged) HardFault
 *   - MRS of MSP reads 0 when unprivileged; CONTROL reads back; MSR
 *     CONTROL, MSR PRIMASK and CPSIE are ignored
 *   - exceptions run privileged on MSP (CONTROL reads nPRIV=1, SPSEL=0 in
 *     the handler) and return with EXC_RETURN 0xFFFFFFFD to the
 *     unprivileged thread on PSP (CONTROL 3 again)
 *   - an SVC handler raises privilege by clearing nPRIV, or unmasks */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

#define IRQ_TEST 24

#define SVC_PRIVILEGE 1 /* clears CONTROL.nPRIV */
#define SVC_UNMASK 2    /* clears BASEPRI */
#define SVC_PEND 3      /* pends IRQ_TEST */
#define SVC_MASK_PEND 4 /* sets PRIMASK, pends IRQ_TEST */

static uint64_t psp_stack[256];
#define PSP_TOP ((uint32_t)&psp_stack[256])

static volatile int irq_runs;
static volatile uint32_t irq_control, irq_exc_return, irq_msp_nonzero;
static volatile uint32_t svc_control;

__attribute__((used)) void irq_c(uint32_t exc_return)
{
    irq_runs++;
    irq_control = __get_CONTROL();
    irq_exc_return = exc_return;
    irq_msp_nonzero = __get_MSP() != 0;
}
__attribute__((naked)) void IRQ24_Handler(void)
{
    __asm__ volatile("mov r0, lr\n\tb irq_c");
}

__attribute__((used)) void svc_c(ExcFrame *f)
{
    svc_control = __get_CONTROL();
    switch (((const uint16_t *)f->pc)[-1] & 0xFF) {
    case SVC_PRIVILEGE:
        __set_CONTROL(__get_CONTROL() & ~CONTROL_nPRIV);
        break;
    case SVC_UNMASK:
        __set_BASEPRI(0);
        break;
    case SVC_PEND:
        NVIC_SetPendingIRQ(IRQ_TEST);
        break;
    case SVC_MASK_PEND:
        __disable_irq(); /* exception return leaves PRIMASK as it is */
        NVIC_SetPendingIRQ(IRQ_TEST);
        break;
    }
}
HANDLER_WITH_FRAME(SVC_Handler, svc_c)

/* An SVC with PRIMASK=1 cannot be taken: HardFault (forced), privileged,
 * returns after the SVC; it unmasks. */
static volatile uint32_t hf_hfsr, hf_control;
void HardFault_Handler(void)
{
    hf_hfsr = SCB->HFSR;
    SCB->HFSR = hf_hfsr;
    hf_control = __get_CONTROL();
    __enable_irq();
}

#define SVC(n) SVC_(n)
#define SVC_(n) __asm__ volatile("svc #" #n ::: "memory")

static void unprivileged_thread(void)
{
    con_printf("  CONTROL=%u, MRS MSP reads %x\n", __get_CONTROL(), __get_MSP());
    CHECK(__get_CONTROL() == (CONTROL_nPRIV | CONTROL_SPSEL) && __get_MSP() == 0);

    con_puts("2. BASEPRI set while privileged keeps masking\n");
    for (volatile int i = 0; i < 100; i++)
        ;
    con_printf("  IRQ (priority 2) pended under BASEPRI=2: ran %d\n", irq_runs);
    CHECK(irq_runs == 0);
    __set_BASEPRI(0); /* ignored: unprivileged */
    __ISB();
    con_printf("  MSR BASEPRI ignored: ran %d\n", irq_runs);
    CHECK(irq_runs == 0);
    SVC(SVC_UNMASK);
    con_printf("  SVC (priority 1) cleared BASEPRI: ran %d, handler CONTROL=%u, SVC saw "
               "CONTROL=%u\n",
               irq_runs, irq_control, svc_control);
    CHECK(irq_runs == 1 && irq_control == CONTROL_nPRIV && svc_control == CONTROL_nPRIV);
    con_printf("  IRQ: EXC_RETURN %x, privileged MRS MSP nonzero %u; thread CONTROL=%u\n",
               irq_exc_return, irq_msp_nonzero, __get_CONTROL());
    CHECK(irq_exc_return == EXC_RETURN_THREAD_PSP && irq_msp_nonzero);
    CHECK(__get_CONTROL() == (CONTROL_nPRIV | CONTROL_SPSEL));

    con_puts("3. PRIMASK set by an SVC handler keeps masking the thread\n");
    SVC(SVC_MASK_PEND);
    for (volatile int i = 0; i < 100; i++)
        ;
    __enable_irq(); /* ignored: unprivileged */
    __ISB();
    con_printf("  IRQ pended under PRIMASK, CPSIE i ignored: ran %d\n", irq_runs - 1);
    CHECK(irq_runs == 1);
    SVC(SVC_PEND); /* cannot be taken with PRIMASK=1: HardFault, which unmasks */
    con_printf("  SVC escalated: HFSR.FORCED=%u, HardFault CONTROL=%u; IRQ ran %d\n",
               (hf_hfsr & SCB_HFSR_FORCED) ? 1u : 0u, hf_control, irq_runs - 1);
    CHECK((hf_hfsr & SCB_HFSR_FORCED) && hf_control == CONTROL_nPRIV && irq_runs == 2);

    con_puts("4. interrupt pended by an SVC preempts nothing, runs after it\n");
    SVC(SVC_PEND);
    con_printf("  ran %d, CONTROL=%u\n", irq_runs, __get_CONTROL());
    CHECK(irq_runs == 3 && __get_CONTROL() == (CONTROL_nPRIV | CONTROL_SPSEL));

    con_puts("5. MSR CONTROL ignored, SVC gives privilege back\n");
    __set_CONTROL(CONTROL_SPSEL);
    con_printf("  after MSR CONTROL, 2: CONTROL=%u\n", __get_CONTROL());
    CHECK(__get_CONTROL() == (CONTROL_nPRIV | CONTROL_SPSEL));
    SVC(SVC_PRIVILEGE);
    con_printf("  after SVC: CONTROL=%u, MRS MSP nonzero %u\n", __get_CONTROL(),
               __get_MSP() != 0);
    CHECK(__get_CONTROL() == CONTROL_SPSEL && __get_MSP() != 0);
}

int main(void)
{
    NVIC_SetPriority(IRQ_TEST, 2);
    NVIC_SetPriority(SVCall_IRQn, 1);
    NVIC_EnableIRQ(IRQ_TEST);

    con_puts("1. drop to unprivileged Thread mode on PSP with BASEPRI=2, IRQ pending\n");
    __set_BASEPRI(BASEPRI_FOR(2));
    NVIC_SetPendingIRQ(IRQ_TEST);
    run_on_psp(unprivileged_thread, PSP_TOP, CONTROL_nPRIV | CONTROL_SPSEL);

    con_printf("6. back on MSP, privileged: CONTROL=%u, IRQ ran %d times\n", __get_CONTROL(),
               irq_runs);
    CHECK(__get_CONTROL() == 0 && irq_runs == 3);
    return check_finish("unpriv");
}
