/* The mps2-an385 APB peripherals as firmware first sees them: each CMSDK
 * UART, timer and dual-timer register's reset value, which bits of the
 * read/write ones hold a written value, and the identification registers.
 * Output only; it must match what QEMU 7.2's mps2-an385 prints. Values
 * that depend on time (a running counter) are not printed. */
#include "armv7m.h"
#include "console.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

#define UART1 0x40005000u /* not the console: free to poke */
#define TIMER1 0x40001000u
#define DUALTIMER 0x40002000u

static void show(const char *name, uint32_t addr)
{
    con_printf("  %s %08x\n", name, REG(addr));
}

/* All ones written, read back, then the old value restored */
static void ones(const char *name, uint32_t addr)
{
    uint32_t saved = REG(addr);
    REG(addr) = 0xFFFFFFFFu;
    uint32_t got = REG(addr);
    REG(addr) = saved;
    con_printf("  %s ones %08x, restored %08x\n", name, got, REG(addr));
}

static void ids(const char *name, uint32_t base)
{
    con_printf("  %s ids", name);
    for (uint32_t off = 0xFD0; off < 0x1000; off += 4)
        con_printf(" %02x", REG(base + off));
    con_printf("\n");
}

int main(void)
{
    con_printf("uart1:\n");
    show("DATA", UART1 + 0x0);
    show("STATE", UART1 + 0x4);
    show("CTRL", UART1 + 0x8);
    show("INTSTATUS", UART1 + 0xC);
    show("BAUDDIV", UART1 + 0x10);
    ones("CTRL", UART1 + 0x8);
    ones("BAUDDIV", UART1 + 0x10);
    ids("uart1", UART1);

    con_printf("timer1:\n");
    show("CTRL", TIMER1 + 0x0);
    show("VALUE", TIMER1 + 0x4);
    show("RELOAD", TIMER1 + 0x8);
    show("INTSTATUS", TIMER1 + 0xC);
    ones("CTRL", TIMER1 + 0x0);
    ones("RELOAD", TIMER1 + 0x8);
    /* a stopped timer: VALUE takes what is written */
    REG(TIMER1 + 0x4) = 0x1234;
    show("VALUE after write", TIMER1 + 0x4);
    REG(TIMER1 + 0x4) = 0;
    ids("timer1", TIMER1);

    con_printf("dualtimer:\n");
    for (unsigned t = 0; t < 2; t++) {
        uint32_t b = DUALTIMER + 0x20 * t;
        con_printf(" counter %u\n", t + 1);
        show("LOAD", b + 0x0);
        show("VALUE", b + 0x4);
        show("CONTROL", b + 0x8);
        show("RIS", b + 0x10);
        show("MIS", b + 0x14);
        show("BGLOAD", b + 0x18);
        ones("CONTROL", b + 0x8);
    }
    show("ITCR", DUALTIMER + 0xF00);
    ids("dualtimer", DUALTIMER);
    return 0;
}
