/* Prints a greeting on the board's console UART and exits 0. */
#include "board.h"
#include "console.h"

int main(void)
{
    con_printf("Hello from minivm on %s!\n", board_name);
    return 0;
}
