/* Unaligned accesses (A3.2 alignment, B3.2.8 CCR.UNALIGN_TRP): with
 * UNALIGN_TRP clear, LDR, LDRH and STR of an unaligned address work (the
 * bytes assembled little-endian); LDREX/STREX must always be aligned:
 * UsageFault UNALIGNED, stacked PC the instruction. (LDRD, LDM and
 * UNALIGN_TRP=1 are in unaligned-trap.c. An
 * unaligned STREX with the monitor open faults too (A3.4.5), but QEMU and
 * Unicorn fail it without an access when the monitor does not match:
 * left out.) */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "fault_log.h"

#define UNUSED __attribute__((unused))


__attribute__((used)) void fault_c(ExcFrame *f)
{
    fault_log_take(f);
    frame_skip_instruction(f);
}
HANDLER_WITH_FRAME(UsageFault_Handler, fault_c)
HANDLER_WITH_FRAME(HardFault_Handler, fault_c)

static uint32_t buf[4] __attribute__((aligned(8))) = { 0x33221100, 0x77665544, 0xBBAA9988,
                                                       0xFFEEDDCC };

extern const uint16_t ldrex_insn[], ldrexh_insn[];

__attribute__((naked, noinline)) static uint32_t do_ldr(uint32_t addr UNUSED)
{
    __asm__ volatile("ldr r0, [r0]\n\tbx lr");
}
__attribute__((naked, noinline)) static uint32_t do_ldrh(uint32_t addr UNUSED)
{
    __asm__ volatile("ldrh r0, [r0]\n\tbx lr");
}
__attribute__((naked, noinline)) static void do_str(uint32_t addr UNUSED, uint32_t v UNUSED)
{
    __asm__ volatile("str r1, [r0]\n\tbx lr");
}
__attribute__((naked, noinline)) static uint32_t do_ldrex(uint32_t addr UNUSED)
{
    __asm__ volatile("ldrex_insn: ldrex r0, [r0]\n\tbx lr");
}
__attribute__((naked, noinline)) static uint32_t do_ldrexh(uint32_t addr UNUSED)
{
    __asm__ volatile("ldrexh_insn: ldrexh r0, [r0]\n\tbx lr");
}
__attribute__((naked, noinline)) static uint32_t do_strex(uint32_t addr UNUSED)
{
    __asm__ volatile("mov r1, #0\n"
                     "strex r2, r1, [r0]\n\t"
                     "mov r0, r2\n\tbx lr");
}

static void expect_fault(const char *what, const uint16_t *insn, int before)
{
    int n = faults - before;
    con_printf("  %s: %s", what,
               !n ? "no fault" : fault.exception == EXC_USAGEFAULT ? "UsageFault" : "HardFault");
    if (n)
        con_printf(", CFSR=%x, stacked PC %s", fault.cfsr,
                   fault.pc == (uint32_t)insn ? "right" : "WRONG");
    con_puts("\n");
    CHECK(n == 1 && fault.exception == EXC_USAGEFAULT && fault.cfsr == SCB_CFSR_UNALIGNED &&
          fault.pc == (uint32_t)insn);
}

int main(void)
{
    SCB->SHCSR |= SCB_SHCSR_USGFAULTENA;
    uint32_t odd = (uint32_t)buf + 1, half = (uint32_t)buf + 2;

    con_puts("1. CCR.UNALIGN_TRP=0: unaligned LDR, LDRH, STR work\n");
    int before = faults;
    uint32_t v = do_ldr(odd);
    uint32_t h = do_ldrh(odd);
    do_str(half, 0x12345678);
    con_printf("  LDR [+1]=%x, LDRH [+1]=%x, after STR [+2]: %x %x, faults %d\n", v, h, buf[0],
               buf[1], faults - before);
    CHECK(v == 0x44332211 && h == 0x2211 && buf[0] == 0x56781100 && buf[1] == 0x77661234);
    CHECK(faults == before);

    con_puts("2. exclusives are always aligned\n");
    before = faults;
    do_ldrex(half);
    expect_fault("LDREX [+2]", ldrex_insn, before);
    before = faults;
    do_ldrexh(odd);
    expect_fault("LDREXH [+1]", ldrexh_insn, before);
    before = faults;
    v = do_ldrex((uint32_t)&buf[2]);
    uint32_t status = do_strex((uint32_t)&buf[2]);
    con_printf("  aligned LDREX=%x, STREX status %u, faults %d\n", v, status, faults - before);
    CHECK(v == 0xBBAA9988 && status == 0 && buf[2] == 0 && faults == before);

    return check_finish("unaligned");
}
