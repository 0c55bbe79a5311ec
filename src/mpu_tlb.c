/* The MPU on Unicorn 2.1.1's virtual TLB (README.md "MPU").
 *
 * Measured on 2.1.1: the fill hook gets the page address (not the
 * access's), the access type and the CPU state (PC, CONTROL, xPSR are
 * readable); a refusal does not reach the invalid-memory hooks but stops
 * the run with UC_ERR_EXCEPTION, PC restored to the faulting instruction;
 * uc_ctl_tlb_mode only swaps the fill function and uc_ctl_flush_tlb costs
 * ~0.8 us; a 4 GiB MMIO region above 4 GiB maps fine, costs nothing while
 * unused, and sees LDREX/STREX as plain accesses; an identity fill hook
 * runs guest code as fast as Unicorn's own TLB.
 *
 * Unicorn asks the TLB fill hook for one 1 KiB page, one access type and
 * the current mode at a time, and caches the answer per page and per MMU
 * index (privileged and unprivileged code have separate entries, so
 * privilege changes need no flush). The answer here:
 *   - the page allows the access everywhere: an identity entry with what
 *     the whole page allows (the common case; no further cost);
 *   - a data access the page does not allow everywhere (no access, read
 *     only, or a region or subregion boundary inside the page): the page
 *     is mapped to a trap window at 4 GiB + its address, an MMIO region
 *     whose callbacks see each access's exact address and size, check it,
 *     and perform it on the real memory or device, or record a precise
 *     MemManage fault (DACCVIOL, MMFAR) and stop the run;
 *   - an instruction fetch the page does not allow at the fetch address
 *     (PC): refused; Unicorn then stops with UC_ERR_EXCEPTION and PC on
 *     the fetch address, and an IACCVIOL is taken.
 * Refusing data accesses in the hook would also give a precise PC, but
 * only the page's address, not MMFAR: the trap gives both.
 *
 * The TLB is flushed when the MPU's registers change and when the MPU
 * starts or stops applying because the execution priority became
 * negative or not (HFNMIENA clear). */
#include "mpu_tlb.h"

#include <string.h>

#include "errors.h"
#include "fault_pc.h"
#include "log.h"

#define PAGE 0x400u
#define TRAP_BASE 0x100000000ull
#define TRAP_SIZE 0x100000000ull
/* Unicorn looks up the run's end address (cpu.c's UNTIL_NEVER, in this
 * page) when a run ends, outside the CPU loop where a refusal would raise:
 * always granted. Nothing is mapped there, so a guest fetch still faults
 * (cpu.c: IACCVIOL, the System region is execute-never). */
#define UNTIL_PAGE 0xfffffc00u
#define XPSR_EXCP_MASK 0x1ffu
#define CONTROL_NPRIV 1u

struct MpuTlb {
    Machine *m;
    Mpu *mpu;
    bool virtual_tlb; /* Unicorn's TLB is filled by tlb_fill() */
    bool applies;     /* the MPU applied to the code running at the last flush */
    bool has_fault;
    PendingFault fault;
};

static MpuContext current_context(MpuTlb *t)
{
    uc_engine *uc = t->m->uc;
    bool handler = (reg_get(uc, UC_ARM_REG_XPSR) & XPSR_EXCP_MASK) != 0;
    MpuContext ctx = { .privileged = handler ||
                                     !(reg_get(uc, UC_ARM_REG_CONTROL) & CONTROL_NPRIV) };
    /* B3.5.6 HFNMIENA: HardFault or NMI active, or FAULTMASK set (it
     * reads as 0 while unprivileged, UNICORN.md) */
    ctx.negative_priority = nvic_is_active(t->m->nvic, EXC_HARDFAULT) ||
                            nvic_is_active(t->m->nvic, EXC_NMI) ||
                            (ctx.privileged && (reg_get(uc, UC_ARM_REG_FAULTMASK) & 1));
    return ctx;
}

MpuContext mpu_tlb_current_context(Machine *m)
{
    return current_context(m->mpu_tlb);
}

unsigned mpu_tlb_words_allowed(Machine *m, uint32_t addr, unsigned count, unsigned want,
                               MpuContext ctx)
{
    if (!mpu_applies(m->mpu, ctx))
        return count;
    for (unsigned i = 0; i < count; i++)
        if ((mpu_range_permissions(m->mpu, addr + 4 * i, 4, ctx) & want) != want)
            return i;
    return count;
}

static uint32_t to_uc_prot(unsigned perms)
{
    return ((perms & MPU_READ) ? UC_PROT_READ : 0) | ((perms & MPU_WRITE) ? UC_PROT_WRITE : 0) |
           ((perms & MPU_EXEC) ? UC_PROT_EXEC : 0);
}

static void record_fault(MpuTlb *t, const PendingFault *f)
{
    if (!t->has_fault) {
        t->fault = *f;
        t->has_fault = true;
    }
}

/* ---- the TLB fill hook -------------------------------------------------- */

/* The page is executable for this fetch if the fetch address is: PC, or
 * the page's start for the second half of an instruction straddling two
 * pages. The entry then serves the whole page until the next flush: a
 * page partly execute-never is decided by its first fetch (README). */
static bool fill_fetch(MpuTlb *t, uint32_t page, MpuContext ctx, uc_tlb_entry *e)
{
    uint32_t pc = reg_get(t->m->uc, UC_ARM_REG_PC);
    uint32_t at = pc - page < PAGE ? pc : page;
    if (page == UNTIL_PAGE || (mpu_permissions(t->mpu, at, ctx) & MPU_EXEC)) {
        e->perms |= UC_PROT_EXEC;
        return true;
    }
    PendingFault f = { .exc = EXC_MEMMANAGE, .cfsr = CFSR_IACCVIOL, .pc = at,
                       .what = "instruction fetch the MPU refuses (IACCVIOL)" };
    record_fault(t, &f);
    return false;
}

static bool tlb_fill(uc_engine *uc, uint64_t vaddr, uc_mem_type type, uc_tlb_entry *e,
                     void *opaque)
{
    MpuTlb *t = opaque;
    uint32_t page = (uint32_t)vaddr;
    MpuContext ctx = current_context(t);
    unsigned everywhere = mpu_range_permissions(t->mpu, page, PAGE, ctx);
    e->paddr = page;
    e->perms = to_uc_prot(everywhere & (MPU_READ | MPU_WRITE));
    if (type == UC_MEM_FETCH)
        return fill_fetch(t, page, ctx, e);
    unsigned want = type == UC_MEM_WRITE ? MPU_WRITE : MPU_READ;
    if (everywhere & want) {
        e->perms = to_uc_prot(everywhere);
        return true;
    }
    e->paddr = TRAP_BASE + page;
    e->perms = UC_PROT_READ | UC_PROT_WRITE;
    return true;
}

/* ---- the trap window: pages the MPU does not allow everywhere ----------- */

static bool read_code_half(void *opaque, uint32_t addr, uint16_t *out)
{
    return machine_read_guest(opaque, addr, out, 2);
}

/* A precise data fault, recorded as cpu.c's hook_mem_invalid does: the
 * registers are exact at the access, PC is the block start, the faulting
 * instruction is found by decoding (fault_pc.h). */
static void data_fault(MpuTlb *t, unsigned exc, uint32_t cfsr, uint32_t addr, unsigned size,
                       bool is_write, const char *what)
{
    Machine *m = t->m;
    uc_engine *uc = m->uc;
    PendingFault f = { .exc = exc, .cfsr = cfsr, .has_addr = true, .addr = addr,
                       .restore_regs = true, .what = what };
    for (int i = 0; i < 13; i++)
        f.regs[i] = reg_get(uc, UC_ARM_REG_R0 + i);
    f.regs[13] = reg_get(uc, UC_ARM_REG_SP);
    f.regs[14] = reg_get(uc, UC_ARM_REG_LR);
    f.xpsr = reg_get(uc, UC_ARM_REG_XPSR);
    unsigned len;
    if (!fault_pc_find(read_code_half, m, m->cpu.block_addr, m->cpu.block_size, f.regs, addr,
                       size, is_write, &f.pc, &len))
        f.pc = m->cpu.block_addr;
    record_fault(t, &f);
    /* the access is dropped and the run ends right after it (UNICORN.md) */
    uc_emu_stop(uc);
}

static bool allowed(MpuTlb *t, uint32_t addr, unsigned size, unsigned want)
{
    MpuContext ctx = current_context(t);
    return (mpu_permissions(t->mpu, addr, ctx) & want) &&
           (mpu_permissions(t->mpu, addr + size - 1, ctx) & want);
}

/* Board ROM: read-only for the CPU, although uc_mem_write would write it. */
static bool is_rom(Machine *m, uint32_t addr)
{
    for (guint i = 0; i < m->ram->len; i++) {
        const RamBlock *b = g_ptr_array_index(m->ram, i);
        for (guint k = 0; b->rom && k <= b->aliases->len; k++) {
            uint32_t base = k == 0 ? b->base : g_array_index(b->aliases, uint32_t, k - 1);
            if (addr - base < b->size)
                return true;
        }
    }
    return false;
}

static uint64_t trap_read(uc_engine *uc, uint64_t offset, unsigned size, void *opaque)
{
    MpuTlb *t = opaque;
    uint32_t addr = (uint32_t)offset;
    uint32_t value = 0;
    if (!allowed(t, addr, size, MPU_READ))
        data_fault(t, EXC_MEMMANAGE, CFSR_DACCVIOL, addr, size, false,
                   "read the MPU refuses (DACCVIOL)");
    else if (uc_mem_read(uc, addr, &value, size) != UC_ERR_OK)
        data_fault(t, EXC_BUSFAULT, CFSR_PRECISERR | CFSR_BFARVALID, addr, size, false,
                   "read from unmapped memory");
    return value;
}

static void trap_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                       void *opaque)
{
    MpuTlb *t = opaque;
    uint32_t addr = (uint32_t)offset;
    uint32_t v = (uint32_t)value;
    if (!allowed(t, addr, size, MPU_WRITE))
        data_fault(t, EXC_MEMMANAGE, CFSR_DACCVIOL, addr, size, true,
                   "write the MPU refuses (DACCVIOL)");
    else if (is_rom(t->m, addr) || uc_mem_write(uc, addr, &v, size) != UC_ERR_OK)
        data_fault(t, EXC_BUSFAULT, CFSR_PRECISERR | CFSR_BFARVALID, addr, size, true,
                   "write to unmapped or read-only memory");
}

/* ---- keeping Unicorn's TLB in step ---------------------------------------- */

static void flush(MpuTlb *t)
{
    uc_ctl_flush_tlb(t->m->uc);
}

/* An MPU register changed (or the MPU reset): switch Unicorn's TLB to our
 * fill hook while the MPU is enabled, back to its own when not, and drop
 * every cached entry. Safe in the middle of a run (QEMU's NVIC flushes
 * from its MPU register writes too): the accesses after the write see the
 * new configuration. */
static void mpu_changed(void *opaque)
{
    MpuTlb *t = opaque;
    bool enabled = mpu_enabled(t->mpu);
    if (enabled == t->virtual_tlb && !enabled)
        return;
    if (enabled != t->virtual_tlb) {
        uc_ctl_tlb_mode(t->m->uc, enabled ? UC_TLB_VIRTUAL : UC_TLB_CPU);
        t->virtual_tlb = enabled;
        log_trace("mpu", "MPU %s: %s TLB", enabled ? "enabled" : "disabled",
                  enabled ? "minivm's" : "Unicorn's");
    }
    t->applies = enabled && mpu_applies(t->mpu, current_context(t));
    flush(t);
}

void mpu_tlb_context_changed(Machine *m)
{
    MpuTlb *t = m->mpu_tlb;
    if (t == NULL || !t->virtual_tlb)
        return;
    bool applies = mpu_applies(t->mpu, current_context(t));
    if (applies != t->applies) {
        t->applies = applies;
        flush(t);
    }
}

bool mpu_tlb_after_run(Machine *m)
{
    MpuTlb *t = m->mpu_tlb;
    if (t == NULL || !t->has_fault)
        return false;
    PendingFault f = t->fault;
    t->has_fault = false;
    if (m->cpu.stop != STOP_NONE)
        return false;
    exception_take_fault(m, &f);
    return true;
}

bool mpu_tlb_init(Machine *m, Mpu *mpu, GError **error)
{
    MpuTlb *t = g_new0(MpuTlb, 1);
    t->m = m;
    t->mpu = mpu;
    g_ptr_array_add(m->owned, t);
    uc_hook h;
    uc_err err = uc_mmio_map(m->uc, TRAP_BASE, TRAP_SIZE, trap_read, t, trap_write, t);
    if (err == UC_ERR_OK)
        err = uc_hook_add(m->uc, &h, UC_HOOK_TLB_FILL, tlb_fill, t, 1, 0);
    if (err != UC_ERR_OK) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_INTERNAL, "setting up the MPU: %s",
                    uc_strerror(err));
        return false;
    }
    m->mpu_tlb = t;
    mpu_set_change_notify(mpu, mpu_changed, t);
    return true;
}
