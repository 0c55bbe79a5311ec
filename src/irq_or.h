/* An OR gate for interrupt lines: several device outputs sharing one NVIC
 * line (mps2-an385 IRQ 12 ORs the UARTs' overflow interrupts; ivshmem
 * shares IRQ 0 with UART0 RX by default).
 *
 * The output is high while any input is high, and is driven only when
 * that changes. Edges follow from it: raising an input while the output
 * is low raises the output (an edge the NVIC pends); while one input
 * holds the output high, a pulse or a level on another input produces no
 * new edge. That is what the hardware wire does, and it loses nothing on
 * the NVIC's level-sensitive lines: a line still high when its handler
 * returns is pended again (ARMv7-M B3.4.1), so the handler runs again and
 * sees the second source. */
#ifndef MINIVM_IRQ_OR_H
#define MINIVM_IRQ_OR_H

#include <stdbool.h>

#include "irq.h"

typedef struct IrqOr IrqOr;

IrqOr *irq_or_new(IrqLine out);
/* A new input, low. Its IrqLine stays valid until irq_or_free(). */
IrqLine irq_or_add_input(IrqOr *g);
/* The output level. */
bool irq_or_level(const IrqOr *g);
void irq_or_free(IrqOr *g);

#endif
