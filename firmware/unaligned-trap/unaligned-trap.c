/* UsageFault UNALIGNED (B3.2.8 CCR.UNALIGN_TRP, B3.2.15 UFSR, A3.2
 * alignment): LDRD and LDM of an address that is not word aligned always
 * fault; with CCR.UNALIGN_TRP set, so do unaligned LDR, LDRH and STR. The
 * stacked PC is the faulting instruction; the handler skips it.
 *
 * A KNOWN GAP: minivm does not pass this program (not a test; expected.txt
 * is QEMU 7.2's output, which follows the architecture). Unicorn 2.1.1
 * (QEMU 5.0) checks alignment only for the exclusives, and minivm would
 * need a per-instruction hook to check the others; see README.md. */
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
    frame_skip_instruction(f);
}
HANDLER_WITH_FRAME(UsageFault_Handler, fault_c)
HANDLER_WITH_FRAME(HardFault_Handler, fault_c)

static uint32_t buf[4] __attribute__((aligned(8))) = { 0x33221100, 0x77665544, 0xBBAA9988,
                                                       0xFFEEDDCC };

/* Each runs one instruction at a label, so the stacked PC can be checked;
 * r0/r1 in, r0 out. */
extern const uint16_t ldr_insn[], ldrh_insn[], str_insn[], ldrd_insn[], ldm_insn[];

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

    con_puts("1. always word-aligned: LDRD, LDM\n");
    int before = faults;
    do_ldrd(half);
    expect_fault("LDRD [+2]", ldrd_insn, SCB_CFSR_UNALIGNED, before);
    before = faults;
    do_ldm(half);
    expect_fault("LDM [+2]", ldm_insn, SCB_CFSR_UNALIGNED, before);
    before = faults;
    uint32_t v = do_ldrd((uint32_t)buf);
    con_printf("  LDRD aligned: sum %x, faults %d\n", v, faults - before);
    CHECK(faults == before);

    con_puts("2. CCR.UNALIGN_TRP=1\n");
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
    uint32_t h = do_ldrh(half);
    con_printf("  aligned LDR=%x, LDRH=%x, faults %d\n", v, h, faults - before);
    CHECK(faults == before);
    SCB->CCR &= ~SCB_CCR_UNALIGN_TRP;

    return check_finish("unaligned-trap");
}
