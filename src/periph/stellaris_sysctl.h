/* Stellaris (LM3S6965) System Control block at 0x400FE000, as QEMU's
 * lm3s6965evb models it: device identification (DID0/DID1, DC0-DC4), the
 * clock configuration registers (RCC, RCC2, PLLCFG) with the PLL-lock
 * raw interrupt that driverlib's SysCtlClockSet() polls for, clock-gating
 * registers, and the system-control interrupt (RIS & IMC).
 * Clock settings are stored, not applied: the CPU keeps the board's clock
 * (QEMU rescales its SysTick instead). */
#ifndef MINIVM_STELLARIS_SYSCTL_H
#define MINIVM_STELLARIS_SYSCTL_H

#include "device.h"

typedef struct StellarisSysctl StellarisSysctl;

extern const DeviceClass stellaris_sysctl_class; /* "stellaris-sysctl" */

StellarisSysctl *stellaris_sysctl_new(const char *name, IrqLine irq);

#endif
