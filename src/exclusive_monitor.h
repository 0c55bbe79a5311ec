/* The local exclusive monitor (ARMv7-M A3.4): exception entry and return
 * clear it (B1.5.6 ExceptionTaken, B1.5.8 ExceptionReturn: ClearExclusive-
 * Local), so that a STREX whose LDREX an exception separated fails and the
 * thread retries. Unicorn 2.1.1 does not; exclusive_monitor.c does it for
 * images that use LDREX. */
#ifndef MINIVM_EXCLUSIVE_MONITOR_H
#define MINIVM_EXCLUSIVE_MONITOR_H

#include "machine_internal.h"

/* Before any CPU hook exists and after the image is loaded: finds how to
 * clear the monitor if the image holds an LDREX (leaves RAM, registers and
 * translated code as they were). */
void exclusive_monitor_init(Machine *m);
void exclusive_monitor_free(Machine *m);
/* CLREX, from the host: at exception entry and return. */
void exclusive_monitor_clear(Machine *m);

#endif
