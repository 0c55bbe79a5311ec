/* ARM CMSDK APB watchdog (Cortex-M System Design Kit TRM, ARM DDI 0479C,
 * section 4.5), with the behaviour of QEMU 7.2's cmsdk-apb-watchdog, which
 * mps2-an385 wires to the NMI and to a system reset. */
#ifndef MINIVM_CMSDK_WATCHDOG_H
#define MINIVM_CMSDK_WATCHDOG_H

#include <stdint.h>

#include "clock.h"
#include "device.h"

typedef struct CmsdkWatchdog CmsdkWatchdog;

extern const DeviceClass cmsdk_watchdog_class; /* "cmsdk-apb-watchdog" */

/* Created in its reset state, counting. name is for traces (NULL: the
 * type name); the counter decrements at wdogclk_hz measured on `clock`,
 * which must outlive the watchdog. wdogint is WDOGINT, driven at every
 * update of the device state (QEMU's NMI input pends on each drive while
 * high); wdogres is WDOGRES: raised to ask for a system reset. */
CmsdkWatchdog *cmsdk_watchdog_new(const char *name, Clock *clock, uint64_t wdogclk_hz,
                                  IrqLine wdogint, IrqLine wdogres);

#endif
