/* SysTick (B3.3) on the processor clock (CLKSOURCE=1, 25 MHz) and the
 * mps2 reference clock (CLKSOURCE=0, 1 MHz), and its interrupts
 * interleaved with the CMSDK timer0's: CVR counts down between RVR and 0
 * while read; COUNTFLAG is set by a wrap, cleared by reading CTRL and by
 * writing CVR; the reference clock runs 25 times slower than the processor
 * clock (compared against timer0, which counts PCLK = 25 MHz); SysTick
 * every 9 ms and timer0 every 15 ms (or 12 ms) interrupt in time order. The program
 * prints no times, only orders and yes/no answers with a tolerance, so the
 * output is the same under QEMU (host time) as under minivm. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "mps2-an385.h"
#include "startup.h"

#define MS_CPU (SYSTEM_CORE_CLOCK / 1000)
#define MS_REF (SYSTICK_REF_CLOCK / 1000)

static volatile int systicks, timer0s;

void SysTick_Handler(void)
{
    systicks++;
    trace('S');
}

IRQ_HANDLER(TIMER0_IRQn)
{
    CMSDK_TIMER0->INTSTATUS = CMSDK_TIMER_INT;
    timer0s++;
    trace('T');
}

/* Starts the counter and waits for its first reload before enabling the
 * interrupt: until the first tick CVR holds the 0 the CVR write left
 * (B3.3.5), which QEMU shows for a while (its timers run on host time),
 * and QEMU 7.2 sometimes takes that reload for a wrap and interrupts */
static void systick_start(uint32_t reload, uint32_t ctrl)
{
    SysTick->CTRL = 0;
    SysTick->LOAD = reload;
    SysTick->VAL = 0;
    SysTick->CTRL = (ctrl & ~SysTick_CTRL_TICKINT) | SysTick_CTRL_ENABLE;
    while (SysTick->VAL == 0)
        ;
    SysTick->CTRL = ctrl | SysTick_CTRL_ENABLE;
}

static void timer0_start(uint32_t reload)
{
    CMSDK_TIMER0->CTRL = 0;
    CMSDK_TIMER0->INTSTATUS = CMSDK_TIMER_INT;
    CMSDK_TIMER0->RELOAD = reload;
    CMSDK_TIMER0->VALUE = reload;
    CMSDK_TIMER0->CTRL = CMSDK_TIMER_CTRL_EN | CMSDK_TIMER_CTRL_IRQEN;
}

/* Waits for the counter to wrap (it reads larger than before) without
 * reading CTRL. */
static void wait_wrap(void)
{
    uint32_t prev = SysTick->VAL;
    for (;;) {
        uint32_t v = SysTick->VAL;
        if (v > prev)
            return;
        prev = v;
    }
}

static void counter_tests(void)
{
    /* RVR 0x7FFFFF: QEMU 7.2 reads CVR as 0 on the processor clock with
     * RVR 0xFFFFFF (its bug) */
    con_puts("1. CPU clock, RVR=0x7FFFFF: CVR counts down while read\n");
    systick_start(0x7FFFFF, SysTick_CTRL_CLKSOURCE);
    uint32_t a = SysTick->VAL;
    for (volatile int i = 0; i < 200; i++)
        ;
    uint32_t b = SysTick->VAL;
    con_printf("  CVR within RVR: %s, lower after a loop: %s\n",
               a <= 0x7FFFFF && b <= 0x7FFFFF ? "yes" : "no", b < a ? "yes" : "no");
    CHECK(a <= 0x7FFFFF && b < a);
    uint32_t flag = SysTick->CTRL & SysTick_CTRL_COUNTFLAG;
    con_printf("  COUNTFLAG before any wrap=%u\n", flag ? 1u : 0u);
    CHECK(!flag);

    con_puts("2. COUNTFLAG with RVR=2499 (100 us)\n");
    systick_start(2499, SysTick_CTRL_CLKSOURCE);
    wait_wrap();
    uint32_t first = SysTick->CTRL & SysTick_CTRL_COUNTFLAG;
    uint32_t second = SysTick->CTRL & SysTick_CTRL_COUNTFLAG;
    con_printf("  after a wrap: COUNTFLAG=%u, read again=%u\n", first ? 1u : 0u,
               second ? 1u : 0u);
    CHECK(first && !second);
    wait_wrap();
    SysTick->VAL = 1234; /* any write: CVR 0, COUNTFLAG 0 */
    uint32_t after_write = SysTick->CTRL & SysTick_CTRL_COUNTFLAG;
    con_printf("  after a wrap and a CVR write: COUNTFLAG=%u\n", after_write ? 1u : 0u);
    CHECK(!after_write);
    SysTick->CTRL = 0;
}

/* Ticks of the reference-clock SysTick during 10 ms of timer0 (polled). */
static void ref_clock_test(void)
{
    con_puts("3. reference clock (CLKSOURCE=0) against timer0 (PCLK)\n");
    con_printf("  CALIB.NOREF=%u\n", (SysTick->CALIB & SysTick_CALIB_NOREF) ? 1u : 0u);
    systick_start(0xFFFFFF, 0);
    NVIC_DisableIRQ(TIMER0_IRQn); /* polled: the line only pends */
    CMSDK_TIMER0->CTRL = 0;
    CMSDK_TIMER0->INTSTATUS = CMSDK_TIMER_INT;
    NVIC_ClearPendingIRQ(TIMER0_IRQn);
    CMSDK_TIMER0->RELOAD = 10 * MS_CPU;
    CMSDK_TIMER0->VALUE = 10 * MS_CPU;
    uint32_t s0 = SysTick->VAL;
    CMSDK_TIMER0->CTRL = CMSDK_TIMER_CTRL_EN | CMSDK_TIMER_CTRL_IRQEN;
    while (!NVIC_GetPendingIRQ(TIMER0_IRQn))
        ;
    uint32_t s1 = SysTick->VAL;
    CMSDK_TIMER0->CTRL = 0;
    CMSDK_TIMER0->INTSTATUS = CMSDK_TIMER_INT;
    NVIC_ClearPendingIRQ(TIMER0_IRQn);
    uint32_t ticks = s0 - s1;
    /* 10 ms of the 1 MHz clock: 10000 ticks; allow for the polling (and
     * for a host that delays QEMU's reads by a few ms) */
    int ok = ticks >= 9500 && ticks <= 14000;
    con_printf("  SysTick counted about 10000 in 10 ms of timer0: %s\n", ok ? "yes" : "no");
    if (!ok)
        con_printf("  (%u)\n", ticks);
    CHECK(ok);
    SysTick->CTRL = 0;
}

static void interleave_test(void)
{
    con_puts("4. SysTick every 9 ms (reference clock) and timer0 every 15 ms\n");
    NVIC_SetPriority(SysTick_IRQn, 2);
    NVIC_SetPriority(TIMER0_IRQn, 2);
    NVIC_EnableIRQ(TIMER0_IRQn);
    systicks = timer0s = 0;
    __disable_irq();
    systick_start(9 * MS_REF - 1, SysTick_CTRL_TICKINT);
    timer0_start(15 * MS_CPU - 1);
    SCB->ICSR = SCB_ICSR_PENDSTCLR; /* QEMU's spurious one, see above */
    __enable_irq();
    WFI_UNTIL(systicks >= 4);
    SysTick->CTRL = 0;
    CMSDK_TIMER0->CTRL = 0;
    NVIC_DisableIRQ(TIMER0_IRQn);
    /* 9 15 18 27 30 36 ms */
    trace_expect("STSSTS");

    con_puts("5. SysTick every 9 ms (CPU clock) and timer0 every 12 ms\n");
    systicks = timer0s = 0;
    NVIC_EnableIRQ(TIMER0_IRQn);
    __disable_irq();
    systick_start(9 * MS_CPU - 1, SysTick_CTRL_CLKSOURCE | SysTick_CTRL_TICKINT);
    timer0_start(12 * MS_CPU - 1);
    SCB->ICSR = SCB_ICSR_PENDSTCLR;
    __enable_irq();
    WFI_UNTIL(systicks >= 3);
    SysTick->CTRL = 0;
    CMSDK_TIMER0->CTRL = 0;
    NVIC_DisableIRQ(TIMER0_IRQn);
    /* 9 12 18 24 27 ms */
    trace_expect("STSTS");
}

int main(void)
{
    counter_tests();
    ref_clock_test();
    interleave_test();
    return check_finish("systick-timers");
}
