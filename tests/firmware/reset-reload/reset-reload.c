/* SYSRESETREQ reloads the image: the program patches one of its own
 * instructions, resets, and on the second boot the original code must run
 * (minivm re-writes the segments and drops code translated before the
 * reset). A word in PSRAM, outside the image, tells the boots apart. */
#include <stdint.h>

#include "armv7m.h"
#include "console.h"

#define MARKER (*(volatile uint32_t *)0x21000000u)
#define BOOTED_ONCE 0xC0FFEEu

__attribute__((noipa, noinline)) static int get(void)
{
    return 1;
}

int main(void)
{
    volatile uint16_t *code = (volatile uint16_t *)((uintptr_t)get & ~1u);
    if (MARKER != BOOTED_ONCE) {
        con_printf("boot 1: get %d\n", get());
        uint16_t insn = code[0]; /* movs r0, #1 */
        code[0] = (uint16_t)((insn & 0xFF00) | 2);
        __asm__ volatile("dsb; isb" ::: "memory");
        con_printf("boot 1 patched: get %d\n", get());
        MARKER = BOOTED_ONCE;
        SCB->AIRCR = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
        for (;;)
            ;
    }
    MARKER = 0;
    con_printf("boot 2: get %d (image restored)\n", get());
    return 0;
}
