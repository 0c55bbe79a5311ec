/* MPS2 FPGA system control and I/O (AN385 section 3.8.3 "FPGA IO"), with
 * the registers and behaviour of QEMU 7.2's mps2-fpgaio as mps2-an385
 * configures it (two LEDs, no DBGCTRL, no switches). */
#ifndef MINIVM_MPS2_FPGAIO_H
#define MINIVM_MPS2_FPGAIO_H

#include <stdint.h>

#include "clock.h"
#include "device.h"

typedef struct Mps2Fpgaio Mps2Fpgaio;

extern const DeviceClass mps2_fpgaio_class; /* "mps2-fpgaio" */

/* Created in its reset state. name is for traces (NULL: the type name).
 * The counters follow guest time on `clock` (which must outlive the
 * device): CLK1HZ and CLK100HZ at their rates, PSCNTR down at
 * prescale_hz. */
Mps2Fpgaio *mps2_fpgaio_new(const char *name, Clock *clock, uint64_t prescale_hz);

#endif
