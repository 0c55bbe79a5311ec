/* UART0 receive interrupt (CMSDK APB UART, mps2-an385 NVIC line 0): the
 * handler echoes every received byte in upper case until a '\n' arrives,
 * while the thread sleeps in WFI. The test feeds input.txt to the console. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "mps2-an385.h"
#include "startup.h"

static volatile int received;
static volatile int got_newline;

IRQ_HANDLER(UART0RX_IRQn)
{
    CMSDK_UART0->INTSTATUS = CMSDK_UART_INT_RX; /* INTCLEAR */
    while (CMSDK_UART0->STATE & CMSDK_UART_STATE_RXFULL) {
        char c = (char)CMSDK_UART0->DATA;
        received++;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        con_putc(c);
        if (c == '\n')
            got_newline = 1;
    }
}

int main(void)
{
    con_puts("uart-rx-irq: echoing a line in upper case\n");
    /* QEMU's -nographic serial multiplexer holds back the bytes that came
     * while the UART could not take them (before board_init enabled RX)
     * until the guest reads DATA. With RXFULL clear the read loses nothing. */
    if (!(CMSDK_UART0->STATE & CMSDK_UART_STATE_RXFULL))
        (void)CMSDK_UART0->DATA;
    CMSDK_UART0->CTRL |= CMSDK_UART_CTRL_RXIRQEN;
    NVIC_EnableIRQ(UART0RX_IRQn);
    /* A byte that arrived before RX interrupts were enabled raised no
     * interrupt (the UART only flags bytes received while RXIRQEN is set):
     * run the handler once by hand to pick it up. */
    NVIC_SetPendingIRQ(UART0RX_IRQn);
    WFI_UNTIL(got_newline);
    CMSDK_UART0->CTRL &= ~CMSDK_UART_CTRL_RXIRQEN;
    con_printf("received %d bytes\n", received);
    return check_finish("uart-rx-irq");
}
