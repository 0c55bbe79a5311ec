/* The ARMv7-M System Control Space (ARMv7-M ARM B3.2, B3.4, C1.6) as an
 * MMIO device: the 4 KiB window at 0xE000E000 holding the NVIC and SCB
 * registers, SysTick (delegated to systick.c) and the CoreDebug
 * registers. Exception state itself lives in the Nvic (nvic.h), which the
 * CPU core shares; this file only maps it to registers.
 *
 * Ownership: the SCS borrows the Nvic, the SysTick and the optional Dwt;
 * whoever created them frees them. Resetting the SCS resets the Nvic and
 * the SysTick too (they are parts of the SCS), and clears DEMCR.TRCENA in
 * the Dwt; the Dwt's own registers reset with the Dwt device.
 *
 * Unprivileged code may only write STIR, and only while CCR.USERSETMPEND
 * is set (B3.2.1, B3.4.3); the machine refuses every other unprivileged
 * access with a BusFault (scs_class.unprivileged_ok). */
#ifndef MINIVM_SCS_H
#define MINIVM_SCS_H

#include <stdint.h>

#include "device.h"
#include "dwt.h"
#include "mpu.h"
#include "nvic.h"
#include "systick.h"

#define SCS_BASE 0xE000E000u
#define SCS_SIZE 0x1000u

/* CPUID of a Cortex-M3 r2p1 (QEMU's cortex-m3 reports r0p1, 0x410FC231). */
#define SCS_CPUID_CORTEX_M3_R2P1 0x412FC231u

typedef struct Scs Scs;

extern const DeviceClass scs_class; /* "armv7m-scs" */

/* dwt may be NULL (no DWT: DEMCR.TRCENA is then only stored). */
Scs *scs_new(Nvic *nvic, SysTick *systick, Dwt *dwt, uint32_t cpuid);
void scs_free(Scs *scs);
/* Gives the SCS the core's MPU (borrowed; reset with the SCS). Without
 * one the MPU registers read as zero. */
void scs_set_mpu(Scs *scs, Mpu *mpu);

#endif
