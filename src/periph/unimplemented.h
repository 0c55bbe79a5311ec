/* A peripheral window the board lists but minivm does not model (QEMU's
 * "unimplemented-device"): every access is MMIO_UNASSIGNED, so the
 * machine reads zero and drops writes, or bus-faults under --strict. The
 * first accesses are reported with log_unimp, naming the device, offset,
 * size and direction, so a user sees which model firmware needs. */
#ifndef MINIVM_UNIMPLEMENTED_H
#define MINIVM_UNIMPLEMENTED_H

#include <stdint.h>

#include "device.h"

typedef struct Unimplemented Unimplemented;

extern const DeviceClass unimplemented_class; /* "unimplemented" */
/* The same in the Private Peripheral Bus, where unprivileged accesses are
 * refused (bus faults), as QEMU's PPB does. */
extern const DeviceClass unimplemented_ppb_class;

/* name is the board's device name (NULL: the type name); size is the
 * window's size in bytes, for the reports. */
Unimplemented *unimplemented_new(const char *name, uint32_t size);

#endif
