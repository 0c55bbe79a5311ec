/* The local exclusive monitor is cleared by exception entry and return
 * (ARMv7-M B1.5.6 ExceptionTaken and B1.5.8 ExceptionReturn call
 * ClearExclusiveLocal(); A3.4): a STREX after an LDREX fails (status 1) if
 * an exception was taken in between, even one that does not touch the
 * location; without an exception it succeeds.
 *
 * Unicorn 2.1.1 does not clear the monitor itself; minivm does
 * (src/exclusive_monitor.c). expected.txt is QEMU 7.2's output. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

#define IRQ_TEST 24

static volatile uint32_t word = 7;
static volatile int irq_runs;

void IRQ24_Handler(void) { irq_runs++; }

static uint32_t ldrex(volatile uint32_t *p)
{
    uint32_t v;
    __asm__ volatile("ldrex %0, [%1]" : "=r"(v) : "r"(p) : "memory");
    return v;
}

static uint32_t strex(volatile uint32_t *p, uint32_t v)
{
    uint32_t status;
    __asm__ volatile("strex %0, %2, [%1]" : "=&r"(status) : "r"(p), "r"(v) : "memory");
    return status;
}

int main(void)
{
    NVIC_EnableIRQ(IRQ_TEST);

    uint32_t v = ldrex(&word);
    uint32_t status = strex(&word, v + 1);
    con_printf("1. LDREX, STREX: status %u, word %u\n", status, word);
    CHECK(status == 0 && word == 8);

    v = ldrex(&word);
    NVIC_SetPendingIRQ(IRQ_TEST);
    __DSB();
    __ISB();
    status = strex(&word, v + 1);
    con_printf("2. LDREX, interrupt (%d run), STREX: status %u, word %u\n", irq_runs, status,
               word);
    CHECK(irq_runs == 1 && status == 1 && word == 8);

    return check_finish("exclusive-monitor");
}
