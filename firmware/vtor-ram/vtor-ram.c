/* VTOR (B3.2.5): the vector table copied to RAM and VTOR pointed at it;
 * an interrupt is then taken through a handler that only the RAM table
 * names, the vector is read again on every exception (changing the RAM
 * entry changes the handler), and VTOR=0 brings back the code table. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "libc.h"
#include "startup.h"

#define IRQ_TEST 24

/* B3.2.5: aligned to the table size rounded up to a power of two
 * (80 entries -> 128 words). */
static Vector ram_table[VECTOR_COUNT] __attribute__((aligned(512)));

static void ram_only_1(void)
{
    trace('1');
    con_printf("  exception %u: RAM-only handler 1\n", __get_IPSR());
}

static void ram_only_2(void)
{
    trace('2');
    con_printf("  exception %u: RAM-only handler 2\n", __get_IPSR());
}

/* The handler the code table at address 0 has for IRQ_TEST. */
IRQ_HANDLER(IRQ_TEST)
{
    trace('F');
    con_printf("  exception %u: handler from the code table\n", __get_IPSR());
}

static void take_interrupt(void)
{
    NVIC_SetPendingIRQ(IRQ_TEST);
    __DSB();
    __ISB();
}

int main(void)
{
    NVIC_EnableIRQ(IRQ_TEST);
    con_printf("VTOR=%x\n", SCB->VTOR);
    take_interrupt();
    trace_expect("F");

    memcpy(ram_table, vector_table, sizeof ram_table);
    ram_table[EXC_IRQ(IRQ_TEST)] = ram_only_1;
    __DSB();
    SCB->VTOR = (uint32_t)ram_table;
    __DSB();
    __ISB();
    con_printf("VTOR=%s table in RAM\n", SCB->VTOR == (uint32_t)ram_table ? "the" : "not the");
    CHECK(SCB->VTOR == (uint32_t)ram_table);
    take_interrupt();
    trace_expect("1");

    ram_table[EXC_IRQ(IRQ_TEST)] = ram_only_2;
    __DSB();
    con_puts("RAM vector changed\n");
    take_interrupt();
    trace_expect("2");

    /* SVC and the other system exceptions come from the RAM table too. */
    con_puts("SVC through the copied table\n");
    ram_table[EXC_SVCALL] = ram_only_1; /* the code table has no SVC handler */
    __DSB();
    __asm__ volatile("svc #0" ::: "memory");
    trace_expect("1");

    SCB->VTOR = 0;
    __DSB();
    __ISB();
    con_printf("VTOR=%x\n", SCB->VTOR);
    take_interrupt();
    trace_expect("F");

    return check_finish("vtor-ram");
}
