/* A load from an unmapped address (0x60000000: nothing on mps2-an385, a
 * bus error on QEMU too) is a precise BusFault (B1.5.14, B3.2.15). With
 * BusFault disabled it escalates to HardFault: HFSR.FORCED, CFSR.PRECISERR
 * and BFARVALID are set, BFAR holds the address, the stacked PC is the
 * faulting load itself and the instructions before it ran exactly once.
 * The handler skips the load (stacked PC += 2 or 4, decoded from its first
 * halfword) and the program continues with the load's destination register
 * unchanged. Then the same with BusFault enabled, and an instruction fetch
 * from the unmapped address (IBUSERR). */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "fault_log.h"

#define UNMAPPED 0x60000000u

static volatile int insn_size; /* 2 or 4; 0 for an instruction fetch fault */

/* Records the fault, clears the status bits (write 1 to clear) and resumes
 * after the faulting load, or, for a failed instruction fetch, at the
 * caller's return address. */
__attribute__((used)) void fault_c(ExcFrame *f)
{
    fault_log_take(f);
    if (fault.cfsr & SCB_CFSR_IBUSERR) {
        insn_size = 0;
        f->pc = f->lr & ~1u;
        return;
    }
    /* A5.1: first halfword 0b11101, 0b11110 or 0b11111 starts a 32-bit one. */
    insn_size = thumb_insn_size(*(const uint16_t *)f->pc);
    f->pc += insn_size;
}

HANDLER_WITH_FRAME(HardFault_Handler, fault_c)
HANDLER_WITH_FRAME(BusFault_Handler, fault_c)

/* r0 = address, r1 = n: n+1 before the load, n+2 after it. Returns
 * r0 (the load's destination) in the low word and r1 in the high one. */
extern const uint16_t load16_insn[], load32_insn[];
__attribute__((naked)) static uint64_t load16(uint32_t addr __attribute__((unused)),
                                              uint32_t n __attribute__((unused)))
{
    __asm__ volatile("adds r1, r1, #1\n"
                     "load16_insn:\n\t"
                     "ldr r0, [r0]\n\t"
                     "adds r1, r1, #1\n\t"
                     "bx lr");
}

__attribute__((naked)) static uint64_t load32(uint32_t addr __attribute__((unused)),
                                              uint32_t n __attribute__((unused)))
{
    __asm__ volatile("adds r1, r1, #1\n"
                     "load32_insn:\n\t"
                     "ldr.w r0, [r0, #0x104]\n\t"
                     "adds r1, r1, #1\n\t"
                     "bx lr");
}

static void report(const char *what, uint32_t addr, const uint16_t *insn, uint64_t result)
{
    uint32_t dest = (uint32_t)result, n = (uint32_t)(result >> 32);
    con_printf("%s from %x:\n", what, addr);
    con_printf("  exception %d, HFSR.FORCED=%u, CFSR=%x, BFAR=%x\n", fault.exception,
               (fault.hfsr & SCB_HFSR_FORCED) ? 1u : 0u, fault.cfsr, fault.bfar);
    con_printf("  stacked PC %s the load, skipped %d bytes; destination %s, "
               "counter %u (expected 2)\n",
               fault.pc == (uint32_t)insn ? "is" : "is not", insn_size,
               dest == addr - (insn == load32_insn ? 0x104 : 0) ? "unchanged" : "changed", n);
    CHECK(fault.cfsr == (SCB_CFSR_PRECISERR | SCB_CFSR_BFARVALID));
    CHECK(fault.bfar == addr);
    CHECK(fault.pc == (uint32_t)insn);
    CHECK(insn_size == (insn == load32_insn ? 4 : 2));
    CHECK(n == 2);
}

int main(void)
{
    con_puts("BusFault disabled: escalates to HardFault\n");
    uint64_t r = load16(UNMAPPED, 0);
    report("16-bit LDR", UNMAPPED, load16_insn, r);
    CHECK(fault.exception == EXC_HARDFAULT && (fault.hfsr & SCB_HFSR_FORCED));
    r = load32(UNMAPPED, 0);
    report("32-bit LDR.W", UNMAPPED + 0x104, load32_insn, r);
    CHECK(fault.exception == EXC_HARDFAULT && (fault.hfsr & SCB_HFSR_FORCED));

    con_puts("BusFault enabled (SHCSR.BUSFAULTENA)\n");
    SCB->SHCSR |= SCB_SHCSR_BUSFAULTENA;
    r = load16(UNMAPPED + 0x10, 0);
    report("16-bit LDR", UNMAPPED + 0x10, load16_insn, r);
    CHECK(fault.exception == EXC_BUSFAULT && fault.hfsr == 0);

    con_puts("instruction fetch from the unmapped address\n");
    void (*bad)(void) = (void (*)(void))(UNMAPPED | 1);
    bad();
    con_printf("  exception %d, CFSR=%x, stacked PC %x, resumed at the caller\n",
               fault.exception, fault.cfsr, fault.pc);
    CHECK(fault.exception == EXC_BUSFAULT && fault.cfsr == SCB_CFSR_IBUSERR);
    CHECK(fault.pc == UNMAPPED);

    con_printf("%d faults taken, program continues\n", faults);
    CHECK(faults == 4);
    return check_finish("fault-unmapped");
}
