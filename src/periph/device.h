/* The device API: what every module in src/periph/ implements and the only
 * thing (with irq.h, clock.h, chardev.h, log.h) it may depend on. Devices
 * know nothing about Unicorn or the board; the machine maps each device's
 * window and calls these with offsets relative to the window base.
 *
 * Threading: all calls happen on the CPU thread. */
#ifndef MINIVM_DEVICE_H
#define MINIVM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "irq.h"
#include "log.h"

typedef enum {
    MMIO_OK = 0,
    /* No register answers this offset/size: read-as-zero / write-ignored,
     * traced; a bus fault when minivm runs with --strict. */
    MMIO_UNASSIGNED,
    /* The device refuses the access as the hardware would: a bus fault. */
    MMIO_BUS_ERROR,
} MmioResult;

typedef struct DeviceClass {
    const char *type; /* board-file type name, e.g. "cmsdk-apb-uart" */
    /* size is 1, 2 or 4; *value is written only on MMIO_OK */
    MmioResult (*read)(void *dev, uint32_t offset, unsigned size, uint32_t *value);
    MmioResult (*write)(void *dev, uint32_t offset, uint32_t value, unsigned size);
    void (*reset)(void *dev);
    void (*destroy)(void *dev);
    /* Unprivileged accesses (Thread mode with CONTROL.nPRIV set): NULL if
     * the device serves them like any other; else whether the one at
     * offset is allowed. The machine turns a refused one into a precise
     * BusFault, without calling read or write (ARMv7-M B3.1: the Private
     * Peripheral Bus is privileged-only). */
    bool (*unprivileged_ok)(void *dev, uint32_t offset, bool is_write);
} DeviceClass;

/* The rest of the address space, for devices that alias other memory or
 * registers (bit-band). Each returns false where nothing answers. */
typedef struct BusAccess {
    bool (*read)(void *opaque, uint32_t addr, unsigned size, uint32_t *value);
    bool (*write)(void *opaque, uint32_t addr, uint32_t value, unsigned size);
    void *opaque;
} BusAccess;

#endif
