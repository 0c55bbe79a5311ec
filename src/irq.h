/* An interrupt line as a device sees it: a function to call with a level.
 * The board hands each device the lines it wires; an unwired line (all
 * zero) is valid and does nothing. */
#ifndef MINIVM_IRQ_H
#define MINIVM_IRQ_H

#include <stdbool.h>
#include <stddef.h>

typedef void (*IrqHandler)(void *opaque, int n, bool level);

typedef struct IrqLine {
    IrqHandler handler;
    void *opaque;
    int n;
} IrqLine;

static inline void irq_set(const IrqLine *line, bool level)
{
    if (line != NULL && line->handler != NULL)
        line->handler(line->opaque, line->n, level);
}

static inline void irq_raise(const IrqLine *line) { irq_set(line, true); }
static inline void irq_lower(const IrqLine *line) { irq_set(line, false); }

/* An edge: raise then lower (pends an NVIC line once). */
static inline void irq_pulse(const IrqLine *line)
{
    irq_set(line, true);
    irq_set(line, false);
}

#endif
