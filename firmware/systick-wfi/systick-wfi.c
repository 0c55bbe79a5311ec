/* SysTick (B3.3) waking WFI: a 10 ms tick from the CPU clock (25 MHz),
 * then from the 1 MHz reference clock; every WFI returns once per tick,
 * after the SysTick handler ran. Also COUNTFLAG: set by a wrap, cleared by
 * reading CTRL. (SCR.SLEEPONEXIT is left out: QEMU 7.2 ignores it.) */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "mps2-an385.h"

#define WAKES 5

static volatile int ticks;

void SysTick_Handler(void)
{
    ticks++;
    CHECK(__get_IPSR() == EXC_SYSTICK);
}

static void start_systick(uint32_t reload, uint32_t clksource)
{
    ticks = 0;
    SysTick->LOAD = reload;
    SysTick->VAL = 0; /* any write clears it and COUNTFLAG */
    SysTick->CTRL = clksource | SysTick_CTRL_TICKINT | SysTick_CTRL_ENABLE;
}

/* Each WFI must end with a tick whose handler has already run. (The exact
 * count is not compared: QEMU's SysTick runs on host time, and a busy host
 * can let two ticks pass around one WFI.) */
static void wake_up(int times)
{
    for (int i = 1; i <= times; i++) {
        int before = ticks;
        __WFI();
        int after = ticks;
        con_printf("  wake %d: %s\n", i, after > before ? "SysTick handler ran" : "no tick");
        CHECK(after > before);
    }
}

int main(void)
{
    con_puts("CPU clock, 10 ms\n");
    start_systick(SYSTEM_CORE_CLOCK / 100 - 1, SysTick_CTRL_CLKSOURCE);
    uint32_t countflag = SysTick->CTRL & SysTick_CTRL_COUNTFLAG;
    con_printf("  LOAD=%u, COUNTFLAG=%u before the first wrap\n", SysTick->LOAD,
               countflag ? 1u : 0u);
    CHECK(!countflag);
    wake_up(WAKES);
    uint32_t first = SysTick->CTRL & SysTick_CTRL_COUNTFLAG;
    uint32_t second = SysTick->CTRL & SysTick_CTRL_COUNTFLAG;
    con_printf("  COUNTFLAG=%u, then %u on the next read\n", first ? 1u : 0u, second ? 1u : 0u);
    CHECK(first && !second);

    con_puts("reference clock (1 MHz), 10 ms\n");
    start_systick(SYSTICK_REF_CLOCK / 100 - 1, 0);
    wake_up(WAKES);

    SysTick->CTRL = 0;
    return check_finish("systick-wfi");
}
