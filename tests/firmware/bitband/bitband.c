/* Bit-band aliases (Cortex-M3 TRM 3.7): single-bit stores and loads through
 * 0x22000000 (SRAM) and 0x42000000 (peripherals), checked against normal
 * accesses. Output recorded from qemu-system-arm -M mps2-an385. */
#include "armv7m.h"
#include "console.h"

#define BITBAND(base, alias, addr, bit) \
    (*(volatile uint32_t *)((alias) + (((uint32_t)(addr) - (base)) * 32u) + (bit) * 4u))
#define SRAM_BIT(addr, bit) BITBAND(0x20000000u, 0x22000000u, addr, bit)
#define PERIPH_BIT(addr, bit) BITBAND(0x40000000u, 0x42000000u, addr, bit)
#define TIMER0_RELOAD 0x40000008u

static volatile uint32_t word;

int main(void)
{
    word = 0x00000F00;
    SRAM_BIT(&word, 0) = 1;
    SRAM_BIT(&word, 31) = 1;
    SRAM_BIT(&word, 9) = 0;
    con_printf("sram word 0x%x\n", (unsigned)word);
    con_printf("sram bits 0..3 read %u%u%u%u, bit 8 reads %u\n", (unsigned)SRAM_BIT(&word, 0),
               (unsigned)SRAM_BIT(&word, 1), (unsigned)SRAM_BIT(&word, 2),
               (unsigned)SRAM_BIT(&word, 3), (unsigned)SRAM_BIT(&word, 8));
    /* byte-sized alias access, as compilers emit for bool stores */
    *(volatile uint8_t *)&SRAM_BIT(&word, 4) = 1;
    con_printf("after byte store: 0x%x\n", (unsigned)word);

    *(volatile uint32_t *)TIMER0_RELOAD = 0;
    PERIPH_BIT(TIMER0_RELOAD, 4) = 1;
    PERIPH_BIT(TIMER0_RELOAD, 12) = 1;
    con_printf("timer0 RELOAD 0x%x, bit 12 reads %u\n", (unsigned)*(volatile uint32_t *)TIMER0_RELOAD,
               (unsigned)PERIPH_BIT(TIMER0_RELOAD, 12));
    return 0;
}
