/* An interrupt line's far end for tests: records its level, how often it
 * was driven and how many rising edges it saw. */
#ifndef MINIVM_TEST_IRQ_PROBE_H
#define MINIVM_TEST_IRQ_PROBE_H

#include "irq.h"

typedef struct IrqProbe {
    bool level;
    unsigned calls;
    unsigned rises;
} IrqProbe;

static inline void irq_probe_handler(void *opaque, int n, bool level)
{
    IrqProbe *p = opaque;
    p->calls++;
    if (level && !p->level)
        p->rises++;
    p->level = level;
}

static inline IrqLine irq_probe_line(IrqProbe *p)
{
    *p = (IrqProbe){ 0 };
    return (IrqLine){ irq_probe_handler, p, 0 };
}

#endif
