/* The CPU thread: runs Unicorn, takes exceptions at block boundaries,
 * sleeps in WFI, and turns why Unicorn stopped into what the guest sees.
 *
 * The only per-block work is the block hook's fast path: one compare of
 * the instruction count against the deadline (which any request for
 * attention sets to 0: cpu_attention) and the instruction count of the
 * block (cached). Everything else happens on
 * the slow path, in hooks Unicorn calls for SVC/BKPT/exception return, or
 * between runs (DESIGN.md §1, UNICORN.md "Stopping and interrupt
 * injection"). */
#include "machine_internal.h"

#include <string.h>

#include "errors.h"
#include "fault_pc.h"
#include "log.h"
#include "exclusive_monitor.h"
#include "mpu_tlb.h"

#define THUMB_WFI 0xBF30
#define THUMB_WFE 0xBF20
#define THUMB_YIELD 0xBF10
#define THUMB_SEV 0xBF40
#define THUMB_HINT_W 0xF3AF /* first halfword of NOP.W/YIELD.W/WFE.W/WFI.W/SEV.W */
#define THUMB_SEV_W_LOW 0x8004
#define THUMB_SEMIHOST_BKPT 0xBEAB
#define UNTIL_NEVER 0xFFFFFFFEu /* in the EXC_RETURN range: never executed */
/* Idle skips in a row that never wake the CPU: timers keep firing, but no
 * enabled interrupt results (e.g. SysTick running with TICKINT clear). */
#define MAX_IDLE_WARPS 100000

/* QEMU's exception numbers, as Unicorn's interrupt hook reports them */
enum {
    EXCP_UDEF = 1,
    EXCP_SWI = 2,
    EXCP_PREFETCH_ABORT = 3,
    EXCP_DATA_ABORT = 4,
    EXCP_BKPT = 7,
    EXCP_EXCEPTION_EXIT = 8,
    EXCP_NOCP = 17,
    EXCP_INVSTATE = 18,
    EXCP_UNALIGNED = 22,
    EXCP_DIVBYZERO = 23,
};

/* Unicorn reads the mask registers through its MRS helper, which reads
 * them as 0 while Thread mode is unprivileged (UNICORN.md "System
 * registers"), yet they mask all the same (B1.5.4): borrow Handler mode
 * for the reads (the IPSR write moves the banked SPs with the mode, and
 * back). */
NvicMasks cpu_masks(Machine *m)
{
    uc_engine *uc = m->uc;
    uint32_t xpsr = reg_get(uc, UC_ARM_REG_XPSR);
    bool unprivileged = (xpsr & 0x1FFu) == 0 && (reg_get(uc, UC_ARM_REG_CONTROL) & 1);
    if (unprivileged)
        exception_write_xpsr(uc, xpsr | EXC_RESET);
    NvicMasks masks = {
        .primask = reg_get(uc, UC_ARM_REG_PRIMASK) & 1,
        .faultmask = reg_get(uc, UC_ARM_REG_FAULTMASK) & 1,
        .basepri = (uint8_t)reg_get(uc, UC_ARM_REG_BASEPRI),
    };
    if (unprivileged)
        exception_write_xpsr(uc, xpsr);
    return masks;
}

bool cpu_privileged(Machine *m)
{
    return (reg_get(m->uc, UC_ARM_REG_XPSR) & 0x1FFu) != 0 ||
           !(reg_get(m->uc, UC_ARM_REG_CONTROL) & 1);
}

void cpu_request_stop(Machine *m, StopReason reason)
{
    if (m->cpu.stop == STOP_NONE)
        m->cpu.stop = reason;
    uc_emu_stop(m->uc);
}

/* --- instruction counting ------------------------------------------------ */

static bool is_sev(const uint16_t *code, uint32_t i, uint32_t n)
{
    return code[i] == THUMB_SEV ||
           (code[i] == THUMB_HINT_W && i + 1 < n && code[i + 1] == THUMB_SEV_W_LOW);
}

/* Counts the instructions of a block and tells whether it holds an SEV. */
static uint32_t count_block_insns(Machine *m, uint32_t addr, uint32_t size, bool *sev)
{
    uint16_t code[512];
    uint32_t count = 0;
    uint32_t done = 0;
    while (done < size) {
        uint32_t chunk = MIN(size - done, (uint32_t)sizeof(code));
        if (!machine_read_guest(m, addr + done, code, chunk))
            return count + (size - done) / 2;
        uint32_t i = 0;
        while (i < chunk / 2) {
            *sev |= is_sev(code, i, chunk / 2);
            i += thumb_insn_length(code[i]) / 2;
            count++;
        }
        done += i * 2; /* a 32-bit instruction may straddle the chunk */
    }
    return count;
}

static inline ICountEntry *icount_entry(Machine *m, uint32_t addr)
{
    return &m->cpu.icache[(addr >> 1) & (ICOUNT_CACHE_SIZE - 1)];
}

/* B1.5.18: SEV sets the event register, but Unicorn runs it as a NOP. A
 * block holding one is never cached, so each of its runs comes here and
 * sets the register (at the block's start: early, which only lets a WFE
 * return sooner, as the architecture allows); other blocks pay nothing. */
static uint32_t block_insns(Machine *m, uint32_t addr, uint32_t size)
{
    ICountEntry *e = icount_entry(m, addr);
    if (e->addr == addr && e->size == size)
        return e->count;
    bool sev = false;
    uint32_t count = size == 0 ? 1 : count_block_insns(m, addr, size, &sev);
    if (sev) {
        m->cpu.event_register = true;
        return count;
    }
    e->addr = addr;
    e->size = size;
    e->count = count;
    return count;
}

/* --- deadlines ------------------------------------------------------------- */

/* The instruction count at which the block hook must look again: the next
 * timer deadline (virtual clock) or the --max-insns budget. */
static void update_insn_deadline(Machine *m)
{
    uint64_t deadline = UINT64_MAX;
    if (clock_is_virtual(m->clock))
        deadline = clock_insns_at_ns(m->clock, clock_next_deadline(m->clock));
    if (m->config.max_insns != 0 && m->config.max_insns < deadline)
        deadline = m->config.max_insns;
    atomic_store(&m->cpu.insn_deadline, deadline);
    if (atomic_load(&m->cpu.attention) != 0) /* a kick raced this store */
        atomic_store(&m->cpu.insn_deadline, 0);
}

/* Host clock: a GLib source on the I/O thread wakes the CPU at the next
 * timer deadline. */
typedef struct HostTimerSource {
    GSource source;
    Machine *machine;
} HostTimerSource;

static gboolean host_timer_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
    HostTimerSource *hs = (HostTimerSource *)source;
    g_source_set_ready_time(source, -1);
    machine_kick(hs->machine);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs host_timer_funcs = { .dispatch = host_timer_dispatch };

/* Host clock: arm the wake-up source for the next timer deadline. */
static void arm_host_timer(Machine *m)
{
    GSource *s = m->cpu.host_timer;
    if (s == NULL)
        return;
    uint64_t deadline = clock_next_deadline(m->clock);
    if (deadline == CLOCK_NEVER) {
        g_source_set_ready_time(s, -1);
        return;
    }
    uint64_t now = clock_ns(m->clock);
    gint64 wait_us = deadline > now ? (gint64)((deadline - now) / 1000) : 0;
    g_source_set_ready_time(s, g_get_monotonic_time() + wait_us);
}

/* Timers were armed or disarmed (by a device, often in the middle of a
 * run): the block hook's budget and the host wake-up must follow. */
static void deadline_changed(void *opaque)
{
    update_insn_deadline(opaque);
    arm_host_timer(opaque);
}



/* --- servicing asynchronous work ------------------------------------ */

/* Runs deferred device work and due timers, handles stop requests.
 * Returns false when the run must stop. */
static bool service(Machine *m)
{
    unsigned bits = atomic_exchange_explicit(&m->cpu.attention, 0, memory_order_acquire);
    if (bits & ATTN_KICK)
        defer_run(m->defer);
    clock_set_insns(m->clock, m->cpu.insns);
    clock_run_due(m->clock);
    update_insn_deadline(m);
    if (atomic_load(&m->cpu.timed_out)) {
        m->cpu.stop = STOP_TIMEOUT;
        return false;
    }
    if (m->cpu.reset_requested) {
        m->cpu.stop = STOP_RESET;
        return false;
    }
    if (m->config.max_insns != 0 && m->cpu.insns >= m->config.max_insns) {
        m->cpu.stop = STOP_INSN_LIMIT;
        return false;
    }
    return true;
}

/* An interrupt is pending but masked, or a fault waits: the block hook
 * must keep looking until it can be taken (B1.5.4: delivery as soon as
 * the mask or the execution priority allows). */
static void keep_watching_if_pending(Machine *m)
{
    if (nvic_highest_pending(m->nvic) != 0 || m->cpu.fault.exc != 0)
        cpu_attention(m, ATTN_EXCEPTION);
}

/* Slow path at a block boundary; address is the next instruction. Returns
 * true if control was diverted (exception taken, or stopping). */
static bool block_boundary(Machine *m, uint32_t address)
{
    if (!service(m) || traps_change_wanted(m)) {
        uc_emu_stop(m->uc);
        return true;
    }
    if (m->cpu.fault.exc != 0) {
        PendingFault fault = m->cpu.fault;
        memset(&m->cpu.fault, 0, sizeof(m->cpu.fault));
        if (!exception_take_fault(m, &fault)) {
            uc_emu_stop(m->uc);
            return true;
        }
        return true;
    }
    bool taken = exception_deliver_pending(m, address);
    if (m->cpu.stop != STOP_NONE) {
        uc_emu_stop(m->uc);
        return true;
    }
    keep_watching_if_pending(m);
    return taken;
}

/* Everything but the common case: attention bits set, the instruction
 * deadline reached, or a block not in the instruction-count cache. */
static G_GNUC_NO_INLINE void hook_block_slow(Machine *m, uint32_t address, uint32_t size)
{
    CpuState *c = &m->cpu;
    if (atomic_load_explicit(&c->attention, memory_order_relaxed) != 0 ||
        c->insns >= atomic_load_explicit(&c->insn_deadline, memory_order_relaxed)) {
        if (block_boundary(m, address))
            return; /* the block does not run now */
    }
    c->block_addr = address;
    c->block_size = size;
    c->insns += block_insns(m, address, size);
}

/* Runs at every block start (~4 guest instructions): the common case is a
 * few loads and compares with no stack frame; the rest is a tail call. */
static void hook_block(uc_engine *uc, uint64_t address, uint32_t size, void *opaque)
{
    Machine *m = opaque;
    CpuState *c = &m->cpu;
    const ICountEntry *e = icount_entry(m, (uint32_t)address);
    if (G_LIKELY(c->insns < atomic_load_explicit(&c->insn_deadline, memory_order_relaxed) &&
                 e->addr == (uint32_t)address &&
                 e->size == size)) {
        c->block_addr = (uint32_t)address;
        c->block_size = size;
        c->insns += e->count;
        return;
    }
    hook_block_slow(m, (uint32_t)address, size);
}

/* --- synchronous events ---------------------------------------------------- */

static void record_fault(Machine *m, unsigned exc, uint32_t cfsr, uint32_t pc, const char *what)
{
    PendingFault *f = &m->cpu.fault;
    memset(f, 0, sizeof(*f));
    f->exc = exc;
    f->cfsr = cfsr;
    f->pc = pc;
    f->what = what;
}

void cpu_take_fault_now(Machine *m, unsigned exc, uint32_t cfsr, uint32_t pc, const char *what)
{
    record_fault(m, exc, cfsr, pc, what);
    PendingFault fault = m->cpu.fault;
    memset(&m->cpu.fault, 0, sizeof(m->cpu.fault));
    if (!exception_take_fault(m, &fault))
        uc_emu_stop(m->uc);
}

static void handle_semihosting(Machine *m, uint32_t pc)
{
    uint32_t op = reg_get(m->uc, UC_ARM_REG_R0);
    uint32_t param = reg_get(m->uc, UC_ARM_REG_R1);
    uint32_t result = 0;
    int status = 0;
    clock_set_insns(m->clock, m->cpu.insns);
    if (semihost_call(m->semihost, op, param, &result, &status) == SEMIHOST_EXIT) {
        m->cpu.exit_status = status;
        cpu_request_stop(m, STOP_EXIT);
        return;
    }
    reg_set(m->uc, UC_ARM_REG_R0, result);
    reg_set(m->uc, UC_ARM_REG_PC, (pc + 2) | 1);
}

static void handle_bkpt(Machine *m)
{
    uint32_t pc = reg_get(m->uc, UC_ARM_REG_PC);
    uint16_t insn = 0;
    machine_read_guest(m, pc, &insn, 2);
    if (insn == THUMB_SEMIHOST_BKPT && m->config.semihosting) {
        handle_semihosting(m, pc);
        return;
    }
    /* No debugger: a BKPT is a debug event escalated to HardFault
     * (B1.5.13, HFSR.DEBUGEVT). */
    PendingFault f = { .exc = EXC_HARDFAULT, .pc = pc, .what = "BKPT without a debugger" };
    nvic_scb(m->nvic)->hfsr |= HFSR_DEBUGEVT;
    nvic_scb(m->nvic)->dfsr |= DFSR_BKPT;
    if (!exception_take_fault(m, &f))
        uc_emu_stop(m->uc);
}

static void handle_svc(Machine *m)
{
    /* PC is already past the SVC: the return address (B1.5.6) */
    uint32_t pc = reg_get(m->uc, UC_ARM_REG_PC);
    NvicMasks masks = cpu_masks(m);
    int exec = nvic_execution_priority(m->nvic, masks);
    int prio = nvic_group_priority(m->nvic, nvic_get_priority(m->nvic, EXC_SVCALL));
    if (prio < exec) {
        nvic_set_pending(m->nvic, EXC_SVCALL);
        if (!exception_enter(m, EXC_SVCALL, pc))
            uc_emu_stop(m->uc);
        return;
    }
    /* an SVC that cannot be taken at once escalates (B1.5.6) */
    nvic_scb(m->nvic)->hfsr |= HFSR_FORCED;
    PendingFault f = { .exc = EXC_HARDFAULT, .pc = pc, .what = "SVC with too low a priority" };
    if (!exception_take_fault(m, &f))
        uc_emu_stop(m->uc);
}

static void hook_interrupt(uc_engine *uc, uint32_t intno, void *opaque)
{
    Machine *m = opaque;
    uint32_t pc = reg_get(uc, UC_ARM_REG_PC);
    switch (intno) {
    case EXCP_SWI:
        handle_svc(m);
        break;
    case EXCP_BKPT:
        handle_bkpt(m);
        break;
    case EXCP_EXCEPTION_EXIT:
        if (!exception_return(m, pc | 1))
            uc_emu_stop(uc);
        break;
    case EXCP_PREFETCH_ABORT:
        if (pc >= 0xFFFFFFF0u) { /* EXC_RETURN seen as an abort (UNICORN.md) */
            if (!exception_return(m, pc | 1))
                uc_emu_stop(uc);
        } else {
            /* execute-never region (B3.1: 0xE0000000 and above) */
            cpu_take_fault_now(m, EXC_MEMMANAGE, CFSR_IACCVIOL, pc,
                               "instruction fetch from an XN region");
        }
        break;
    case EXCP_DATA_ABORT:
        /* With no MPU and unmapped accesses reported through the memory
         * hooks, Unicorn raises a data abort only for the alignment check
         * of LDREX/STREX (A3.2.1: always word/halfword aligned), PC on the
         * instruction */
        cpu_take_fault_now(m, EXC_USAGEFAULT, CFSR_UNALIGNED, pc, "unaligned exclusive access");
        break;
    case EXCP_NOCP:
        cpu_take_fault_now(m, EXC_USAGEFAULT, CFSR_NOCP, pc, "coprocessor instruction (no FPU)");
        break;
    case EXCP_INVSTATE:
        cpu_take_fault_now(m, EXC_USAGEFAULT, CFSR_INVSTATE, pc, "invalid state (Thumb bit clear)");
        break;
    case EXCP_UNALIGNED:
        cpu_take_fault_now(m, EXC_USAGEFAULT, CFSR_UNALIGNED, pc, "unaligned access");
        break;
    case EXCP_DIVBYZERO:
        cpu_take_fault_now(m, EXC_USAGEFAULT, CFSR_DIVBYZERO, pc, "division by zero");
        break;
    case EXCP_UDEF:
        cpu_take_fault_now(m, EXC_USAGEFAULT, CFSR_UNDEFINSTR, pc, "undefined instruction");
        break;
    default:
        snprintf(m->cpu.fatal_msg, sizeof(m->cpu.fatal_msg),
                 "unexpected CPU exception %u at pc %#x", intno, pc);
        cpu_request_stop(m, STOP_INTERNAL);
        break;
    }
}

/* WFE and YIELD reach the invalid-instruction hook with PC after them;
 * they are hints (UNICORN.md). A real undefined instruction has PC on it. */
static bool hook_insn_invalid(uc_engine *uc, void *opaque)
{
    Machine *m = opaque;
    uint32_t pc = reg_get(uc, UC_ARM_REG_PC);
    uint16_t prev = 0, prev2[2] = { 0, 0 };
    machine_read_guest(m, pc - 2, &prev, 2);
    machine_read_guest(m, pc - 4, prev2, 4);
    bool wfe = prev == THUMB_WFE || (prev2[0] == 0xF3AF && prev2[1] == 0x8002);
    bool yield = prev == THUMB_YIELD || (prev2[0] == 0xF3AF && prev2[1] == 0x8001);
    if (wfe) {
        /* B1.5.18: WFE clears the event register if it is set (by SEV, an
         * exception return, or SEVONPEND), else waits for an event: the
         * run loop sleeps, with PC already after the WFE */
        if (m->cpu.event_register || nvic_take_event(m->nvic)) {
            m->cpu.event_register = false;
            return true;
        }
        m->cpu.wfe_wait = true;
        uc_emu_stop(uc);
        return true;
    }
    if (yield)
        return true;
    /* A real undefined instruction: returning true makes Unicorn 2.1.1
     * report it again through the interrupt hook (intno 1, PC on the
     * instruction), where the UsageFault is taken (UNICORN.md). Taking it
     * here too would fault a second time at the handler's first
     * instruction. */
    return true;
}

static bool read_code_half(void *opaque, uint32_t addr, uint16_t *out)
{
    return machine_read_guest(opaque, addr, out, 2);
}

/* A precise data fault at an access the CPU is making now: the registers
 * are exact at the access but PC is the block start (UNICORN.md "Precise
 * fault PC"), so find the instruction by decoding the block. */
void cpu_record_data_fault(Machine *m, unsigned exc, uint32_t cfsr, uint32_t address,
                           unsigned size, bool is_write, const char *what)
{
    uc_engine *uc = m->uc;
    PendingFault *f = &m->cpu.fault;
    memset(f, 0, sizeof(*f));
    f->exc = exc;
    f->cfsr = cfsr;
    f->what = what;
    f->has_addr = true;
    f->addr = address;
    f->restore_regs = true;
    for (int i = 0; i < 13; i++)
        f->regs[i] = reg_get(uc, UC_ARM_REG_R0 + i);
    f->regs[13] = reg_get(uc, UC_ARM_REG_SP);
    f->regs[14] = reg_get(uc, UC_ARM_REG_LR);
    f->xpsr = reg_get(uc, UC_ARM_REG_XPSR);
    unsigned len;
    if (!fault_pc_find(read_code_half, m, m->cpu.block_addr, m->cpu.block_size, f->regs,
                       address, size, is_write, &f->pc, &len))
        f->pc = m->cpu.block_addr;
}

/* Unmapped or refused access: record a precise BusFault; uc_emu_start
 * then returns with an error. */
static bool hook_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
                             int64_t value, void *opaque)
{
    Machine *m = opaque;
    if (type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT) {
        if (address >= 0xE0000000u) /* B3.1: the System region is execute-never */
            record_fault(m, EXC_MEMMANAGE, CFSR_IACCVIOL, (uint32_t)address,
                         "instruction fetch from the execute-never System region");
        else
            record_fault(m, EXC_BUSFAULT, CFSR_IBUSERR, (uint32_t)address,
                         "instruction fetch from unmapped memory");
        return false;
    }
    bool is_write = type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT;
    cpu_record_data_fault(m, EXC_BUSFAULT, CFSR_PRECISERR | CFSR_BFARVALID, (uint32_t)address,
                          (unsigned)size, is_write,
                          is_write ? "write to unmapped or read-only memory"
                                   : "read from unmapped memory");
    return false;
}

/* --- sleeping ----------------------------------------------------------------- */

static bool wfi_can_wake(Machine *m)
{
    /* B1.5.19: WFI wakes for an exception that would preempt if PRIMASK
     * were clear */
    NvicMasks masks = cpu_masks(m);
    masks.primask = false;
    return nvic_deliverable(m->nvic, masks) != 0 || m->cpu.fault.exc != 0;
}

static bool any_wake_source(Machine *m)
{
    for (unsigned exc = EXC_IRQ0; exc <= nvic_max_exception(m->nvic); exc++)
        if (nvic_is_enabled(m->nvic, exc))
            return true;
    return clock_next_wake_deadline(m->clock) != CLOCK_NEVER ||
           nvic_highest_pending(m->nvic) != 0;
}

static bool idle_follows_host(Machine *m)
{
    if (!clock_is_virtual(m->clock))
        return true;
    switch (m->config.idle) {
    case IDLE_SKIP: return false;
    case IDLE_HOST: return true;
    default: return m->external_events;
    }
}

static uint64_t monotonic_ns(void)
{
    return (uint64_t)g_get_monotonic_time() * 1000;
}

static bool kicked(void *opaque)
{
    Machine *m = opaque;
    return atomic_load(&m->cpu.attention) != 0 || atomic_load(&m->cpu.timed_out);
}

/* A WFE wakes for what wakes a WFI (B1.5.18 asks for an exception that
 * is taken; waking also for one PRIMASK holds back is a spurious wake-up,
 * which the architecture allows and which keeps WFE loops from sleeping
 * for ever where QEMU, whose WFE is a NOP, runs on) and for a SEVONPEND
 * event, which stays in the event register. */
static bool wfe_can_wake(Machine *m)
{
    if (nvic_take_event(m->nvic)) {
        m->cpu.event_register = true;
        return true;
    }
    return wfi_can_wake(m);
}

/* WFI (B1.5.19), WFE (B1.5.18) and sleep-on-exit: sleep until something
 * can wake the CPU. Returns false when the run must stop (limit, exit, or
 * no wake-up possible: 101). what names the cause for that report. */
static bool sleep_until_wakeup(Machine *m, bool wfe, const char *what)
{
    for (;;) {
        if (!service(m))
            return false;
        if (wfe ? wfe_can_wake(m) : wfi_can_wake(m)) {
            m->cpu.idle_warps = 0;
            return true;
        }
        if (!any_wake_source(m) && !m->external_events) {
            snprintf(m->cpu.fatal_msg, sizeof(m->cpu.fatal_msg),
                     "%s with every interrupt source disabled: the CPU can never wake", what);
            m->cpu.stop = STOP_FATAL;
            m->cpu.exit_status = MINIVM_EXIT_GUEST_STUCK;
            return false;
        }
        uint64_t deadline = clock_next_wake_deadline(m->clock);
        if (!idle_follows_host(m)) {
            if (deadline == CLOCK_NEVER || ++m->cpu.idle_warps > MAX_IDLE_WARPS) {
                snprintf(m->cpu.fatal_msg, sizeof(m->cpu.fatal_msg),
                         "%s and no interrupt can ever wake the CPU", what);
                m->cpu.stop = STOP_FATAL;
                m->cpu.exit_status = MINIVM_EXIT_GUEST_STUCK;
                return false;
            }
            clock_warp_to(m->clock, deadline);
            continue;
        }
        /* idle time follows the host: sleep for the guest time until the
         * next deadline, then account for the host time that passed */
        uint64_t now = clock_ns(m->clock);
        uint64_t host_now = monotonic_ns();
        uint64_t host_deadline = deadline == CLOCK_NEVER ? 0 : host_now + (deadline - now);
        idle_wait(m->cpu.idle, kicked, m, host_deadline, m->cpu.idle_poll_ns);
        if (clock_is_virtual(m->clock))
            clock_warp_to(m->clock, now + (monotonic_ns() - host_now));
    }
}

/* --- the run loop ------------------------------------------------------ */

static bool stopped_at_wfi(Machine *m, uint32_t pc)
{
    uint16_t half = 0, pair[2] = { 0, 0 };
    machine_read_guest(m, pc - 2, &half, 2);
    machine_read_guest(m, pc - 4, pair, 4);
    return half == THUMB_WFI || (pair[0] == 0xF3AF && pair[1] == 0x8003);
}

static gboolean on_timeout(gpointer data)
{
    Machine *m = data;
    atomic_store(&m->cpu.timed_out, true);
    cpu_attention(m, ATTN_STOP);
    machine_kick(m);
    return G_SOURCE_REMOVE;
}

bool cpu_init(Machine *m, GError **error)
{
    exclusive_monitor_init(m); /* runs guest code: before the hooks */
    uc_hook h;
    uc_err err = uc_hook_add(m->uc, &h, UC_HOOK_BLOCK, hook_block, m, 1, 0);
    if (err == UC_ERR_OK)
        err = uc_hook_add(m->uc, &h, UC_HOOK_INTR, hook_interrupt, m, 1, 0);
    if (err == UC_ERR_OK)
        err = uc_hook_add(m->uc, &h, UC_HOOK_INSN_INVALID, hook_insn_invalid, m, 1, 0);
    if (err == UC_ERR_OK)
        err = uc_hook_add(m->uc, &h, UC_HOOK_MEM_INVALID, hook_mem_invalid, m, 1, 0);
    if (err != UC_ERR_OK) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_INTERNAL, "installing CPU hooks: %s",
                    uc_strerror(err));
        return false;
    }
    m->cpu.redirect_at = UINT64_MAX;
    m->cpu.multiword_count = -1;
    int poll_us = m->config.idle_poll_us;
    if (poll_us < 0)
        poll_us = m->external_events ? MACHINE_DEFAULT_IDLE_POLL_US : 0;
    m->cpu.idle_poll_ns = (uint64_t)poll_us * 1000;
    for (int i = 0; i < ICOUNT_CACHE_SIZE; i++)
        m->cpu.icache[i].addr = 1; /* odd: never a block address */
    clock_set_deadline_notify(m->clock, deadline_changed, m);
    update_insn_deadline(m);
    traps_init(m);
    return true;
}

static void start_limits(Machine *m)
{
    if (m->config.timeout > 0) {
        GSource *t = g_timeout_source_new((guint)(m->config.timeout * 1000));
        g_source_set_callback(t, on_timeout, m, NULL);
        g_source_attach(t, iothread_context(m->io));
        g_source_unref(t);
    }
}

static void start_host_timer(Machine *m)
{
    if (clock_is_virtual(m->clock))
        return;
    GSource *s = g_source_new(&host_timer_funcs, sizeof(HostTimerSource));
    ((HostTimerSource *)s)->machine = m;
    g_source_attach(s, iothread_context(m->io));
    m->cpu.host_timer = s;
    arm_host_timer(m);
}

static bool in_thumb_state(Machine *m)
{
    size_t mode = 0;
    return uc_query(m->uc, UC_QUERY_MODE, &mode) == UC_ERR_OK && (mode & UC_MODE_THUMB);
}

static bool handle_emu_error(Machine *m, uc_err err)
{
    uint32_t pc = reg_get(m->uc, UC_ARM_REG_PC);
    switch (err) {
    case UC_ERR_READ_UNMAPPED:
    case UC_ERR_WRITE_UNMAPPED:
    case UC_ERR_FETCH_UNMAPPED:
    case UC_ERR_READ_PROT:
    case UC_ERR_WRITE_PROT:
    case UC_ERR_FETCH_PROT: {
        if (m->cpu.fault.exc == 0)
            record_fault(m, EXC_BUSFAULT, CFSR_IBUSERR, pc, "bus error");
        PendingFault fault = m->cpu.fault;
        memset(&m->cpu.fault, 0, sizeof(m->cpu.fault));
        return exception_take_fault(m, &fault);
    }
    case UC_ERR_INSN_INVALID:
        cpu_take_fault_now(m, EXC_USAGEFAULT, CFSR_UNDEFINSTR, pc, "undefined instruction");
        return m->cpu.stop == STOP_NONE;
    case UC_ERR_EXCEPTION:
        /* Unicorn marks every INVSTATE (intno 18) with this error even
         * though the interrupt hook took the UsageFault, and reports it at
         * the next stop (the handler entry's PC write): stale once the
         * core runs Thumb code again */
        if (in_thumb_state(m))
            return true;
        cpu_take_fault_now(m, EXC_USAGEFAULT, CFSR_INVSTATE, pc, "invalid state");
        return m->cpu.stop == STOP_NONE;
    default:
        snprintf(m->cpu.fatal_msg, sizeof(m->cpu.fatal_msg), "emulation failed at pc %#x: %s",
                 pc, uc_strerror(err));
        m->cpu.stop = STOP_INTERNAL;
        return false;
    }
}

/* After SYSRESETREQ: devices, NVIC, memory image and core as at power-on. */
static bool reset_machine(Machine *m)
{
    g_autoptr(GError) error = NULL;
    m->cpu.reset_requested = false;
    m->cpu.stop = STOP_NONE;
    memset(&m->cpu.fault, 0, sizeof(m->cpu.fault));
    /* the SCS, mapped first, resets the NVIC before devices lower lines */
    machine_reset_devices(m);
    bool loaded = machine_load_image(m, &error);
    /* code changed behind Unicorn's back must be re-translated */
    uc_ctl_flush_tb(m->uc);
    if (!loaded || !exception_reset_core(m, &error)) {
        snprintf(m->cpu.fatal_msg, sizeof(m->cpu.fatal_msg), "reset failed: %s", error->message);
        m->cpu.stop = STOP_INTERNAL;
        return false;
    }
    return true;
}

static int exit_status_for(Machine *m)
{
    switch (m->cpu.stop) {
    case STOP_EXIT: return m->cpu.exit_status;
    case STOP_TIMEOUT:
        fprintf(stderr, "minivm: --timeout of %g s reached\n", m->config.timeout);
        return MINIVM_EXIT_TIMEOUT;
    case STOP_INSN_LIMIT:
        fprintf(stderr, "minivm: --max-insns budget of %" G_GUINT64_FORMAT " instructions reached\n",
                m->config.max_insns);
        return MINIVM_EXIT_INSN_LIMIT;
    case STOP_FATAL:
        if (m->cpu.exit_status == MINIVM_EXIT_GUEST_STUCK) {
            report_fatal(m, m->cpu.fatal_msg);
            return MINIVM_EXIT_GUEST_STUCK;
        }
        report_fatal(m, m->cpu.fatal_msg);
        return MINIVM_EXIT_GUEST_FAULT;
    default:
        fprintf(stderr, "minivm: internal error: %s\n", m->cpu.fatal_msg);
        return MINIVM_EXIT_INTERNAL;
    }
}

int cpu_run(Machine *m)
{
    start_limits(m);
    start_host_timer(m);
    for (;;) {
        if (m->cpu.stop == STOP_NONE && service(m)) {
            uint32_t pc = reg_get(m->uc, UC_ARM_REG_PC);
            if (m->cpu.fault.exc != 0) {
                PendingFault fault = m->cpu.fault;
                memset(&m->cpu.fault, 0, sizeof(m->cpu.fault));
                exception_take_fault(m, &fault);
            } else {
                exception_deliver_pending(m, pc);
            }
            keep_watching_if_pending(m);
        }
        if (m->cpu.stop == STOP_RESET && reset_machine(m))
            continue;
        if (m->cpu.stop != STOP_NONE)
            break;

        traps_update(m);
        if (m->cpu.stop != STOP_NONE)
            break;
        uint32_t pc = reg_get(m->uc, UC_ARM_REG_PC);
        uc_err err = uc_emu_start(m->uc, pc | 1, UNTIL_NEVER, 0, 0);
        if (mpu_tlb_after_run(m))
            continue;
        if (m->cpu.stop != STOP_NONE)
            continue;
        if (err != UC_ERR_OK) {
            handle_emu_error(m, err);
            continue;
        }
        if (m->cpu.fault.exc != 0)
            continue; /* a hook recorded a fault and stopped: taken above */
        pc = reg_get(m->uc, UC_ARM_REG_PC);
        /* Unicorn also returns when a hook redirected PC before any block
         * ran; only a WFI that executed means sleep */
        bool redirected = m->cpu.redirect_at == m->cpu.insns;
        bool wfe = m->cpu.wfe_wait;
        bool sleep = wfe || m->cpu.sleep_on_exit || (!redirected && stopped_at_wfi(m, pc));
        const char *what = wfe ? "WFE" : m->cpu.sleep_on_exit ? "sleep-on-exit (SCR.SLEEPONEXIT)"
                                                               : "WFI";
        m->cpu.sleep_on_exit = false;
        m->cpu.wfe_wait = false;
        if (sleep) {
            if (!sleep_until_wakeup(m, wfe, what) && m->cpu.stop == STOP_NONE)
                m->cpu.stop = STOP_INTERNAL;
            continue;
        }
        /* stopped by a hook without a reason: e.g. a kick; just go on */
    }
    if (m->cpu.host_timer != NULL) {
        g_source_destroy(m->cpu.host_timer);
        g_source_unref(m->cpu.host_timer);
        m->cpu.host_timer = NULL;
    }
    return exit_status_for(m);
}
