/* The ARMv7-M System Control Space at 0xE000E000 (ARMv7-M ARM B3.2
 * SCB, B3.3 SysTick, B3.4 NVIC, C1.6 CoreDebug) for a Cortex-M3 r2p1
 * without MPU or FPU, following QEMU's hw/intc/armv7m_nvic.c in
 * behaviour. Section numbers are those of ARM DDI 0403E.
 *
 * Access sizes: the NVIC bit arrays, IPR, SHPR and CFSR take byte,
 * halfword and word accesses (as QEMU), and so does SHCSR (ARM documents
 * a halfword write of its enables for the M3); SysTick and every other register
 * are word-only, and a narrower access there answers MMIO_UNASSIGNED
 * (RAZ/WI, traced), which is what QEMU does for this UNPREDICTABLE case.
 * Offsets with no register answer MMIO_UNASSIGNED. */
#include "scs.h"

#include <glib.h>

#include "log.h"

#define WHO "scs"

/* B3.2.2 system control registers outside the SCB */
#define R_ICTR 0x004
#define R_ACTLR 0x008
#define ACTLR_WRITABLE 0x7u /* M3: DISMCYCINT, DISDEFWBUF, DISFOLD */

/* B3.4.4-B3.4.8 NVIC_ISER..NVIC_IABR: five bit arrays of 16 words */
#define R_NVIC_BITS 0x100 /* ISER */
#define NVIC_BITS_STRIDE 0x80
#define NVIC_BITS_LEN 0x40
enum { BITS_ISER, BITS_ICER, BITS_ISPR, BITS_ICPR, BITS_IABR, BITS_COUNT };
#define R_IPR 0x400
#define R_IPR_END 0x5f0

/* B3.2 SCB */
#define R_CPUID 0xd00
#define R_ICSR 0xd04
#define ICSR_VECTACTIVE_MASK 0x1ffu
#define ICSR_RETTOBASE (1u << 11)
#define ICSR_VECTPENDING_SHIFT 12
#define ICSR_ISRPENDING (1u << 22)
#define ICSR_PENDSTCLR (1u << 25)
#define ICSR_PENDSTSET (1u << 26)
#define ICSR_PENDSVCLR (1u << 27)
#define ICSR_PENDSVSET (1u << 28)
#define ICSR_NMIPENDSET (1u << 31)
#define R_VTOR 0xd08
#define VTOR_TBLOFF_MASK 0x3fffff80u /* M3 r2p1: TBLOFF bits [29:7] */
#define R_AIRCR 0xd0c
#define AIRCR_VECTRESET (1u << 0)
#define AIRCR_VECTCLRACTIVE (1u << 1)
#define AIRCR_SYSRESETREQ (1u << 2)
#define AIRCR_PRIGROUP_SHIFT 8
#define AIRCR_PRIGROUP_MASK 0x7u
#define AIRCR_VECTKEY_SHIFT 16
#define AIRCR_VECTKEY 0x05fau
#define AIRCR_VECTKEYSTAT 0xfa05u /* ENDIANNESS (bit 15) 0: little */
#define R_SCR 0xd10
#define SCR_WRITABLE (SCR_SLEEPONEXIT | SCR_SLEEPDEEP | SCR_SEVONPEND)
#define R_CCR 0xd14
#define CCR_WRITABLE (CCR_NONBASETHRDENA | CCR_USERSETMPEND | CCR_UNALIGN_TRP | \
                      CCR_DIV_0_TRP | CCR_BFHFNMIGN | CCR_STKALIGN)
#define R_SHPR1 0xd18
#define R_SHPR_END 0xd24
#define SHPR_FIRST_EXC 4 /* SHPR1 byte 0 is MemManage */
#define R_SHCSR 0xd24
#define SHCSR_MEMFAULTACT (1u << 0)
#define SHCSR_BUSFAULTACT (1u << 1)
#define SHCSR_USGFAULTACT (1u << 3)
#define SHCSR_SVCALLACT (1u << 7)
#define SHCSR_MONITORACT (1u << 8)
#define SHCSR_PENDSVACT (1u << 10)
#define SHCSR_SYSTICKACT (1u << 11)
#define SHCSR_USGFAULTPENDED (1u << 12)
#define SHCSR_MEMFAULTPENDED (1u << 13)
#define SHCSR_BUSFAULTPENDED (1u << 14)
#define SHCSR_SVCALLPENDED (1u << 15)
#define SHCSR_MEMFAULTENA (1u << 16)
#define SHCSR_BUSFAULTENA (1u << 17)
#define SHCSR_USGFAULTENA (1u << 18)
#define R_CFSR 0xd28 /* MMFSR byte 0xd28, BFSR 0xd29, UFSR halfword 0xd2a */
#define R_HFSR 0xd2c
#define R_DFSR 0xd30
#define R_MMFAR 0xd34
#define R_BFAR 0xd38
#define R_AFSR 0xd3c
#define R_ID_PFR0 0xd40 /* ID_PFR0 .. ID_ISAR4, then RAZ up to 0xd7c */
#define R_ID_END 0xd80
#define R_CPACR 0xd88 /* RAZ/WI: no coprocessors on the M3 */
/* B3.5 MPU: delegated to mpu.c when the core has one; without, the
 * block reads as zero (MPU_TYPE.DREGION 0 says "no MPU") */
#define R_MPU_TYPE MPU_OFFSET
#define R_MPU_CTRL 0xd94
#define MPU_CTRL_ENABLE (1u << 0)
#define R_MPU_END (MPU_OFFSET + MPU_SIZE)

/* C1.6 CoreDebug */
#define R_DHCSR 0xdf0
#define DHCSR_DBGKEY 0xa05fu
#define R_DCRSR 0xdf4
#define R_DCRDR 0xdf8
#define R_DEMCR 0xdfc
#define DEMCR_MON_EN (1u << 16)
#define DEMCR_MON_PEND (1u << 17)
#define DEMCR_TRCENA (1u << 24)
/* VC_CORERESET, VC_MMERR..VC_HARDERR, MON_EN, MON_STEP, MON_REQ, TRCENA;
 * MON_PEND is the DebugMonitor pending bit, kept in the Nvic. */
#define DEMCR_STORED 0x010d07f1u

#define R_STIR 0xf00
#define STIR_INTID_MASK 0x1ffu

#define R_PID4 0xfd0
#define R_ID_REGS_END 0x1000

/* ID_PFR0, ID_PFR1, ID_DFR0, ID_AFR0, ID_MMFR0-3, ID_ISAR0-4 (chapter B4):
 * Cortex-M3 r2p1, the values QEMU's cortex-m3 reports. */
static const uint32_t feature_ids[] = {
    0x00000030, 0x00000200, 0x00100000, 0x00000000,
    0x00000030, 0x00000000, 0x00000000, 0x00000000,
    0x01141110, 0x02111000, 0x21112231, 0x01111110, 0x01310102,
};

/* PID4..PID7, PID0..PID3, CID0..CID3: Cortex-M3 SCS (ARM part 0x000),
 * PID0-3 and CID as QEMU reports them. */
static const uint8_t scs_id[] = {
    0x04, 0x00, 0x00, 0x00,
    0x00, 0xb0, 0x1b, 0x00,
    0x0d, 0xe0, 0x05, 0xb1,
};

/* SHCSR bit -> exception, for its active and pending bits. */
typedef struct ShcsrBit {
    uint32_t bit;
    unsigned exc;
} ShcsrBit;

static const ShcsrBit shcsr_active[] = {
    { SHCSR_MEMFAULTACT, EXC_MEMMANAGE }, { SHCSR_BUSFAULTACT, EXC_BUSFAULT },
    { SHCSR_USGFAULTACT, EXC_USAGEFAULT }, { SHCSR_SVCALLACT, EXC_SVCALL },
    { SHCSR_MONITORACT, EXC_DEBUGMON },   { SHCSR_PENDSVACT, EXC_PENDSV },
    { SHCSR_SYSTICKACT, EXC_SYSTICK },
};
static const ShcsrBit shcsr_pended[] = {
    { SHCSR_USGFAULTPENDED, EXC_USAGEFAULT }, { SHCSR_MEMFAULTPENDED, EXC_MEMMANAGE },
    { SHCSR_BUSFAULTPENDED, EXC_BUSFAULT },   { SHCSR_SVCALLPENDED, EXC_SVCALL },
};
static const ShcsrBit shcsr_enable[] = {
    { SHCSR_MEMFAULTENA, EXC_MEMMANAGE }, { SHCSR_BUSFAULTENA, EXC_BUSFAULT },
    { SHCSR_USGFAULTENA, EXC_USAGEFAULT },
};

struct Scs {
    Nvic *nvic;
    SysTick *systick;
    Dwt *dwt;
    Mpu *mpu; /* NULL: no MPU */
    uint32_t cpuid;
    uint32_t actlr;
    uint32_t demcr; /* DEMCR_STORED bits */
    uint32_t dcrdr;
};

static bool in_range(uint32_t offset, uint32_t start, uint32_t end)
{
    return offset >= start && offset < end;
}

/* The bits a byte, halfword or word access covers. */
static uint32_t size_mask(unsigned size)
{
    return (uint32_t)((1ull << (8 * size)) - 1);
}

/* ---- NVIC bit arrays and priorities (B3.4) ------------------------------ */

static bool irq_bit(const Scs *scs, unsigned bank, unsigned irq)
{
    unsigned exc = EXC_IRQ0 + irq;
    switch (bank) {
    case BITS_ISER:
    case BITS_ICER:
        return nvic_is_enabled(scs->nvic, exc);
    case BITS_ISPR:
    case BITS_ICPR:
        return nvic_is_pending(scs->nvic, exc);
    default:
        return nvic_is_active(scs->nvic, exc);
    }
}

/* Writing 1 acts; writing 0 does nothing (B3.4.4-B3.4.7). */
static void irq_bit_write(Scs *scs, unsigned bank, unsigned irq)
{
    unsigned exc = EXC_IRQ0 + irq;
    switch (bank) {
    case BITS_ISER:
        nvic_set_enabled(scs->nvic, exc, true);
        break;
    case BITS_ICER:
        nvic_set_enabled(scs->nvic, exc, false);
        break;
    case BITS_ISPR:
        nvic_set_pending(scs->nvic, exc);
        break;
    case BITS_ICPR:
        /* B3.4.1 (and QEMU): an asserted level-sensitive line keeps an
         * inactive interrupt pending. */
        if (!nvic_irq_level(scs->nvic, irq) || nvic_is_active(scs->nvic, exc))
            nvic_clear_pending(scs->nvic, exc);
        break;
    default:
        break;
    }
}

static bool nvic_bits_decode(uint32_t offset, unsigned *bank, unsigned *first_irq)
{
    if (!in_range(offset, R_NVIC_BITS, R_NVIC_BITS + BITS_COUNT * NVIC_BITS_STRIDE))
        return false;
    uint32_t rel = offset - R_NVIC_BITS;
    if (rel % NVIC_BITS_STRIDE >= NVIC_BITS_LEN)
        return false;
    *bank = rel / NVIC_BITS_STRIDE;
    *first_irq = (rel % NVIC_BITS_STRIDE) * 8;
    return true;
}

/* Bit i of the access is interrupt first_irq + i; bits of absent
 * interrupts are RAZ/WI. */
static uint32_t nvic_bits_read(const Scs *scs, uint32_t offset, unsigned size)
{
    unsigned bank = 0, first_irq = 0;
    uint32_t value = 0;
    nvic_bits_decode(offset, &bank, &first_irq);
    for (unsigned i = 0; i < size * 8 && first_irq + i < nvic_num_irqs(scs->nvic); i++)
        if (irq_bit(scs, bank, first_irq + i))
            value |= 1u << i;
    return value;
}

static void nvic_bits_write(Scs *scs, uint32_t offset, unsigned size, uint32_t value)
{
    unsigned bank = 0, first_irq = 0;
    nvic_bits_decode(offset, &bank, &first_irq);
    if (bank == BITS_IABR) {
        log_guest_error(WHO, "write to read-only NVIC_IABR ignored");
        return;
    }
    for (unsigned i = 0; i < size * 8 && first_irq + i < nvic_num_irqs(scs->nvic); i++)
        if (value & (1u << i))
            irq_bit_write(scs, bank, first_irq + i);
}

/* IPR (B3.4.9) and SHPR1-3 (B3.2.10-12): one priority byte per exception;
 * bytes of absent or reserved exceptions are RAZ/WI. */
static uint32_t prio_bytes_read(const Scs *scs, unsigned first_exc, unsigned size)
{
    uint32_t value = 0;
    for (unsigned i = 0; i < size; i++)
        value |= (uint32_t)(nvic_get_priority(scs->nvic, first_exc + i) & 0xff) << (8 * i);
    return value;
}

static void prio_bytes_write(Scs *scs, unsigned first_exc, unsigned size, uint32_t value)
{
    for (unsigned i = 0; i < size; i++)
        nvic_set_priority(scs->nvic, first_exc + i, (uint8_t)(value >> (8 * i)));
}

/* ---- SCB (B3.2) ------------------------------------------------------------ */

static bool any_irq_pending(const Scs *scs)
{
    for (unsigned exc = EXC_IRQ0; exc <= nvic_max_exception(scs->nvic); exc++)
        if (nvic_is_pending(scs->nvic, exc))
            return true;
    return false;
}

/* B3.2.4. RETTOBASE reads 1 with at most one active exception (UNKNOWN
 * with none: 1, as the M3 and QEMU). ISRPREEMPT only means something in
 * Debug state, which is not modelled: 0. */
static uint32_t icsr_read(const Scs *scs)
{
    const Nvic *nvic = scs->nvic;
    uint32_t value = nvic_vectactive(nvic) & ICSR_VECTACTIVE_MASK;
    if (nvic_active_count(nvic) <= 1)
        value |= ICSR_RETTOBASE;
    value |= nvic_highest_pending(nvic) << ICSR_VECTPENDING_SHIFT;
    if (any_irq_pending(scs))
        value |= ICSR_ISRPENDING;
    if (nvic_is_pending(nvic, EXC_SYSTICK))
        value |= ICSR_PENDSTSET;
    if (nvic_is_pending(nvic, EXC_PENDSV))
        value |= ICSR_PENDSVSET;
    if (nvic_is_pending(nvic, EXC_NMI))
        value |= ICSR_NMIPENDSET;
    return value;
}

/* Setting and clearing together is UNPREDICTABLE; set wins, as QEMU. */
static void icsr_write(Scs *scs, uint32_t value)
{
    Nvic *nvic = scs->nvic;
    if (value & ICSR_NMIPENDSET)
        nvic_set_pending(nvic, EXC_NMI);
    if (value & ICSR_PENDSVSET)
        nvic_set_pending(nvic, EXC_PENDSV);
    else if (value & ICSR_PENDSVCLR)
        nvic_clear_pending(nvic, EXC_PENDSV);
    if (value & ICSR_PENDSTSET)
        nvic_set_pending(nvic, EXC_SYSTICK);
    else if (value & ICSR_PENDSTCLR)
        nvic_clear_pending(nvic, EXC_SYSTICK);
}

/* B3.2.6: writes without VECTKEY are ignored. VECTRESET and VECTCLRACTIVE
 * are for debuggers (UNPREDICTABLE otherwise): ignored, as QEMU. */
static void aircr_write(Scs *scs, uint32_t value)
{
    if ((value >> AIRCR_VECTKEY_SHIFT) != AIRCR_VECTKEY) {
        log_guest_error(WHO, "AIRCR write 0x%08x without VECTKEY ignored", value);
        return;
    }
    if (value & (AIRCR_VECTRESET | AIRCR_VECTCLRACTIVE))
        log_guest_error(WHO, "AIRCR.VECTRESET/VECTCLRACTIVE outside Debug state ignored");
    nvic_set_prigroup(scs->nvic, (value >> AIRCR_PRIGROUP_SHIFT) & AIRCR_PRIGROUP_MASK);
    if (value & AIRCR_SYSRESETREQ)
        nvic_request_reset(scs->nvic);
}

static uint32_t shcsr_read(const Scs *scs)
{
    uint32_t value = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(shcsr_active); i++)
        if (nvic_is_active(scs->nvic, shcsr_active[i].exc))
            value |= shcsr_active[i].bit;
    for (size_t i = 0; i < G_N_ELEMENTS(shcsr_pended); i++)
        if (nvic_is_pending(scs->nvic, shcsr_pended[i].exc))
            value |= shcsr_pended[i].bit;
    for (size_t i = 0; i < G_N_ELEMENTS(shcsr_enable); i++)
        if (nvic_is_enabled(scs->nvic, shcsr_enable[i].exc))
            value |= shcsr_enable[i].bit;
    return value;
}

/* B3.2.13: every bit is writable; writing active bits is for context
 * switchers and debuggers and has no other effect. */
static void shcsr_write(Scs *scs, uint32_t value)
{
    Nvic *nvic = scs->nvic;
    for (size_t i = 0; i < G_N_ELEMENTS(shcsr_active); i++)
        nvic_set_active(nvic, shcsr_active[i].exc, value & shcsr_active[i].bit);
    for (size_t i = 0; i < G_N_ELEMENTS(shcsr_pended); i++) {
        if (value & shcsr_pended[i].bit)
            nvic_set_pending(nvic, shcsr_pended[i].exc);
        else
            nvic_clear_pending(nvic, shcsr_pended[i].exc);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(shcsr_enable); i++)
        nvic_set_enabled(nvic, shcsr_enable[i].exc, value & shcsr_enable[i].bit);
    nvic_scb_changed(nvic); /* USGFAULTENA: the core arms its alignment checks */
}

/* A byte or halfword write changes only its lanes of SHCSR. */
static void shcsr_write_lanes(Scs *scs, unsigned byte, unsigned size, uint32_t value)
{
    unsigned shift = 8 * byte;
    uint32_t lanes = size_mask(size) << shift;
    shcsr_write(scs, (shcsr_read(scs) & ~lanes) | ((value << shift) & lanes));
}

static bool scb_read(const Scs *scs, uint32_t offset, uint32_t *value)
{
    const ScbRegs *scb = nvic_scb(scs->nvic);
    switch (offset) {
    case R_CPUID: *value = scs->cpuid; return true;
    case R_ICSR: *value = icsr_read(scs); return true;
    case R_VTOR: *value = scb->vtor; return true;
    case R_AIRCR:
        *value = (AIRCR_VECTKEYSTAT << AIRCR_VECTKEY_SHIFT) |
                 (nvic_prigroup(scs->nvic) << AIRCR_PRIGROUP_SHIFT);
        return true;
    case R_SCR: *value = scb->scr; return true;
    case R_CCR: *value = scb->ccr; return true;
    case R_HFSR: *value = scb->hfsr; return true;
    case R_DFSR: *value = scb->dfsr; return true;
    case R_MMFAR: *value = scb->mmfar; return true;
    case R_BFAR: *value = scb->bfar; return true;
    case R_AFSR: *value = scb->afsr; return true;
    default: return false;
    }
}

/* The fault status registers HFSR, DFSR, AFSR (and CFSR) are write-1-to-
 * clear (B3.2, C1.6). */
static bool scb_write(Scs *scs, uint32_t offset, uint32_t value)
{
    ScbRegs *scb = nvic_scb(scs->nvic);
    switch (offset) {
    case R_CPUID: log_guest_error(WHO, "write to read-only CPUID ignored"); return true;
    case R_ICSR: icsr_write(scs, value); return true;
    case R_VTOR: scb->vtor = value & VTOR_TBLOFF_MASK; return true;
    case R_AIRCR: aircr_write(scs, value); return true;
    case R_SCR: scb->scr = value & SCR_WRITABLE; return true;
    case R_CCR:
        scb->ccr = value & CCR_WRITABLE;
        nvic_scb_changed(scs->nvic); /* DIV_0_TRP: the core arms its trap */
        return true;
    case R_HFSR: scb->hfsr &= ~value; return true;
    case R_DFSR: scb->dfsr &= ~value; return true;
    case R_MMFAR: scb->mmfar = value; return true;
    case R_BFAR: scb->bfar = value; return true;
    case R_AFSR: scb->afsr &= ~value; return true;
    default: return false;
    }
}

/* ---- CoreDebug (C1.6) ------------------------------------------------------ */

/* No debugger is ever attached: DHCSR reads 0 (C_DEBUGEN is writable
 * only from the DAP, so software cannot halt), DCRSR is write-only and
 * has no core registers to transfer. DEMCR.MON_EN and MON_PEND control
 * the DebugMonitor exception; TRCENA enables the DWT. */
static uint32_t demcr_read(const Scs *scs)
{
    uint32_t value = scs->demcr;
    if (nvic_is_pending(scs->nvic, EXC_DEBUGMON))
        value |= DEMCR_MON_PEND;
    return value;
}

static void demcr_write(Scs *scs, uint32_t value)
{
    scs->demcr = value & DEMCR_STORED;
    nvic_set_enabled(scs->nvic, EXC_DEBUGMON, value & DEMCR_MON_EN);
    if (value & DEMCR_MON_PEND)
        nvic_set_pending(scs->nvic, EXC_DEBUGMON);
    else
        nvic_clear_pending(scs->nvic, EXC_DEBUGMON);
    if (scs->dwt != NULL)
        dwt_set_trcena(scs->dwt, value & DEMCR_TRCENA);
}

static bool debug_read(const Scs *scs, uint32_t offset, uint32_t *value)
{
    switch (offset) {
    case R_DHCSR:
    case R_DCRSR:
        *value = 0;
        return true;
    case R_DCRDR:
        *value = scs->dcrdr;
        return true;
    case R_DEMCR:
        *value = demcr_read(scs);
        return true;
    default:
        return false;
    }
}

static bool debug_write(Scs *scs, uint32_t offset, uint32_t value)
{
    switch (offset) {
    case R_DHCSR:
        if ((value >> 16) == DHCSR_DBGKEY)
            log_unimp(WHO, "DHCSR write 0x%08x: halting debug is not modelled", value);
        return true;
    case R_DCRSR:
        log_unimp(WHO, "DCRSR write 0x%08x: debug register transfer is not modelled", value);
        return true;
    case R_DCRDR:
        scs->dcrdr = value;
        return true;
    case R_DEMCR:
        demcr_write(scs, value);
        return true;
    default:
        return false;
    }
}

/* ---- the rest of the word registers ----------------------------------------- */

static bool misc_read(const Scs *scs, uint32_t offset, uint32_t *value)
{
    if (offset == R_ICTR) {
        /* ICTR (B3.4): INTLINESNUM = number of 32-line blocks, minus one */
        unsigned lines = nvic_num_irqs(scs->nvic);
        *value = lines == 0 ? 0 : (lines + 31) / 32 - 1;
    } else if (offset == R_ACTLR) {
        *value = scs->actlr;
    } else if (in_range(offset, R_ID_PFR0, R_ID_END)) {
        unsigned i = (offset - R_ID_PFR0) / 4;
        *value = i < G_N_ELEMENTS(feature_ids) ? feature_ids[i] : 0;
    } else if (in_range(offset, R_MPU_TYPE, R_MPU_END) && scs->mpu != NULL) {
        return mpu_read(scs->mpu, offset - R_MPU_TYPE, 4, value) == MMIO_OK;
    } else if (offset == R_CPACR || in_range(offset, R_MPU_TYPE, R_MPU_END)) {
        *value = 0;
    } else if (offset == R_STIR) {
        log_guest_error(WHO, "read of write-only STIR");
        *value = 0;
    } else {
        return debug_read(scs, offset, value);
    }
    return true;
}

static bool misc_write(Scs *scs, uint32_t offset, uint32_t value)
{
    if (offset == R_ACTLR) {
        scs->actlr = value & ACTLR_WRITABLE;
    } else if (offset == R_STIR) {
        /* STIR (B3.4): pends external interrupt INTID */
        unsigned irq = value & STIR_INTID_MASK;
        if (irq < nvic_num_irqs(scs->nvic))
            nvic_set_pending(scs->nvic, EXC_IRQ0 + irq);
    } else if (in_range(offset, R_MPU_TYPE, R_MPU_END) && scs->mpu != NULL) {
        return mpu_write(scs->mpu, offset - R_MPU_TYPE, value, 4) == MMIO_OK;
    } else if (offset == R_MPU_CTRL) {
        if (value & MPU_CTRL_ENABLE)
            log_unimp(WHO, "MPU_CTRL.ENABLE: no MPU is modelled (MPU_TYPE.DREGION 0)");
    } else if (offset == R_CPACR || in_range(offset, R_MPU_TYPE, R_MPU_END) ||
               offset == R_ICTR || in_range(offset, R_ID_PFR0, R_ID_END)) {
        /* RAZ/WI or read-only */
    } else {
        return debug_write(scs, offset, value);
    }
    return true;
}

/* ---- dispatch --------------------------------------------------------------- */

/* The windows of the SCS, each with its own access-size rule. */
typedef enum {
    WIN_SYSTICK,   /* delegated to systick.c */
    WIN_NVIC_BITS, /* ISER..IABR: any size */
    WIN_PRIO,      /* IPR, SHPR: any size, a byte per exception */
    WIN_CFSR,      /* any size: MMFSR, BFSR, UFSR */
    WIN_SHCSR,     /* any size: read-modify-write of the word */
    WIN_ID,        /* PID/CID: any size at the word offset */
    WIN_WORD,      /* everything else: word registers */
} Window;

static Window window_of(uint32_t offset)
{
    unsigned bank = 0, first_irq = 0;
    if (in_range(offset, SYSTICK_OFFSET, SYSTICK_OFFSET + SYSTICK_SIZE))
        return WIN_SYSTICK;
    if (nvic_bits_decode(offset, &bank, &first_irq))
        return WIN_NVIC_BITS;
    if (in_range(offset, R_IPR, R_IPR_END) || in_range(offset, R_SHPR1, R_SHPR_END))
        return WIN_PRIO;
    if (in_range(offset, R_CFSR, R_CFSR + 4))
        return WIN_CFSR;
    if (in_range(offset, R_SHCSR, R_SHCSR + 4))
        return WIN_SHCSR;
    if (in_range(offset, R_PID4, R_ID_REGS_END))
        return WIN_ID;
    return WIN_WORD;
}

/* The exception whose priority byte is at offset (IPR or SHPR). */
static unsigned prio_exc(uint32_t offset)
{
    if (in_range(offset, R_IPR, R_IPR_END))
        return EXC_IRQ0 + offset - R_IPR;
    return SHPR_FIRST_EXC + offset - R_SHPR1;
}

static MmioResult scs_read_word(Scs *scs, uint32_t offset, uint32_t *value)
{
    if (scb_read(scs, offset, value) || misc_read(scs, offset, value))
        return MMIO_OK;
    return MMIO_UNASSIGNED;
}

static MmioResult scs_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    Scs *scs = dev;
    switch (window_of(offset)) {
    case WIN_SYSTICK:
        return systick_read(scs->systick, offset - SYSTICK_OFFSET, size, value);
    case WIN_NVIC_BITS:
        *value = nvic_bits_read(scs, offset, size);
        return MMIO_OK;
    case WIN_PRIO:
        *value = prio_bytes_read(scs, prio_exc(offset), size);
        return MMIO_OK;
    case WIN_CFSR:
        *value = (nvic_scb(scs->nvic)->cfsr >> (8 * (offset - R_CFSR))) & size_mask(size);
        return MMIO_OK;
    case WIN_SHCSR:
        *value = (shcsr_read(scs) >> (8 * (offset - R_SHCSR))) & size_mask(size);
        return MMIO_OK;
    case WIN_ID:
        *value = offset % 4 ? 0 : scs_id[(offset - R_PID4) / 4];
        return MMIO_OK;
    default:
        return size == 4 ? scs_read_word(scs, offset, value) : MMIO_UNASSIGNED;
    }
}

static MmioResult scs_write_word(Scs *scs, uint32_t offset, uint32_t value)
{
    if (scb_write(scs, offset, value) || misc_write(scs, offset, value))
        return MMIO_OK;
    return MMIO_UNASSIGNED;
}

static MmioResult scs_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    Scs *scs = dev;
    switch (window_of(offset)) {
    case WIN_SYSTICK:
        return systick_write(scs->systick, offset - SYSTICK_OFFSET, value, size);
    case WIN_NVIC_BITS:
        nvic_bits_write(scs, offset, size, value);
        return MMIO_OK;
    case WIN_PRIO:
        prio_bytes_write(scs, prio_exc(offset), size, value);
        return MMIO_OK;
    case WIN_CFSR:
        nvic_scb(scs->nvic)->cfsr &= ~((value & size_mask(size)) << (8 * (offset - R_CFSR)));
        return MMIO_OK;
    case WIN_SHCSR:
        shcsr_write_lanes(scs, offset - R_SHCSR, size, value);
        return MMIO_OK;
    case WIN_ID:
        return MMIO_OK; /* read-only identification */
    default:
        return size == 4 ? scs_write_word(scs, offset, value) : MMIO_UNASSIGNED;
    }
}

/* B3.2.1, B3.4.3: STIR with CCR.USERSETMPEND, as QEMU (which lets the
 * read through too); everything else is privileged-only. */
static bool scs_unprivileged_ok(void *dev, uint32_t offset, bool is_write)
{
    const Scs *scs = dev;
    return offset == R_STIR && (nvic_scb(scs->nvic)->ccr & CCR_USERSETMPEND);
}

static void scs_reset(void *dev)
{
    Scs *scs = dev;
    nvic_reset(scs->nvic);
    systick_reset(scs->systick);
    scs->actlr = 0;
    scs->demcr = 0;
    scs->dcrdr = 0;
    if (scs->dwt != NULL)
        dwt_set_trcena(scs->dwt, false);
    if (scs->mpu != NULL)
        mpu_reset(scs->mpu);
}

Scs *scs_new(Nvic *nvic, SysTick *systick, Dwt *dwt, uint32_t cpuid)
{
    Scs *scs = g_new0(Scs, 1);
    scs->nvic = nvic;
    scs->systick = systick;
    scs->dwt = dwt;
    scs->cpuid = cpuid;
    scs_reset(scs);
    return scs;
}

void scs_set_mpu(Scs *scs, Mpu *mpu)
{
    scs->mpu = mpu;
}

void scs_free(Scs *scs) { g_free(scs); }

static void scs_destroy(void *dev) { scs_free(dev); }

const DeviceClass scs_class = {
    .type = "armv7m-scs",
    .read = scs_read,
    .write = scs_write,
    .reset = scs_reset,
    .destroy = scs_destroy,
    .unprivileged_ok = scs_unprivileged_ok,
};
