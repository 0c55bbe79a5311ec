/* The System Control Space MMIO window (ARMv7-M ARM B3.2, B3.4, C1.6) and
 * the DWT cycle counter (C1.8): reset values, access rules and the
 * exception state each register reaches, through the DeviceClass. */
#include <check.h>
#include <glib.h>

#include "clock.h"
#include "dwt.h"
#include "nvic.h"
#include "scs.h"
#include "systick.h"
#include "unit_main.h"

#define IRQ(n) (EXC_IRQ0 + (n))

#define ICTR 0x004
#define ACTLR 0x008
#define SYST_CSR 0x010
#define SYST_RVR 0x014
#define SYST_CVR 0x018
#define SYST_CALIB 0x01c
#define ISER 0x100
#define ICER 0x180
#define ISPR 0x200
#define ICPR 0x280
#define IABR 0x300
#define IPR 0x400
#define CPUID 0xd00
#define ICSR 0xd04
#define VTOR 0xd08
#define AIRCR 0xd0c
#define SCR 0xd10
#define CCR 0xd14
#define SHPR1 0xd18
#define SHPR2 0xd1c
#define SHPR3 0xd20
#define SHCSR 0xd24
#define CFSR 0xd28
#define HFSR 0xd2c
#define DFSR 0xd30
#define MMFAR 0xd34
#define BFAR 0xd38
#define AFSR 0xd3c
#define CPACR 0xd88
#define MPU_TYPE 0xd90
#define DHCSR 0xdf0
#define DCRDR 0xdf8
#define DEMCR 0xdfc
#define STIR 0xf00

#define ICSR_RETTOBASE (1u << 11)
#define ICSR_ISRPENDING (1u << 22)
#define ICSR_PENDSTCLR (1u << 25)
#define ICSR_PENDSTSET (1u << 26)
#define ICSR_PENDSVCLR (1u << 27)
#define ICSR_PENDSVSET (1u << 28)
#define ICSR_NMIPENDSET (1u << 31)
#define VECTKEY (0x05fau << 16)
#define SYSRESETREQ (1u << 2)
#define DEMCR_MON_EN (1u << 16)
#define DEMCR_MON_PEND (1u << 17)
#define DEMCR_TRCENA (1u << 24)

#define DWT_CTRL 0x000
#define DWT_CYCCNT 0x004
#define DWT_CPICNT 0x008
#define DWT_CYCCNTENA 1u

static Clock *vclock;
static Nvic *nvic;
static SysTick *systick;
static Dwt *dwt;
static Scs *scs;
static unsigned resets_requested;

static void count_reset(void *opaque)
{
    (void)opaque;
    resets_requested++;
}

static void setup(void)
{
    vclock = clock_new_virtual(25000000);
    nvic = nvic_new(64, 8);
    systick = systick_new(vclock, nvic_exception_line(nvic, EXC_SYSTICK), 1000000);
    dwt = dwt_new(vclock);
    scs = scs_new(nvic, systick, dwt, SCS_CPUID_CORTEX_M3_R2P1);
    resets_requested = 0;
    nvic_set_reset_request(nvic, count_reset, NULL);
}

static void teardown(void)
{
    scs_class.destroy(scs);
    dwt_class.destroy(dwt);
    systick_free(systick);
    nvic_free(nvic);
    clock_free(vclock);
}

static uint32_t rd(uint32_t offset, unsigned size)
{
    uint32_t value = 0xdeadbeef;
    ck_assert_int_eq(scs_class.read(scs, offset, size, &value), MMIO_OK);
    return value;
}

static uint32_t rd32(uint32_t offset) { return rd(offset, 4); }

static void wr(uint32_t offset, uint32_t value, unsigned size)
{
    ck_assert_int_eq(scs_class.write(scs, offset, value, size), MMIO_OK);
}

static void wr32(uint32_t offset, uint32_t value) { wr(offset, value, 4); }

static uint32_t dwt_rd(uint32_t offset)
{
    uint32_t value = 0;
    ck_assert_int_eq(dwt_class.read(dwt, offset, 4, &value), MMIO_OK);
    return value;
}

/* ---- reset values -------------------------------------------------------- */

static const struct {
    uint32_t offset;
    uint32_t value;
} reset_values[] = {
    { ICTR, 0x00000001 }, /* 64 lines: two blocks of 32 */
    { ACTLR, 0 },
    { SYST_CSR, 0 },
    { SYST_RVR, 0 },
    { SYST_CVR, 0 },
    { SYST_CALIB, 9999 }, /* 1 MHz reference: 10 ms exactly */
    { ISER, 0 }, { ISER + 4, 0 }, { ICER, 0 }, { ISPR, 0 }, { ICPR, 0 }, { IABR, 0 },
    { IPR, 0 }, { IPR + 60, 0 },
    { CPUID, 0x412fc231 },
    { ICSR, ICSR_RETTOBASE },
    { VTOR, 0 },
    { AIRCR, 0xfa050000 },
    { SCR, 0 },
    { CCR, 0x00000200 }, /* STKALIGN, as QEMU */
    { SHPR1, 0 }, { SHPR2, 0 }, { SHPR3, 0 },
    { SHCSR, 0 }, { CFSR, 0 }, { HFSR, 0 }, { DFSR, 0 },
    { MMFAR, 0 }, { BFAR, 0 }, { AFSR, 0 },
    { 0xd40, 0x00000030 }, /* ID_PFR0 */
    { 0xd44, 0x00000200 }, /* ID_PFR1 */
    { 0xd48, 0x00100000 }, /* ID_DFR0 */
    { 0xd4c, 0x00000000 }, /* ID_AFR0 */
    { 0xd50, 0x00000030 }, /* ID_MMFR0 */
    { 0xd54, 0 }, { 0xd58, 0 }, { 0xd5c, 0 },
    { 0xd60, 0x01141110 }, /* ID_ISAR0 */
    { 0xd64, 0x02111000 },
    { 0xd68, 0x21112231 },
    { 0xd6c, 0x01111110 },
    { 0xd70, 0x01310102 }, /* ID_ISAR4 */
    { 0xd74, 0 }, { 0xd7c, 0 },
    { CPACR, 0 },
    { MPU_TYPE, 0 }, /* no MPU */
    { DHCSR, 0 }, { DCRDR, 0 }, { DEMCR, 0 },
    { 0xfd0, 0x04 }, { 0xfd4, 0 }, { 0xfdc, 0 },
    { 0xfe0, 0x00 }, { 0xfe4, 0xb0 }, { 0xfe8, 0x1b }, { 0xfec, 0x00 },
    { 0xff0, 0x0d }, { 0xff4, 0xe0 }, { 0xff8, 0x05 }, { 0xffc, 0xb1 },
};

START_TEST(test_reset_value)
{
    ck_assert_msg(rd32(reset_values[_i].offset) == reset_values[_i].value,
                  "offset 0x%03x reads 0x%08x, expected 0x%08x", reset_values[_i].offset,
                  rd32(reset_values[_i].offset), reset_values[_i].value);
}
END_TEST

START_TEST(test_reset_restores_values)
{
    wr32(VTOR, 0x20000000);
    wr32(AIRCR, VECTKEY | (4u << 8));
    wr32(ISER, 0xff);
    wr32(DEMCR, DEMCR_TRCENA);
    wr32(ACTLR, 0x7);
    scs_class.reset(scs);
    ck_assert_uint_eq(rd32(VTOR), 0);
    ck_assert_uint_eq(rd32(AIRCR), 0xfa050000);
    ck_assert_uint_eq(rd32(ISER), 0);
    ck_assert_uint_eq(rd32(DEMCR), 0);
    ck_assert_uint_eq(rd32(ACTLR), 0);
}
END_TEST

START_TEST(test_unknown_offsets_unassigned)
{
    static const uint32_t holes[] = { 0x000, 0x00c, 0x020, 0x0fc, 0x140, 0x1c0, 0x340,
                                      0x3fc, 0x5f0, 0xc00, 0xd80, 0xd84, 0xd8c, 0xdc0,
                                      0xe00, 0xf04, 0xf34, 0xfcc };
    for (size_t i = 0; i < G_N_ELEMENTS(holes); i++) {
        uint32_t v;
        ck_assert_msg(scs_class.read(scs, holes[i], 4, &v) == MMIO_UNASSIGNED, "read 0x%x",
                      holes[i]);
        ck_assert_msg(scs_class.write(scs, holes[i], 0, 4) == MMIO_UNASSIGNED, "write 0x%x",
                      holes[i]);
    }
}
END_TEST

START_TEST(test_word_registers_refuse_narrow_access)
{
    uint32_t v;
    ck_assert_int_eq(scs_class.read(scs, ICSR, 1, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(scs_class.write(scs, VTOR, 0x80, 2), MMIO_UNASSIGNED);
    ck_assert_int_eq(scs_class.read(scs, SYST_CSR, 2, &v), MMIO_UNASSIGNED);
    ck_assert_uint_eq(rd32(VTOR), 0);
}
END_TEST

/* ---- NVIC registers (B3.4) ------------------------------------------------------ */

START_TEST(test_iser_icer_set_and_clear_enables)
{
    wr32(ISER + 4, 0x00000005); /* IRQ 32, 34 */
    ck_assert(nvic_is_enabled(nvic, IRQ(32)));
    ck_assert(nvic_is_enabled(nvic, IRQ(34)));
    ck_assert_uint_eq(rd32(ICER + 4), 0x5);
    wr32(ICER + 4, 0x00000001);
    ck_assert(!nvic_is_enabled(nvic, IRQ(32)));
    ck_assert_uint_eq(rd32(ISER + 4), 0x4);
    wr32(ISER + 4, 0); /* zeros do nothing */
    ck_assert_uint_eq(rd32(ISER + 4), 0x4);
}
END_TEST

START_TEST(test_bits_beyond_implemented_lines_raz_wi)
{
    wr32(ISER + 8, 0xffffffff); /* IRQs 64-95 do not exist */
    ck_assert_uint_eq(rd32(ISER + 8), 0);
    wr32(ISPR + 60, 0xffffffff);
    ck_assert_uint_eq(rd32(ISPR + 60), 0);
}
END_TEST

START_TEST(test_ispr_icpr_pend_and_unpend)
{
    wr32(ISPR, 1u << 7);
    ck_assert(nvic_is_pending(nvic, IRQ(7)));
    ck_assert_uint_eq(rd32(ICPR), 1u << 7);
    wr32(ICPR, 1u << 7);
    ck_assert(!nvic_is_pending(nvic, IRQ(7)));
}
END_TEST

START_TEST(test_icpr_cannot_clear_asserted_level)
{
    IrqLine line = nvic_irq_line(nvic, 3);
    irq_raise(&line);
    wr32(ICPR, 1u << 3);
    ck_assert(nvic_is_pending(nvic, IRQ(3)));
    irq_lower(&line);
    wr32(ICPR, 1u << 3);
    ck_assert(!nvic_is_pending(nvic, IRQ(3)));
}
END_TEST

START_TEST(test_icpr_clears_asserted_line_while_active)
{
    IrqLine line = nvic_irq_line(nvic, 3);
    nvic_set_enabled(nvic, IRQ(3), true);
    irq_raise(&line);
    nvic_acknowledge(nvic, IRQ(3));
    nvic_set_pending(nvic, IRQ(3));
    wr32(ICPR, 1u << 3);
    ck_assert(!nvic_is_pending(nvic, IRQ(3)));
}
END_TEST

START_TEST(test_iabr_reads_active_and_ignores_writes)
{
    nvic_set_enabled(nvic, IRQ(33), true);
    nvic_set_pending(nvic, IRQ(33));
    nvic_acknowledge(nvic, IRQ(33));
    ck_assert_uint_eq(rd32(IABR + 4), 0x2);
    wr32(IABR + 4, 0);
    ck_assert(nvic_is_active(nvic, IRQ(33)));
}
END_TEST

START_TEST(test_nvic_bits_byte_access)
{
    wr(ISER + 1, 0x01, 1); /* IRQ 8 */
    ck_assert(nvic_is_enabled(nvic, IRQ(8)));
    ck_assert_uint_eq(rd(ISER + 1, 1), 0x01);
    ck_assert_uint_eq(rd32(ISER), 0x100);
}
END_TEST

START_TEST(test_ipr_byte_halfword_word)
{
    wr(IPR + 5, 0xa0, 1);
    ck_assert_int_eq(nvic_get_priority(nvic, IRQ(5)), 0xa0);
    wr(IPR + 6, 0xc0b0, 2);
    ck_assert_int_eq(nvic_get_priority(nvic, IRQ(6)), 0xb0);
    ck_assert_int_eq(nvic_get_priority(nvic, IRQ(7)), 0xc0);
    ck_assert_uint_eq(rd32(IPR + 4), 0xc0b0a000);
    wr32(IPR + 8, 0x40302010);
    ck_assert_uint_eq(rd(IPR + 9, 1), 0x20);
    ck_assert_uint_eq(rd(IPR + 10, 2), 0x4030);
}
END_TEST

START_TEST(test_ipr_keeps_implemented_bits)
{
    Nvic *n3 = nvic_new(8, 3);
    Scs *s3 = scs_new(n3, systick, NULL, SCS_CPUID_CORTEX_M3_R2P1);
    uint32_t v;
    scs_class.write(s3, IPR, 0xffffffff, 4);
    scs_class.read(s3, IPR, 4, &v);
    ck_assert_uint_eq(v, 0xe0e0e0e0);
    scs_class.write(s3, IPR + 8, 0xff, 1); /* IRQ 8: absent */
    scs_class.read(s3, IPR + 8, 4, &v);
    ck_assert_uint_eq(v, 0);
    scs_free(s3);
    nvic_free(n3);
}
END_TEST

START_TEST(test_stir_pends_interrupt)
{
    wr32(STIR, 37);
    ck_assert(nvic_is_pending(nvic, IRQ(37)));
    wr32(STIR, 200); /* absent line: ignored */
    ck_assert_uint_eq(rd32(ISPR + 4), 1u << 5);
    ck_assert_uint_eq(rd32(STIR), 0); /* write-only */
}
END_TEST

START_TEST(test_ictr_counts_blocks_of_32)
{
    static const struct { unsigned irqs; uint32_t ictr; } cases[] = {
        { 1, 0 }, { 32, 0 }, { 33, 1 }, { 43, 1 }, { 64, 1 }, { 496, 15 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        Nvic *n = nvic_new(cases[i].irqs, 8);
        Scs *s = scs_new(n, systick, NULL, 0);
        uint32_t v;
        scs_class.read(s, ICTR, 4, &v);
        ck_assert_uint_eq(v, cases[i].ictr);
        scs_free(s);
        nvic_free(n);
    }
}
END_TEST

/* ---- SCB (B3.2) ---------------------------------------------------------------------- */

START_TEST(test_icsr_vectpending_and_isrpending)
{
    nvic_set_enabled(nvic, IRQ(2), true);
    nvic_set_priority(nvic, IRQ(2), 0x40);
    wr32(ISPR, 1u << 2);
    uint32_t icsr = rd32(ICSR);
    ck_assert_uint_eq((icsr >> 12) & 0x1ff, IRQ(2));
    ck_assert(icsr & ICSR_ISRPENDING);
    /* a disabled pending IRQ still counts for ISRPENDING, not VECTPENDING */
    wr32(ICER, 1u << 2);
    icsr = rd32(ICSR);
    ck_assert_uint_eq((icsr >> 12) & 0x1ff, 0);
    ck_assert(icsr & ICSR_ISRPENDING);
}
END_TEST

START_TEST(test_icsr_vectactive_and_rettobase)
{
    nvic_set_pending(nvic, EXC_SVCALL);
    nvic_acknowledge(nvic, EXC_SVCALL);
    uint32_t icsr = rd32(ICSR);
    ck_assert_uint_eq(icsr & 0x1ff, EXC_SVCALL);
    ck_assert(icsr & ICSR_RETTOBASE);
    nvic_set_pending(nvic, EXC_NMI);
    nvic_acknowledge(nvic, EXC_NMI);
    icsr = rd32(ICSR);
    ck_assert_uint_eq(icsr & 0x1ff, EXC_NMI);
    ck_assert(!(icsr & ICSR_RETTOBASE));
}
END_TEST

START_TEST(test_icsr_pend_set_and_clear)
{
    wr32(ICSR, ICSR_PENDSVSET | ICSR_PENDSTSET);
    ck_assert(nvic_is_pending(nvic, EXC_PENDSV));
    ck_assert(nvic_is_pending(nvic, EXC_SYSTICK));
    uint32_t icsr = rd32(ICSR);
    ck_assert(icsr & ICSR_PENDSVSET);
    ck_assert(icsr & ICSR_PENDSTSET);
    ck_assert(!(icsr & ICSR_ISRPENDING)); /* system exceptions are not ISRs */
    wr32(ICSR, ICSR_PENDSVCLR | ICSR_PENDSTCLR);
    ck_assert(!nvic_is_pending(nvic, EXC_PENDSV));
    ck_assert(!nvic_is_pending(nvic, EXC_SYSTICK));
    wr32(ICSR, ICSR_NMIPENDSET);
    ck_assert(nvic_is_pending(nvic, EXC_NMI));
    ck_assert(rd32(ICSR) & ICSR_NMIPENDSET);
    ck_assert_uint_eq((rd32(ICSR) >> 12) & 0x1ff, EXC_NMI);
}
END_TEST

START_TEST(test_vtor_tbloff_bits)
{
    wr32(VTOR, 0xffffffff);
    ck_assert_uint_eq(rd32(VTOR), 0x3fffff80);
    ck_assert_uint_eq(nvic_scb(nvic)->vtor, 0x3fffff80);
    wr32(VTOR, 0x20000200);
    ck_assert_uint_eq(rd32(VTOR), 0x20000200);
}
END_TEST

START_TEST(test_aircr_needs_vectkey)
{
    wr32(AIRCR, (5u << 8) | SYSRESETREQ);
    ck_assert_uint_eq(nvic_prigroup(nvic), 0);
    ck_assert_uint_eq(resets_requested, 0);
    wr32(AIRCR, 0xfa050000 | (5u << 8)); /* the read key is not the write key */
    ck_assert_uint_eq(nvic_prigroup(nvic), 0);
    wr32(AIRCR, VECTKEY | (5u << 8));
    ck_assert_uint_eq(nvic_prigroup(nvic), 5);
    ck_assert_uint_eq(rd32(AIRCR), 0xfa050500);
    ck_assert_uint_eq(resets_requested, 0);
}
END_TEST

START_TEST(test_aircr_sysresetreq_requests_reset)
{
    wr32(AIRCR, VECTKEY | SYSRESETREQ);
    ck_assert_uint_eq(resets_requested, 1);
}
END_TEST

START_TEST(test_aircr_vectreset_and_vectclractive_ignored)
{
    nvic_set_pending(nvic, EXC_SVCALL);
    nvic_acknowledge(nvic, EXC_SVCALL);
    wr32(AIRCR, VECTKEY | 0x3);
    ck_assert_uint_eq(resets_requested, 0);
    ck_assert(nvic_is_active(nvic, EXC_SVCALL));
    ck_assert_uint_eq(rd32(AIRCR) & 0xffff, 0);
}
END_TEST

START_TEST(test_scr_and_ccr_writable_bits)
{
    wr32(SCR, 0xffffffff);
    ck_assert_uint_eq(rd32(SCR), 0x16);
    wr32(CCR, 0xffffffff);
    ck_assert_uint_eq(rd32(CCR), 0x31b);
    wr32(CCR, 0);
    ck_assert_uint_eq(nvic_scb(nvic)->ccr, 0);
}
END_TEST

static void count_change(void *opaque) { (*(unsigned *)opaque)++; }

/* B3.2.1, B3.4.3: unprivileged code may write STIR, and only while
 * CCR.USERSETMPEND is set; every other SCS register is privileged-only,
 * and so is the DWT (the machine turns a refusal into a BusFault). */
START_TEST(test_unprivileged_access_only_to_stir_with_usersetmpend)
{
    static const uint32_t privileged[] = { ICTR, SYST_CSR, ISER, ISPR, IPR, CPUID, ICSR, CCR,
                                           SHCSR, CFSR, DEMCR };
    for (size_t i = 0; i < G_N_ELEMENTS(privileged); i++) {
        ck_assert(!scs_class.unprivileged_ok(scs, privileged[i], false));
        ck_assert(!scs_class.unprivileged_ok(scs, privileged[i], true));
    }
    ck_assert(!scs_class.unprivileged_ok(scs, STIR, true));
    wr32(CCR, 0x202); /* STKALIGN | USERSETMPEND */
    ck_assert(scs_class.unprivileged_ok(scs, STIR, true));
    ck_assert(!scs_class.unprivileged_ok(scs, ISPR, true));
    ck_assert(!dwt_class.unprivileged_ok(dwt, 0, false));
}
END_TEST

/* The core arms its alignment checks when the firmware enables
 * UsageFault: an SHCSR write must reach it. */
START_TEST(test_shcsr_write_notifies_the_core)
{
    unsigned changes = 0;
    nvic_set_change_notify(nvic, count_change, &changes);
    wr32(SHCSR, 1u << 18); /* USGFAULTENA */
    ck_assert_uint_ge(changes, 1);
}
END_TEST

/* The core arms its divide-by-zero trap when CCR.DIV_0_TRP is set: a CCR
 * write must reach it through the NVIC's change notifier. */
START_TEST(test_ccr_write_notifies_the_core)
{
    unsigned changes = 0;
    nvic_set_change_notify(nvic, count_change, &changes);
    wr32(CCR, 0x210); /* STKALIGN | DIV_0_TRP */
    ck_assert_uint_ge(changes, 1);
    ck_assert_uint_eq(nvic_scb(nvic)->ccr & 0x10, 0x10);
}
END_TEST

/* B1.5.18: SEVONPEND makes any exception entering the pending state a WFE
 * event, whichever register pends it. */
START_TEST(test_sevonpend_events_from_register_writes)
{
    wr32(ISPR, 1u << 3);
    ck_assert(!nvic_take_event(nvic));
    wr32(SCR, 0x10);
    wr32(ISPR, 1u << 4); /* not enabled: an event all the same */
    ck_assert(nvic_take_event(nvic));
    wr32(ICSR, ICSR_PENDSVSET);
    ck_assert(nvic_take_event(nvic));
    wr32(STIR, 5);
    ck_assert(nvic_take_event(nvic));
    ck_assert(!nvic_take_event(nvic));
}
END_TEST

START_TEST(test_shpr_byte_access_and_reserved_bytes)
{
    wr(SHPR1 + 2, 0x60, 1); /* UsageFault */
    ck_assert_int_eq(nvic_get_priority(nvic, EXC_USAGEFAULT), 0x60);
    wr32(SHPR2, 0xffffffff); /* only SVCall (byte 3) exists */
    ck_assert_uint_eq(rd32(SHPR2), 0xff000000);
    wr32(SHPR3, 0xc0b0a090); /* DebugMon, reserved, PendSV, SysTick */
    ck_assert_uint_eq(rd32(SHPR3), 0xc0b00090);
    ck_assert_int_eq(nvic_get_priority(nvic, EXC_SYSTICK), 0xc0);
    ck_assert_uint_eq(rd(SHPR3 + 3, 1), 0xc0);
    ck_assert_uint_eq(rd(SHPR3 + 2, 2), 0xc0b0);
    wr32(SHPR1, 0xff302010);
    ck_assert_uint_eq(rd32(SHPR1), 0x00302010);
}
END_TEST

START_TEST(test_shcsr_enables_pended_active)
{
    wr32(SHCSR, (1u << 16) | (1u << 17) | (1u << 18));
    ck_assert(nvic_is_enabled(nvic, EXC_MEMMANAGE));
    ck_assert(nvic_is_enabled(nvic, EXC_BUSFAULT));
    ck_assert(nvic_is_enabled(nvic, EXC_USAGEFAULT));
    nvic_set_pending(nvic, EXC_SVCALL);
    nvic_set_pending(nvic, EXC_BUSFAULT);
    nvic_set_pending(nvic, EXC_SYSTICK);
    nvic_acknowledge(nvic, EXC_SYSTICK);
    ck_assert_uint_eq(rd32(SHCSR), 0x00078000 | (1u << 14) | (1u << 11));
    wr32(SHCSR, (1u << 17) | (1u << 12) | (1u << 10));
    ck_assert(!nvic_is_pending(nvic, EXC_SVCALL));
    ck_assert(!nvic_is_pending(nvic, EXC_BUSFAULT));
    ck_assert(nvic_is_pending(nvic, EXC_USAGEFAULT));
    ck_assert(!nvic_is_active(nvic, EXC_SYSTICK));
    ck_assert(nvic_is_active(nvic, EXC_PENDSV));
    ck_assert(!nvic_is_enabled(nvic, EXC_MEMMANAGE));
    ck_assert_uint_eq(rd32(SHCSR), (1u << 17) | (1u << 12) | (1u << 10));
}
END_TEST

START_TEST(test_shcsr_halfword_write_of_enables)
{
    nvic_set_pending(nvic, EXC_SVCALL);
    wr(SHCSR + 2, 0x0007, 2); /* ARM's recommended way to enable the faults */
    ck_assert_uint_eq(rd32(SHCSR), 0x00078000);
    ck_assert(nvic_is_pending(nvic, EXC_SVCALL)); /* other lanes untouched */
    ck_assert_uint_eq(rd(SHCSR + 2, 1), 0x07);
    wr(SHCSR + 2, 0x02, 1);
    ck_assert(!nvic_is_enabled(nvic, EXC_MEMMANAGE));
    ck_assert(nvic_is_enabled(nvic, EXC_BUSFAULT));
}
END_TEST

START_TEST(test_cfsr_write_one_to_clear)
{
    nvic_scb(nvic)->cfsr = CFSR_DACCVIOL | CFSR_MMARVALID | CFSR_PRECISERR | CFSR_BFARVALID |
                           CFSR_UNDEFINSTR | CFSR_DIVBYZERO;
    wr32(CFSR, CFSR_DACCVIOL | CFSR_UNDEFINSTR);
    ck_assert_uint_eq(rd32(CFSR),
                      CFSR_MMARVALID | CFSR_PRECISERR | CFSR_BFARVALID | CFSR_DIVBYZERO);
}
END_TEST

START_TEST(test_cfsr_subregister_access)
{
    nvic_scb(nvic)->cfsr = 0x02008282;
    ck_assert_uint_eq(rd(CFSR, 1), 0x82);     /* MMFSR */
    ck_assert_uint_eq(rd(CFSR + 1, 1), 0x82); /* BFSR */
    ck_assert_uint_eq(rd(CFSR + 2, 2), 0x0200); /* UFSR */
    wr(CFSR + 1, 0x80, 1); /* BFARVALID */
    ck_assert_uint_eq(nvic_scb(nvic)->cfsr, 0x02000282);
    wr(CFSR + 2, 0x0200, 2); /* DIVBYZERO */
    ck_assert_uint_eq(nvic_scb(nvic)->cfsr, 0x00000282);
    wr(CFSR, 0xff, 1);
    ck_assert_uint_eq(nvic_scb(nvic)->cfsr, 0x00000200);
}
END_TEST

START_TEST(test_hfsr_dfsr_write_one_to_clear)
{
    nvic_scb(nvic)->hfsr = HFSR_FORCED | HFSR_VECTTBL;
    nvic_scb(nvic)->dfsr = 0x1f;
    wr32(HFSR, HFSR_FORCED);
    wr32(DFSR, 0x3);
    ck_assert_uint_eq(rd32(HFSR), HFSR_VECTTBL);
    ck_assert_uint_eq(rd32(DFSR), 0x1c);
}
END_TEST

START_TEST(test_fault_addresses_read_write)
{
    wr32(MMFAR, 0x12345678);
    wr32(BFAR, 0x9abcdef0);
    ck_assert_uint_eq(rd32(MMFAR), 0x12345678);
    ck_assert_uint_eq(nvic_scb(nvic)->bfar, 0x9abcdef0);
}
END_TEST

START_TEST(test_read_only_and_raz_wi_registers)
{
    wr32(CPUID, 0);
    wr32(CPACR, 0x00f00000);
    wr32(0xd40, 0);
    wr32(ICTR, 0xf);
    wr32(MPU_TYPE, 0x800);
    ck_assert_uint_eq(rd32(CPUID), 0x412fc231);
    ck_assert_uint_eq(rd32(CPACR), 0);
    ck_assert_uint_eq(rd32(0xd40), 0x30);
    ck_assert_uint_eq(rd32(ICTR), 1);
    ck_assert_uint_eq(rd32(MPU_TYPE), 0);
    wr32(0xfe0, 0x55);
    ck_assert_uint_eq(rd32(0xfe0), 0);
}
END_TEST

START_TEST(test_actlr_stores_m3_bits)
{
    wr32(ACTLR, 0xffffffff);
    ck_assert_uint_eq(rd32(ACTLR), 0x7);
}
END_TEST

/* ---- CoreDebug (C1.6) ------------------------------------------------------------------ */

START_TEST(test_dhcsr_no_debugger)
{
    wr32(DHCSR, 0xa05f0003); /* C_DEBUGEN | C_HALT: DAP-only */
    ck_assert_uint_eq(rd32(DHCSR), 0);
}
END_TEST

START_TEST(test_demcr_stores_and_drives_debugmonitor)
{
    wr32(DEMCR, 0xffffffff & ~DEMCR_MON_PEND);
    ck_assert_uint_eq(rd32(DEMCR), 0x010d07f1);
    ck_assert(nvic_is_enabled(nvic, EXC_DEBUGMON));
    wr32(DEMCR, DEMCR_MON_EN | DEMCR_MON_PEND);
    ck_assert(nvic_is_pending(nvic, EXC_DEBUGMON));
    ck_assert_uint_eq(rd32(DEMCR), DEMCR_MON_EN | DEMCR_MON_PEND);
    wr32(DEMCR, 0);
    ck_assert(!nvic_is_pending(nvic, EXC_DEBUGMON));
    ck_assert(!nvic_is_enabled(nvic, EXC_DEBUGMON));
}
END_TEST

START_TEST(test_dcrdr_read_write)
{
    wr32(DCRDR, 0xcafef00d);
    ck_assert_uint_eq(rd32(DCRDR), 0xcafef00d);
}
END_TEST

/* ---- SysTick through the SCS ---------------------------------------------------------- */

START_TEST(test_systick_delegated)
{
    wr32(SYST_RVR, 0x1ffffff);
    ck_assert_uint_eq(rd32(SYST_RVR), 0xffffff);
    wr32(SYST_CSR, 0x7);
    clock_set_insns(vclock, 10);
    ck_assert_uint_eq(rd32(SYST_CVR), 0xffffff - 9);
    ck_assert_uint_eq(rd32(SYST_CSR), 0x7);
}
END_TEST

START_TEST(test_scs_reset_resets_systick)
{
    wr32(SYST_RVR, 100);
    wr32(SYST_CSR, 0x7);
    scs_class.reset(scs);
    ck_assert_uint_eq(rd32(SYST_CSR), 0);
    ck_assert_uint_eq(rd32(SYST_RVR), 0);
    ck_assert_uint_eq(clock_next_deadline(vclock), CLOCK_NEVER);
}
END_TEST

/* ---- DWT (C1.8) -------------------------------------------------------------------------- */

START_TEST(test_dwt_reset_values)
{
    ck_assert_uint_eq(dwt_rd(DWT_CTRL), 0x0d000000); /* NUMCOMP 0, CYCCNT present */
    ck_assert_uint_eq(dwt_rd(DWT_CYCCNT), 0);
    ck_assert_uint_eq(dwt_rd(0xfd0), 0x04);
    ck_assert_uint_eq(dwt_rd(0xfe0), 0x02);
    ck_assert_uint_eq(dwt_rd(0xfe4), 0xb0);
    ck_assert_uint_eq(dwt_rd(0xffc), 0xb1);
    uint32_t v;
    ck_assert_int_eq(dwt_class.read(dwt, 0x020, 4, &v), MMIO_UNASSIGNED); /* no COMP0 */
}
END_TEST

START_TEST(test_cyccnt_counts_only_with_trcena_and_cyccntena)
{
    dwt_class.write(dwt, DWT_CTRL, DWT_CYCCNTENA, 4);
    clock_set_insns(vclock, 100);
    ck_assert_uint_eq(dwt_rd(DWT_CYCCNT), 0); /* TRCENA clear */
    wr32(DEMCR, DEMCR_TRCENA);
    clock_set_insns(vclock, 350);
    ck_assert_uint_eq(dwt_rd(DWT_CYCCNT), 250);
    dwt_class.write(dwt, DWT_CTRL, 0, 4);
    clock_set_insns(vclock, 500);
    ck_assert_uint_eq(dwt_rd(DWT_CYCCNT), 250); /* frozen */
    dwt_class.write(dwt, DWT_CTRL, DWT_CYCCNTENA, 4);
    clock_set_insns(vclock, 510);
    ck_assert_uint_eq(dwt_rd(DWT_CYCCNT), 260);
    wr32(DEMCR, 0);
    clock_set_insns(vclock, 600);
    ck_assert_uint_eq(dwt_rd(DWT_CYCCNT), 260);
}
END_TEST

START_TEST(test_cyccnt_write_and_wrap)
{
    wr32(DEMCR, DEMCR_TRCENA);
    dwt_class.write(dwt, DWT_CTRL, DWT_CYCCNTENA, 4);
    dwt_class.write(dwt, DWT_CYCCNT, 0xfffffff0, 4);
    clock_set_insns(vclock, 0x20);
    ck_assert_uint_eq(dwt_rd(DWT_CYCCNT), 0x10);
}
END_TEST

START_TEST(test_cyccnt_runs_on_across_a_cpu_clock_change)
{
    wr32(DEMCR, DEMCR_TRCENA);
    dwt_class.write(dwt, DWT_CTRL, DWT_CYCCNTENA, 4);
    clock_set_insns(vclock, 100);
    clock_set_cpu_hz(vclock, 50000000);
    ck_assert_uint_eq(dwt_rd(DWT_CYCCNT), 100);
    clock_set_insns(vclock, 150);
    ck_assert_uint_eq(dwt_rd(DWT_CYCCNT), 150); /* one per instruction still */
    clock_warp_to(vclock, clock_ns(vclock) + 1000); /* 1 us idle at 50 MHz */
    ck_assert_uint_eq(dwt_rd(DWT_CYCCNT), 200);
}
END_TEST

START_TEST(test_dwt_profiling_counters_raz_wi)
{
    dwt_class.write(dwt, DWT_CPICNT, 0xff, 4);
    ck_assert_uint_eq(dwt_rd(DWT_CPICNT), 0);
}
END_TEST

static Suite *scs_suite(void)
{
    Suite *s = suite_create("scs");
    TCase *tc;

    tc = tcase_create("reset values");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_reset_value, 0, G_N_ELEMENTS(reset_values));
    tcase_add_test(tc, test_reset_restores_values);
    tcase_add_test(tc, test_unknown_offsets_unassigned);
    tcase_add_test(tc, test_word_registers_refuse_narrow_access);
    suite_add_tcase(s, tc);

    tc = tcase_create("nvic registers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_iser_icer_set_and_clear_enables);
    tcase_add_test(tc, test_bits_beyond_implemented_lines_raz_wi);
    tcase_add_test(tc, test_ispr_icpr_pend_and_unpend);
    tcase_add_test(tc, test_icpr_cannot_clear_asserted_level);
    tcase_add_test(tc, test_icpr_clears_asserted_line_while_active);
    tcase_add_test(tc, test_iabr_reads_active_and_ignores_writes);
    tcase_add_test(tc, test_nvic_bits_byte_access);
    tcase_add_test(tc, test_ipr_byte_halfword_word);
    tcase_add_test(tc, test_ipr_keeps_implemented_bits);
    tcase_add_test(tc, test_stir_pends_interrupt);
    tcase_add_test(tc, test_ictr_counts_blocks_of_32);
    suite_add_tcase(s, tc);

    tc = tcase_create("scb registers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_icsr_vectpending_and_isrpending);
    tcase_add_test(tc, test_icsr_vectactive_and_rettobase);
    tcase_add_test(tc, test_icsr_pend_set_and_clear);
    tcase_add_test(tc, test_vtor_tbloff_bits);
    tcase_add_test(tc, test_aircr_needs_vectkey);
    tcase_add_test(tc, test_aircr_sysresetreq_requests_reset);
    tcase_add_test(tc, test_aircr_vectreset_and_vectclractive_ignored);
    tcase_add_test(tc, test_scr_and_ccr_writable_bits);
    tcase_add_test(tc, test_ccr_write_notifies_the_core);
    tcase_add_test(tc, test_shcsr_write_notifies_the_core);
    tcase_add_test(tc, test_unprivileged_access_only_to_stir_with_usersetmpend);
    tcase_add_test(tc, test_sevonpend_events_from_register_writes);
    tcase_add_test(tc, test_shpr_byte_access_and_reserved_bytes);
    tcase_add_test(tc, test_shcsr_enables_pended_active);
    tcase_add_test(tc, test_shcsr_halfword_write_of_enables);
    tcase_add_test(tc, test_cfsr_write_one_to_clear);
    tcase_add_test(tc, test_cfsr_subregister_access);
    tcase_add_test(tc, test_hfsr_dfsr_write_one_to_clear);
    tcase_add_test(tc, test_fault_addresses_read_write);
    tcase_add_test(tc, test_read_only_and_raz_wi_registers);
    tcase_add_test(tc, test_actlr_stores_m3_bits);
    suite_add_tcase(s, tc);

    tc = tcase_create("core debug");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_dhcsr_no_debugger);
    tcase_add_test(tc, test_demcr_stores_and_drives_debugmonitor);
    tcase_add_test(tc, test_dcrdr_read_write);
    suite_add_tcase(s, tc);

    tc = tcase_create("systick");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_systick_delegated);
    tcase_add_test(tc, test_scs_reset_resets_systick);
    suite_add_tcase(s, tc);

    tc = tcase_create("dwt");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_dwt_reset_values);
    tcase_add_test(tc, test_cyccnt_counts_only_with_trcena_and_cyccntena);
    tcase_add_test(tc, test_cyccnt_write_and_wrap);
    tcase_add_test(tc, test_cyccnt_runs_on_across_a_cpu_clock_change);
    tcase_add_test(tc, test_dwt_profiling_counters_raz_wi);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(scs_suite());
}
