/* What each board file (firmware/boards/<board>.c) provides. */
#ifndef FW_BOARD_H
#define FW_BOARD_H

extern const char board_name[];

/* Called by Reset_Handler before main: sets up the console UART. */
void board_init(void);
/* Blocking write of one byte to the console UART. */
void board_putc(char c);
/* One byte from the console UART, or -1 if none has arrived. */
int board_getc(void);

#endif
