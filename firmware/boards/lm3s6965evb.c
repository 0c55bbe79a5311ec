/* Console on the PL011 UART0 (the LM3S's UART is a PL011). */
#include "board.h"
#include "lm3s6965evb.h"

const char board_name[] = "lm3s6965evb";

void board_init(void)
{
    UART0->CR = PL011_CR_UARTEN | PL011_CR_TXE | PL011_CR_RXE;
}

void board_putc(char c)
{
    while (UART0->FR & PL011_FR_TXFF)
        ;
    UART0->DR = (uint8_t)c;
}

int board_getc(void)
{
    if (UART0->FR & PL011_FR_RXFE)
        return -1;
    return (int)(UART0->DR & 0xFF);
}
