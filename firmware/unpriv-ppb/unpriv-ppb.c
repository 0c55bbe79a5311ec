/* Unprivileged accesses to the Private Peripheral Bus (ARMv7-M B3.1:
 * 0xE0000000-0xE00FFFFF; B3.2.1, B3.4.3: the System Control Space is
 * privileged-only, except STIR when CCR.USERSETMPEND is set). From
 * unprivileged Thread mode, each load or store there is a precise BusFault
 * (CFSR.PRECISERR + BFARVALID, BFAR the address, stacked PC the
 * instruction, which has not run: a load's destination keeps its value, a
 * store changes nothing); privileged code reaches the same registers.
 * The regions of the PPB minivm does not model (ITM, FPB, TPIU, ROM
 * table...) read as zero when privileged and fault when not, as QEMU
 * 7.2's PPB does. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "fault_log.h"
#include "startup.h"

#define UNUSED __attribute__((unused))
#define IRQ_TEST 24
#define SCB_CCR_USERSETMPEND (1u << 1)
#define NVIC_STIR (*(volatile uint32_t *)0xE000EF00u)
#define UNTOUCHED 0x5A5A5A5Au


__attribute__((used)) void fault_c(ExcFrame *f)
{
    fault_log_take(f);
    frame_skip_instruction(f);
}
HANDLER_WITH_FRAME(BusFault_Handler, fault_c)
HANDLER_WITH_FRAME(HardFault_Handler, fault_c)
HANDLER_WITH_FRAME(MemManage_Handler, fault_c)
HANDLER_WITH_FRAME(UsageFault_Handler, fault_c)

#define SVC_PRIVILEGE 1
__attribute__((used)) void svc_c(ExcFrame *f)
{
    if ((((const uint16_t *)f->pc)[-1] & 0xFF) == SVC_PRIVILEGE)
        __set_CONTROL(__get_CONTROL() & ~CONTROL_nPRIV);
}
HANDLER_WITH_FRAME(SVC_Handler, svc_c)

static void drop_privilege(void)
{
    __set_CONTROL(__get_CONTROL() | CONTROL_nPRIV);
    __ISB();
}

static void raise_privilege(void)
{
    __asm__ volatile("svc #1" ::: "memory");
}

/* One access at a label each, so the stacked PC can be checked; a load
 * whose destination still holds UNTOUCHED did not run. */
extern const uint16_t ldr_insn[], ldrb_insn[], str_insn[];
__attribute__((naked, noinline)) static uint32_t do_ldr(uint32_t addr UNUSED)
{
    __asm__ volatile("ldr r1, =0x5A5A5A5A\n"
                     "ldr_insn: ldr r1, [r0]\n\t"
                     "mov r0, r1\n\tbx lr\n\t.ltorg");
}
__attribute__((naked, noinline)) static uint32_t do_ldrb(uint32_t addr UNUSED)
{
    __asm__ volatile("ldr r1, =0x5A5A5A5A\n"
                     "ldrb_insn: ldrb r1, [r0]\n\t"
                     "mov r0, r1\n\tbx lr\n\t.ltorg");
}
__attribute__((naked, noinline)) static void do_str(uint32_t addr UNUSED, uint32_t v UNUSED)
{
    __asm__ volatile("str_insn: str r1, [r0]\n\tbx lr");
}

/* Prints the outcome of one unprivileged access and returns the fault
 * count it caused. */
static int report(const char *what, uint32_t addr, const uint16_t *insn, int before,
                  int has_value, uint32_t value)
{
    int n = faults - before;
    con_printf("  %s %08x: ", what, addr);
    if (n == 0) {
        con_printf("no fault");
        if (has_value)
            con_printf(", %s", value == UNTOUCHED ? "untouched" : "read");
    } else {
        con_printf("exception %d, CFSR=%x, BFAR %s, stacked PC %s", fault.exception, fault.cfsr,
                   fault.bfar == addr ? "right" : "WRONG",
                   fault.pc == (uint32_t)insn ? "right" : "WRONG");
        if (has_value)
            con_printf(", destination %s", value == UNTOUCHED ? "unchanged" : "CHANGED");
    }
    con_puts("\n");
    return n;
}

static void expect_bus_fault(int n, uint32_t addr, const uint16_t *insn)
{
    CHECK(n == 1 && fault.exception == EXC_BUSFAULT &&
          fault.cfsr == (SCB_CFSR_PRECISERR | SCB_CFSR_BFARVALID) && fault.bfar == addr &&
          fault.pc == (uint32_t)insn);
}

static void read_faults(uint32_t addr)
{
    int before = faults;
    uint32_t v = do_ldr(addr);
    expect_bus_fault(report("LDR", addr, ldr_insn, before, 1, v), addr, ldr_insn);
    CHECK(v == UNTOUCHED);
}

static void write_faults(uint32_t addr, uint32_t value)
{
    int before = faults;
    do_str(addr, value);
    expect_bus_fault(report("STR", addr, str_insn, before, 0, 0), addr, str_insn);
}

int main(void)
{
    SCB->SHCSR |= SCB_SHCSR_BUSFAULTENA | SCB_SHCSR_MEMFAULTENA | SCB_SHCSR_USGFAULTENA;
    NVIC_ClearPendingIRQ(IRQ_TEST);

    con_puts("1. unprivileged loads from the SCS\n");
    drop_privilege();
    read_faults(0xE000ED00); /* CPUID */
    read_faults(0xE000ED04); /* ICSR */
    read_faults(0xE000E004); /* ICTR */
    read_faults(0xE000E010); /* SysTick CSR */
    read_faults(0xE000E100); /* NVIC_ISER0 */
    read_faults(0xE000ED28); /* CFSR */
    int before = faults;
    uint32_t v = do_ldrb(0xE000E400 + IRQ_TEST); /* NVIC_IPR byte */
    expect_bus_fault(report("LDRB", 0xE000E400 + IRQ_TEST, ldrb_insn, before, 1, v),
                     0xE000E400 + IRQ_TEST, ldrb_insn);

    con_puts("2. unprivileged stores to the SCS change nothing\n");
    write_faults(0xE000E200, 1u << IRQ_TEST); /* NVIC_ISPR0 */
    write_faults(0xE000E100, 1u << IRQ_TEST); /* NVIC_ISER0 */
    write_faults(0xE000ED04, 1u << 28);       /* ICSR.PENDSVSET */
    write_faults(0xE000EF00, IRQ_TEST);       /* STIR, USERSETMPEND clear */
    raise_privilege();
    int pended = NVIC_GetPendingIRQ(IRQ_TEST), enabled = (NVIC->ISER[0] >> IRQ_TEST) & 1;
    int pendsv = (SCB->ICSR >> 28) & 1;
    con_printf("  privileged: IRQ %d pending %d, enabled %d; PendSV pending %d\n", IRQ_TEST, pended,
               enabled, pendsv);
    CHECK(!pended && !enabled && !pendsv);

    con_puts("3. STIR with CCR.USERSETMPEND set\n");
    SCB->CCR |= SCB_CCR_USERSETMPEND;
    drop_privilege();
    before = faults;
    do_str(0xE000EF00, IRQ_TEST);
    int n = report("STR", 0xE000EF00, str_insn, before, 0, 0);
    write_faults(0xE000E200, 1u << IRQ_TEST); /* other registers still fault */
    raise_privilege();
    pended = NVIC_GetPendingIRQ(IRQ_TEST);
    con_printf("  privileged: IRQ %d pending %d\n", IRQ_TEST, pended);
    CHECK(n == 0 && pended);
    NVIC_ClearPendingIRQ(IRQ_TEST);
    SCB->CCR &= ~SCB_CCR_USERSETMPEND;

    con_puts("4. the rest of the PPB\n");
    drop_privilege();
    read_faults(0xE0001000); /* DWT_CTRL */
    read_faults(0xE0000000); /* ITM */
    read_faults(0xE0002000); /* FPB */
    read_faults(0xE0040000); /* TPIU */
    read_faults(0xE00FF000); /* ROM table */
    raise_privilege();

    con_puts("5. privileged loads work; the rest of the PPB reads as zero\n");
    before = faults;
    uint32_t cpuid = do_ldr(0xE000ED00);
    uint32_t icsr = do_ldr(0xE000ED04);
    con_printf("  CPUID part %x, ICSR VECTACTIVE %u, faults %d\n", (cpuid >> 4) & 0xFFF,
               icsr & 0x1FF, faults - before);
    CHECK(((cpuid >> 4) & 0xFFF) == 0xC23 && (icsr & 0x1FF) == 0 && faults == before);
    static const uint32_t gaps[] = { 0xE0000000, 0xE0002000, 0xE0003000, 0xE000EF34,
                                     0xE0040000, 0xE00FF000, 0xE00FFFFC };
    for (unsigned i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
        before = faults;
        uint32_t x = do_ldr(gaps[i]);
        con_printf("  %08x: %x, faults %d\n", gaps[i], x, faults - before);
        CHECK(x == 0 && faults == before);
    }

    return check_finish("unpriv-ppb");
}
