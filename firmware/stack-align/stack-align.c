/* 8-byte stack alignment on exception entry (B1.5.6 PushStack, B1.5.7,
 * B3.2.8 CCR.STKALIGN): with STKALIGN=1 an interrupt taken with SP = 4
 * mod 8 leaves a word of padding above its frame (frame at SP-36) and
 * sets bit 9 of the stacked xPSR; the return (B1.5.8 PopStack) removes the
 * padding because of that bit, so the interrupted code sees its SP again
 * (and a handler that sets the bit by hand moves the SP returned to by 4).
 * With STKALIGN=0 frames are only 4-byte aligned (SP-32, bit 9 clear).
 * The same inside a handler: a nested interrupt on a misaligned MSP. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

#define IRQ_TEST 24
#define IRQ_NESTED 25

static volatile uint32_t frame_at, stacked_xpsr, exc_return;
static volatile int set_bit9; /* the handler sets stacked xPSR bit 9 */

__attribute__((used)) void irq_c(uint32_t lr, uint32_t msp)
{
    exc_return = lr;
    frame_at = msp;
    stacked_xpsr = ((ExcFrame *)msp)->xpsr;
    if (set_bit9) {
        ((ExcFrame *)msp)->xpsr |= XPSR_STACK_ALIGN;
        set_bit9 = 0;
    }
}
__attribute__((naked)) void IRQ24_Handler(void)
{
    __asm__ volatile("mov r0, lr\n\tmrs r1, msp\n\tb irq_c");
}

/* Pends IRQ_TEST (store to ISPR, DSB, ISB) with SP lowered by drop bytes
 * (0 or 4). Stores the SP at the pend in *sp_at and returns how much the SP
 * differs after the interrupt returned (0 unless the frame was changed). */
__attribute__((naked, noinline)) static int32_t pend_with_sp(
    uint32_t drop __attribute__((unused)), volatile uint32_t *ispr __attribute__((unused)),
    uint32_t bit __attribute__((unused)), volatile uint32_t *sp_at __attribute__((unused)))
{
    __asm__ volatile("push {r4, r5, r6, lr}\n\t"
                     "mov r6, sp\n\t"
                     "sub sp, sp, r0\n\t"
                     "mov r4, sp\n\t"
                     "str r4, [r3]\n\t"
                     "str r2, [r1]\n\t"
                     "dsb\n\t"
                     "isb\n\t"
                     "mov r5, sp\n\t"
                     "mov sp, r6\n\t"
                     "sub r0, r5, r4\n\t"
                     "pop {r4, r5, r6, pc}");
}

static volatile uint32_t sp_at;

static void check_entry(const char *what, uint32_t drop, int stkalign)
{
    int32_t moved = pend_with_sp(drop, &NVIC->ISPR[0], 1u << IRQ_TEST, &sp_at);
    uint32_t sp = sp_at;
    int padded = stkalign && (sp & 4);
    uint32_t expected = sp - 32 - (padded ? 4 : 0);
    int bit9 = (stacked_xpsr & XPSR_STACK_ALIGN) != 0;
    con_printf("  %s: SP %s 8-byte aligned, frame at SP-%u, stacked bit 9=%d, SP after "
               "return %s\n",
               what, (sp & 4) ? "not" : "is", sp - frame_at, bit9,
               moved == 0 ? "unchanged" : "moved");
    CHECK(frame_at == expected && bit9 == padded && moved == 0);
    CHECK(exc_return == EXC_RETURN_THREAD_MSP);
}

/* Nested: IRQ_NESTED's handler lowers MSP by drop bytes and pends
 * IRQ_TEST (higher priority), which preempts it on that MSP. */
static volatile uint32_t nested_drop;
static volatile uint32_t nested_sp;
IRQ_HANDLER(IRQ_NESTED)
{
    pend_with_sp(nested_drop, &NVIC->ISPR[0], 1u << IRQ_TEST, &nested_sp);
}

static void check_nested(uint32_t drop)
{
    nested_drop = drop;
    NVIC_SetPendingIRQ(IRQ_NESTED);
    __DSB();
    __ISB();
    uint32_t sp = nested_sp;
    int padded = (sp & 4) != 0;
    int bit9 = (stacked_xpsr & XPSR_STACK_ALIGN) != 0;
    con_printf("  nested on MSP %s 8-byte aligned: EXC_RETURN %x, frame at SP-%u, bit 9=%d\n",
               padded ? "not" : "is", exc_return, sp - frame_at, bit9);
    CHECK(exc_return == EXC_RETURN_HANDLER && frame_at == sp - 32 - (padded ? 4 : 0) &&
          bit9 == padded);
}

int main(void)
{
    NVIC_SetPriority(IRQ_TEST, 1);
    NVIC_SetPriority(IRQ_NESTED, 2);
    NVIC_EnableIRQ(IRQ_TEST);
    NVIC_EnableIRQ(IRQ_NESTED);

    con_printf("1. CCR.STKALIGN=%u after reset\n", (SCB->CCR & SCB_CCR_STKALIGN) ? 1u : 0u);
    CHECK(SCB->CCR & SCB_CCR_STKALIGN);
    /* the SP at the pend is the caller's minus 16 (the push) minus drop:
     * try both drops, one of them gives an odd word */
    check_entry("drop 0", 0, 1);
    check_entry("drop 4", 4, 1);
    check_nested(0);
    check_nested(4);

    con_puts("2. a handler sets stacked bit 9: the return pops 4 more bytes\n");
    set_bit9 = 1;
    int32_t moved = pend_with_sp((__get_SP() & 4) ? 4 : 0, &NVIC->ISPR[0], 1u << IRQ_TEST,
                                 &sp_at);
    con_printf("  SP after return moved by %d\n", moved);
    CHECK(moved == 4);

    con_puts("3. CCR.STKALIGN=0: 4-byte aligned frames\n");
    SCB->CCR &= ~SCB_CCR_STKALIGN;
    check_entry("drop 0", 0, 0);
    check_entry("drop 4", 4, 0);
    SCB->CCR |= SCB_CCR_STKALIGN;

    return check_finish("stack-align");
}
