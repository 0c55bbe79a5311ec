/* ARM CMSDK APB UART (Cortex-M System Design Kit TRM, ARM DDI 0479C,
 * section 4.3), the console UART of the MPS2 boards. */
#ifndef MINIVM_CMSDK_UART_H
#define MINIVM_CMSDK_UART_H

#include <stdint.h>

#include "chardev.h"
#include "clock.h"
#include "device.h"

typedef struct CmsdkUart CmsdkUart;

typedef struct CmsdkUartConfig {
    const char *name;   /* for traces, e.g. "uart0"; NULL: the type name */
    CharDev *chr;       /* may be NULL: TX dropped, no RX; not owned */
    IrqLine tx_irq;     /* TXINT */
    IrqLine rx_irq;     /* RXINT */
    IrqLine overflow_irq; /* TXOVRINT | RXOVRINT */
    IrqLine combined_irq; /* UARTINT: any of the above */
    uint32_t pclk_hz;   /* APB clock; 0: unknown */
    Clock *clock;       /* paces RX at the baud rate; NULL: as fast as read */
} CmsdkUartConfig;

extern const DeviceClass cmsdk_uart_class; /* "cmsdk-apb-uart" */

/* Created in its reset state, registered as cfg->chr's frontend. */
CmsdkUart *cmsdk_uart_new(const CmsdkUartConfig *cfg);

/* A byte arriving on the RX line, as the chardev delivers it; arriving
 * while RXFULL is set it overruns. Dropped while RX is disabled. */
void cmsdk_uart_receive(CmsdkUart *u, uint8_t byte);

#endif
