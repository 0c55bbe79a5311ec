/* Enforcing the MPU (mpu.h) on Unicorn: while MPU_CTRL.ENABLE is set,
 * Unicorn's TLB is filled by minivm (UC_TLB_VIRTUAL + UC_HOOK_TLB_FILL)
 * with identity entries carrying the MPU's permissions for the 1 KiB page;
 * refusals become MemManage faults with the precise PC. While the MPU is
 * disabled Unicorn's own TLB is used and this costs nothing.
 *
 * The CPU core calls mpu_tlb_context_changed() after every exception
 * entry and return (HardFault/NMI may switch the MPU off, HFNMIENA), and
 * mpu_tlb_after_run() right after each uc_emu_start(). */
#ifndef MINIVM_MPU_TLB_H
#define MINIVM_MPU_TLB_H

#include "machine_internal.h"
#include "mpu.h"

typedef struct MpuTlb MpuTlb;

/* Enforces mpu (borrowed) on m's CPU from now on; m owns the result. */
bool mpu_tlb_init(Machine *m, Mpu *mpu, GError **error);
/* The execution priority or privilege may have changed. */
void mpu_tlb_context_changed(Machine *m);
/* Takes the MPU fault (or precise bus fault through a split page) that
 * ended the run, if any: returns true if it did (the run's uc_err, PC and
 * stop state are then stale). */
bool mpu_tlb_after_run(Machine *m);

/* The MPU's view of the code running now: its privilege, and whether its
 * execution priority is negative (MPU_CTRL.HFNMIENA). */
MpuContext mpu_tlb_current_context(Machine *m);
/* B3.5: exception stacking and unstacking are checked too, with the
 * context of the code interrupted or returned to. Of the count words from
 * addr, in ascending order, how many an access of ctx may make (want is
 * MPU_READ or MPU_WRITE) before the first it refuses: count if none. */
unsigned mpu_tlb_words_allowed(Machine *m, uint32_t addr, unsigned count, unsigned want,
                               MpuContext ctx);

#endif
