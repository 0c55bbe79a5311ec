/* UsageFault DIVBYZERO and UNALIGNED (B3.2.8 CCR, B3.2.15 UFSR, A3.2
 * alignment): SDIV/UDIV by zero return 0 unless CCR.DIV_0_TRP is set,
 * then they fault; LDR/STR/LDRH of an unaligned address work unless
 * CCR.UNALIGN_TRP is set; LDRD, LDM and LDREX of an address that is not
 * word aligned always fault. The stacked PC is the faulting instruction;
 * the handler skips it. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

#define UNUSED __attribute__((unused))

typedef struct {
    int exception;
    uint32_t cfsr, pc;
} Fault;

static volatile Fault fault;
static volatile int faults;

__attribute__((used)) void fault_c(ExcFrame *f)
{
    faults++;
    fault.exception = (int)__get_IPSR();
    fault.cfsr = SCB->CFSR;
    fault.pc = f->pc;
    SCB->CFSR = fault.cfsr;
    SCB->HFSR = SCB->HFSR;
    uint16_t hw = *(const uint16_t *)f->pc;
    f->pc += (hw >> 11) >= 0x1D ? 4 : 2;
}
HANDLER_WITH_FRAME(UsageFault_Handler, fault_c)
HANDLER_WITH_FRAME(HardFault_Handler, fault_c)

static uint32_t buf[4] __attribute__((aligned(8))) = { 0x33221100, 0x77665544, 0xBBAA9988,
                                                       0xFFEEDDCC };

/* Each runs one instruction at a label, so the stacked PC can be checked;
 * r0/r1 in, r0 out. */
extern const uint16_t sdiv_insn[], udiv_insn[], ldr_insn[], ldrh_insn[], str_insn[],
    ldrd_insn[], ldm_insn[], ldrex_insn[];

__attribute__((naked, noinline)) static int32_t do_sdiv(int32_t a UNUSED, int32_t b UNUSED)
{
    __asm__ volatile("sdiv_insn: sdiv r0, r0, r1\n\tbx lr");
}
__attribute__((naked, noinline)) static uint32_t do_udiv(uint32_t a UNUSED, uint32_t b UNUSED)
{
    __asm__ volatile("udiv_insn: udiv r0, r0, r1\n\tbx lr");
}
__attribute__((naked, noinline)) static uint32_t do_ldr(uint32_t addr UNUSED)
{
    __asm__ volatile("ldr_insn: ldr r0, [r0]\n\tbx lr");
}
__attribute__((naked, noinline)) static uint32_t do_ldrh(uint32_t addr UNUSED)
{
    __asm__ volatile("ldrh_insn: ldrh r0, [r0]\n\tbx lr");
}
__attribute__((naked, noinline)) static void do_str(uint32_t addr UNUSED, uint32_t v UNUSED)
{
    __asm__ volatile("str_insn: str r1, [r0]\n\tbx lr");
}
__attribute__((naked, noinline)) static uint32_t do_ldrd(uint32_t addr UNUSED)
{
    __asm__ volatile("mov r1, #0\n\tmov r2, #0\n"
                     "ldrd_insn: ldrd r1, r2, [r0]\n\t"
                     "add r0, r1, r2\n\tbx lr");
}
__attribute__((naked, noinline)) static uint32_t do_ldm(uint32_t addr UNUSED)
{
    __asm__ volatile("mov r1, #0\n\tmov r2, #0\n"
                     "ldm_insn: ldm r0, {r1, r2}\n\t"
                     "add r0, r1, r2\n\tbx lr");
}
__attribute__((naked, noinline)) static uint32_t do_ldrex(uint32_t addr UNUSED)
{
    __asm__ volatile("ldrex_insn: ldrex r0, [r0]\n\tbx lr");
}

static void expect_fault(const char *what, const uint16_t *insn, uint32_t cfsr, int before)
{
    int n = faults - before;
    con_printf("  %s: %s", what, n ? (fault.exception == EXC_USAGEFAULT ? "UsageFault" : "HardFault")
                                   : "no fault");
    if (n)
        con_printf(", CFSR=%x, stacked PC %s", fault.cfsr,
                   fault.pc == (uint32_t)insn ? "right" : "WRONG");
    con_puts("\n");
    CHECK(n == 1 && fault.exception == EXC_USAGEFAULT && fault.cfsr == cfsr &&
          fault.pc == (uint32_t)insn);
}

int main(void)
{
    SCB->SHCSR |= SCB_SHCSR_USGFAULTENA;
    uint32_t odd = (uint32_t)buf + 1, half = (uint32_t)buf + 2;

    con_puts("1. CCR.DIV_0_TRP=0: division by zero gives 0\n");
    int before = faults;
    int32_t q = do_sdiv(7, 0);
    uint32_t uq = do_udiv(7, 0);
    con_printf("  SDIV 7/0=%d, UDIV 7/0=%u, faults %d\n", q, uq, faults - before);
    CHECK(q == 0 && uq == 0 && faults == before);

    con_puts("2. CCR.DIV_0_TRP=1\n");
    SCB->CCR |= SCB_CCR_DIV_0_TRP;
    before = faults;
    do_sdiv(7, 0);
    expect_fault("SDIV by 0", sdiv_insn, SCB_CFSR_DIVBYZERO, before);
    before = faults;
    do_udiv(7, 0);
    expect_fault("UDIV by 0", udiv_insn, SCB_CFSR_DIVBYZERO, before);
    before = faults;
    q = do_sdiv(-21, 7);
    con_printf("  SDIV -21/7=%d, no fault: %s\n", q, faults == before ? "yes" : "no");
    CHECK(q == -3 && faults == before);
    SCB->CCR &= ~SCB_CCR_DIV_0_TRP;

    con_puts("3. CCR.UNALIGN_TRP=0: unaligned LDR, LDRH, STR work\n");
    before = faults;
    uint32_t v = do_ldr(odd);
    uint32_t h = do_ldrh(odd);
    do_str(half, 0x12345678);
    con_printf("  LDR [+1]=%x, LDRH [+1]=%x, after STR [+2]: %x %x, faults %d\n", v, h, buf[0],
               buf[1], faults - before);
    CHECK(v == 0x44332211 && h == 0x2211 && buf[0] == 0x56781100 && buf[1] == 0x77661234);
    CHECK(faults == before);

    con_puts("4. always word-aligned: LDRD, LDM, LDREX\n");
    before = faults;
    do_ldrd(half);
    expect_fault("LDRD [+2]", ldrd_insn, SCB_CFSR_UNALIGNED, before);
    before = faults;
    do_ldm(half);
    expect_fault("LDM [+2]", ldm_insn, SCB_CFSR_UNALIGNED, before);
    before = faults;
    do_ldrex(half);
    expect_fault("LDREX [+2]", ldrex_insn, SCB_CFSR_UNALIGNED, before);
    before = faults;
    v = do_ldrd((uint32_t)buf);
    con_printf("  LDRD aligned: sum %x, faults %d\n", v, faults - before);
    CHECK(faults == before);

    con_puts("5. CCR.UNALIGN_TRP=1\n");
    SCB->CCR |= SCB_CCR_UNALIGN_TRP;
    before = faults;
    do_ldr(odd);
    expect_fault("LDR [+1]", ldr_insn, SCB_CFSR_UNALIGNED, before);
    before = faults;
    do_ldrh(odd);
    expect_fault("LDRH [+1]", ldrh_insn, SCB_CFSR_UNALIGNED, before);
    before = faults;
    do_str(half, 0);
    expect_fault("STR [+2]", str_insn, SCB_CFSR_UNALIGNED, before);
    before = faults;
    v = do_ldr((uint32_t)buf + 4);
    h = do_ldrh(half);
    con_printf("  aligned LDR=%x, LDRH=%x, faults %d\n", v, h, faults - before);
    CHECK(faults == before);
    SCB->CCR &= ~SCB_CCR_UNALIGN_TRP;

    return check_finish("div-unaligned");
}
