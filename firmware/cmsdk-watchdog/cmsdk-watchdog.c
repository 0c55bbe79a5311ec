/* The CMSDK APB watchdog of mps2-an385 at 0x40008000 (DDI 0479 4.5), as
 * QEMU 7.2 models and wires it: its interrupt is the NMI, and a second
 * timeout with RESEN set resets the system. Checked here: the reset
 * values and ID registers; VALUE counting down at 25 MHz from reset and
 * from LOAD; the NMI at a timeout, cleared by INTCLR (which also reloads
 * the count), again at every timeout; without INTCLR a second NMI at the
 * second timeout, after which the counter stops at zero; MIS and the NMI
 * gated by INTEN; LOCK; the integration test registers (ITOP.WDOGINT
 * raises the NMI); and the system reset at a second timeout with RESEN.
 * RAM the image does not load counts the boots across the reset, as in
 * the sysreset test. Times are measured with timer0 and only verdicts
 * printed, so the output does not depend on the host's speed. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "mps2-an385.h"

typedef struct {
    uint32_t magic;
    uint32_t boots;
} BootRecord;
#define BOOT_RECORD ((volatile BootRecord *)0x20200000u)
#define BOOT_MAGIC 0xB007D06Du

#define WDOG CMSDK_WATCHDOG
#define TICKS_PER_MS (SYSTEM_CORE_CLOCK / 1000)
#define REG(addr) (*(volatile uint32_t *)(addr))

static volatile int nmis;
static volatile int nmi_clears; /* the handler writes INTCLR */
static volatile uint32_t nmi_ris, nmi_mis;

void NMI_Handler(void)
{
    nmi_ris = WDOG->RIS;
    nmi_mis = WDOG->MIS;
    nmis++;
    if (nmi_clears)
        WDOG->INTCLR = 1;
}

static void timer0_start(void)
{
    CMSDK_TIMER0->CTRL = 0;
    CMSDK_TIMER0->RELOAD = 0xFFFFFFFFu;
    CMSDK_TIMER0->CTRL = CMSDK_TIMER_CTRL_EN;
}

static uint32_t timer0_elapsed(void) { return 0xFFFFFFFFu - CMSDK_TIMER0->VALUE; }

static void wait_ms(uint32_t ms)
{
    uint32_t start = timer0_elapsed();
    while (timer0_elapsed() - start < ms * TICKS_PER_MS)
        ;
}

/* Waits up to ms for n NMIs; returns whether they came. */
static int wait_nmis(int n, uint32_t ms)
{
    uint32_t start = timer0_elapsed();
    while (nmis < n && timer0_elapsed() - start < ms * TICKS_PER_MS)
        ;
    return nmis >= n;
}

static void verdict(const char *what, int ok)
{
    con_printf("  %s: %s\n", what, ok ? "yes" : "NO");
    CHECK(ok);
}

static void show_registers(void)
{
    con_printf("  LOAD %x CONTROL %x RIS %x MIS %x LOCK %x ITCR %x\n", WDOG->LOAD, WDOG->CONTROL,
               WDOG->RIS, WDOG->MIS, WDOG->LOCK, WDOG->ITCR);
}

static void reset_values(void)
{
    con_puts("reset values:\n");
    show_registers();
    con_printf("  INTCLR, ITOP (write-only) read %x %x\n", WDOG->INTCLR, WDOG->ITOP);
    con_puts("  PID4-7, PID0-3, CID0-3:");
    for (uint32_t a = 0x40008FD0u; a <= 0x40008FFCu; a += 4)
        con_printf(" %02x", REG(a));
    con_puts("\n");
    uint32_t v1 = WDOG->VALUE;
    wait_ms(1);
    uint32_t v2 = WDOG->VALUE;
    verdict("VALUE counts down from 0xffffffff from reset", v2 < v1 && v1 < 0xFFFFFFFFu);
}

static void counting(void)
{
    con_puts("LOAD 250000 (10 ms): VALUE reloads and counts down at 25 MHz\n");
    WDOG->LOAD = 250000;
    uint32_t v1 = WDOG->VALUE;
    wait_ms(1);
    uint32_t v2 = WDOG->VALUE;
    WDOG->INTCLR = 1; /* in case it expired meanwhile */
    con_printf("  LOAD reads %u\n", WDOG->LOAD);
    verdict("VALUE right after the write at most 250000", v1 <= 250000);
    verdict("VALUE counted down", v2 < v1);
    WDOG->LOAD = 0xFFFFFFFFu;
}

static void lock(void)
{
    con_puts("LOCK:\n");
    WDOG->LOCK = 0;
    con_printf("  LOCK after writing 0: %x\n", WDOG->LOCK);
    WDOG->LOAD = 1234;
    WDOG->CONTROL = WATCHDOG_CONTROL_INTEN;
    con_printf("  writes while locked ignored: LOAD %x CONTROL %x\n", WDOG->LOAD, WDOG->CONTROL);
    WDOG->LOCK = WATCHDOG_UNLOCK_KEY + 1;
    con_printf("  LOCK after a wrong key: %x\n", WDOG->LOCK);
    WDOG->LOCK = WATCHDOG_UNLOCK_KEY;
    con_printf("  LOCK after 0x1acce551: %x\n", WDOG->LOCK);
    WDOG->LOAD = 0x12345678u;
    con_printf("  LOAD written when unlocked: %x\n", WDOG->LOAD);
    WDOG->LOAD = 0xFFFFFFFFu;
}

static void nmi_cleared(void)
{
    con_puts("INTEN, LOAD 1250000 (50 ms), the NMI handler writes INTCLR:\n");
    nmis = 0;
    nmi_clears = 1;
    WDOG->CONTROL = WATCHDOG_CONTROL_INTEN;
    WDOG->LOAD = 1250000;
    verdict("no NMI before the timeout", nmis == 0 && WDOG->RIS == 0);
    verdict("NMI at the timeout", wait_nmis(1, 2000));
    verdict("RIS and MIS set in the handler", nmi_ris == 1 && nmi_mis == 1);
    verdict("RIS clear after INTCLR", WDOG->RIS == 0 && WDOG->MIS == 0);
    verdict("another NMI at each timeout", wait_nmis(3, 2000));
    WDOG->CONTROL = 0;
    WDOG->LOAD = 0xFFFFFFFFu;
    WDOG->INTCLR = 1;
    nmi_clears = 0;
}

static void nmi_not_cleared(void)
{
    con_puts("INTEN, LOAD 250000, the NMI handler leaves the interrupt set:\n");
    nmis = 0;
    WDOG->CONTROL = WATCHDOG_CONTROL_INTEN;
    WDOG->LOAD = 250000;
    verdict("NMI at the first timeout", wait_nmis(1, 2000));
    verdict("a second NMI at the second timeout", wait_nmis(2, 2000));
    uint32_t v1 = WDOG->VALUE;
    wait_ms(30);
    verdict("then none: the counter stopped", nmis == 2 && WDOG->VALUE == v1);
    verdict("RIS and MIS still set", WDOG->RIS == 1 && WDOG->MIS == 1);
    WDOG->INTCLR = 1;
    wait_ms(1);
    verdict("INTCLR: RIS clear, VALUE reloaded, still stopped", WDOG->RIS == 0 &&
                                                                  WDOG->VALUE == 250000);
    WDOG->CONTROL = 0;
    WDOG->LOAD = 250000;
    wait_ms(1);
    verdict("writing LOAD starts it again", WDOG->VALUE < 250000);
    WDOG->LOAD = 0xFFFFFFFFu;
}

static void masked(void)
{
    con_puts("INTEN clear, LOAD 250000: RIS set at the timeout, MIS and the NMI not\n");
    nmis = 0;
    WDOG->CONTROL = 0;
    WDOG->LOAD = 250000;
    wait_ms(15);
    verdict("RIS 1, MIS 0, no NMI", WDOG->RIS == 1 && WDOG->MIS == 0 && nmis == 0);
    WDOG->CONTROL = WATCHDOG_CONTROL_INTEN;
    __DSB();
    __ISB();
    verdict("setting INTEN raises the NMI", nmis == 1);
    WDOG->CONTROL = 0;
    WDOG->INTCLR = 1;
    WDOG->LOAD = 0xFFFFFFFFu;
}

static void integration_test(void)
{
    con_puts("integration test mode:\n");
    nmis = 0;
    WDOG->ITCR = 0xFFFFFFFFu;
    con_printf("  ITCR all ones written reads %x\n", WDOG->ITCR);
    WDOG->ITOP = WATCHDOG_ITOP_WDOGINT;
    __DSB();
    __ISB();
    verdict("ITOP.WDOGINT raises the NMI", nmis == 1);
    WDOG->ITOP = 0;
    WDOG->ITCR = 0;
    con_printf("  ITCR %x\n", WDOG->ITCR);
}

/* A second timeout sets a reset status that only a reset clears (QEMU):
 * with RESEN set later it would reset at once. So boot 1 checks what
 * needs no second timeout, then resets; boot 2 checks the rest. */
static void first_boot(void)
{
    timer0_start();
    reset_values();
    counting();
    lock();
    nmi_cleared();
    con_puts("INTEN and RESEN, LOAD 1250000, locked, the NMI handler leaves the interrupt set:\n");
    nmis = 0;
    WDOG->CONTROL = WATCHDOG_CONTROL_INTEN | WATCHDOG_CONTROL_RESEN;
    WDOG->LOAD = 1250000;
    WDOG->LOCK = 0;
    verdict("NMI at the first timeout", wait_nmis(1, 2000));
    check_finish("boot 1");
    con_puts("  waiting for the reset at the second timeout\n");
    wait_ms(2000);
    con_puts("FAIL: no reset\n");
}

static void second_boot(void)
{
    timer0_start();
    con_puts("after the watchdog reset:\n");
    show_registers();
    verdict("VALUE counts down from 0xffffffff again", WDOG->VALUE > 0xFF000000u);
    nmi_not_cleared();
    masked();
    integration_test();
}

int main(void)
{
    if (BOOT_RECORD->magic != BOOT_MAGIC) {
        BOOT_RECORD->magic = BOOT_MAGIC;
        BOOT_RECORD->boots = 0;
    }
    uint32_t boot = ++BOOT_RECORD->boots;
    con_printf("boot %u\n", boot);
    if (boot == 1) {
        first_boot();
        return 1;
    }
    BOOT_RECORD->magic = 0;
    second_boot();
    return check_finish("cmsdk-watchdog");
}
