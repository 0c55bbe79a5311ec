/* lm3s6965evb: RCC/RCC2 writes reclock the CPU, as in QEMU 7.2, and
 * SysTick on the CPU clock (CLKSOURCE=1) follows. The reference that does
 * not depend on the CPU clock is semihosting SYS_ELAPSED (host time under
 * QEMU, guest time under minivm): SysTick wraps are counted over the same
 * elapsed time (WINDOW_MS, the CPU sleeping in WFI between wraps) for
 * each clock setting and compared with the count at the 12.5 MHz reset
 * clock. Only the ratio's band is printed, wide enough for a busy host
 * under QEMU. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "lm3s6965evb.h"
#include "semihost.h"

#define SYSCTL(off) (*(volatile uint32_t *)(0x400FE000u + (off)))
#define RIS SYSCTL(0x050)
#define MISC SYSCTL(0x058)
#define RCC SYSCTL(0x060)
#define RCC2 SYSCTL(0x070)
#define RCC_SYSDIV(n) ((uint32_t)(n) << 23) /* RCC: 4 bits, RCC2 SYSDIV2: 6 bits */
#define RCC_SYSDIV_MASK RCC_SYSDIV(0xF)
#define RCC_USESYSDIV (1u << 22)
#define RCC_PWRDN (1u << 13)
#define RCC_BYPASS (1u << 11)
#define RCC_XTAL_MASK (0xFu << 6)
#define RCC_XTAL_8MHZ (0xEu << 6)
#define RCC_OSCSRC_MASK (3u << 4)
#define RCC_MOSCDIS (1u << 0)
#define RCC2_USERCC2 (1u << 31)
#define RIS_PLLLRIS (1u << 6)

#define RCC_RESET 0x078E3AC0u
#define RCC2_RESET 0x07802810u

#define WINDOW_MS 400u
#define RELOAD (250000u - 1) /* 20 ms at 12.5 MHz: 20 wraps per window */

static volatile unsigned wraps;

void SysTick_Handler(void) { wraps++; }

static uint64_t elapsed_ns(void)
{
    uint32_t ticks[2];
    CHECK(sh_call(SYS_ELAPSED, (uintptr_t)ticks) == 0);
    return ((uint64_t)ticks[1] << 32 | ticks[0]) * 1000000000u / sh_call(SYS_TICKFREQ, 0);
}

/* SysTick wraps on the CPU clock during WINDOW_MS of elapsed time. */
static unsigned count_wraps(void)
{
    SysTick->LOAD = RELOAD;
    SysTick->VAL = 0;
    wraps = 0;
    SysTick->CTRL = SysTick_CTRL_CLKSOURCE | SysTick_CTRL_TICKINT | SysTick_CTRL_ENABLE;
    uint64_t start = elapsed_ns();
    while (elapsed_ns() - start < WINDOW_MS * 1000000ull)
        __WFI();
    SysTick->CTRL = 0;
    return wraps;
}

static unsigned base;

/* The nearest power of two within +-25 %, or 0. */
static unsigned ratio_band(unsigned n)
{
    for (unsigned k = 1; k <= 16; k *= 2)
        if (4 * n >= 3 * k * base && 4 * n <= 5 * k * base)
            return k;
    return 0;
}

static void measure(const char *what, unsigned expect)
{
    unsigned band = ratio_band(count_wraps());
    if (band != 0)
        con_printf("%s: SysTick wraps about %ux as often as at reset\n", what, band);
    else
        con_printf("%s: SysTick wrap ratio in no band\n", what);
    CHECK(band == expect);
}

/* What StellarisWare's SysCtlClockSet(SYSCTL_SYSDIV_4 | SYSCTL_USE_PLL |
 * SYSCTL_XTAL_8MHZ | SYSCTL_OSC_MAIN) writes: bypass the PLL and drop the
 * divider, set crystal and oscillator with the PLL powered, set the
 * divider, wait for the lock, leave bypass. */
static void clock_set_50mhz(void)
{
    uint32_t rcc = RCC;
    rcc = (rcc | RCC_BYPASS) & ~RCC_USESYSDIV;
    RCC = rcc;
    rcc = (rcc & ~(RCC_XTAL_MASK | RCC_OSCSRC_MASK | RCC_PWRDN | RCC_MOSCDIS)) | RCC_XTAL_8MHZ;
    MISC = RIS_PLLLRIS;
    RCC = rcc;
    rcc = (rcc & ~RCC_SYSDIV_MASK) | RCC_SYSDIV(3) | RCC_USESYSDIV;
    RCC = rcc;
    for (unsigned polls = 0; !(RIS & RIS_PLLLRIS) && polls < 100000; polls++)
        ;
    con_printf("PLL locked: %s\n", (RIS & RIS_PLLLRIS) ? "yes" : "no");
    RCC = rcc & ~RCC_BYPASS;
    con_printf("RCC 0x%x RCC2 0x%x\n", (unsigned)RCC, (unsigned)RCC2);
}

int main(void)
{
    con_printf("RCC 0x%x RCC2 0x%x at reset, %u ms windows\n", (unsigned)RCC, (unsigned)RCC2,
               WINDOW_MS);
    base = count_wraps();
    CHECK(base >= 10);

    clock_set_50mhz();
    measure("SysCtlClockSet 50 MHz (RCC SYSDIV 3)", 4);

    RCC = RCC & ~RCC_USESYSDIV;
    measure("RCC SYSDIV 3 without USESYSDIV", 4);

    RCC2 = (RCC2_RESET & ~RCC2_USERCC2) | RCC_SYSDIV(7);
    measure("RCC2 SYSDIV2 7 without USERCC2", 4);

    RCC2 = RCC2_USERCC2 | (RCC2_RESET & ~RCC_SYSDIV(0x3F)) | RCC_SYSDIV(7);
    measure("RCC2 SYSDIV2 7 with USERCC2", 2);

    RCC2 = RCC2_RESET;
    RCC = RCC_RESET;
    measure("RCC and RCC2 back at their reset values", 1);
    return check_finish("sysctl-clock");
}
