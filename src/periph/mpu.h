/* The ARMv7-M PMSAv7 Memory Protection Unit (ARMv7-M ARM B3.5) of a
 * Cortex-M3 with 8 regions, as QEMU's mps2-an385 has it: the registers
 * MPU_TYPE, MPU_CTRL, MPU_RNR, MPU_RBAR, MPU_RASR and the RBAR/RASR
 * aliases, and the access rules they define.
 *
 * The SCS device (scs.c) maps the register block at 0xE000ED90; offsets
 * here are relative to that base (0x00 TYPE .. 0x28 RASR_A3). Pure state,
 * no Unicorn: the CPU side (mpu_tlb.c) asks mpu_permissions() what an
 * access may do and is told through the change notifier when the answer
 * may have changed. */
#ifndef MINIVM_MPU_H
#define MINIVM_MPU_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

#define MPU_OFFSET 0xd90u /* within the SCS window */
#define MPU_SIZE 0x2cu    /* MPU_TYPE .. MPU_RASR_A3 */
#define MPU_NUM_REGIONS 8

/* What an access may do: a mask of these. */
enum {
    MPU_READ = 1u << 0,
    MPU_WRITE = 1u << 1,
    MPU_EXEC = 1u << 2,
};
#define MPU_ALL (MPU_READ | MPU_WRITE | MPU_EXEC)

/* Who accesses: the privilege of the access, and whether the requested
 * execution priority is negative (HardFault or NMI active, or FAULTMASK
 * set: B3.5.3 MPU_CTRL.HFNMIENA). */
typedef struct MpuContext {
    bool privileged;
    bool negative_priority;
} MpuContext;

typedef struct Mpu Mpu;

Mpu *mpu_new(void);
void mpu_free(Mpu *mpu);
/* B3.5.1: MPU_CTRL, MPU_RNR and every region are 0 (UNKNOWN for the
 * regions; QEMU and minivm clear them). Calls the change notifier. */
void mpu_reset(Mpu *mpu);
/* Called after every write that may change what an access may do
 * (MPU_CTRL, MPU_RBAR, MPU_RASR and aliases) and on reset. */
void mpu_set_change_notify(Mpu *mpu, void (*fn)(void *opaque), void *opaque);

/* Word registers only; other sizes answer MMIO_UNASSIGNED. */
MmioResult mpu_read(Mpu *mpu, uint32_t offset, unsigned size, uint32_t *value);
MmioResult mpu_write(Mpu *mpu, uint32_t offset, uint32_t value, unsigned size);

/* MPU_CTRL.ENABLE */
bool mpu_enabled(const Mpu *mpu);
/* Whether the regions apply in ctx: enabled, and not at a negative
 * priority unless HFNMIENA is set. Otherwise the default map applies. */
bool mpu_applies(const Mpu *mpu, MpuContext ctx);
/* What an access of ctx to the byte at addr may do (B3.5.3 regions and
 * their priority, subregions, AP, XN; the background region and the
 * default memory map of B3.1). */
unsigned mpu_permissions(const Mpu *mpu, uint32_t addr, MpuContext ctx);
/* What an access of ctx may do to every byte of [addr, addr + len). */
unsigned mpu_range_permissions(const Mpu *mpu, uint32_t addr, uint32_t len, MpuContext ctx);

#endif
