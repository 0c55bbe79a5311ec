/* BusFault, MemManage and BKPT (B1.5.14, B3.2.15-B3.2.18, C1.5): the
 * fault taken (the configurable one when SHCSR enables it and it can
 * preempt, else HardFault with HFSR.FORCED), its status bits, the fault
 * address register, and the stacked PC:
 *   - a store to unmapped memory (a bus error on mps2-an385): precise,
 *     BFAR valid, stacked PC the store
 *   - execution from the execute-never System region (0xE0000000 and up,
 *     B3.1): MemManage IACCVIOL, MMFAR not valid, stacked PC the target
 *   - an enabled BusFault below the execution priority (BASEPRI):
 *     HardFault, FORCED, with the BusFault status bits
 *   (HFSR.FORCED is checked, not printed, so the BKPT line reads the same
 *   under QEMU)
 *   - BKPT other than the semihosting 0xAB with no debugger: HardFault,
 *     stacked PC the BKPT. (HFSR.DEBUGEVT is what the architecture sets,
 *     QEMU 7.2 sets FORCED: the program prints neither.) */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "fault_log.h"

#define UNMAPPED 0x60000000u
#define SHCSR_MEMFAULTENA (1u << 16)

static volatile uint32_t resume_at; /* 0: skip the faulting instruction */

__attribute__((used)) void fault_c(ExcFrame *f)
{
    fault_log_take(f);
    if (resume_at != 0) {
        f->pc = resume_at & ~1u;
        resume_at = 0;
        return;
    }
    frame_skip_instruction(f);
}
HANDLER_WITH_FRAME(HardFault_Handler, fault_c)
HANDLER_WITH_FRAME(BusFault_Handler, fault_c)
HANDLER_WITH_FRAME(MemManage_Handler, fault_c)

static const char *exc_name(int exc)
{
    switch (exc) {
    case EXC_HARDFAULT: return "HardFault";
    case EXC_MEMMANAGE: return "MemManage";
    case EXC_BUSFAULT: return "BusFault";
    default: return "other";
    }
}

static void report(const char *what, uint32_t expected_pc)
{
    con_printf("  %s: %s, CFSR=%x, stacked PC %s\n", what, exc_name(fault.exception),
               fault.cfsr, fault.pc == expected_pc ? "right" : "WRONG");
    CHECK(fault.pc == expected_pc);
}

extern const uint16_t store_insn[], bkpt_insn[];

__attribute__((naked, noinline)) static void do_store(uint32_t addr __attribute__((unused)))
{
    __asm__ volatile("movs r1, #0x5a\n"
                     "store_insn:\n\t"
                     "str r1, [r0, #4]\n\t"
                     "bx lr");
}

__attribute__((naked, noinline)) static void do_bkpt(void)
{
    __asm__ volatile("bkpt_insn:\n\t"
                     "bkpt #0x12\n\t"
                     "bx lr");
}

/* Calls target (Thumb bit set); the handler resumes after the call. */
static void call_xn(uint32_t target)
{
    extern const uint16_t after_xn_call[];
    resume_at = (uint32_t)after_xn_call;
    __asm__ volatile("blx %0\n"
                     "after_xn_call:" ::"r"(target | 1)
                     : "r0", "r1", "r2", "r3", "r12", "lr", "memory");
}

static void store_test(void)
{
    do_store(UNMAPPED);
    report("STR to 0x60000004", (uint32_t)store_insn);
    con_printf("    BFAR %s\n", fault.bfar == UNMAPPED + 4 ? "= the address" : "wrong");
    CHECK(fault.cfsr == (SCB_CFSR_PRECISERR | SCB_CFSR_BFARVALID) && fault.bfar == UNMAPPED + 4);
}

static void xn_test(uint32_t target)
{
    char what[32];
    call_xn(target);
    fmt_snprint(what, sizeof what, "execute at %x", target);
    report(what, target);
    CHECK(fault.cfsr == SCB_CFSR_IACCVIOL);
}

int main(void)
{
    con_puts("1. faults disabled: HardFault\n");
    store_test();
    CHECK(fault.exception == EXC_HARDFAULT && (fault.hfsr & SCB_HFSR_FORCED));
    xn_test(0xE0000000u);
    CHECK(fault.exception == EXC_HARDFAULT && (fault.hfsr & SCB_HFSR_FORCED));

    con_puts("2. BusFault and MemManage enabled\n");
    SCB->SHCSR |= SCB_SHCSR_BUSFAULTENA | SHCSR_MEMFAULTENA;
    store_test();
    CHECK(fault.exception == EXC_BUSFAULT && fault.hfsr == 0);
    xn_test(0xE0000000u);
    CHECK(fault.exception == EXC_MEMMANAGE && fault.hfsr == 0);
    xn_test(0xF0000000u);
    CHECK(fault.exception == EXC_MEMMANAGE);
    xn_test(0xE000E000u);
    CHECK(fault.exception == EXC_MEMMANAGE);
    /* B3.1 default map: the Peripheral and Device regions are
     * execute-never too, a device there (timer0) or not */
    xn_test(0x40000000u);
    CHECK(fault.exception == EXC_MEMMANAGE);
    xn_test(0x5FFF0000u);
    CHECK(fault.exception == EXC_MEMMANAGE);
    xn_test(0xA0000000u);
    CHECK(fault.exception == EXC_MEMMANAGE);

    con_puts("3. BusFault enabled but masked by BASEPRI: HardFault\n");
    NVIC_SetPriority(BusFault_IRQn, 3);
    __set_BASEPRI(BASEPRI_FOR(2));
    store_test();
    __set_BASEPRI(0);
    CHECK(fault.exception == EXC_HARDFAULT && (fault.hfsr & SCB_HFSR_FORCED));

    con_puts("4. BKPT #0x12 with no debugger\n");
    do_bkpt();
    report("BKPT", (uint32_t)bkpt_insn);
    CHECK(fault.exception == EXC_HARDFAULT && fault.cfsr == 0);
    CHECK(fault.hfsr & (SCB_HFSR_DEBUGEVT | SCB_HFSR_FORCED));

    con_printf("%d faults taken, program continues\n", faults);
    CHECK(faults == 11);
    return check_finish("bus-mem-fault");
}
