/* ARMv7-M Data Watchpoint and Trace unit (ARMv7-M ARM C1.8), reduced to
 * what firmware uses without a debugger: the cycle counter CYCCNT.
 * No comparators (CTRL.NUMCOMP 0), no profiling counters, no trace.
 *
 * As on hardware, CYCCNT counts only while both DWT_CTRL.CYCCNTENA and
 * DEMCR.TRCENA are set; DEMCR lives in the SCS (scs.c), which passes
 * TRCENA on with dwt_set_trcena(). */
#ifndef MINIVM_DWT_H
#define MINIVM_DWT_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "device.h"

#define DWT_BASE 0xE0001000u
#define DWT_SIZE 0x1000u

typedef struct Dwt Dwt;

extern const DeviceClass dwt_class; /* "armv7m-dwt" */

Dwt *dwt_new(Clock *clock);
void dwt_free(Dwt *dwt);
/* DEMCR.TRCENA (C1.6.5), the global enable of the DWT. */
void dwt_set_trcena(Dwt *dwt, bool trcena);

#endif
