/* A program written the way many firmware engineers start: newlib with
 * semihosting (--specs=rdimon.specs) for printf, malloc, stderr and
 * exit(), its own minimal vector table, nothing from minivm's firmware/
 * tree. Its stdout, stderr and exit status must equal QEMU's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char __StackTop[];
extern void _start(void); /* newlib's rdimon crt0 */

static void hang(void)
{
    for (;;)
        ;
}

__attribute__((section(".vectors"), used)) void (*const vectors[16])(void) = {
    (void (*)(void))__StackTop, _start, hang, hang, hang, hang, hang, 0, 0, 0, 0,
    hang, hang, 0, hang, hang,
};

int main(void)
{
    printf("newlib printf: %d %s %.3f\n", 42, "hello", 3.14159);
    char *p = malloc(1000);
    strcpy(p, "heap ok");
    puts(p);
    fprintf(stderr, "to stderr\n");
    exit(7);
}
