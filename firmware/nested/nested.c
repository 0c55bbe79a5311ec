/* Nested preemption and tail-chaining by priority (B1.5.4, B1.5.12).
 * Handlers pend other interrupts through NVIC ISPR: a higher-priority one
 * preempts at once, an equal or lower one waits and is tail-chained in
 * priority order (lower exception number first on a tie). Also checks
 * PRIGROUP: interrupts with the same group priority do not preempt each
 * other and are ordered by subpriority. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

/* Free NVIC lines on mps2-an385 (no device drives them). */
#define IRQ_A 24 /* priority 3 */
#define IRQ_B 25 /* priority 2 */
#define IRQ_C 26 /* priority 1 */
#define IRQ_D 27 /* priority 3 */
#define IRQ_E 28 /* priority 2 */

static volatile int quiet; /* handlers only trace, they do not print */

/* Traces the handler's entry as its letter (capital) and prints it. */
static void enter(char name)
{
    trace(name);
    if (!quiet)
        con_printf("enter %c\n", name);
}

/* Traces the handler's exit as its letter in lower case. */
static void leave(char name)
{
    trace((char)(name - 'A' + 'a'));
    if (!quiet)
        con_printf("exit %c\n", name);
}

static void pend(char by, char name, int irq)
{
    if (!quiet)
        con_printf("  %c pends %c\n", by, name);
    NVIC_SetPendingIRQ(irq);
}

IRQ_HANDLER(IRQ_A)
{
    enter('A');
    pend('A', 'D', IRQ_D);
    pend('A', 'B', IRQ_B);
    leave('A');
}

IRQ_HANDLER(IRQ_B)
{
    enter('B');
    pend('B', 'C', IRQ_C);
    pend('B', 'E', IRQ_E);
    leave('B');
}

IRQ_HANDLER(IRQ_C)
{
    enter('C');
    CHECK(__get_IPSR() == EXC_IRQ(IRQ_C));
    CHECK((SCB->ICSR & SCB_ICSR_VECTACTIVE_Msk) == EXC_IRQ(IRQ_C));
    if (!quiet) {
        con_puts("  active:");
        for (int irq = IRQ_A; irq <= IRQ_E; irq++)
            if (NVIC_GetActive(irq))
                con_printf(" %c", 'A' + irq - IRQ_A);
        con_puts("\n");
    }
    leave('C');
}

IRQ_HANDLER(IRQ_D)
{
    enter('D');
    leave('D');
}

IRQ_HANDLER(IRQ_E)
{
    enter('E');
    leave('E');
}

int main(void)
{
    NVIC_SetPriority(IRQ_A, 3);
    NVIC_SetPriority(IRQ_B, 2);
    NVIC_SetPriority(IRQ_C, 1);
    NVIC_SetPriority(IRQ_D, 3);
    NVIC_SetPriority(IRQ_E, 2);
    for (int irq = IRQ_A; irq <= IRQ_E; irq++)
        NVIC_EnableIRQ(irq);

    con_puts("1. preemption by higher priority, tail-chaining of equal priority\n");
    pend('T', 'A', IRQ_A);
    con_puts("thread resumes\n");
    /* A is preempted by B, B by C; E (pended by B) runs before A resumes,
     * D (pended by A) after A. Capitals: entry, lower case: exit. */
    trace_expect("ABCcbEeaDd");

    con_puts("2. five pended under PRIMASK, then CPSIE\n");
    quiet = 1;
    __disable_irq();
    NVIC_SetPendingIRQ(IRQ_D);
    NVIC_SetPendingIRQ(IRQ_A);
    NVIC_SetPendingIRQ(IRQ_C);
    NVIC_SetPendingIRQ(IRQ_E);
    NVIC_SetPendingIRQ(IRQ_B);
    __enable_irq();
    quiet = 0;
    /* C (1); B (2, before E by number) re-pends C, which preempts it, and
     * E (already pending); E; A (3, before D by number) pends B, which
     * preempts it and pends C and E again; D last. */
    trace_expect("CcBCcbEeABCcbEeaDd");

    con_puts("3. PRIGROUP=5: priorities 2 and 3 share group priority 1\n");
    SCB->AIRCR = SCB_AIRCR_VECTKEY | (5u << 8);
    pend('T', 'A', IRQ_A);
    con_puts("thread resumes\n");
    /* B no longer preempts A. After A, B goes before D by subpriority;
     * C (group 0) still preempts B; E goes before D by subpriority. */
    trace_expect("AaBCcbEeDd");
    SCB->AIRCR = SCB_AIRCR_VECTKEY | (0u << 8);

    return check_finish("nested");
}
