/* Never exits: for the run time limits (--timeout). */
#include "console.h"

int main(void)
{
    con_puts("spinning\n");
    for (;;)
        __asm__ volatile("");
}
