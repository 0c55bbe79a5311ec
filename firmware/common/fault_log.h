/* What a test program's fault handler saw: the exception, the fault
 * status and address registers and the stacked PC of the last fault, and
 * how many faults were taken. */
#ifndef FW_FAULT_LOG_H
#define FW_FAULT_LOG_H

#include "armv7m.h"

typedef struct {
    int exception;  /* IPSR in the handler */
    uint32_t cfsr, hfsr, mmfar, bfar;
    uint32_t pc;    /* stacked return address */
} FaultLog;

extern volatile FaultLog fault;
extern volatile int faults;

/* From a fault handler: records the fault in `fault`, counts it, and
 * clears CFSR and HFSR (write one to clear) so that the next fault
 * starts clean. Resuming is the caller's choice. */
void fault_log_take(const ExcFrame *f);

#endif
