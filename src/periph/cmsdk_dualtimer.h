/* ARM CMSDK APB dual-input timer (Cortex-M System Design Kit TRM, ARM
 * DDI 0479C, section 4.5): two SP804-style down-counters sharing TIMCLK
 * and one combined interrupt (TIMINTC), the dual timer of the MPS2
 * boards. */
#ifndef MINIVM_CMSDK_DUALTIMER_H
#define MINIVM_CMSDK_DUALTIMER_H

#include <stdint.h>

#include "clock.h"
#include "device.h"

typedef struct CmsdkDualTimer CmsdkDualTimer;

extern const DeviceClass cmsdk_dualtimer_class; /* "cmsdk-apb-dualtimer" */

/* Created in its reset state. name is for traces (NULL: the type name);
 * both counters run from timclk_hz (on mps2-an385 the 25 MHz system
 * clock) measured on `clock`, which must outlive the device. irq is
 * TIMINTC, the OR of both counters' masked interrupts. */
CmsdkDualTimer *cmsdk_dualtimer_new(const char *name, Clock *clock, uint64_t timclk_hz,
                                    IrqLine irq);

#endif
