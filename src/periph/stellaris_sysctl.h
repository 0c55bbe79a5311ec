/* Stellaris (LM3S6965) System Control block at 0x400FE000, as QEMU's
 * lm3s6965evb models it: device identification (DID0/DID1, DC0-DC4), the
 * clock configuration registers (RCC, RCC2, PLLCFG) with the PLL-lock
 * raw interrupt that driverlib's SysCtlClockSet() polls for, clock-gating
 * registers, and the system-control interrupt (RIS & IMC).
 * Every RCC/RCC2 write, and reset, sets the system clock as QEMU 7.2 does:
 * 200 MHz / (SYSDIV + 1), from RCC2.SYSDIV2 when RCC2.USERCC2 is set, else
 * from RCC.SYSDIV; USESYSDIV, BYPASS, OSCSRC and PWRDN are not looked at
 * (QEMU's rule: out of reset that gives 12.5 MHz, the board's rate). */
#ifndef MINIVM_STELLARIS_SYSCTL_H
#define MINIVM_STELLARIS_SYSCTL_H

#include "device.h"

typedef struct StellarisSysctl StellarisSysctl;

/* The system clock output: called with the rate in Hz on each RCC/RCC2
 * write and at reset, changed or not. Unwired (all zero): nothing. */
typedef struct SysclkOut {
    void (*set_hz)(void *opaque, uint64_t hz);
    void *opaque;
} SysclkOut;

extern const DeviceClass stellaris_sysctl_class; /* "stellaris-sysctl" */

StellarisSysctl *stellaris_sysctl_new(const char *name, IrqLine irq, SysclkOut sysclk);

#endif
