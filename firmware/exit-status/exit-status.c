/* Exits with status 3 through SYS_EXIT_EXTENDED. */
#include "console.h"
#include "semihost.h"

int main(void)
{
    con_puts("exiting with status 3\n");
    sh_exit(3);
}
