/* UsageFault UNALIGNED (B3.2.8 CCR.UNALIGN_TRP, B3.2.15 UFSR, A3.2.1
 * alignment): LDRD, STRD, LDM and STM of an address that is not word
 * aligned always fault; with CCR.UNALIGN_TRP set, so do unaligned LDR,
 * LDRH, LDRSH, STR and STRH. The stacked PC is the faulting instruction,
 * which has not run: its destination registers, its base register
 * (writeback) and the memory it would store to are unchanged, and the
 * instruction before it in the same block ran once. The handler skips
 * the instruction. With UsageFault disabled the fault is a forced
 * HardFault; with UNALIGN_TRP cleared again, unaligned LDR works again. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "fault_log.h"
#include "startup.h"

#define UNUSED __attribute__((unused))


__attribute__((used)) void fault_c(ExcFrame *f)
{
    fault_log_take(f);
    frame_skip_instruction(f);
}
HANDLER_WITH_FRAME(UsageFault_Handler, fault_c)
HANDLER_WITH_FRAME(HardFault_Handler, fault_c)

static const uint32_t pattern[4] = { 0x33221100, 0x77665544, 0xBBAA9988, 0xFFEEDDCC };
static uint32_t buf[4] __attribute__((aligned(8)));

static void reset_buf(void)
{
    for (int i = 0; i < 4; i++)
        buf[i] = pattern[i];
}

static int buf_unchanged(void)
{
    for (int i = 0; i < 4; i++)
        if (buf[i] != pattern[i])
            return 0;
    return 1;
}

/* Registers after a test instruction: r0-r3 as the instruction left them
 * (stored by the code after it). */
__attribute__((used)) uint32_t regs[4];

/* Each runs one instruction at a label, so the stacked PC can be checked:
 * r0 the address, r1 = 0x11, r2 = 0x22 beforehand; afterwards r0-r2 go
 * to regs[]. Most are preceded by an ADDS r3 in the same block: r3 counts
 * how often it ran. */
extern const uint16_t ldr_insn[], ldrh_insn[], ldrsh_insn[], str_insn[], strh_insn[],
    ldrd_insn[], strd_insn[], ldm_insn[], ldmia_insn[], stmia_insn[];

#define TEST_INSN(fn, label, insn)                                                 \
    __attribute__((naked, noinline)) static void fn(uint32_t addr UNUSED)           \
    {                                                                              \
        __asm__ volatile("push {r4, lr}\n\t"                                        \
                         "ldr r4, =regs\n\t"                                        \
                         "movs r1, #0x11\n\t"                                       \
                         "movs r2, #0x22\n\t"                                       \
                         "movs r3, #0\n\t"                                          \
                         "adds r3, r3, #1\n"                                        \
                         #label ": " insn "\n\t"                                    \
                         "stmia r4!, {r0, r1, r2, r3}\n\t"                          \
                         "pop {r4, pc}\n\t"                                         \
                         ".ltorg");                                                 \
    }

TEST_INSN(do_ldr, ldr_insn, "ldr r1, [r0]")
TEST_INSN(do_ldrh, ldrh_insn, "ldrh r1, [r0]")
TEST_INSN(do_ldrsh, ldrsh_insn, "ldrsh r1, [r0, r3]")
TEST_INSN(do_str, str_insn, "str r2, [r0]")
TEST_INSN(do_strh, strh_insn, "strh r2, [r0]")
TEST_INSN(do_ldrd, ldrd_insn, "ldrd r1, r2, [r0]")
TEST_INSN(do_strd, strd_insn, "strd r1, r2, [r0, #4]")
TEST_INSN(do_ldm, ldm_insn, "ldm.w r0, {r1, r2}")
TEST_INSN(do_ldmia, ldmia_insn, "ldmia r0!, {r1, r2}")
TEST_INSN(do_stmia, stmia_insn, "stmia r0!, {r1, r2}")

static const char *exception_name(int exc)
{
    return exc == EXC_USAGEFAULT ? "UsageFault" : exc == EXC_HARDFAULT ? "HardFault" : "other";
}

/* Runs fn(addr) expecting one fault at insn: the registers it would have
 * changed keep their values, the ADDS before it ran once, memory is as
 * before. */
static void expect_fault(const char *what, void (*fn)(uint32_t), uint32_t addr,
                         const uint16_t *insn, int exception)
{
    reset_buf();
    int before = faults;
    fn(addr);
    int n = faults - before;
    con_printf("  %s: %s", what, n ? exception_name(fault.exception) : "no fault");
    if (n)
        con_printf(", CFSR=%x, HFSR=%x, stacked PC %s", fault.cfsr, fault.hfsr,
                   fault.pc == (uint32_t)insn ? "right" : "WRONG");
    int regs_kept = regs[0] == addr && regs[1] == 0x11 && regs[2] == 0x22 && regs[3] == 1;
    con_printf(", registers %s, memory %s\n", regs_kept ? "unchanged" : "CHANGED",
               buf_unchanged() ? "unchanged" : "CHANGED");
    uint32_t hfsr = exception == EXC_HARDFAULT ? SCB_HFSR_FORCED : 0;
    CHECK(n == 1 && fault.exception == exception && fault.cfsr == SCB_CFSR_UNALIGNED &&
          fault.hfsr == hfsr && fault.pc == (uint32_t)insn);
    CHECK(regs_kept && buf_unchanged());
}

/* Runs fn(addr) expecting no fault; returns regs[1]. */
static uint32_t expect_no_fault(void (*fn)(uint32_t), uint32_t addr)
{
    int before = faults;
    fn(addr);
    CHECK(faults == before && regs[3] == 1);
    return regs[1];
}

int main(void)
{
    SCB->SHCSR |= SCB_SHCSR_USGFAULTENA;
    uint32_t base = (uint32_t)buf, odd = base + 1, half = base + 2;

    con_puts("1. always word-aligned: LDRD, STRD, LDM, STM\n");
    expect_fault("LDRD [+2]", do_ldrd, half, ldrd_insn, EXC_USAGEFAULT);
    expect_fault("STRD [+2+4]", do_strd, half, strd_insn, EXC_USAGEFAULT);
    expect_fault("LDM.W [+2]", do_ldm, half, ldm_insn, EXC_USAGEFAULT);
    expect_fault("LDMIA r0! [+1]", do_ldmia, odd, ldmia_insn, EXC_USAGEFAULT);
    expect_fault("STMIA r0! [+2]", do_stmia, half, stmia_insn, EXC_USAGEFAULT);
    reset_buf();
    uint32_t v = expect_no_fault(do_ldrd, base + 4);
    con_printf("  LDRD aligned: r1=%x r2=%x\n", v, regs[2]);
    CHECK(v == pattern[1] && regs[2] == pattern[2]);
    expect_no_fault(do_stmia, base + 8);
    con_printf("  STMIA aligned: %x %x, r0 +%u\n", buf[2], buf[3], regs[0] - (base + 8));
    CHECK(buf[2] == 0x11 && buf[3] == 0x22 && regs[0] == base + 16);
    SCB->SHCSR &= ~SCB_SHCSR_USGFAULTENA;
    expect_fault("UsageFault disabled, LDM.W [+2]", do_ldm, half, ldm_insn, EXC_HARDFAULT);
    SCB->SHCSR |= SCB_SHCSR_USGFAULTENA;

    con_puts("2. CCR.UNALIGN_TRP=1\n");
    SCB->CCR |= SCB_CCR_UNALIGN_TRP;
    expect_fault("LDR [+1]", do_ldr, odd, ldr_insn, EXC_USAGEFAULT);
    expect_fault("LDRH [+1]", do_ldrh, odd, ldrh_insn, EXC_USAGEFAULT);
    expect_fault("LDRSH [+2+1]", do_ldrsh, half, ldrsh_insn, EXC_USAGEFAULT);
    expect_fault("STR [+2]", do_str, half, str_insn, EXC_USAGEFAULT);
    expect_fault("STRH [+1]", do_strh, odd, strh_insn, EXC_USAGEFAULT);
    reset_buf();
    v = expect_no_fault(do_ldr, base + 4);
    uint32_t h = expect_no_fault(do_ldrh, half);
    uint32_t sh = expect_no_fault(do_ldrsh, base + 13);
    con_printf("  aligned LDR=%x, LDRH=%x, LDRSH=%x\n", v, h, sh);
    CHECK(v == pattern[1] && h == 0x3322 && sh == 0xFFFFFFEE);
    SCB->SHCSR &= ~SCB_SHCSR_USGFAULTENA;
    expect_fault("UsageFault disabled, STR [+1]", do_str, odd, str_insn, EXC_HARDFAULT);
    SCB->SHCSR |= SCB_SHCSR_USGFAULTENA;

    con_puts("3. CCR.UNALIGN_TRP=0 again\n");
    SCB->CCR &= ~SCB_CCR_UNALIGN_TRP;
    reset_buf();
    v = expect_no_fault(do_ldr, odd);
    do_str(half);
    con_printf("  LDR [+1]=%x, after STR [+2]: %x %x\n", v, buf[0], buf[1]);
    CHECK(v == 0x44332211 && buf[0] == 0x00221100 && buf[1] == 0x77660000);

    return check_finish("unaligned-trap");
}
