/* The MPS2 FPGA system control and I/O block (FPGAIO) of mps2-an385 at
 * 0x40028000, as QEMU 7.2 models it: reset values, LED0 (two LEDs), the
 * buttons (read zero), MISC (reads as written), the absent DBGCTRL and
 * SWITCH registers (read zero), and the counters, which follow guest time:
 * CLK1HZ and CLK100HZ count from the value last written, PSCNTR counts
 * down at 25 MHz and reloads from PRESCALE, COUNTER counts its reloads.
 * Time is measured with timer0 (25 MHz), so the output does not depend on
 * how fast the host runs the guest: each count is checked to lie in the
 * range the elapsed time allows, and only the verdict is printed. */
#include "check.h"
#include "console.h"
#include "mps2-an385.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define FPGAIO_DBGCTRL REG(0x40028004u)
#define FPGAIO_SWITCH REG(0x40028028u)
#define TICKS_PER_MS (SYSTEM_CORE_CLOCK / 1000)

static void timer0_start(void)
{
    CMSDK_TIMER0->CTRL = 0;
    CMSDK_TIMER0->RELOAD = 0xFFFFFFFFu;
    CMSDK_TIMER0->CTRL = CMSDK_TIMER_CTRL_EN;
}

/* timer0 ticks since timer0_start (25 MHz) */
static uint32_t timer0_elapsed(void) { return 0xFFFFFFFFu - CMSDK_TIMER0->VALUE; }

static void wait_ticks(uint32_t ticks)
{
    uint32_t start = timer0_elapsed();
    while (timer0_elapsed() - start < ticks)
        ;
}

static void in_range(const char *what, uint32_t value, uint32_t lo, uint32_t hi)
{
    int ok = value >= lo && value <= hi;
    con_printf("  %s: %s\n", what, ok ? "in range" : "OUT OF RANGE");
    if (!ok)
        con_printf("    read %u, expected %u..%u\n", value, lo, hi);
    CHECK(ok);
}

static void registers(void)
{
    con_puts("reset values and plain registers:\n");
    con_printf("  LED0 %x BUTTON %x PRESCALE %x MISC %x\n", MPS2_FPGAIO->LED0,
               MPS2_FPGAIO->BUTTON, MPS2_FPGAIO->PRESCALE, MPS2_FPGAIO->MISC);
    con_printf("  DBGCTRL %x SWITCH %x (not on AN385)\n", FPGAIO_DBGCTRL, FPGAIO_SWITCH);
    MPS2_FPGAIO->LED0 = 0xFFFFFFFFu;
    con_printf("  LED0 all ones written reads %x\n", MPS2_FPGAIO->LED0);
    MPS2_FPGAIO->LED0 = 2;
    con_printf("  LED0 2 written reads %x\n", MPS2_FPGAIO->LED0);
    MPS2_FPGAIO->BUTTON = 3;
    con_printf("  BUTTON 3 written reads %x\n", MPS2_FPGAIO->BUTTON);
    MPS2_FPGAIO->MISC = 0xFFFFFFFFu;
    con_printf("  MISC all ones written reads %x\n", MPS2_FPGAIO->MISC);
    MPS2_FPGAIO->MISC = 0x5A;
    con_printf("  MISC 0x5a written reads %x\n", MPS2_FPGAIO->MISC);
    FPGAIO_DBGCTRL = 0xFFFFFFFFu;
    FPGAIO_SWITCH = 0xFFFFFFFFu;
    con_printf("  DBGCTRL, SWITCH all ones written read %x %x\n", FPGAIO_DBGCTRL, FPGAIO_SWITCH);
    con_printf("  LED0 byte 0 %x, byte 1 %x\n", *(volatile uint8_t *)&MPS2_FPGAIO->LED0,
               *((volatile uint8_t *)&MPS2_FPGAIO->LED0 + 1));
}

static void clocks(void)
{
    con_puts("CLK1HZ and CLK100HZ count from the value written:\n");
    MPS2_FPGAIO->CLK100HZ = 0;
    MPS2_FPGAIO->CLK1HZ = 1000;
    uint32_t start = timer0_elapsed();
    in_range("CLK1HZ right after writing 1000", MPS2_FPGAIO->CLK1HZ, 1000, 1000);
    wait_ticks(55 * TICKS_PER_MS);
    uint32_t c100 = MPS2_FPGAIO->CLK100HZ;
    uint32_t ms = (timer0_elapsed() - start) / TICKS_PER_MS;
    in_range("CLK100HZ 55 ms after writing 0", c100, 5, ms / 10 + 1);
    MPS2_FPGAIO->CLK100HZ = 0xFFFFFFFFu;
    wait_ticks(15 * TICKS_PER_MS);
    in_range("CLK100HZ 15 ms after writing 0xffffffff (wraps)", MPS2_FPGAIO->CLK100HZ, 0, 2);
    MPS2_FPGAIO->CLK1HZ = 7;
    wait_ticks(1100 * TICKS_PER_MS);
    in_range("CLK1HZ 1.1 s after writing 7", MPS2_FPGAIO->CLK1HZ, 8, 9);
}

static void prescaler(void)
{
    con_puts("PSCNTR counts down at 25 MHz, COUNTER counts its reloads:\n");
    MPS2_FPGAIO->PRESCALE = TICKS_PER_MS - 1; /* COUNTER in ms */
    con_printf("  PRESCALE reads %u\n", MPS2_FPGAIO->PRESCALE);
    MPS2_FPGAIO->PSCNTR = TICKS_PER_MS - 1;
    MPS2_FPGAIO->COUNTER = 100;
    uint32_t start = timer0_elapsed();
    in_range("PSCNTR right after writing it", MPS2_FPGAIO->PSCNTR, TICKS_PER_MS / 2,
             TICKS_PER_MS - 1);
    wait_ticks(20 * TICKS_PER_MS);
    uint32_t counter = MPS2_FPGAIO->COUNTER;
    uint32_t ms = (timer0_elapsed() - start) / TICKS_PER_MS;
    in_range("COUNTER 20 ms later (one per ms)", counter, 100 + 19, 100 + ms + 1);
    in_range("PSCNTR within PRESCALE", MPS2_FPGAIO->PSCNTR, 0, TICKS_PER_MS - 1);

    MPS2_FPGAIO->PRESCALE = 0; /* PSCNTR sticks at zero: COUNTER at 25 MHz */
    start = timer0_elapsed();
    MPS2_FPGAIO->COUNTER = 0;
    MPS2_FPGAIO->PSCNTR = 0;
    wait_ticks(TICKS_PER_MS);
    counter = MPS2_FPGAIO->COUNTER;
    uint32_t ticks = timer0_elapsed() - start;
    in_range("PRESCALE 0: COUNTER 1 ms later (25 MHz)", counter, TICKS_PER_MS - 1, ticks + 1);
    in_range("PRESCALE 0: PSCNTR", MPS2_FPGAIO->PSCNTR, 0, 0);
}

int main(void)
{
    timer0_start();
    registers();
    clocks();
    prescaler();
    return check_finish("mps2-fpgaio");
}
