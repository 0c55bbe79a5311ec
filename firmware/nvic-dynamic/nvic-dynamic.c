/* NVIC state changed from inside handlers (B1.5.4, B3.4, B3.2.4):
 *   - an interrupt pended again by its own handler runs again right after
 *     it returns (tail-chained), not nested
 *   - NMI pended again inside NMI: taken again after the NMI returns
 *   - the execution priority follows the current priority of the active
 *     exceptions: a handler that lowers its own priority (raises the
 *     value) past a pending interrupt is preempted by it at once
 *   - disabling the running interrupt (ICER) leaves it active; clearing
 *     the pending bit of another (ICPR) withdraws it
 *   - VTOR changed inside a handler: the next exception uses the new table */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "libc.h"
#include "startup.h"

#define IRQ_A 24
#define IRQ_B 25
#define IRQ_C 26

static volatile int a_runs, nmi_runs;
static volatile int a_action;

IRQ_HANDLER(IRQ_B)
{
    trace('B');
}

IRQ_HANDLER(IRQ_C)
{
    trace('C');
}

IRQ_HANDLER(IRQ_A)
{
    trace('A');
    a_runs++;
    switch (a_action) {
    case 1: /* re-pend itself once */
        if (a_runs == 1) {
            NVIC_SetPendingIRQ(IRQ_A);
            __DSB();
            __ISB();
        }
        break;
    case 2: /* B (priority 2) pending; A (1) lowers itself to 3 */
        NVIC_SetPendingIRQ(IRQ_B);
        __DSB();
        __ISB();
        trace('-');
        NVIC_SetPriority(IRQ_A, 3);
        __DSB();
        __ISB();
        break;
    case 3: /* disable itself, withdraw pending C */
        NVIC_DisableIRQ(IRQ_A);
        NVIC_SetPendingIRQ(IRQ_C); /* C priority 2: lower, waits */
        NVIC_ClearPendingIRQ(IRQ_C);
        CHECK(NVIC_GetActive(IRQ_A));
        break;
    }
    trace('a');
}

void NMI_Handler(void)
{
    trace('N');
    if (++nmi_runs == 1) {
        SCB->ICSR = SCB_ICSR_NMIPENDSET;
        __DSB();
        __ISB();
    }
    trace('n');
}

static uint32_t ram_vectors[VECTOR_COUNT] __attribute__((aligned(512)));
static volatile int alt_runs;
static void alt_handler(void) { trace('X'); alt_runs++; }
static volatile int switch_vtor;

IRQ_HANDLER(27)
{
    trace('V');
    if (switch_vtor) {
        SCB->VTOR = (uint32_t)ram_vectors;
        __DSB();
        NVIC_SetPendingIRQ(IRQ_C);
        __DSB();
        __ISB();
    }
}

int main(void)
{
    NVIC_SetPriority(IRQ_A, 1);
    NVIC_SetPriority(IRQ_B, 2);
    NVIC_SetPriority(IRQ_C, 2);
    NVIC_SetPriority(27, 3);
    NVIC_EnableIRQ(IRQ_A);
    NVIC_EnableIRQ(IRQ_B);
    NVIC_EnableIRQ(IRQ_C);
    NVIC_EnableIRQ(27);

    con_puts("1. a handler pends itself again: runs again after it returns\n");
    a_action = 1;
    NVIC_SetPendingIRQ(IRQ_A);
    __DSB();
    __ISB();
    trace_expect("AaAa");

    con_puts("2. NMI pended again inside NMI\n");
    SCB->ICSR = SCB_ICSR_NMIPENDSET;
    __DSB();
    __ISB();
    trace_expect("NnNn");

    con_puts("3. the running handler lowers its own priority below a pending one\n");
    a_action = 2;
    NVIC_SetPriority(IRQ_A, 1);
    NVIC_SetPendingIRQ(IRQ_A);
    __DSB();
    __ISB();
    trace_expect("A-Ba");
    NVIC_SetPriority(IRQ_A, 1);

    con_puts("4. ICER on the running interrupt, ICPR on a pending one\n");
    a_action = 3;
    NVIC_SetPendingIRQ(IRQ_A);
    __DSB();
    __ISB();
    con_printf("  A enabled after=%u, C pending=%u\n", (NVIC->ISER[0] >> IRQ_A) & 1,
               NVIC_GetPendingIRQ(IRQ_C));
    trace_expect("Aa");
    NVIC_EnableIRQ(IRQ_A);

    con_puts("5. VTOR moved to a RAM copy inside a handler\n");
    memcpy(ram_vectors, vector_table, sizeof ram_vectors);
    ram_vectors[16 + IRQ_C] = (uint32_t)alt_handler;
    switch_vtor = 1;
    NVIC_SetPendingIRQ(27);
    __DSB();
    __ISB();
    SCB->VTOR = 0;
    con_printf("  the C pended after the switch went to the RAM table's handler: %s\n",
               alt_runs == 1 ? "yes" : "no");
    CHECK(alt_runs == 1);
    trace_expect("VX");

    return check_finish("nvic-dynamic");
}
