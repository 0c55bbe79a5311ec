/* Usage faults a Cortex-M3 takes that Unicorn 2.1.1 (QEMU 5.0) does not:
 * division by zero with CCR.DIV_0_TRP, unaligned LDRD/STRD/LDM/STM, and
 * every unaligned halfword/word access with CCR.UNALIGN_TRP. Each check
 * is a hook, armed only once the firmware opts into the fault, so that
 * firmware that does not pays nothing on the hot path (UNICORN.md "Cost
 * of hooks"):
 *
 * - DIV_0_TRP: code hooks on the image's SDIV/UDIV, added when the guest
 *   sets the bit;
 * - LDRD/STRD/LDM/STM (A3.2.1: they fault whatever CCR says): code hooks
 *   on the image's instructions whose base register may be unaligned,
 *   added when the guest enables UsageFault (SHCSR.USGFAULTENA), or from
 *   reset with --strict. Always-on hooks would cost ~5% on bench-cpu, and
 *   more the more such instructions the image holds: Unicorn walks its
 *   whole code-hook list (~22 host instructions per hook) at each hooked
 *   instruction it executes (bench/README.md);
 * - UNALIGN_TRP: a memory hook on every data access (it also catches the
 *   multi-word accesses), added while the bit is set and removed when it
 *   is cleared: any memory hook slows every load and store ~20x.
 *
 * Code hooks stay once added (their callbacks look at CCR again). Hooks
 * only affect code translated after they are added or removed, so each
 * change flushes the translated code. Instructions the image does not
 * hold (code copied to RAM at run time) get no code hooks. */
#include "machine_internal.h"

#include <string.h>

#include "fault_pc.h"
#include "log.h"

#define REG_SP 13
#define REG_PC 15

/* --- divide by zero ------------------------------------------------------- */

/* A7.7.127 SDIV, A7.7.195 UDIV: 1111 1011 1001/1011 Rn, 1111 Rd 1111 Rm */
static bool is_divide(const uint16_t hw[2])
{
    return ((hw[0] & 0xFFF0) == 0xFB90 || (hw[0] & 0xFFF0) == 0xFBB0) &&
           (hw[1] & 0xF0F0) == 0xF0F0;
}

/* Unicorn 2.1.1 divides by zero as if CCR.DIV_0_TRP were clear (its divide
 * helpers never see the CCR, and it never raises its DIVBYZERO
 * exception): only a divisor of 0 with the bit set faults (B3.2.8,
 * B3.2.15).
 *
 * Unicorn calls a code hook after an IT block's condition check, so a
 * divide whose condition fails never gets here. Inside an IT block,
 * though, the exception entry's PC write does not end the translated
 * block at once: the rest of it runs first (for the usual `it; sdiv; bx
 * lr` the `bx lr` is then an exception return that comes back to the
 * divide, which faults properly the second time; a destination outside
 * r0-r3 and r12 would be lost). */
static void hook_divide(uc_engine *uc, uint64_t address, uint32_t size, void *opaque)
{
    Machine *m = opaque;
    uint16_t hw[2];
    if (!(nvic_scb(m->nvic)->ccr & CCR_DIV_0_TRP) ||
        !machine_read_guest(m, (uint32_t)address, hw, sizeof(hw)) || !is_divide(hw))
        return;
    unsigned rm = hw[1] & 0xF;
    if (rm > 12 || reg_get(uc, UC_ARM_REG_R0 + (int)rm) != 0)
        return; /* Rm = SP, PC: UNPREDICTABLE */
    cpu_take_fault_now(m, EXC_USAGEFAULT, CFSR_DIVBYZERO, (uint32_t)address, "division by zero");
}

/* Hooks every halfword of the image that starts a divide: one that is the
 * second half of another instruction, or data, never executes as an
 * instruction, and the hook re-checks the encoding anyway. */
static void hook_divides(Machine *m)
{
    m->cpu.div_hooks = true;
    unsigned hooked = 0;
    for (guint i = 0; i < m->image->segments->len; i++) {
        const ImageSegment *seg = &g_array_index(m->image->segments, ImageSegment, i);
        for (uint32_t off = 0; off + 4 <= seg->filesz; off += 2) {
            uint16_t hw[2];
            memcpy(hw, seg->data + off, sizeof(hw));
            uc_hook h;
            if (is_divide(hw) && uc_hook_add(m->uc, &h, UC_HOOK_CODE, hook_divide, m,
                                             seg->addr + off, seg->addr + off) == UC_ERR_OK)
                hooked++;
        }
    }
    log_trace("cpu", "CCR.DIV_0_TRP: %u divide instructions hooked", hooked);
}

/* --- LDRD/STRD/LDM/STM: always word aligned --------------------------------- */

/* One hooked instruction: its base register. Every such access is at the
 * base plus a multiple of 4 (LDRD/STRD imm8*4, LDM/STM 4 per register),
 * so the access is aligned exactly when the base is. */
typedef struct AlignedInsn {
    Machine *machine;
    int base_reg; /* UC_ARM_REG_* */
} AlignedInsn;

static int uc_reg_of(unsigned n)
{
    return n == 14 ? UC_ARM_REG_LR : UC_ARM_REG_R0 + (int)n;
}

/* The base register of an LDRD/STRD/LDM/STM (A5.2.x, A5.3.5, A5.3.6) that
 * is not SP or PC: SP is always word aligned (B1.4.1, its bits [1:0]
 * read as zero) and the literal form aligns PC. Returns -1 for anything
 * else, and sets *len to the instruction's length. */
static int multiword_base(const uint16_t hw[2], unsigned *len)
{
    *len = thumb_insn_length(hw[0]);
    if (*len == 2) /* 16-bit STM/LDM Rn!, {list}: 1100 L Rn list */
        return (hw[0] & 0xF000) == 0xC000 ? (hw[0] >> 8) & 7 : -1;
    unsigned rn = hw[0] & 0xF;
    if (rn == REG_SP || rn == REG_PC)
        return -1;
    if ((hw[0] & 0xFE40) == 0xE800) { /* LDM/STM IA or DB: 1110 100 op 0 W L Rn */
        unsigned op = (hw[0] >> 7) & 3;
        return op == 1 || op == 2 ? (int)rn : -1;
    }
    if ((hw[0] & 0xFE40) == 0xE840) { /* LDRD/STRD: op1<1> or op2<1> set */
        unsigned op1 = (hw[0] >> 7) & 3, op2 = (hw[0] >> 4) & 3;
        return (op1 & 2) || (op2 & 2) ? (int)rn : -1;
    }
    return -1;
}

/* A3.2.1: LDRD, STRD, LDM and STM of an address that is not word aligned
 * are a UsageFault (UNALIGNED) whatever CCR.UNALIGN_TRP says; the
 * instruction has not run. */
static void hook_multiword(uc_engine *uc, uint64_t address, uint32_t size, void *opaque)
{
    const AlignedInsn *insn = opaque;
    if ((reg_get(uc, insn->base_reg) & 3) != 0)
        cpu_take_fault_now(insn->machine, EXC_USAGEFAULT, CFSR_UNALIGNED, (uint32_t)address,
                           "unaligned LDRD/STRD/LDM/STM");
}

/* Decodes each segment as a run of Thumb instructions from its start
 * (literal pools decode as instructions too: at worst an extra hook that
 * never fires) and calls fn for each multi-word access; returns how many. */
static unsigned for_each_multiword(Machine *m,
                                   void (*fn)(Machine *m, uint32_t addr, unsigned rn))
{
    unsigned found = 0;
    for (guint i = 0; i < m->image->segments->len; i++) {
        const ImageSegment *seg = &g_array_index(m->image->segments, ImageSegment, i);
        unsigned len = 2;
        for (uint32_t off = 0; off + 4 <= seg->filesz; off += len) {
            uint16_t hw[2];
            memcpy(hw, seg->data + off, sizeof(hw));
            int rn = multiword_base(hw, &len);
            if (rn < 0)
                continue;
            found++;
            if (fn != NULL)
                fn(m, seg->addr + off, (unsigned)rn);
        }
    }
    return found;
}

static void hook_one_multiword(Machine *m, uint32_t addr, unsigned rn)
{
    AlignedInsn *insn = g_new(AlignedInsn, 1);
    *insn = (AlignedInsn){ m, uc_reg_of(rn) };
    g_ptr_array_add(m->owned, insn);
    uc_hook h;
    uc_hook_add(m->uc, &h, UC_HOOK_CODE, hook_multiword, insn, addr, addr);
}

static void hook_multiwords(Machine *m)
{
    m->cpu.multiword_hooks = true;
    unsigned hooked = for_each_multiword(m, hook_one_multiword);
    log_trace("cpu", "%u LDRD/STRD/LDM/STM instructions with a register base hooked", hooked);
}

/* Up to this many hooked instructions, the check is on from reset: each
 * hooked execution costs ~250 host instructions plus ~22 per hook Unicorn
 * walks, small next to what a small image runs; bigger images (a newlib
 * program has ~100) get it once they enable UsageFault, or with --strict. */
#define MULTIWORD_HOOKS_FROM_RESET 32

static bool multiword_trap_wanted(Machine *m)
{
    if (m->cpu.multiword_hooks)
        return false;
    if (m->cpu.multiword_count < 0)
        m->cpu.multiword_count = (int)for_each_multiword(m, NULL);
    return m->config.strict || nvic_is_enabled(m->nvic, EXC_USAGEFAULT) ||
           m->cpu.multiword_count <= MULTIWORD_HOOKS_FROM_RESET;
}

/* --- CCR.UNALIGN_TRP ------------------------------------------------------- */

/* B3.2.8: with UNALIGN_TRP set, every unaligned halfword or word access
 * is a UsageFault (UNALIGNED). The hook sees each access with its
 * instruction's address and size before it is made (an unaligned one is
 * split into aligned pieces only after the hook), but cannot stop it: it
 * records a precise fault (the registers, the faulting instruction, the
 * bytes a store is about to overwrite) and stops emulation, which Unicorn
 * does right after this access; the run loop then undoes the store and
 * takes the fault. */
static void hook_unaligned(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
                           int64_t value, void *opaque)
{
    Machine *m = opaque;
    if (size <= 1 || (address & (uint64_t)(size - 1)) == 0 || m->cpu.fault.exc != 0 ||
        !(nvic_scb(m->nvic)->ccr & CCR_UNALIGN_TRP))
        return;
    bool is_write = type == UC_MEM_WRITE;
    cpu_record_data_fault(m, EXC_USAGEFAULT, CFSR_UNALIGNED, (uint32_t)address, (unsigned)size,
                          is_write, "unaligned access (CCR.UNALIGN_TRP)");
    PendingFault *f = &m->cpu.fault;
    if (is_write && (size_t)size <= sizeof(f->undo) &&
        machine_read_ram(m, (uint32_t)address, f->undo, (size_t)size))
        f->undo_len = (unsigned)size; /* a device never sees it (machine.c) */
    uc_emu_stop(uc);
}

static bool unalign_trap_wanted(Machine *m)
{
    return (nvic_scb(m->nvic)->ccr & CCR_UNALIGN_TRP) != 0;
}

static void set_unalign_hook(Machine *m, bool on)
{
    CpuState *c = &m->cpu;
    if (on) {
        uc_err err = uc_hook_add(m->uc, &c->unalign_hook, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
                                 hook_unaligned, m, 1, 0);
        if (err != UC_ERR_OK) {
            snprintf(c->fatal_msg, sizeof(c->fatal_msg), "CCR.UNALIGN_TRP: hooking memory: %s",
                     uc_strerror(err));
            c->stop = STOP_INTERNAL;
            return;
        }
    } else {
        uc_hook_del(m->uc, c->unalign_hook);
    }
    c->unalign_hooked = on;
    log_trace("cpu", "CCR.UNALIGN_TRP %s: memory accesses %s", on ? "set" : "cleared",
              on ? "checked" : "no longer checked");
}

/* --- arming ----------------------------------------------------------------- */

static bool div_trap_wanted(Machine *m)
{
    return !m->cpu.div_hooks && (nvic_scb(m->nvic)->ccr & CCR_DIV_0_TRP);
}

/* Nothing has been translated yet: no flush (it costs ~4 ms, UNICORN.md
 * "Start-up"). */
void traps_init(Machine *m)
{
    if (multiword_trap_wanted(m))
        hook_multiwords(m);
}

bool traps_change_wanted(Machine *m)
{
    return div_trap_wanted(m) || multiword_trap_wanted(m) ||
           unalign_trap_wanted(m) != m->cpu.unalign_hooked;
}

void traps_update(Machine *m)
{
    if (!traps_change_wanted(m))
        return;
    if (div_trap_wanted(m))
        hook_divides(m);
    if (multiword_trap_wanted(m))
        hook_multiwords(m);
    if (unalign_trap_wanted(m) != m->cpu.unalign_hooked)
        set_unalign_hook(m, unalign_trap_wanted(m));
    uc_ctl_flush_tb(m->uc);
}
