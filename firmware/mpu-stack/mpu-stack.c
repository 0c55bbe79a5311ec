/* The MPU checks exception stacking and unstacking too (B3.5; B1.5.6
 * PushStack, B1.5.8 PopStack; B3.2.15 MMFSR.MSTKERR, MUNSTKERR), with the
 * privilege and priority of the code interrupted or returned to.
 *
 * MSTKERR: the thread runs on a process stack whose frame would land in a
 * no-access guard region when an interrupt arrives. The frame is not
 * written: the derived MemManage fault (or, with MemManage disabled, a
 * forced HardFault) is taken on the unwritten frame, with MSTKERR set, no
 * MMARVALID, LR = 0xFFFFFFFD and PSP moved down by the frame size; the
 * interrupt stays pending. The fault handler switches the MPU off and
 * returns through a fresh frame to a recovery function; the interrupt runs
 * on the way.
 *
 * MUNSTKERR: an SVC handler puts a no-access region over the thread's
 * frame and returns. The frame is not read: the SVC is deactivated and
 * the derived fault is tail-chained with LR the failed EXC_RETURN and PSP
 * unmoved. The fault handler switches the MPU off and returns with that
 * LR: the thread resumes after its SVC with its registers. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "semihost.h"
#include "startup.h"

#define IRQ_TEST 24
#define MMFSR_MUNSTKERR (1u << 3)
#define MMFSR_MSTKERR (1u << 4)
#define MMFSR_MMARVALID (1u << 7)
#define SHCSR_SVCALLACT (1u << 7)
#define GUARD_SIZE 256

/* The process stack: its lowest GUARD_SIZE bytes are the guard region */
static uint32_t psp_stack[256] __attribute__((aligned(1024)));
#define GUARD_TOP ((uint32_t)psp_stack + GUARD_SIZE)
#define PSP_TOP ((uint32_t)&psp_stack[256])
/* Where the MSTKERR cases start the thread: 16 bytes above the guard, so
 * the 32-byte frame begins inside it */
#define GUARDED_PSP (GUARD_TOP + 16)

typedef struct {
    int exception;
    uint32_t cfsr, hfsr, lr, psp, shcsr;
    int irq_pending, irq_active;
} Fault;

static volatile Fault fault;
static volatile int irq_runs, irq_runs_at_fault;
static void (*volatile recover_to)(void);
static volatile uint32_t svc_frame;

void IRQ24_Handler(void) { irq_runs++; }

/* Region 0, no access for anyone, over [base, base + 2^log2); privileged
 * code keeps the default map elsewhere */
static void mpu_forbid(uint32_t base, unsigned log2)
{
    MPU->RNR = 0;
    MPU->RBAR = base;
    MPU->RASR = MPU_RASR_ENABLE | MPU_RASR_SIZE(log2) | MPU_RASR_AP(MPU_AP_NONE) | MPU_RASR_XN;
    MPU->CTRL = MPU_CTRL_ENABLE | MPU_CTRL_PRIVDEFENA;
    __DSB();
    __ISB();
}

static void mpu_off(void)
{
    MPU->CTRL = 0;
    __DSB();
    __ISB();
}

static void record(uint32_t exc_return)
{
    fault.exception = (int)__get_IPSR();
    fault.cfsr = SCB->CFSR;
    fault.hfsr = SCB->HFSR;
    fault.lr = exc_return;
    fault.psp = __get_PSP();
    fault.shcsr = SCB->SHCSR;
    fault.irq_pending = NVIC_GetPendingIRQ(IRQ_TEST);
    fault.irq_active = NVIC_GetActive(IRQ_TEST);
    irq_runs_at_fault = irq_runs;
    SCB->CFSR = fault.cfsr;
    SCB->HFSR = fault.hfsr;
}

/* The derived fault. A stacking fault returns to *recover_to through a
 * fresh frame at the top of the process stack (the interrupted thread
 * state is lost); an unstacking fault retries the failed return. */
__attribute__((used)) uint32_t fault_c(uint32_t exc_return)
{
    record(exc_return);
    mpu_off();
    if (fault.cfsr & MMFSR_MUNSTKERR)
        return exc_return;
    return fault_return_to(PSP_TOP, recover_to);
}

HANDLER_RETURNING(MemManage_Handler, fault_c)

HANDLER_RETURNING(HardFault_Handler, fault_c)

/* SVC: a no-access region over the caller's frame, then return */
__attribute__((used)) void svc_c(uint32_t psp)
{
    svc_frame = psp;
    mpu_forbid(psp, 5); /* the 32-byte frame, 32-byte aligned here */
}
__attribute__((naked)) void SVC_Handler(void)
{
    __asm__ volatile("push {r4, lr}\n\t"
                     "mrs r0, psp\n\t"
                     "bl svc_c\n\t"
                     "pop {r4, pc}");
}

static const char *exception_name(int exception)
{
    return exception == EXC_MEMMANAGE ? "MemManage" : exception == EXC_HARDFAULT ? "HardFault"
                                                                                : "other";
}

static void report_stacking(int exception)
{
    con_printf("  %s: CFSR=%x, FORCED=%u, LR=%x, PSP moved down %u bytes\n",
               exception_name(fault.exception), fault.cfsr,
               (fault.hfsr & SCB_HFSR_FORCED) ? 1u : 0u, fault.lr, GUARDED_PSP - fault.psp);
    con_printf("  at the fault the IRQ was pending=%d active=%d, ran %d; it ran %d time(s) since\n",
               fault.irq_pending, fault.irq_active, irq_runs_at_fault,
               irq_runs - irq_runs_at_fault);
    CHECK(fault.exception == exception && fault.cfsr == MMFSR_MSTKERR &&
          fault.lr == EXC_RETURN_THREAD_PSP);
    CHECK(GUARDED_PSP - fault.psp == 32 && fault.irq_pending && !fault.irq_active &&
          irq_runs == irq_runs_at_fault + 1);
}

/* Thread code on PSP: an SVC whose return faults, then checks that the
 * registers the frame holds came back. */
static uint32_t svc_on_psp(uint32_t a)
{
    register uint32_t r0 __asm__("r0") = a;
    register uint32_t r12 __asm__("r12") = a ^ 0xFFFF;
    __asm__ volatile("svc #0" : "+r"(r0), "+r"(r12) : : "memory");
    return r0 == a && r12 == (a ^ 0xFFFF);
}

static void unstacking_case(const char *what, int exception, uint32_t hfsr)
{
    __set_PSP(PSP_TOP);
    __set_CONTROL(CONTROL_SPSEL);
    __ISB();
    uint32_t ok = svc_on_psp(0x1234);
    __set_CONTROL(0);
    __ISB();
    con_printf("%s: %s, CFSR=%x, FORCED=%u, LR=%x, PSP %s, SVC %s, r0/r12 %s\n", what,
               exception_name(fault.exception), fault.cfsr,
               (fault.hfsr & SCB_HFSR_FORCED) ? 1u : 0u, fault.lr, fault.psp == svc_frame ? "unmoved" : "MOVED",
               (fault.shcsr & SHCSR_SVCALLACT) ? "ACTIVE" : "inactive", ok ? "restored" : "WRONG");
    CHECK(fault.exception == exception && fault.cfsr == MMFSR_MUNSTKERR && fault.hfsr == hfsr &&
          fault.lr == EXC_RETURN_THREAD_PSP && fault.psp == svc_frame &&
          !(fault.shcsr & SHCSR_SVCALLACT) && ok);
}

static void unstacking_cases(void)
{
    report_stacking(EXC_MEMMANAGE);
    unstacking_case("3. unstacking, MemManage enabled", EXC_MEMMANAGE, 0);
    SCB->SHCSR &= ~SCB_SHCSR_MEMFAULTENA;
    unstacking_case("4. unstacking, MemManage disabled", EXC_HARDFAULT, SCB_HFSR_FORCED);
    sh_exit(check_finish("mpu-stack"));
}

static void second_stacking_case(void)
{
    report_stacking(EXC_HARDFAULT);
    CHECK(fault.hfsr & SCB_HFSR_FORCED);
    con_puts("2. stacking, MemManage enabled\n");
    SCB->SHCSR |= SCB_SHCSR_MEMFAULTENA;
    recover_to = unstacking_cases;
    mpu_forbid((uint32_t)psp_stack, 8);
    thread_on_psp_pend_irq(GUARDED_PSP, IRQ_TEST);
}

int main(void)
{
    NVIC_SetPriority(IRQ_TEST, 3);
    NVIC_EnableIRQ(IRQ_TEST);
    con_puts("1. stacking, MemManage disabled: the MPU violation escalates\n");
    recover_to = second_stacking_case;
    mpu_forbid((uint32_t)psp_stack, 8);
    thread_on_psp_pend_irq(GUARDED_PSP, IRQ_TEST);
}
