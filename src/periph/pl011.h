/* ARM PrimeCell UART PL011 (TRM ARM DDI 0183), in the Luminary Micro
 * (Stellaris LM3S6965) variant that QEMU's lm3s6965evb board uses: same
 * registers, Luminary identification bytes. */
#ifndef MINIVM_PL011_H
#define MINIVM_PL011_H

#include "chardev.h"
#include "device.h"

typedef struct Pl011 Pl011;

typedef struct Pl011Config {
    const char *name; /* for traces, e.g. "uart0"; NULL: the type name */
    CharDev *chr;     /* may be NULL: TX dropped, no RX; not owned */
    IrqLine irq;      /* UARTINTR: (RIS & IMSC) != 0 */
} Pl011Config;

extern const DeviceClass pl011_class; /* "pl011-luminary" */

/* Created in its reset state, registered as cfg->chr's frontend. */
Pl011 *pl011_new(const Pl011Config *cfg);

#endif
