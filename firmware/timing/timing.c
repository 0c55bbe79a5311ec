/* Timing-dependent output: DWT cycle counts, SysTick ticks and counter
 * values and timer0 values around busy loops and WFI. The numbers depend
 * on the clock, so they are not compared with QEMU (which has no DWT and
 * runs on host time); with minivm's deterministic virtual clock two runs
 * must print exactly the same. */
#include "armv7m.h"
#include "console.h"
#include "mps2-an385.h"

static volatile uint32_t ticks;

void SysTick_Handler(void)
{
    ticks++;
}

static void busy(uint32_t n)
{
    for (volatile uint32_t i = 0; i < n; i++)
        ;
}

static void measure(uint32_t n)
{
    uint32_t t0 = ticks, c0 = DWT->CYCCNT, v0 = CMSDK_TIMER0->VALUE;
    busy(n);
    uint32_t c1 = DWT->CYCCNT, t1 = ticks, s1 = SysTick->VAL, v1 = CMSDK_TIMER0->VALUE;
    con_printf("busy %u: cycles %u, ticks %u, SysTick VAL %u, timer0 %u -> %u\n", n, c1 - c0,
               t1 - t0, s1, v0, v1);
}

int main(void)
{
    CoreDebug_DEMCR |= CoreDebug_DEMCR_TRCENA;
    DWT->CYCCNT = 0;
    DWT->CTRL |= DWT_CTRL_CYCCNTENA;
    SysTick->LOAD = SYSTEM_CORE_CLOCK / 1000 - 1; /* 1 ms */
    SysTick->VAL = 0;
    SysTick->CTRL = SysTick_CTRL_CLKSOURCE | SysTick_CTRL_TICKINT | SysTick_CTRL_ENABLE;
    CMSDK_TIMER0->RELOAD = 0xFFFFFFFFu;
    CMSDK_TIMER0->VALUE = 0xFFFFFFFFu;
    CMSDK_TIMER0->CTRL = CMSDK_TIMER_CTRL_EN;

    con_printf("timing: SysTick 1 ms from the CPU clock, DWT CYCCNT %u at start\n",
               DWT->CYCCNT);
    for (uint32_t n = 10; n <= 1000000; n *= 10)
        measure(n);

    for (int i = 0; i < 3; i++) {
        uint32_t c0 = DWT->CYCCNT, t0 = ticks;
        __WFI();
        uint32_t c1 = DWT->CYCCNT;
        con_printf("WFI: woke after %u cycles, ticks %u -> %u, SysTick VAL %u\n", c1 - c0, t0,
                   ticks, SysTick->VAL);
    }

    /* Work whose length depends on when the interrupts land. */
    uint32_t end = ticks + 5, spins = 0;
    while (ticks < end)
        spins++;
    con_printf("spun %u times for 5 ticks; total cycles %u, ticks %u\n", spins, DWT->CYCCNT,
               ticks);
    SysTick->CTRL = 0;
    CMSDK_TIMER0->CTRL = 0;
    return 0;
}
