/* Thread mode on the process stack (B1.4.1, B1.5.6-B1.5.8): after
 * CONTROL.SPSEL=1, exceptions push their frame on PSP, run on MSP and
 * return with EXC_RETURN 0xFFFFFFFD; the frame is 8-byte aligned with the
 * padding recorded in stacked xPSR bit 9. Unprivileged thread mode
 * (CONTROL.nPRIV=1) cannot mask interrupts; an SVC handler gives the
 * privilege back. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

#define IRQ_TEST 24

#define SVC_CHECK_FRAME 0 /* r0 = SP before the SVC; returns 1 if the frame fits */
#define SVC_PRIVILEGE 1   /* clears CONTROL.nPRIV */

static uint64_t psp_stack[128]; /* 1 KiB, 8-byte aligned */
#define PSP_TOP ((uint32_t)&psp_stack[128])
#define PSP_BOTTOM ((uint32_t)&psp_stack[0])

/* What the last exception saw on entry. */
static volatile uint32_t seen_exc_return, seen_msp, seen_frame;

/* The thread's MSP when it switched to PSP: handlers must start from it. */
static uint32_t thread_msp;

/* Entry shims: hand the C handler EXC_RETURN and both stack pointers as
 * they were on entry, before any push. The C function returns (bx lr /
 * pop {pc}) with EXC_RETURN still in lr, which returns from the exception. */
#define EXCEPTION_SHIM(name, c_handler)                                             \
    __attribute__((naked)) void name(void)                                          \
    {                                                                               \
        __asm__ volatile("mov r0, lr\n\t"                                           \
                         "mrs r1, psp\n\t"                                          \
                         "mrs r2, msp\n\t"                                          \
                         "b " #c_handler);                                          \
    }

static ExcFrame *record_entry(uint32_t exc_return, uint32_t psp, uint32_t msp)
{
    seen_exc_return = exc_return;
    seen_msp = msp;
    seen_frame = (exc_return & 4) ? psp : msp;
    return (ExcFrame *)seen_frame;
}

__attribute__((used)) void svc_c(uint32_t exc_return, uint32_t psp, uint32_t msp)
{
    ExcFrame *f = record_entry(exc_return, psp, msp);
    uint8_t number = ((const uint16_t *)f->pc)[-1] & 0xFF;
    if (number == SVC_CHECK_FRAME) {
        uint32_t sp_before = f->r0;
        int padded = (sp_before & 4) != 0;
        uint32_t expected = sp_before - 32 - (padded ? 4 : 0);
        int bit9 = (f->xpsr & XPSR_STACK_ALIGN) != 0;
        f->r0 = (uint32_t)f == expected && bit9 == padded;
    } else if (number == SVC_PRIVILEGE) {
        __set_CONTROL(__get_CONTROL() & ~CONTROL_nPRIV);
    }
}
EXCEPTION_SHIM(SVC_Handler, svc_c)

__attribute__((used)) void irq_c(uint32_t exc_return, uint32_t psp, uint32_t msp)
{
    record_entry(exc_return, psp, msp);
}
EXCEPTION_SHIM(IRQ24_Handler, irq_c)

/* SVC_CHECK_FRAME with SP 8-byte aligned, or misaligned by 4. */
__attribute__((naked)) static uint32_t svc_check_frame_aligned(void)
{
    __asm__ volatile("mov r0, sp\n\t"
                     "svc #0\n\t"
                     "bx lr");
}

__attribute__((naked)) static uint32_t svc_check_frame_misaligned(void)
{
    __asm__ volatile("sub sp, #4\n\t"
                     "mov r0, sp\n\t"
                     "svc #0\n\t"
                     "add sp, #4\n\t"
                     "bx lr");
}

static void check_frames(const char *stack, uint32_t exc_return)
{
    uint32_t sp = __get_SP();
    int ok_aligned = svc_check_frame_aligned();
    uint32_t er_aligned = seen_exc_return;
    int ok_misaligned = svc_check_frame_misaligned();
    con_printf("  SVC on %s: EXC_RETURN %x, frame at SP-32 (aligned SP) %s, "
               "at SP-36 with xPSR bit 9 (misaligned SP) %s\n",
               stack, er_aligned, ok_aligned ? "yes" : "no", ok_misaligned ? "yes" : "no");
    CHECK(ok_aligned && ok_misaligned);
    CHECK(er_aligned == exc_return && seen_exc_return == exc_return);
    CHECK(__get_SP() == sp);
}

static void on_psp(void)
{
    thread_msp = __get_MSP();
    uint32_t sp = __get_SP();
    con_printf("  CONTROL=%u, SP is %s PSP\n", __get_CONTROL(), sp == __get_PSP() ? "==" : "!=");
    CHECK(__get_CONTROL() == CONTROL_SPSEL);
    CHECK(sp == __get_PSP() && sp < PSP_TOP && sp >= PSP_BOTTOM);
    check_frames("PSP", EXC_RETURN_THREAD_PSP);
    con_printf("  handler started on the thread's MSP: %s\n",
               seen_msp == thread_msp ? "yes" : "no");
    CHECK(seen_msp == thread_msp);

    sp = __get_SP();
    NVIC_SetPendingIRQ(IRQ_TEST);
    __DSB();
    __ISB();
    con_printf("  IRQ on PSP: EXC_RETURN %x, frame on PSP %s, handler started on MSP %s\n",
               seen_exc_return, seen_frame < sp && seen_frame >= PSP_BOTTOM ? "yes" : "no",
               seen_msp == thread_msp ? "yes" : "no");
    CHECK(seen_exc_return == EXC_RETURN_THREAD_PSP);
    CHECK(seen_frame < sp && seen_frame >= sp - 36);
    CHECK(seen_msp == thread_msp && __get_SP() == sp && __get_CONTROL() == CONTROL_SPSEL);

    con_puts("3. unprivileged thread on PSP: CONTROL.nPRIV=1\n");
    __set_CONTROL(CONTROL_SPSEL | CONTROL_nPRIV);
    con_printf("  CONTROL=%u\n", __get_CONTROL());
    CHECK(__get_CONTROL() == (CONTROL_SPSEL | CONTROL_nPRIV));
    __disable_irq();              /* ignored when unprivileged */
    __set_CONTROL(CONTROL_SPSEL); /* ignored too */
    con_printf("  CPSID i and MSR CONTROL ignored: CONTROL=%u\n", __get_CONTROL());
    CHECK(__get_CONTROL() == (CONTROL_SPSEL | CONTROL_nPRIV));
    check_frames("PSP", EXC_RETURN_THREAD_PSP);
    __asm__ volatile("svc #1" ::: "memory");
    con_printf("  SVC handler cleared nPRIV: CONTROL=%u, PRIMASK=%u\n", __get_CONTROL(),
               __get_PRIMASK());
    CHECK(__get_CONTROL() == CONTROL_SPSEL && __get_PRIMASK() == 0);
}

int main(void)
{
    SCB->CCR |= SCB_CCR_STKALIGN; /* the reset value on r2p0 and later M3s */
    NVIC_EnableIRQ(IRQ_TEST);

    con_printf("1. thread on MSP: CONTROL=%u\n", __get_CONTROL());
    check_frames("MSP", EXC_RETURN_THREAD_MSP);

    con_puts("2. thread on PSP: CONTROL.SPSEL=1\n");
    uint32_t msp = __get_MSP();
    run_on_psp(on_psp, PSP_TOP, CONTROL_SPSEL);

    con_puts("4. back on MSP: CONTROL.SPSEL=0\n");
    con_printf("  CONTROL=%u, SP is %s\n", __get_CONTROL(),
               __get_SP() == __get_MSP() && __get_MSP() == msp ? "the MSP it left" : "wrong");
    CHECK(__get_CONTROL() == 0 && __get_SP() == msp);
    check_frames("MSP", EXC_RETURN_THREAD_MSP);

    return check_finish("psp-thread");
}
