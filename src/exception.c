/* ARMv7-M exception entry and return on Unicorn (ARMv7-M ARM B1.5).
 * Unicorn keeps the registers but takes no exceptions itself: the frame
 * push, vector fetch, mode and stack switches, and the EXC_RETURN
 * unstacking are done here, on the CPU thread, from hooks or between runs.
 *
 * Unicorn (QEMU) keeps the current SP in r13 and the other one aside,
 * swapping them when CONTROL.SPSEL changes in Thread mode; MSR-style
 * register writes are ignored while the guest is unprivileged, and SPSEL
 * writes are ignored in Handler mode. The sequences below keep that
 * invariant: become privileged Thread mode with SPSEL=0 first, work on
 * MSP/PSP explicitly, then switch mode with an xPSR write. */
#include "machine_internal.h"

#include <string.h>

#include "errors.h"
#include "fault_pc.h"
#include "log.h"
#include "exclusive_monitor.h"
#include "mpu_tlb.h"

#define XPSR_T (1u << 24)
#define XPSR_EXCP_MASK 0x1FFu
#define XPSR_SPREALIGN (1u << 9) /* stacked xPSR: frame was padded */
#define CONTROL_NPRIV (1u << 0)
#define CONTROL_SPSEL (1u << 1)
#define EXC_RETURN_HANDLER 0xFFFFFFF1u
#define EXC_RETURN_THREAD_MSP 0xFFFFFFF9u
#define EXC_RETURN_THREAD_PSP 0xFFFFFFFDu
#define FRAME_WORDS 8

static void fatal(Machine *m, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void fatal(Machine *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->cpu.fatal_msg, sizeof(m->cpu.fatal_msg), fmt, ap);
    va_end(ap);
    m->cpu.stop = STOP_FATAL;
}

/* Writing IPSR does not refresh Unicorn's cached mode flags; rewriting
 * APSR_NZCV does (UNICORN.md "What Unicorn does"). */
void exception_write_xpsr(uc_engine *uc, uint32_t xpsr)
{
    reg_set(uc, UC_ARM_REG_XPSR, xpsr);
    reg_set(uc, UC_ARM_REG_APSR_NZCV, reg_get(uc, UC_ARM_REG_APSR_NZCV));
}

/* Brings the core to privileged mode with SPSEL=0 so MSP and PSP can be
 * read and written directly. Returns the original CONTROL. */
static uint32_t enter_privileged_msp(uc_engine *uc, uint32_t xpsr)
{
    uint32_t control = reg_get(uc, UC_ARM_REG_CONTROL);
    bool thread = (xpsr & XPSR_EXCP_MASK) == 0;
    if (thread && (control & CONTROL_NPRIV)) {
        /* unprivileged: Handler mode long enough to clear nPRIV; the
         * IPSR writes move the banked SPs into Handler mode and back, so
         * the state is consistent again once back in Thread mode */
        exception_write_xpsr(uc, xpsr | 1);
        reg_set(uc, UC_ARM_REG_CONTROL, control & ~CONTROL_NPRIV);
        exception_write_xpsr(uc, xpsr);
    }
    if (thread && (control & CONTROL_SPSEL))
        reg_set(uc, UC_ARM_REG_CONTROL, control & ~(CONTROL_NPRIV | CONTROL_SPSEL));
    return control;
}

static bool read_vector(Machine *m, unsigned exc, uint32_t *pc)
{
    uint32_t vtor = nvic_scb(m->nvic)->vtor;
    return machine_read_guest(m, vtor + 4 * exc, pc, 4);
}

/* B1.5.6 ExceptionTaken(): Handler mode on MSP with IPSR = exc, LR =
 * exc_return, PC from the vector table. xpsr and control are the values
 * before the exception (APSR kept, IT state cleared, nPRIV kept: it only
 * applies in Thread mode). */
static bool exception_taken(Machine *m, unsigned exc, uint32_t xpsr, uint32_t control,
                            uint32_t exc_return, uint32_t return_addr)
{
    uc_engine *uc = m->uc;
    uint32_t handler;
    if (!read_vector(m, exc, &handler)) {
        /* B1.5.6 / B3.2.16: a vector that cannot be read is a HardFault
         * with HFSR.VECTTBL, taken instead on the same frame; exc stays
         * pending (as in QEMU). Lockup if that vector is HardFault's or
         * NMI's, which nothing can replace. */
        uint32_t vtor = nvic_scb(m->nvic)->vtor;
        if (exc == EXC_HARDFAULT || exc == EXC_NMI) {
            fatal(m, "lockup: vector %u at VTOR %#x + %#x is not readable", exc, vtor, 4 * exc);
            return false;
        }
        log_guest_error("cpu", "vector %u at VTOR %#x + %#x is not readable: HardFault "
                        "(VECTTBL)", exc, vtor, 4 * exc);
        nvic_scb(m->nvic)->hfsr |= HFSR_VECTTBL;
        nvic_set_pending(m->nvic, EXC_HARDFAULT);
        return exception_taken(m, EXC_HARDFAULT, xpsr, control, exc_return, return_addr);
    }
    exception_write_xpsr(uc, (xpsr & ~(XPSR_EXCP_MASK | 0x0600FC00u)) | XPSR_T | exc);
    reg_set(uc, UC_ARM_REG_CONTROL, control & CONTROL_NPRIV);
    reg_set(uc, UC_ARM_REG_LR, exc_return);
    nvic_acknowledge(m->nvic, exc);
    exclusive_monitor_clear(m);
    mpu_tlb_context_changed(m);
    m->cpu.redirect_at = m->cpu.insns;
    log_trace("cpu", "exception %u taken, return address %#x, handler %#x", exc, return_addr,
              handler);
    if (!(handler & 1)) {
        /* B1.5.6: a vector without the Thumb bit faults on the first
         * instruction of the handler: INVSTATE */
        reg_set(uc, UC_ARM_REG_PC, handler & ~1u);
        PendingFault f = { .exc = EXC_USAGEFAULT, .cfsr = CFSR_INVSTATE, .pc = handler & ~1u,
                           .what = "exception vector without the Thumb bit" };
        return exception_take_fault(m, &f);
    }
    reg_set(uc, UC_ARM_REG_PC, handler | 1);
    return true;
}

/* B1.5.6 PushStack: a bus error while stacking (the stack pointer is not
 * in memory) is a derived BusFault, STKERR (B3.2.15); a frame word the MPU
 * refuses is a derived MemManage fault, MSTKERR (B3.5, the words below it
 * are written, as QEMU writes them in frame order). The stack pointer
 * has moved as if the frame had been written; the exception being entered
 * is not activated and stays pending, and the higher-priority one of it
 * and the derived fault (escalated to HardFault if it cannot be taken) is
 * taken at once, as a late arrival, on that unwritten frame. As QEMU. */
/* The derived fault of a frame that could not be written (stacking) or
 * read: a bus error (BFSR) or a word the MPU refused (MMFSR). */
static PendingFault frame_fault(bool stacking, bool mpu_refused, uint32_t pc)
{
    static const PendingFault kinds[2][2] = {
        { { .exc = EXC_BUSFAULT, .cfsr = CFSR_UNSTKERR,
            .what = "bus error while unstacking an exception frame (UNSTKERR)" },
          { .exc = EXC_MEMMANAGE, .cfsr = CFSR_MUNSTKERR,
            .what = "MPU violation while unstacking an exception frame (MUNSTKERR)" } },
        { { .exc = EXC_BUSFAULT, .cfsr = CFSR_STKERR,
            .what = "bus error while stacking an exception frame (STKERR)" },
          { .exc = EXC_MEMMANAGE, .cfsr = CFSR_MSTKERR,
            .what = "MPU violation while stacking an exception frame (MSTKERR)" } },
    };
    PendingFault f = kinds[stacking][mpu_refused];
    f.pc = pc;
    return f;
}

static const char *frame_problem(bool mpu_refused)
{
    return mpu_refused ? "is in memory the MPU refuses" : "is not in memory";
}

static bool stacking_failed(Machine *m, unsigned exc, bool mpu_refused, uint32_t sp,
                            uint32_t xpsr, uint32_t control, uint32_t exc_return,
                            uint32_t return_addr)
{
    log_guest_error("cpu", "stacking for exception %u failed: stack pointer %#x %s", exc, sp,
                    frame_problem(mpu_refused));
    PendingFault f = frame_fault(true, mpu_refused, return_addr);
    nvic_scb(m->nvic)->cfsr |= f.cfsr;
    m->cpu.fault = f; /* kept for the report if this ends in lockup */
    if (nvic_route_fault(m->nvic, f.exc, cpu_masks(m)) == 0) {
        fatal(m, "lockup: %s, stack pointer %#x", f.what, sp);
        return false;
    }
    memset(&m->cpu.fault, 0, sizeof(m->cpu.fault));
    unsigned next = nvic_highest_pending(m->nvic);
    return exception_taken(m, next != 0 ? next : exc, xpsr, control, exc_return, return_addr);
}

/* B1.5.6 PushStack + ExceptionTaken */
bool exception_enter(Machine *m, unsigned exc, uint32_t return_addr)
{
    uc_engine *uc = m->uc;
    uint32_t xpsr = reg_get(uc, UC_ARM_REG_XPSR);
    bool from_thread = (xpsr & XPSR_EXCP_MASK) == 0;
    MpuContext interrupted = mpu_tlb_current_context(m);
    uint32_t control = enter_privileged_msp(uc, xpsr);
    bool on_psp = from_thread && (control & CONTROL_SPSEL);

    uint32_t sp = reg_get(uc, on_psp ? UC_ARM_REG_PSP : UC_ARM_REG_MSP);
    uint32_t stacked_xpsr = xpsr;
    bool align8 = (nvic_scb(m->nvic)->ccr & CCR_STKALIGN) != 0;
    uint32_t frame_sp = sp - FRAME_WORDS * 4;
    if (align8 && (frame_sp & 4)) {
        frame_sp -= 4;
        stacked_xpsr |= XPSR_SPREALIGN;
    } else {
        stacked_xpsr &= ~XPSR_SPREALIGN;
    }
    uint32_t frame[FRAME_WORDS] = {
        reg_get(uc, UC_ARM_REG_R0), reg_get(uc, UC_ARM_REG_R1), reg_get(uc, UC_ARM_REG_R2),
        reg_get(uc, UC_ARM_REG_R3), reg_get(uc, UC_ARM_REG_R12), reg_get(uc, UC_ARM_REG_LR),
        return_addr & ~1u, stacked_xpsr,
    };
    unsigned allowed = mpu_tlb_words_allowed(m, frame_sp, FRAME_WORDS, MPU_WRITE, interrupted);
    bool written = allowed == 0 || machine_write_guest(m, frame_sp, frame, allowed * 4);
    reg_set(uc, on_psp ? UC_ARM_REG_PSP : UC_ARM_REG_MSP, frame_sp);
    uint32_t exc_return = !from_thread ? EXC_RETURN_HANDLER
                          : on_psp     ? EXC_RETURN_THREAD_PSP
                                       : EXC_RETURN_THREAD_MSP;
    if (!written || allowed < FRAME_WORDS)
        return stacking_failed(m, exc, written, sp, xpsr, control, exc_return, return_addr);
    return exception_taken(m, exc, xpsr, control, exc_return, return_addr);
}

/* A fault derived from an exception return (B1.5.8), taken on the frame
 * as it is: nothing is stacked, the stack pointers stay, LR becomes lr.
 * The core is still in Handler mode here. Returns false on lockup. */
static bool return_fault(Machine *m, const PendingFault *f, uint32_t lr)
{
    nvic_scb(m->nvic)->cfsr |= f->cfsr;
    m->cpu.fault = *f; /* kept for the report if this ends in lockup */
    unsigned target = nvic_route_fault(m->nvic, f->exc, cpu_masks(m));
    if (target == 0) {
        fatal(m, "lockup: %s (EXC_RETURN %#x) while the fault could not be taken", f->what,
              f->pc);
        return false;
    }
    memset(&m->cpu.fault, 0, sizeof(m->cpu.fault));
    uc_engine *uc = m->uc;
    return exception_taken(m, target, reg_get(uc, UC_ARM_REG_XPSR),
                           reg_get(uc, UC_ARM_REG_CONTROL), lr, f->pc);
}

/* B1.5.8: an exception return that fails an integrity check takes a
 * UsageFault (INVPC) on the existing frame, with LR = 0xF0000000 +
 * EXC_RETURN<27:0>. The returning exception is deactivated only when the
 * check failed after DeActivate() (stacked IPSR). */
static bool invpc(Machine *m, uint32_t exc_return, const char *why)
{
    log_guest_error("cpu", "exception return %#x: %s", exc_return, why);
    PendingFault f = { .exc = EXC_USAGEFAULT, .cfsr = CFSR_INVPC, .pc = exc_return,
                       .what = "invalid exception return (INVPC)" };
    return return_fault(m, &f, 0xF0000000u | (exc_return & 0x0FFFFFFFu));
}

/* B1.5.8 PopStack: a bus error while reading the frame (the stack pointer
 * is not in memory) is a derived BusFault, UNSTKERR (B3.2.15), and a frame
 * word the MPU refuses a derived MemManage fault, MUNSTKERR (B3.5), after
 * the returning exception was deactivated. The words read before the
 * error have reached their registers (their values are UNKNOWN to the
 * architecture; QEMU pops in frame order), and the fault (escalated to
 * HardFault if it cannot be taken) is tail-chained with LR the EXC_RETURN
 * of the failed return, as QEMU 7.2 does. */
static bool unstacking_failed(Machine *m, uint32_t sp, uint32_t exc_return, unsigned allowed)
{
    static const int frame_regs[6] = { UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,
                                       UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR };
    uint32_t word;
    unsigned readable = 0;
    while (readable < FRAME_WORDS && machine_read_guest(m, sp + 4 * readable, &word, 4))
        readable++;
    bool mpu_refused = allowed <= readable; /* the first word that fails decides */
    for (unsigned i = 0; i < 6 && i < MIN(allowed, readable); i++) {
        machine_read_guest(m, sp + 4 * i, &word, 4);
        reg_set(m->uc, frame_regs[i], word);
    }
    log_guest_error("cpu", "unstacking for exception return %#x failed: stack pointer %#x %s",
                    exc_return, sp, frame_problem(mpu_refused));
    PendingFault f = frame_fault(false, mpu_refused, exc_return);
    return return_fault(m, &f, exc_return);
}

/* B1.5.8 ExceptionReturn: the checks that fault before anything changes */
static const char *exc_return_check(Machine *m, unsigned exc, uint32_t exc_return)
{
    if (!nvic_is_active(m->nvic, exc))
        return "returning from an inactive exception";
    unsigned nested = nvic_active_count(m->nvic);
    switch (exc_return) {
    case EXC_RETURN_HANDLER:
        return nested == 1 ? "return to Handler mode with no other exception active" : NULL;
    case EXC_RETURN_THREAD_MSP:
    case EXC_RETURN_THREAD_PSP:
        if (nested != 1 && !(nvic_scb(m->nvic)->ccr & CCR_NONBASETHRDENA))
            return "return to Thread mode with other exceptions active";
        return NULL;
    default:
        return "reserved EXC_RETURN value";
    }
}

/* B1.5.8 ExceptionReturn + PopStack */
bool exception_return(Machine *m, uint32_t exc_return)
{
    uc_engine *uc = m->uc;
    uint32_t xpsr = reg_get(uc, UC_ARM_REG_XPSR);
    unsigned exc = xpsr & XPSR_EXCP_MASK;
    if (exc == 0) {
        /* Thread mode: not an exception return but a branch into the
         * execute-never region (B3.1), as the hook saw it */
        PendingFault f = { .exc = EXC_MEMMANAGE, .cfsr = CFSR_IACCVIOL, .pc = exc_return & ~1u,
                           .what = "instruction fetch from an XN region" };
        return exception_take_fault(m, &f);
    }
    const char *bad = exc_return_check(m, exc, exc_return);
    if (bad != NULL)
        return invpc(m, exc_return, bad);
    bool to_thread = exc_return != EXC_RETURN_HANDLER;
    bool use_psp = exc_return == EXC_RETURN_THREAD_PSP;
    uint32_t sp = reg_get(uc, use_psp ? UC_ARM_REG_PSP : UC_ARM_REG_MSP);

    /* B1.5.8 DeActivate(): every exception return except NMI's also
     * clears FAULTMASK (still in privileged Handler mode here, so the
     * write takes effect) */
    nvic_complete(m->nvic, exc);
    if (exc != EXC_NMI)
        reg_set(uc, UC_ARM_REG_FAULTMASK, 0);
    /* B3.5: read with the privilege and priority of the code returned to */
    MpuContext returned_to = mpu_tlb_current_context(m);
    returned_to.privileged = !to_thread || !(reg_get(uc, UC_ARM_REG_CONTROL) & CONTROL_NPRIV);
    unsigned allowed = mpu_tlb_words_allowed(m, sp, FRAME_WORDS, MPU_READ, returned_to);
    uint32_t frame[FRAME_WORDS];
    if (allowed < FRAME_WORDS || !machine_read_guest(m, sp, frame, sizeof(frame)))
        return unstacking_failed(m, sp, exc_return, allowed);
    uint32_t stacked_xpsr = frame[7];
    unsigned stacked_exc = stacked_xpsr & XPSR_EXCP_MASK;
    if (to_thread != (stacked_exc == 0)) {
        /* IPSR in the frame must agree with the mode returned to; the
         * frame is pushed back (PushStack negates PopStack): it stays */
        return invpc(m, exc_return, "stacked IPSR does not match the return mode");
    }
    nvic_set_vectactive(m->nvic, stacked_exc);

    uint32_t new_sp = sp + FRAME_WORDS * 4;
    if (stacked_xpsr & XPSR_SPREALIGN)
        new_sp += 4;
    reg_set(uc, use_psp ? UC_ARM_REG_PSP : UC_ARM_REG_MSP, new_sp);
    static const int frame_regs[6] = { UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,
                                       UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR };
    for (int i = 0; i < 6; i++)
        reg_set(uc, frame_regs[i], frame[i]);

    uint32_t control = reg_get(uc, UC_ARM_REG_CONTROL);
    uint32_t new_xpsr = stacked_xpsr & ~XPSR_SPREALIGN;
    if (to_thread) {
        /* privileged Thread mode first, so SPSEL can be set (and r13
         * swapped to PSP), then nPRIV as it was */
        reg_set(uc, UC_ARM_REG_CONTROL, 0);
        exception_write_xpsr(uc, new_xpsr);
        if (use_psp)
            reg_set(uc, UC_ARM_REG_CONTROL, CONTROL_SPSEL);
        reg_set(uc, UC_ARM_REG_CONTROL, (control & CONTROL_NPRIV) | (use_psp ? CONTROL_SPSEL : 0));
    } else {
        exception_write_xpsr(uc, new_xpsr);
    }
    exclusive_monitor_clear(m);
    mpu_tlb_context_changed(m);
    m->cpu.redirect_at = m->cpu.insns;
    /* B1.5.18: an exception return sets the event register (WFE) */
    m->cpu.event_register = true;
    log_trace("cpu", "exception %u returned to %#x", exc, frame[6]);

    uint32_t ret = frame[6];
    if (!(stacked_xpsr & XPSR_T)) {
        reg_set(uc, UC_ARM_REG_PC, ret & ~1u);
        PendingFault f = { .exc = EXC_USAGEFAULT, .cfsr = CFSR_INVSTATE, .pc = ret & ~1u,
                           .what = "return to a frame with the Thumb bit clear" };
        return exception_take_fault(m, &f);
    }
    reg_set(uc, UC_ARM_REG_PC, ret | 1);

    /* B1.5.12 tail-chaining / late arrival: an exception that is now
     * deliverable is taken before the next instruction */
    if (exception_deliver_pending(m, ret))
        return m->cpu.stop == STOP_NONE;
    if (to_thread && (nvic_scb(m->nvic)->scr & SCR_SLEEPONEXIT)) {
        m->cpu.sleep_on_exit = true;
        uc_emu_stop(uc);
    }
    return true;
}

bool exception_deliver_pending(Machine *m, uint32_t return_addr)
{
    unsigned exc = nvic_deliverable(m->nvic, cpu_masks(m));
    if (exc == 0)
        return false;
    exception_enter(m, exc, return_addr);
    return true;
}

static void record_fault_status(Machine *m, const PendingFault *f)
{
    ScbRegs *scb = nvic_scb(m->nvic);
    scb->cfsr |= f->cfsr;
    if (f->has_addr && f->exc == EXC_BUSFAULT)
        scb->bfar = f->addr;
    if (f->has_addr && f->exc == EXC_MEMMANAGE) {
        scb->mmfar = f->addr;
        scb->cfsr |= CFSR_MMARVALID;
    }
}

/* B3.2.8 CCR.BFHFNMIGN: a precise data bus fault while the execution
 * priority is negative (HardFault, NMI, FAULTMASK) is ignored when the
 * bit is set (memory probing): the access completes with an UNKNOWN
 * result (the destination keeps its value), no status is recorded, and
 * execution goes on after the instruction. QEMU 7.2 locks up instead. */
static bool bus_fault_ignored(Machine *m, const PendingFault *f)
{
    if (f->exc != EXC_BUSFAULT || !(f->cfsr & CFSR_PRECISERR) ||
        !(nvic_scb(m->nvic)->ccr & CCR_BFHFNMIGN) ||
        nvic_execution_priority(m->nvic, cpu_masks(m)) >= 0)
        return false;
    uint16_t hw = 0;
    machine_read_guest(m, f->pc, &hw, sizeof(hw));
    reg_set(m->uc, UC_ARM_REG_PC, (f->pc + thumb_insn_length(hw)) | 1);
    log_trace("cpu", "%s at pc %#x ignored (CCR.BFHFNMIGN)", f->what, f->pc);
    return true;
}

bool exception_take_fault(Machine *m, const PendingFault *f)
{
    uc_engine *uc = m->uc;
    if (f->restore_regs) {
        for (int i = 0; i < 13; i++)
            reg_set(uc, UC_ARM_REG_R0 + i, f->regs[i]);
        reg_set(uc, UC_ARM_REG_LR, f->regs[14]);
    }
    if (f->undo_len != 0)
        machine_write_guest(m, f->addr, f->undo, f->undo_len);
    if (bus_fault_ignored(m, f))
        return true;
    record_fault_status(m, f);
    m->cpu.fault = *f; /* kept for the report if this ends in lockup */
    unsigned target = nvic_route_fault(m->nvic, f->exc, cpu_masks(m));
    if (target == 0) {
        fatal(m, "lockup: %s at pc %#x while the fault could not be taken", f->what, f->pc);
        return false;
    }
    log_trace("cpu", "%s at pc %#x: taking exception %u", f->what, f->pc, target);
    memset(&m->cpu.fault, 0, sizeof(m->cpu.fault));
    return exception_enter(m, target, f->pc);
}

bool exception_reset_core(Machine *m, GError **error)
{
    uc_engine *uc = m->uc;
    uint32_t vectors[2] = { 0, 0 };
    if (!machine_read_guest(m, 0, vectors, sizeof(vectors))) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_BAD_IMAGE,
                    "%s: the board has no memory at address 0 for the vector table",
                    m->config.firmware);
        return false;
    }
    if (!(vectors[1] & 1)) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_BAD_IMAGE,
                    "%s: reset vector %#x at address 0x4 lacks the Thumb bit (is there a "
                    "Cortex-M vector table at address 0?)",
                    m->config.firmware, vectors[1]);
        return false;
    }
    /* B1.5.5 TakeReset: privileged Thread mode on MSP, masks clear */
    exception_write_xpsr(uc, reg_get(uc, UC_ARM_REG_XPSR) & ~XPSR_EXCP_MASK);
    reg_set(uc, UC_ARM_REG_CONTROL, 0);
    reg_set(uc, UC_ARM_REG_PRIMASK, 0);
    reg_set(uc, UC_ARM_REG_FAULTMASK, 0);
    reg_set(uc, UC_ARM_REG_BASEPRI, 0);
    for (int i = 0; i < 13; i++)
        reg_set(uc, UC_ARM_REG_R0 + i, 0);
    reg_set(uc, UC_ARM_REG_MSP, vectors[0] & ~3u);
    reg_set(uc, UC_ARM_REG_PSP, 0);
    reg_set(uc, UC_ARM_REG_LR, 0xFFFFFFFFu);
    exception_write_xpsr(uc, XPSR_T);
    reg_set(uc, UC_ARM_REG_PC, vectors[1] | 1);
    return true;
}
