/* The fatal-fault report on stderr: what happened, where (symbolised PC
 * and LR), the stack pointers, xPSR, the fault status registers and the
 * faulting address where known, and every core register. */
#include "machine_internal.h"

#include <stdio.h>

static const char *exception_name(unsigned exc)
{
    static const char *names[16] = {
        "Thread mode", "Reset", "NMI", "HardFault", "MemManage", "BusFault", "UsageFault",
        "reserved", "reserved", "reserved", "reserved", "SVCall", "DebugMonitor", "reserved",
        "PendSV", "SysTick",
    };
    return exc < 16 ? names[exc] : "IRQ";
}

static void print_location(Machine *m, const char *label, uint32_t addr)
{
    char sym[160];
    firmware_image_describe(m->image, addr, sym, sizeof(sym));
    fprintf(stderr, "  %-4s 0x%08x%s%s%s\n", label, addr, sym[0] ? " <" : "", sym,
            sym[0] ? ">" : "");
}

/* Unprivileged Thread mode reads MSP and PSP as 0 through Unicorn
 * (UNICORN.md "System registers"): borrow Handler mode for the reads
 * (the IPSR write moves the banked SPs with the mode, and back). */
static void stack_pointers(Machine *m, uint32_t *msp, uint32_t *psp)
{
    uc_engine *uc = m->uc;
    uint32_t xpsr = reg_get(uc, UC_ARM_REG_XPSR);
    bool unprivileged = (xpsr & 0x1FF) == 0 && (reg_get(uc, UC_ARM_REG_CONTROL) & 1);
    if (unprivileged)
        exception_write_xpsr(uc, xpsr | EXC_RESET);
    *msp = reg_get(uc, UC_ARM_REG_MSP);
    *psp = reg_get(uc, UC_ARM_REG_PSP);
    if (unprivileged)
        exception_write_xpsr(uc, xpsr);
}

void report_fatal(Machine *m, const char *headline)
{
    uc_engine *uc = m->uc;
    const PendingFault *f = &m->cpu.fault;
    const ScbRegs *scb = nvic_scb(m->nvic);
    uint32_t pc = f->exc != 0 ? f->pc : reg_get(uc, UC_ARM_REG_PC);
    uint32_t xpsr = reg_get(uc, UC_ARM_REG_XPSR);
    unsigned ipsr = xpsr & 0x1FF;

    fprintf(stderr, "minivm: guest %s\n", headline);
    if (f->exc != 0)
        fprintf(stderr, "  fault: %s (%s)%s", f->what, exception_name(f->exc),
                f->has_addr ? "" : "\n");
    if (f->exc != 0 && f->has_addr)
        fprintf(stderr, ", address 0x%08x\n", f->addr);
    print_location(m, "pc", pc);
    print_location(m, "lr", reg_get(uc, UC_ARM_REG_LR));
    uint32_t msp, psp;
    stack_pointers(m, &msp, &psp);
    fprintf(stderr, "  sp   0x%08x  (msp 0x%08x, psp 0x%08x, control %#x)\n",
            reg_get(uc, UC_ARM_REG_SP), msp, psp, reg_get(uc, UC_ARM_REG_CONTROL));
    fprintf(stderr, "  xpsr 0x%08x  (%s%s%u)\n", xpsr, exception_name(ipsr),
            ipsr >= 16 ? " " : ", exception ", ipsr >= 16 ? ipsr - 16 : ipsr);
    fprintf(stderr, "  cfsr 0x%08x  hfsr 0x%08x  bfar 0x%08x  mmfar 0x%08x\n", scb->cfsr,
            scb->hfsr, scb->bfar, scb->mmfar);
    for (int i = 0; i < 13; i++) {
        fprintf(stderr, "%sr%-2d 0x%08x", i % 4 == 0 ? "  " : "  ", i,
                reg_get(uc, UC_ARM_REG_R0 + i));
        if (i % 4 == 3 || i == 12)
            fputc('\n', stderr);
    }
}
