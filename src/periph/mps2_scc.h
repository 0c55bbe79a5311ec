/* MPS2 serial communication controller (SCC; MPS2 TRM, AN385 section
 * 3.8.4), with the registers and behaviour of QEMU 7.2's mps2-scc for the
 * AN385 image: CFG0/CFG1 read as written, CFG3 (switches) reads zero,
 * CFG4 (board revision), the configuration channel
 * (CFGDATA_RTN/CFGDATA_OUT/CFGCTRL/CFGSTAT) to three oscillators, DLL
 * (always locked), AID and ID. */
#ifndef MINIVM_MPS2_SCC_H
#define MINIVM_MPS2_SCC_H

#include <stdint.h>

#include "device.h"

typedef struct Mps2Scc Mps2Scc;

extern const DeviceClass mps2_scc_class; /* "mps2-scc" */

typedef struct Mps2SccConfig {
    const char *name; /* for traces (NULL: the type name) */
    uint32_t id;      /* SCC ID: 0x41043850 on AN385 */
    uint32_t aid;     /* application note ID: 0x00200008 on AN385 */
    uint32_t cfg4;    /* CFG4, the board revision: 0x2 on AN385 */
} Mps2SccConfig;

/* Created in its reset state. */
Mps2Scc *mps2_scc_new(const Mps2SccConfig *cfg);

#endif
