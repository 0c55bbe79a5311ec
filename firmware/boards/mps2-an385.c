/* Console on CMSDK APB UART0. */
#include "board.h"
#include "mps2-an385.h"

const char board_name[] = "mps2-an385";

void board_init(void)
{
    CMSDK_UART0->BAUDDIV = 16; /* the smallest divisor the UART allows */
    CMSDK_UART0->CTRL = CMSDK_UART_CTRL_TXEN | CMSDK_UART_CTRL_RXEN;
}

void board_putc(char c)
{
    while (CMSDK_UART0->STATE & CMSDK_UART_STATE_TXFULL)
        ;
    CMSDK_UART0->DATA = (uint8_t)c;
}

int board_getc(void)
{
    if (!(CMSDK_UART0->STATE & CMSDK_UART_STATE_RXFULL))
        return -1;
    return (int)(CMSDK_UART0->DATA & 0xFF);
}
