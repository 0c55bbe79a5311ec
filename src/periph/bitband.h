/* ARMv7-M bit-banding (Cortex-M3 TRM 3.7): each word of a 32 MiB alias
 * region stands for one bit of a 1 MiB target region, so firmware can set
 * or clear a single bit of SRAM (alias 0x22000000 → 0x20000000) or of a
 * peripheral register (0x42000000 → 0x40000000) with one store. QEMU
 * enables both on mps2-an385 and lm3s6965evb. */
#ifndef MINIVM_BITBAND_H
#define MINIVM_BITBAND_H

#include "device.h"

#define BITBAND_ALIAS_SIZE 0x02000000u

typedef struct Bitband Bitband;

extern const DeviceClass bitband_class; /* "armv7m-bitband" */

/* target: base of the 1 MiB region the alias stands for; bus reaches it. */
Bitband *bitband_new(const char *name, uint32_t target, BusAccess bus);

#endif
