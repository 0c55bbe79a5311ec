/* UsageFault DIVBYZERO (B3.2.8 CCR.DIV_0_TRP, B3.2.15 UFSR; A7.7.127 SDIV,
 * A7.7.195 UDIV): a divide by zero returns 0 unless CCR.DIV_0_TRP is set;
 * then it faults before writing its destination, stacked PC the divide,
 * and with UsageFault disabled it escalates to HardFault (FORCED). A
 * divide in an IT block whose condition fails does not fault. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "fault_log.h"

#define UNUSED __attribute__((unused))


__attribute__((used)) void fault_c(ExcFrame *f)
{
    fault_log_take(f);
    f->pc += 4; /* every divide is 32-bit */
}
HANDLER_WITH_FRAME(UsageFault_Handler, fault_c)
HANDLER_WITH_FRAME(HardFault_Handler, fault_c)

extern const uint16_t sdiv_insn[], udiv_insn[], sdiv_it_insn[];

/* r0 = r0 / r1: the destination is the dividend, so a skipped divide
 * returns the dividend */
__attribute__((naked, noinline)) static int32_t do_sdiv(int32_t a UNUSED, int32_t b UNUSED)
{
    __asm__ volatile("sdiv_insn: sdiv r0, r0, r1\n\tbx lr");
}
__attribute__((naked, noinline)) static uint32_t do_udiv(uint32_t a UNUSED, uint32_t b UNUSED)
{
    __asm__ volatile("udiv_insn: udiv r0, r0, r1\n\tbx lr");
}
/* r0 = r0 / r1 only if r2 != 0 (an IT NE block) */
__attribute__((naked, noinline)) static int32_t do_sdiv_if(int32_t a UNUSED, int32_t b UNUSED,
                                                         uint32_t cond UNUSED)
{
    __asm__ volatile("cmp r2, #0\n\t"
                     "it ne\n"
                     "sdiv_it_insn: sdivne r0, r0, r1\n\t"
                     "bx lr");
}

static void report(const char *what, const uint16_t *insn, int before, int32_t result,
                   int32_t dividend)
{
    int n = faults - before;
    con_printf("  %s: %s", what,
               !n ? "no fault" : fault.exception == EXC_USAGEFAULT ? "UsageFault" : "HardFault");
    if (n)
        con_printf(", CFSR=%x, FORCED=%u, stacked PC %s, destination %s", fault.cfsr,
                   (fault.hfsr & SCB_HFSR_FORCED) ? 1u : 0u,
                   fault.pc == (uint32_t)insn ? "right" : "WRONG",
                   result == dividend ? "unchanged" : "written");
    con_puts("\n");
    CHECK(n == 1 && fault.cfsr == SCB_CFSR_DIVBYZERO && fault.pc == (uint32_t)insn);
    CHECK(result == dividend);
}

int main(void)
{
    con_puts("1. CCR.DIV_0_TRP=0: division by zero gives 0\n");
    int before = faults;
    int32_t q = do_sdiv(7, 0);
    uint32_t uq = do_udiv(7, 0);
    con_printf("  SDIV 7/0=%d, UDIV 7/0=%u, faults %d\n", q, uq, faults - before);
    CHECK(q == 0 && uq == 0 && faults == before);

    con_puts("2. CCR.DIV_0_TRP=1, UsageFault disabled: HardFault\n");
    SCB->CCR |= SCB_CCR_DIV_0_TRP;
    before = faults;
    q = do_sdiv(7, 0);
    report("SDIV 7/0", sdiv_insn, before, q, 7);
    CHECK(fault.exception == EXC_HARDFAULT && (fault.hfsr & SCB_HFSR_FORCED));

    con_puts("3. CCR.DIV_0_TRP=1, UsageFault enabled\n");
    SCB->SHCSR |= SCB_SHCSR_USGFAULTENA;
    before = faults;
    q = do_sdiv(-9, 0);
    report("SDIV -9/0", sdiv_insn, before, q, -9);
    CHECK(fault.exception == EXC_USAGEFAULT && fault.hfsr == 0);
    before = faults;
    uq = do_udiv(9, 0);
    report("UDIV 9/0", udiv_insn, before, (int32_t)uq, 9);
    before = faults;
    q = do_sdiv(-21, 7);
    uq = do_udiv(21, 4);
    con_printf("  SDIV -21/7=%d, UDIV 21/4=%u, faults %d\n", q, uq, faults - before);
    CHECK(q == -3 && uq == 5 && faults == before);

    con_puts("4. in an IT block\n");
    before = faults;
    q = do_sdiv_if(5, 0, 0);
    con_printf("  SDIVNE 5/0, condition false: %s, result %d\n",
               faults == before ? "no fault" : "FAULT", q);
    CHECK(faults == before && q == 5);
    q = do_sdiv_if(5, 0, 1);
    report("SDIVNE 5/0, condition true", sdiv_it_insn, before, q, 5);

    con_puts("5. CCR.DIV_0_TRP cleared again\n");
    SCB->CCR &= ~SCB_CCR_DIV_0_TRP;
    before = faults;
    q = do_sdiv(3, 0);
    con_printf("  SDIV 3/0=%d, faults %d\n", q, faults - before);
    CHECK(q == 0 && faults == before);

    return check_finish("div-zero");
}
