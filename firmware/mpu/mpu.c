/* The PMSAv7 MPU (ARMv7-M ARM B3.5) with MemManage enabled:
 *   1. MPU_TYPE (8 regions), RNR/RBAR/RASR and the aliases read back
 *   2. a no-access region over RAM: a load and a store there take
 *      MemManage DACCVIOL with MMFAR, stacked PC on the instruction, the
 *      destination unchanged; memory around the region is unaffected
 *   3. read-only for unprivileged code: privileged writes work; an
 *      unprivileged thread reads, its write faults, so does its access
 *      to a peripheral (the background region is privileged-only); an
 *      SVC gives privilege back
 *   4. an execute-never region over code copied to RAM: IACCVIOL, stacked
 *      PC the function, MMFAR not valid
 *   5. PRIVDEFENA off: privileged accesses outside every region fault
 *   6. disabled subregions (64 bytes each, alternating, in one 1 KiB page)
 *      fall through to the region below
 *   7. overlapping regions: the higher-numbered one wins; a 32-byte region
 *      inside a page, an STM across its start (MMFAR the second word)
 *   8. MemManage disabled in SHCSR: HardFault, HFSR.FORCED
 *   9. HFNMIENA clear: the NMI handler is not checked by the MPU
 *  10. MPU disabled again: everything accessible */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "fault_log.h"
#include "libc.h"
#include "startup.h"

#define UART0_STATE 0x40004004u
#define SVC_PRIVILEGE 1

/* Regions 0 and 1 give unprivileged code the code and RAM; the tests use
 * 2 and up. */
#define CODE_REGION (MPU_RASR_AP(MPU_AP_RO) | MPU_RASR_SIZE(22) | MPU_RASR_ENABLE)
#define RAM_REGION (MPU_RASR_AP(MPU_AP_FULL) | MPU_RASR_SIZE(22) | MPU_RASR_ENABLE)

static uint8_t area[8192] __attribute__((aligned(8192)));
static uint16_t ram_code[512] __attribute__((aligned(1024)));
static uint64_t psp_stack[128];
#define PSP_TOP ((uint32_t)&psp_stack[128])
#define AREA ((uint32_t)area)


__attribute__((used)) void fault_c(ExcFrame *f)
{
    fault_log_take(f);
    if (fault.cfsr & SCB_CFSR_IACCVIOL)
        f->pc = f->lr & ~1u; /* the fetch was a call: return to the caller */
    else
        frame_skip_instruction(f);
}
HANDLER_WITH_FRAME(MemManage_Handler, fault_c)
HANDLER_WITH_FRAME(HardFault_Handler, fault_c)

__attribute__((used)) void svc_c(ExcFrame *f)
{
    if ((((const uint16_t *)f->pc)[-1] & 0xFF) == SVC_PRIVILEGE)
        __set_CONTROL(__get_CONTROL() & ~CONTROL_nPRIV);
}
HANDLER_WITH_FRAME(SVC_Handler, svc_c)

static volatile uint32_t nmi_value;
void NMI_Handler(void)
{
    nmi_value = *(volatile uint32_t *)AREA;
}

extern const uint16_t load_insn[], store_insn[], stm_insn[];

/* Returns the word at addr, or 0x5a if the load faulted and was skipped. */
__attribute__((naked, noinline)) static uint32_t do_load(uint32_t addr __attribute__((unused)))
{
    __asm__ volatile("movs r1, #0x5a\n"
                     "load_insn:\n\t"
                     "ldr r1, [r0]\n\t"
                     "mov r0, r1\n\t"
                     "bx lr");
}

__attribute__((naked, noinline)) static void do_store(uint32_t addr __attribute__((unused)),
                                                      uint32_t value __attribute__((unused)))
{
    __asm__ volatile("store_insn:\n\t"
                     "str r1, [r0]\n\t"
                     "bx lr");
}

/* Stores 0x11, 0x22 at addr, addr + 4 with one STM. */
__attribute__((naked, noinline)) static void do_stm(uint32_t addr __attribute__((unused)))
{
    __asm__ volatile("movs r1, #0x11\n\t"
                     "movs r2, #0x22\n"
                     "stm_insn:\n\t"
                     "stm.w r0, {r1, r2}\n\t"
                     "bx lr");
}

static void region(unsigned n, uint32_t base, uint32_t rasr)
{
    MPU->RBAR = base | MPU_RBAR_VALID | n;
    MPU->RASR = rasr;
    __DSB();
    __ISB();
}

static void set_ctrl(uint32_t ctrl)
{
    MPU->CTRL = ctrl;
    __DSB();
    __ISB();
}

static FaultLog take_fault(void)
{
    FaultLog f = fault;
    memset((void *)&fault, 0, sizeof(fault));
    return f;
}

static const char *exc_name(int exc)
{
    switch (exc) {
    case 0: return "no fault";
    case EXC_HARDFAULT: return "HardFault";
    case EXC_MEMMANAGE: return "MemManage";
    default: return "other";
    }
}

/* Prints a fault: what it was, its status, MMFAR relative to base (if
 * valid) and whether the stacked PC is expected_pc. */
static void report(const char *what, FaultLog f, uint32_t base, uint32_t expected_pc)
{
    con_printf("  %s: %s, CFSR=%x", what, exc_name(f.exception), f.cfsr);
    if (f.cfsr & SCB_CFSR_MMARVALID)
        con_printf(", MMFAR=base+%x", f.mmfar - base);
    con_printf(", stacked PC %s\n", f.pc == expected_pc ? "right" : "WRONG");
    CHECK(f.pc == expected_pc);
}

static void check_data_fault(const char *what, FaultLog f, uint32_t addr, uint32_t insn)
{
    report(what, f, addr, insn);
    CHECK(f.exception == EXC_MEMMANAGE);
    CHECK(f.cfsr == (SCB_CFSR_DACCVIOL | SCB_CFSR_MMARVALID) && f.mmfar == addr);
}

static void test_registers(void)
{
    con_puts("1. registers\n");
    con_printf("  MPU_TYPE=%x\n", MPU->TYPE);
    CHECK(MPU->TYPE == 0x800);
    MPU->RNR = 5;
    MPU->RBAR = 0x20001000;
    MPU->RASR = MPU_RASR_AP(MPU_AP_RO) | MPU_RASR_SIZE(12);
    MPU->RBAR_A2 = 0x20004000 | MPU_RBAR_VALID | 6;
    MPU->RASR_A2 = MPU_RASR_XN | MPU_RASR_SRD(0x81) | MPU_RASR_SIZE(13);
    con_printf("  RNR=%u RBAR=%x RASR=%x\n", MPU->RNR, MPU->RBAR, MPU->RASR);
    CHECK(MPU->RNR == 6 && MPU->RBAR == 0x20004006);
    MPU->RNR = 5;
    con_printf("  RNR=5: RBAR_A3=%x RASR_A1=%x\n", MPU->RBAR_A3, MPU->RASR_A1);
    CHECK(MPU->RBAR_A3 == 0x20001005);
    MPU->RASR = 0;
    MPU->RNR = 6;
    MPU->RASR = 0;
}

static void test_no_access(void)
{
    con_puts("2. no-access region over RAM\n");
    area[0x3fc] = 0x77;
    region(2, AREA, MPU_RASR_AP(MPU_AP_NONE) | MPU_RASR_SIZE(9) | MPU_RASR_ENABLE);
    uint32_t v = do_load(AREA + 0x10);
    check_data_fault("LDR", take_fault(), AREA + 0x10, (uint32_t)load_insn);
    con_printf("    destination %s\n", v == 0x5a ? "unchanged" : "CHANGED");
    CHECK(v == 0x5a);
    do_store(AREA + 0x1fc, 1);
    check_data_fault("STR", take_fault(), AREA + 0x1fc, (uint32_t)store_insn);
    v = do_load(AREA + 0x3fc);
    con_printf("  outside the region: %x, %d faults\n", v, faults);
    CHECK(v == 0x77 && faults == 2);
    region(2, 0, 0);
}

static FaultLog user_read_fault, user_write_fault, user_uart_fault;
static uint32_t user_read;

static void user_thread(void)
{
    user_read = do_load(AREA + 0x20);
    user_read_fault = take_fault();
    do_store(AREA + 0x24, 0x22);
    user_write_fault = take_fault();
    do_load(UART0_STATE);
    user_uart_fault = take_fault();
    __asm__ volatile("svc %0" ::"i"(SVC_PRIVILEGE) : "memory");
}

static void test_unprivileged_read_only(void)
{
    con_puts("3. read-only for unprivileged code\n");
    region(2, AREA, MPU_RASR_AP(MPU_AP_PRIV_RW_USER_RO) | MPU_RASR_SIZE(10) | MPU_RASR_ENABLE);
    do_store(AREA + 0x20, 0x11);
    con_printf("  privileged write: %d faults, reads %x\n", faults, do_load(AREA + 0x20));
    CHECK(faults == 2 && do_load(AREA + 0x20) == 0x11);
    run_on_psp(user_thread, PSP_TOP, CONTROL_nPRIV | CONTROL_SPSEL);
    con_printf("  unprivileged read: %x, %s\n", user_read, exc_name(user_read_fault.exception));
    CHECK(user_read == 0x11 && user_read_fault.exception == 0);
    check_data_fault("unprivileged write", user_write_fault, AREA + 0x24, (uint32_t)store_insn);
    check_data_fault("unprivileged UART read", user_uart_fault, UART0_STATE,
                     (uint32_t)load_insn);
    con_printf("  back privileged on MSP: CONTROL=%u, word unchanged: %x\n", __get_CONTROL(),
               do_load(AREA + 0x24));
    CHECK(__get_CONTROL() == 0 && do_load(AREA + 0x24) == 0);
    region(2, 0, 0);
}

static void test_execute_never(void)
{
    con_puts("4. execute-never region\n");
    ram_code[0] = 0x202a; /* movs r0, #42 */
    ram_code[1] = 0x4770; /* bx lr */
    __DSB();
    __ISB();
    uint32_t (*fn)(void) = (uint32_t (*)(void))((uint32_t)ram_code | 1);
    region(3, (uint32_t)ram_code, MPU_RASR_AP(MPU_AP_FULL) | MPU_RASR_SIZE(10) | MPU_RASR_ENABLE);
    uint32_t r = fn();
    con_printf("  executable: returned %d, %d faults\n", r, faults);
    CHECK(r == 42 && faults == 4);
    region(3, (uint32_t)ram_code,
           MPU_RASR_AP(MPU_AP_FULL) | MPU_RASR_XN | MPU_RASR_SIZE(10) | MPU_RASR_ENABLE);
    fn();
    FaultLog f = take_fault();
    report("XN call", f, 0, (uint32_t)ram_code);
    CHECK(f.exception == EXC_MEMMANAGE && f.cfsr == SCB_CFSR_IACCVIOL);
    region(3, 0, 0);
}

static void test_privdefena(void)
{
    con_puts("5. PRIVDEFENA\n");
    set_ctrl(MPU_CTRL_ENABLE);
    uint32_t v = do_load(UART0_STATE);
    FaultLog f = take_fault();
    set_ctrl(MPU_CTRL_ENABLE | MPU_CTRL_PRIVDEFENA);
    check_data_fault("off: privileged UART read", f, UART0_STATE, (uint32_t)load_insn);
    v = do_load(UART0_STATE);
    f = take_fault();
    con_printf("  on: privileged UART read: %s\n", exc_name(f.exception));
    CHECK(f.exception == 0 && v != 0x5a);
}

/* Writes to the last word of each of the 8 subregions, the odd ones
 * first, and returns a mask of those that took the write. */
static unsigned probe_subregions(uint32_t base, uint32_t sub_size)
{
    unsigned writable = 0;
    static const unsigned odd_then_even[2] = { 1, 0 };
    for (unsigned pass = 0; pass < 2; pass++) {
        for (unsigned sub = odd_then_even[pass]; sub < 8; sub += 2) {
            uint32_t addr = base + sub * sub_size + sub_size - 4;
            do_store(addr, sub);
            FaultLog f = take_fault();
            if (f.exception == 0)
                writable |= 1u << sub;
            else
                CHECK(f.exception == EXC_MEMMANAGE && f.mmfar == addr &&
                      f.pc == (uint32_t)store_insn);
        }
    }
    return writable;
}

static void test_subregions(void)
{
    con_puts("6. disabled subregions fall through to region 1\n");
    /* 8 KiB of no access, 1 KiB subregions, 0, 2, 4 and 6 disabled */
    region(4, AREA, MPU_RASR_AP(MPU_AP_NONE) | MPU_RASR_SRD(0x55) | MPU_RASR_SIZE(13) |
                        MPU_RASR_ENABLE);
    unsigned writable = probe_subregions(AREA, 1024);
    con_printf("  1 KiB subregions writable: %x\n", writable);
    CHECK(writable == 0x55);
    /* 512 bytes, 64-byte subregions: all in one 1 KiB page. The enabled
     * ones are probed first: QEMU 7.2 caches the whole page once an access
     * falls through a disabled subregion (README.md) */
    region(4, AREA + 0x400, MPU_RASR_AP(MPU_AP_NONE) | MPU_RASR_SRD(0x55) | MPU_RASR_SIZE(9) |
                                MPU_RASR_ENABLE);
    writable = probe_subregions(AREA + 0x400, 64);
    con_printf("  64-byte subregions writable: %x\n", writable);
    CHECK(writable == 0x55);
    region(4, 0, 0);
}

static void test_overlap(void)
{
    con_puts("7. overlapping regions\n");
    uint32_t base = AREA + 0x800;
    region(5, base, MPU_RASR_AP(MPU_AP_NONE) | MPU_RASR_SIZE(10) | MPU_RASR_ENABLE);
    region(6, base + 0x100, MPU_RASR_AP(MPU_AP_FULL) | MPU_RASR_SIZE(8) | MPU_RASR_ENABLE);
    do_store(base + 0x100, 1);
    FaultLog inner = take_fault();
    do_store(base + 0x200, 1);
    FaultLog outer = take_fault();
    con_printf("  region 6 inside region 5: inside %s, outside %s\n",
               exc_name(inner.exception), exc_name(outer.exception));
    CHECK(inner.exception == 0 && outer.exception == EXC_MEMMANAGE);
    region(5, base, MPU_RASR_AP(MPU_AP_FULL) | MPU_RASR_SIZE(10) | MPU_RASR_ENABLE);
    region(6, base + 0x100, MPU_RASR_AP(MPU_AP_NONE) | MPU_RASR_SIZE(8) | MPU_RASR_ENABLE);
    do_store(base + 0x100, 1);
    inner = take_fault();
    do_store(base + 0x200, 1);
    outer = take_fault();
    con_printf("  no-access region 6 over full region 5: inside %s, outside %s\n",
               exc_name(inner.exception), exc_name(outer.exception));
    CHECK(inner.exception == EXC_MEMMANAGE && outer.exception == 0);
    /* a 32-byte no-access region 7 inside the page: an STM of two words
     * across its start stores the first and faults on the second */
    region(7, base + 0x3e0, MPU_RASR_AP(MPU_AP_NONE) | MPU_RASR_SIZE(5) | MPU_RASR_ENABLE);
    do_stm(base + 0x3dc);
    check_data_fault("STM into a 32-byte region", take_fault(), base + 0x3e0,
                     (uint32_t)stm_insn);
    region(5, 0, 0);
    region(6, 0, 0);
    region(7, 0, 0);
    con_printf("  first word stored: %x\n", do_load(base + 0x3dc));
    CHECK(do_load(base + 0x3dc) == 0x11);
}

static void test_memmanage_disabled(void)
{
    con_puts("8. MemManage disabled: HardFault\n");
    region(2, AREA, MPU_RASR_AP(MPU_AP_NONE) | MPU_RASR_SIZE(10) | MPU_RASR_ENABLE);
    SCB->SHCSR &= ~SCB_SHCSR_MEMFAULTENA;
    do_load(AREA + 8);
    FaultLog f = take_fault();
    SCB->SHCSR |= SCB_SHCSR_MEMFAULTENA;
    report("LDR", f, AREA, (uint32_t)load_insn);
    con_printf("    HFSR.FORCED=%u\n", (f.hfsr & SCB_HFSR_FORCED) ? 1u : 0u);
    CHECK(f.exception == EXC_HARDFAULT && (f.hfsr & SCB_HFSR_FORCED));
    CHECK(f.cfsr == (SCB_CFSR_DACCVIOL | SCB_CFSR_MMARVALID) && f.mmfar == AREA + 8);
}

static void test_hfnmiena(void)
{
    con_puts("9. HFNMIENA clear: NMI handler not checked\n");
    *(volatile uint32_t *)AREA = 0; /* region 2: no access */
    FaultLog f = take_fault();
    CHECK(f.exception == EXC_MEMMANAGE);
    set_ctrl(MPU_CTRL_ENABLE | MPU_CTRL_PRIVDEFENA);
    int before = faults;
    SCB->ICSR = SCB_ICSR_NMIPENDSET;
    __DSB();
    __ISB();
    con_printf("  NMI read the no-access word: %x, %d faults\n", nmi_value, faults - before);
    CHECK(faults == before);
    region(2, 0, 0);
}

static void test_disabled(void)
{
    con_puts("10. MPU disabled\n");
    region(2, AREA, MPU_RASR_AP(MPU_AP_NONE) | MPU_RASR_SIZE(10) | MPU_RASR_ENABLE);
    set_ctrl(0);
    int before = faults;
    do_store(AREA, 0x33);
    con_printf("  write under a no-access region: %x, %d faults\n", do_load(AREA),
               faults - before);
    CHECK(do_load(AREA) == 0x33 && faults == before);
}

int main(void)
{
    SCB->SHCSR |= SCB_SHCSR_MEMFAULTENA;
    test_registers();
    region(0, 0x00000000, CODE_REGION);
    region(1, 0x20000000, RAM_REGION);
    set_ctrl(MPU_CTRL_ENABLE | MPU_CTRL_PRIVDEFENA);
    test_no_access();
    test_unprivileged_read_only();
    test_execute_never();
    test_privdefena();
    test_subregions();
    test_overlap();
    test_memmanage_disabled();
    test_hfnmiena();
    test_disabled();
    con_printf("%d faults taken, program continues\n", faults);
    return check_finish("mpu");
}
