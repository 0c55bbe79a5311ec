/* UsageFault (B1.5.14, B3.2.15 UFSR) on a Cortex-M3, enabled through
 * SHCSR.USGFAULTENA, and its escalation to HardFault when disabled or
 * when the running priority forbids it:
 *   UNDEFINSTR  UDF: stacked PC is the UDF
 *   NOCP        a floating-point instruction (no FPU on the M3)
 *   INVSTATE    BLX to an even address: stacked PC is the target, stacked
 *               xPSR has T clear
 *   INVPC       exception returns that fail the checks of B1.5.8: a
 *               reserved EXC_RETURN (0xFFFFFFF5), a return to Handler mode
 *               with nothing else active, a return from an exception that
 *               is not active, a return to Thread mode with another
 *               exception active, a stacked IPSR that does not match the
 *               mode returned to. The UsageFault is taken on the existing
 *               frame (nothing stacked) with LR = 0xF0000000 + EXC_RETURN;
 *               the handler repairs the state (SHCSR active bits, stacked
 *               IPSR) and returns with the right EXC_RETURN.
 * Also an EXC_RETURN value branched to in Thread mode, which is a fetch
 * from the execute-never region (IACCVIOL), not an exception return.
 * DIVBYZERO and UNALIGNED are in div-unaligned.c. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

#define SHCSR_SVCALLACT (1u << 7)

typedef struct {
    int exception;
    uint32_t cfsr, hfsr;
    uint32_t pc, xpsr, lr;
} Fault;

static volatile Fault fault;
static volatile int faults;

/* How the fault handler resumes (set by each test, reset after use):
 * skip the faulting instruction (default), resume at an address, or, for
 * INVPC, leave the existing frame as it is and return with a given
 * EXC_RETURN after clearing SHCSR active bits or the stacked IPSR. */
static volatile uint32_t resume_at;
static volatile uint32_t fix_exc_return, fix_shcsr_clear;
static volatile int fix_stacked_ipsr;

__attribute__((used)) uint32_t fault_c(uint32_t msp, uint32_t exc_return, uint32_t psp)
{
    uint32_t cfsr = SCB->CFSR;
    /* INVPC: the frame is the one the failed return left (on MSP here) */
    ExcFrame *f = (ExcFrame *)((cfsr & SCB_CFSR_INVPC) || !(exc_return & 4) ? msp : psp);
    faults++;
    fault.exception = (int)__get_IPSR();
    fault.cfsr = cfsr;
    fault.hfsr = SCB->HFSR;
    fault.pc = f->pc;
    fault.xpsr = f->xpsr;
    fault.lr = exc_return;
    SCB->CFSR = cfsr;
    SCB->HFSR = fault.hfsr;
    if (fix_exc_return != 0) {
        uint32_t ret = fix_exc_return;
        SCB->SHCSR &= ~fix_shcsr_clear;
        if (fix_stacked_ipsr)
            f->xpsr &= ~0x1FFu;
        fix_exc_return = fix_shcsr_clear = 0;
        fix_stacked_ipsr = 0;
        return ret;
    }
    if (resume_at != 0) {
        f->pc = resume_at & ~1u;
        f->xpsr |= 1u << 24; /* Thumb */
        resume_at = 0;
        return exc_return;
    }
    frame_skip_instruction(f);
    return exc_return;
}

#define FAULT_HANDLER(name)                                                         \
    __attribute__((naked)) void name(void)                                          \
    {                                                                               \
        __asm__ volatile("mrs r0, msp\n\t"                                          \
                         "mov r1, lr\n\t"                                           \
                         "mrs r2, psp\n\t"                                          \
                         "push {r4, lr}\n\t"                                        \
                         "bl fault_c\n\t"                                           \
                         "pop {r4, lr}\n\t"                                         \
                         "bx r0");                                                  \
    }
FAULT_HANDLER(UsageFault_Handler)
FAULT_HANDLER(HardFault_Handler)

static const char *exc_name(int exc)
{
    switch (exc) {
    case EXC_HARDFAULT: return "HardFault";
    case EXC_USAGEFAULT: return "UsageFault";
    default: return "other";
    }
}

static void report(const char *what, uint32_t expected_pc)
{
    con_printf("  %s: %s, CFSR=%x, HFSR=%x, stacked PC %s", what, exc_name(fault.exception),
               fault.cfsr, fault.hfsr, fault.pc == expected_pc ? "right" : "WRONG");
    if (fault.pc != expected_pc)
        con_printf(" (%x, expected %x)", fault.pc, expected_pc);
    con_puts("\n");
    CHECK(fault.pc == expected_pc);
}

/* ---- the faulting instructions ------------------------------------------ */

extern const uint16_t udf_insn[], nocp_insn[];

__attribute__((naked, noinline)) static void do_udf(void)
{
    __asm__ volatile("udf_insn:\n\t"
                     "udf #0x42\n\t"
                     "bx lr");
}

__attribute__((naked, noinline)) static void do_nocp(void)
{
    /* VADD.F32 s0, s0, s0 (coprocessor 10) */
    __asm__ volatile("nocp_insn:\n\t"
                     ".inst.w 0xee300a00\n\t"
                     "bx lr");
}

/* SVC #n: the handler returns by branching to what svc_c answers. */
#define SVC_BAD_RESERVED 1 /* 0xFFFFFFF5 */
#define SVC_BAD_HANDLER 2  /* 0xFFFFFFF1 with only the SVC active */
#define SVC_BAD_INACTIVE 3 /* clears its own active bit, then returns */
#define SVC_BAD_THREAD 4   /* 0xFFFFFFF9 while PendSV is active */
#define SVC_BAD_IPSR 5     /* stacked IPSR made non-zero, then 0xFFFFFFF9 */

__attribute__((used)) uint32_t svc_c(uint32_t exc_return, ExcFrame *f)
{
    switch (((const uint16_t *)f->pc)[-1] & 0xFF) {
    case SVC_BAD_RESERVED: return 0xFFFFFFF5u;
    case SVC_BAD_HANDLER: return EXC_RETURN_HANDLER;
    case SVC_BAD_INACTIVE: SCB->SHCSR &= ~SHCSR_SVCALLACT; return exc_return;
    case SVC_BAD_THREAD: return EXC_RETURN_THREAD_MSP;
    case SVC_BAD_IPSR: f->xpsr |= EXC_SVCALL; return exc_return;
    default: return exc_return;
    }
}

__attribute__((naked)) void SVC_Handler(void)
{
    __asm__ volatile("mov r0, lr\n\t"
                     "mrs r1, msp\n\t"
                     "push {r4, lr}\n\t"
                     "bl svc_c\n\t"
                     "pop {r4, lr}\n\t"
                     "bx r0");
}

static volatile int pendsv_resumed;
extern const uint16_t pendsv_svc_ret[];
void PendSV_Handler(void)
{
    __asm__ volatile("svc #4\n"
                     "pendsv_svc_ret:" ::: "r0", "r1", "r2", "r3", "r12", "lr", "memory");
    pendsv_resumed = (int)__get_IPSR();
}

/* ---- tests ---------------------------------------------------------------- */

/* 4-byte aligned: QEMU 7.2 reports a branch to a 2 mod 4 address with
 * T clear as UNALIGNED (its ARM-state PC alignment check), not INVSTATE */
__attribute__((noinline, aligned(4))) static void branch_target(void) { __asm__ volatile(""); }

/* BLX to an even address clears EPSR.T: the next instruction faults with
 * INVSTATE, stacked PC the target; the handler resumes after the BLX. */
static void test_invstate(void)
{
    extern const uint16_t after_blx[];
    uint32_t target = (uint32_t)branch_target & ~1u;
    resume_at = (uint32_t)after_blx;
    __asm__ volatile("blx %0\n"
                     "after_blx:" ::"r"(target)
                     : "r0", "r1", "r2", "r3", "r12", "lr", "memory");
    report("BLX to an even address", target);
    con_printf("  stacked xPSR.T=%u\n", (fault.xpsr >> 24) & 1);
    CHECK(fault.cfsr == SCB_CFSR_INVSTATE && !(fault.xpsr & (1u << 24)));
}

/* Each bad return: UsageFault INVPC on the SVC's own frame (stacked PC =
 * the SVC's return address, IPSR 0), LR = 0xF0000000 + EXC_RETURN. */
#define BAD_RETURN(n, label)                                                        \
    __asm__ volatile("svc #" #n "\n" label ":" ::: "r0", "r1", "r2", "r3", "r12", "lr", "memory")

static void report_invpc(const char *what, uint32_t ret_addr, uint32_t lr, unsigned ipsr)
{
    report(what, ret_addr);
    con_printf("    LR=%x, stacked IPSR=%u, SVCall active after=%u\n", fault.lr,
               fault.xpsr & 0x1FF, (SCB->SHCSR & SHCSR_SVCALLACT) ? 1u : 0u);
    CHECK(fault.exception == EXC_USAGEFAULT && fault.cfsr == SCB_CFSR_INVPC);
    CHECK(fault.lr == lr && (fault.xpsr & 0x1FF) == ipsr);
    CHECK(__get_IPSR() == 0 && !(SCB->SHCSR & SHCSR_SVCALLACT));
}

static void test_invpc(void)
{
    extern const uint16_t ret1[], ret2[], ret3[], ret5[];
    NVIC_SetPriority(SVCall_IRQn, 1); /* below UsageFault: no escalation */

    fix_exc_return = EXC_RETURN_THREAD_MSP;
    fix_shcsr_clear = SHCSR_SVCALLACT;
    BAD_RETURN(1, "ret1");
    report_invpc("EXC_RETURN 0xFFFFFFF5 (reserved)", (uint32_t)ret1, 0xFFFFFFF5u, 0);

    fix_exc_return = EXC_RETURN_THREAD_MSP;
    fix_shcsr_clear = SHCSR_SVCALLACT;
    BAD_RETURN(2, "ret2");
    report_invpc("EXC_RETURN 0xFFFFFFF1, nothing else active", (uint32_t)ret2, 0xFFFFFFF1u, 0);

    fix_exc_return = EXC_RETURN_THREAD_MSP;
    BAD_RETURN(3, "ret3");
    report_invpc("return from an inactive SVCall", (uint32_t)ret3, 0xFFFFFFF9u, 0);

    /* the SVC is deactivated before the stacked IPSR is checked */
    fix_exc_return = EXC_RETURN_THREAD_MSP;
    fix_stacked_ipsr = 1;
    BAD_RETURN(5, "ret5");
    report_invpc("stacked IPSR 11 on a return to Thread mode", (uint32_t)ret5, 0xFFFFFFF9u,
                 EXC_SVCALL);

    /* from PendSV: the SVC returns to Thread mode while PendSV is active;
     * the fix returns into PendSV, which then returns normally */
    NVIC_SetPriority(PendSV_IRQn, 3);
    fix_exc_return = EXC_RETURN_HANDLER;
    fix_shcsr_clear = SHCSR_SVCALLACT;
    SCB->ICSR = SCB_ICSR_PENDSVSET;
    __DSB();
    __ISB();
    report("return to Thread mode with PendSV active", (uint32_t)pendsv_svc_ret);
    con_printf("    LR=%x, stacked IPSR=%u, PendSV resumed with IPSR %d\n", fault.lr,
               fault.xpsr & 0x1FF, pendsv_resumed);
    CHECK(fault.cfsr == SCB_CFSR_INVPC && fault.lr == 0xFFFFFFF9u);
    CHECK((fault.xpsr & 0x1FF) == EXC_PENDSV && pendsv_resumed == EXC_PENDSV);
}

/* In Thread mode an EXC_RETURN value is just an address in the
 * execute-never region: MemManage (disabled: HardFault) with IACCVIOL. */
static void test_exc_return_in_thread(void)
{
    extern const uint16_t after_bad_bx[];
    resume_at = (uint32_t)after_bad_bx;
    __asm__ volatile("ldr r0, =0xFFFFFFF9\n\t"
                     "blx r0\n"
                     "after_bad_bx:" ::: "r0", "r1", "r2", "r3", "r12", "lr", "memory");
    report("BLX 0xFFFFFFF9 in Thread mode", 0xFFFFFFF8u);
    CHECK(fault.exception == EXC_HARDFAULT && fault.cfsr == SCB_CFSR_IACCVIOL);
}

int main(void)
{
    con_puts("1. UsageFault disabled: escalated to HardFault\n");
    do_udf();
    report("UDF", (uint32_t)udf_insn);
    CHECK(fault.exception == EXC_HARDFAULT && (fault.hfsr & SCB_HFSR_FORCED));
    CHECK(fault.cfsr == SCB_CFSR_UNDEFINSTR);
    do_nocp();
    report("VADD.F32", (uint32_t)nocp_insn);
    CHECK(fault.exception == EXC_HARDFAULT && fault.cfsr == SCB_CFSR_NOCP);

    con_puts("2. UsageFault enabled (SHCSR.USGFAULTENA)\n");
    SCB->SHCSR |= SCB_SHCSR_USGFAULTENA;
    do_udf();
    report("UDF", (uint32_t)udf_insn);
    CHECK(fault.exception == EXC_USAGEFAULT && fault.cfsr == SCB_CFSR_UNDEFINSTR);
    do_nocp();
    report("VADD.F32", (uint32_t)nocp_insn);
    CHECK(fault.exception == EXC_USAGEFAULT && fault.cfsr == SCB_CFSR_NOCP);
    test_invstate();

    con_puts("3. INVPC: bad exception returns\n");
    test_invpc();

    con_puts("4. UsageFault below the execution priority (BASEPRI)\n");
    NVIC_SetPriority(UsageFault_IRQn, 4);
    __set_BASEPRI(BASEPRI_FOR(3));
    do_udf();
    __set_BASEPRI(0);
    report("UDF", (uint32_t)udf_insn);
    CHECK(fault.exception == EXC_HARDFAULT && (fault.hfsr & SCB_HFSR_FORCED));

    con_puts("5. EXC_RETURN value in Thread mode\n");
    test_exc_return_in_thread();

    con_printf("%d faults taken\n", faults);
    CHECK(faults == 12);
    return check_finish("usage-fault");
}
