/* The MPS2 serial communication controller (SCC) of mps2-an385 at
 * 0x4002F000, as QEMU 7.2 models it: the reset value of every register
 * (CFG0-7, CFGDATA_RTN/OUT, CFGCTRL, CFGSTAT, DLL, AID, ID), which bits of
 * the writable ones hold a written value, that the read-only ones ignore
 * writes, and a configuration transfer (CFGCTRL.START), which QEMU's
 * AN385 answers with DONE and ERROR: it has no configuration devices.
 * Output only; expected.txt is QEMU's. */
#include "console.h"
#include "mps2-an385.h"

#define CFGCTRL_START (1u << 31)
#define CFGCTRL_WRITE (1u << 30)
#define CFGCTRL_FUNCTION(f) ((uint32_t)(f) << 20)
#define FUNCTION_OSCCLK 1

static void show(const char *name, volatile uint32_t *reg)
{
    con_printf("  %s %08x\n", name, *reg);
}

static void show_all(void)
{
    static const char *const cfg_names[8] = { "CFG0", "CFG1", "CFG2", "CFG3",
                                              "CFG4", "CFG5", "CFG6", "CFG7" };
    for (int i = 0; i < 8; i++)
        show(cfg_names[i], &MPS2_SCC->CFG[i]);
    show("CFGDATA_RTN", &MPS2_SCC->CFGDATA_RTN);
    show("CFGDATA_OUT", &MPS2_SCC->CFGDATA_OUT);
    show("CFGCTRL", &MPS2_SCC->CFGCTRL);
    show("CFGSTAT", &MPS2_SCC->CFGSTAT);
    show("DLL", &MPS2_SCC->DLL);
    show("AID", &MPS2_SCC->AID);
    show("ID", &MPS2_SCC->ID);
}

/* All ones written, read back, then zero written */
static void writable_bits(const char *name, volatile uint32_t *reg)
{
    uint32_t before = *reg;
    *reg = 0xFFFFFFFFu;
    uint32_t ones = *reg;
    *reg = 0;
    con_printf("  %s was %08x, all ones written reads %08x, zero written %08x\n", name,
               before, ones, *reg);
}

static void transfer(const char *what, uint32_t ctrl)
{
    MPS2_SCC->CFGCTRL = ctrl;
    con_printf("  %s: CFGCTRL %08x CFGSTAT %08x CFGDATA_RTN %08x\n", what, MPS2_SCC->CFGCTRL,
               MPS2_SCC->CFGSTAT, MPS2_SCC->CFGDATA_RTN);
}

int main(void)
{
    con_puts("SCC reset values:\n");
    show_all();

    con_puts("writable bits:\n");
    for (int i = 0; i < 8; i++) {
        char name[5] = { 'C', 'F', 'G', (char)('0' + i), 0 };
        writable_bits(name, &MPS2_SCC->CFG[i]);
    }
    writable_bits("CFGDATA_RTN", &MPS2_SCC->CFGDATA_RTN);
    writable_bits("CFGDATA_OUT", &MPS2_SCC->CFGDATA_OUT);
    writable_bits("CFGSTAT", &MPS2_SCC->CFGSTAT);
    writable_bits("DLL", &MPS2_SCC->DLL);
    writable_bits("AID", &MPS2_SCC->AID);
    writable_bits("ID", &MPS2_SCC->ID);
    MPS2_SCC->DLL = 0xFF000000u;

    con_puts("CFGCTRL (reserved bits and START read as zero):\n");
    transfer("all ones but START", 0x7FFFFFFFu);
    con_puts("configuration reads and writes (function 1: oscillator clocks):\n");
    for (uint32_t dev = 0; dev < 4; dev++) {
        con_printf("  oscillator %u:\n", dev);
        transfer("    read", CFGCTRL_START | CFGCTRL_FUNCTION(FUNCTION_OSCCLK) | dev);
    }
    MPS2_SCC->CFGDATA_OUT = 0x12345678u;
    transfer("write 0x12345678 to oscillator 1",
             CFGCTRL_START | CFGCTRL_WRITE | CFGCTRL_FUNCTION(FUNCTION_OSCCLK) | 1);
    transfer("read oscillator 1", CFGCTRL_START | CFGCTRL_FUNCTION(FUNCTION_OSCCLK) | 1);
    transfer("write oscillator 3",
             CFGCTRL_START | CFGCTRL_WRITE | CFGCTRL_FUNCTION(FUNCTION_OSCCLK) | 3);
    transfer("read function 2", CFGCTRL_START | CFGCTRL_FUNCTION(2));
    transfer("write function 0", CFGCTRL_START | CFGCTRL_WRITE);
    transfer("no START (clears CFGSTAT)", CFGCTRL_FUNCTION(FUNCTION_OSCCLK));

    con_puts("byte and halfword reads:\n");
    con_printf("  ID byte 0 %02x, byte 1 %02x, halfword 0 %04x, halfword 2 %04x\n",
               *(volatile uint8_t *)&MPS2_SCC->ID, *((volatile uint8_t *)&MPS2_SCC->ID + 1),
               *(volatile uint16_t *)&MPS2_SCC->ID, *((volatile uint16_t *)&MPS2_SCC->ID + 1));

    con_puts("after the writes:\n");
    show_all();
    return 0;
}
