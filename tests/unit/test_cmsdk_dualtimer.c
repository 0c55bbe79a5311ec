/* CMSDK APB dual timer (DDI 0479C 4.5, QEMU's cmsdk-apb-dualtimer),
 * driven through its register window on a virtual clock. TIMCLK and the
 * CPU clock are both 25 MHz as on mps2-an385: one instruction, one tick. */
#include <check.h>
#include <stdlib.h>

#include "clock.h"
#include "cmsdk_dualtimer.h"
#include "device_test.h"
#include "unit_main.h"

#define HZ 25000000u
#define NS_PER_TICK 40u

/* counter 1 registers; counter 2's are 0x20 above */
enum {
    LOAD = 0x00,
    VALUE = 0x04,
    CONTROL = 0x08,
    INTCLR = 0x0C,
    RIS = 0x10,
    MIS = 0x14,
    BGLOAD = 0x18,
    TIMER2 = 0x20,
    TIMERITCR = 0xF00,
    TIMERITOP = 0xF04,
};
#define ONESHOT 0x01u
#define SIZE32 0x02u
#define PRESCALE16 0x04u
#define PRESCALE256 0x08u
#define INTEN 0x20u
#define PERIODIC 0x40u
#define ENABLE 0x80u

static TestClock vt;
static CmsdkDualTimer *dt;
static IrqProbe irq;

static void setup(void)
{
    test_clock_init(&vt, HZ);
    dt = cmsdk_dualtimer_new("dualtimer", vt.clock, HZ, irq_probe_line(&irq));
}

static void teardown(void)
{
    cmsdk_dualtimer_class.destroy(dt);
    clock_free(vt.clock);
}

static void advance(uint64_t ticks) { test_clock_advance(&vt, ticks); }
static uint32_t rd(uint32_t offset) { return mmio_read32(&cmsdk_dualtimer_class, dt, offset); }
static void wr(uint32_t offset, uint32_t value)
{
    mmio_write32(&cmsdk_dualtimer_class, dt, offset, value);
}

/* A 32-bit periodic counter with interrupts, reloading `load`. */
static void start_periodic(uint32_t base, uint32_t load, uint32_t extra)
{
    wr(base + LOAD, load);
    wr(base + CONTROL, ENABLE | PERIODIC | INTEN | SIZE32 | extra);
}

/* ---- reset and identification --------------------------------------- */

START_TEST(reset_leaves_disabled_free_running_16bit_counters)
{
    for (uint32_t base = 0; base <= TIMER2; base += TIMER2) {
        ck_assert_uint_eq(rd(base + CONTROL), INTEN);
        ck_assert_uint_eq(rd(base + VALUE), 0xFFFFFFFF);
        ck_assert_uint_eq(rd(base + LOAD), 0);
        ck_assert_uint_eq(rd(base + BGLOAD), 0);
        ck_assert_uint_eq(rd(base + RIS), 0);
        ck_assert_uint_eq(rd(base + MIS), 0);
    }
    ck_assert_uint_eq(rd(TIMERITCR), 0);
    advance(100000);
    ck_assert_uint_eq(rd(VALUE), 0xFFFFFFFF);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), CLOCK_NEVER);
}
END_TEST

START_TEST(id_registers_hold_the_dual_timer_values)
{
    static const uint32_t id[] = { 0x04, 0x00, 0x00, 0x00, 0x23, 0xb8,
                                   0x1b, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    for (unsigned i = 0; i < 12; i++)
        ck_assert_uint_eq(rd(0xFD0 + 4 * i), id[i]);
    ck_assert_str_eq(cmsdk_dualtimer_class.type, "cmsdk-apb-dualtimer");
}
END_TEST

START_TEST(a_reset_stops_both_counters_and_lowers_the_line)
{
    start_periodic(0, 10, 0);
    start_periodic(TIMER2, 20, 0);
    advance(10);
    ck_assert(irq.level);
    cmsdk_dualtimer_class.reset(dt);
    ck_assert(!irq.level);
    ck_assert_uint_eq(rd(CONTROL), INTEN);
    ck_assert_uint_eq(rd(TIMER2 + VALUE), 0xFFFFFFFF);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), CLOCK_NEVER);
}
END_TEST

/* ---- modes ------------------------------------------------------------ */

START_TEST(a_free_running_16bit_counter_wraps_every_65536_ticks)
{
    wr(CONTROL, ENABLE | INTEN);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 0xFFFFFFFE); /* top half from reset VALUE */
    advance(0xFFFE);
    ck_assert_uint_eq(rd(VALUE), 0xFFFF0000);
    ck_assert_uint_eq(rd(RIS), 1);
    ck_assert(irq.level);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 0xFFFFFFFF);
    wr(INTCLR, 0);
    advance(0xFFFF);
    ck_assert_uint_eq(irq.rises, 2);
}
END_TEST

START_TEST(a_free_running_32bit_counter_counts_from_load)
{
    wr(CONTROL, SIZE32 | INTEN);
    wr(LOAD, 1000); /* in free-running mode LOAD sets the count */
    wr(CONTROL, ENABLE | SIZE32 | INTEN);
    advance(1000);
    ck_assert_uint_eq(irq.rises, 1);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 0xFFFFFFFF); /* wraps, does not reload */
    ck_assert_uint_eq(rd(LOAD), 1000);
}
END_TEST

START_TEST(a_periodic_counter_expires_every_load_plus_one_ticks)
{
    start_periodic(0, 1000, 0);
    ck_assert_uint_eq(rd(VALUE), 1000);
    advance(999);
    ck_assert_uint_eq(rd(VALUE), 1);
    ck_assert_uint_eq(rd(RIS), 0);
    advance(1);
    ck_assert_uint_eq(rd(RIS), 1);
    ck_assert_uint_eq(rd(MIS), 1);
    ck_assert(irq.level);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 1000);
    wr(INTCLR, 1);
    ck_assert(!irq.level);
    advance(1000);
    ck_assert_uint_eq(irq.rises, 2);
}
END_TEST

START_TEST(a_oneshot_counter_expires_once_and_stops_at_zero)
{
    wr(CONTROL, SIZE32 | INTEN);
    wr(LOAD, 10);
    wr(CONTROL, ENABLE | ONESHOT | SIZE32 | INTEN);
    advance(10);
    ck_assert_uint_eq(irq.rises, 1);
    wr(INTCLR, 1);
    advance(100000);
    ck_assert_uint_eq(rd(VALUE), 0);
    ck_assert_uint_eq(irq.rises, 1);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), CLOCK_NEVER);
}
END_TEST

START_TEST(an_expired_oneshot_restarts_when_made_periodic)
{
    wr(CONTROL, SIZE32 | INTEN | PERIODIC);
    wr(LOAD, 10);
    wr(CONTROL, ENABLE | ONESHOT | PERIODIC | SIZE32 | INTEN);
    advance(10);
    wr(INTCLR, 1);
    wr(CONTROL, ENABLE | PERIODIC | SIZE32 | INTEN); /* ENABLE was already set */
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 10);
    advance(10);
    ck_assert_uint_eq(irq.rises, 2);
}
END_TEST

START_TEST(the_prescaler_divides_timclk_by_16_or_256)
{
    start_periodic(0, 10, PRESCALE16);
    advance(16 * 10 - 1);
    ck_assert_uint_eq(rd(VALUE), 1);
    advance(1);
    ck_assert_uint_eq(irq.rises, 1);

    start_periodic(TIMER2, 10, PRESCALE256);
    advance(256 * 5);
    ck_assert_uint_eq(rd(TIMER2 + VALUE), 5);
    advance(256 * 5 - 1);
    ck_assert_uint_eq(rd(TIMER2 + VALUE), 1);
    ck_assert_uint_eq(rd(TIMER2 + RIS), 0);
    advance(1);
    ck_assert_uint_eq(rd(TIMER2 + RIS), 1);
}
END_TEST

START_TEST(prescale_0b11_is_treated_as_256)
{
    start_periodic(0, 4, PRESCALE16 | PRESCALE256);
    ck_assert_uint_eq(rd(CONTROL) & 0x0C, 0x0C);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), 256 * 4 * NS_PER_TICK);
}
END_TEST

START_TEST(clearing_enable_freezes_the_count)
{
    start_periodic(0, 100, 0);
    advance(30);
    wr(CONTROL, PERIODIC | SIZE32 | INTEN);
    advance(1000);
    ck_assert_uint_eq(rd(VALUE), 70);
    ck_assert_uint_eq(irq.calls, 0);
}
END_TEST

/* ---- LOAD, BGLOAD and width ------------------------------------------ */

START_TEST(load_restarts_a_running_periodic_counter_which_stays_periodic)
{
    /* QEMU turns the counter one-shot here; the TRM does not */
    start_periodic(0, 1000, 0);
    advance(10);
    wr(LOAD, 20);
    ck_assert_uint_eq(rd(VALUE), 20);
    advance(20);
    ck_assert_uint_eq(irq.rises, 1);
    wr(INTCLR, 1);
    advance(21);
    ck_assert_uint_eq(irq.rises, 2);
}
END_TEST

START_TEST(bgload_changes_the_reload_value_but_not_the_count)
{
    start_periodic(0, 100, 0);
    advance(10);
    wr(BGLOAD, 50);
    ck_assert_uint_eq(rd(VALUE), 90);
    ck_assert_uint_eq(rd(LOAD), 50);
    advance(90);
    ck_assert_uint_eq(irq.rises, 1);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 50);
}
END_TEST

START_TEST(load_zero_stops_a_periodic_counter)
{
    start_periodic(0, 100, 0);
    advance(10);
    wr(LOAD, 0);
    advance(1000);
    ck_assert_uint_eq(rd(VALUE), 0);
    ck_assert_uint_eq(irq.calls, 0);
}
END_TEST

START_TEST(a_16bit_counter_uses_the_low_half_of_load)
{
    wr(CONTROL, PERIODIC | INTEN);
    wr(LOAD, 0x12345);
    ck_assert_uint_eq(rd(LOAD), 0x12345);
    ck_assert_uint_eq(rd(VALUE), 0x12345); /* top half shows LOAD's */
    wr(CONTROL, ENABLE | PERIODIC | INTEN);
    advance(0x2345);
    ck_assert_uint_eq(rd(VALUE), 0x10000);
    ck_assert_uint_eq(irq.rises, 1);
}
END_TEST

START_TEST(switching_width_keeps_the_top_half_aside)
{
    wr(CONTROL, SIZE32 | INTEN);
    wr(LOAD, 0xABCD1234);
    wr(CONTROL, INTEN); /* 32 -> 16 */
    ck_assert_uint_eq(rd(VALUE), 0xABCD1234);
    wr(CONTROL, SIZE32 | INTEN); /* 16 -> 32 */
    ck_assert_uint_eq(rd(VALUE), 0xABCD1234);
}
END_TEST

/* ---- interrupts -------------------------------------------------------- */

START_TEST(mis_is_ris_masked_by_inten_and_drives_the_line)
{
    start_periodic(0, 10, 0);
    wr(CONTROL, ENABLE | PERIODIC | SIZE32); /* INTEN off */
    advance(10);
    ck_assert_uint_eq(rd(RIS), 1);
    ck_assert_uint_eq(rd(MIS), 0);
    ck_assert(!irq.level);
    wr(CONTROL, ENABLE | PERIODIC | SIZE32 | INTEN);
    ck_assert_uint_eq(rd(MIS), 1);
    ck_assert(irq.level);
    wr(CONTROL, ENABLE | PERIODIC | SIZE32);
    ck_assert(!irq.level);
}
END_TEST

START_TEST(the_line_is_the_or_of_both_counters)
{
    start_periodic(0, 10, 0);
    start_periodic(TIMER2, 15, 0);
    advance(10);
    ck_assert(irq.level);
    advance(5);
    ck_assert_uint_eq(rd(TIMER2 + MIS), 1);
    wr(INTCLR, 1);
    ck_assert(irq.level); /* counter 2 still asserts */
    wr(TIMER2 + INTCLR, 1);
    ck_assert(!irq.level);
    ck_assert_uint_eq(irq.rises, 1);
}
END_TEST

START_TEST(integration_test_mode_drives_the_line_from_itop)
{
    wr(TIMERITCR, 1);
    ck_assert_uint_eq(rd(TIMERITCR), 1);
    wr(TIMERITOP, 2);
    ck_assert(irq.level);
    wr(TIMERITOP, 0);
    ck_assert(!irq.level);
    start_periodic(0, 10, 0);
    advance(10);
    ck_assert(!irq.level); /* the counters are ignored */
    wr(TIMERITCR, 0);
    ck_assert(irq.level);
}
END_TEST

START_TEST(a_register_access_sees_an_expiry_not_yet_run_by_the_clock)
{
    start_periodic(TIMER2, 10, 0);
    test_clock_skip(&vt, 12); /* past the deadline, no clock_run_due */
    ck_assert_uint_eq(rd(TIMER2 + RIS), 1);
    ck_assert(irq.level);
}
END_TEST

/* ---- access rules ------------------------------------------------------ */

START_TEST(subword_reads_return_the_addressed_bytes)
{
    uint32_t v;
    wr(LOAD, 0x11223344);
    ck_assert_int_eq(cmsdk_dualtimer_class.read(dt, LOAD + 1, 1, &v), MMIO_OK);
    ck_assert_uint_eq(v, 0x33);
    ck_assert_int_eq(cmsdk_dualtimer_class.read(dt, LOAD + 2, 2, &v), MMIO_OK);
    ck_assert_uint_eq(v, 0x1122);
    ck_assert_int_eq(cmsdk_dualtimer_class.read(dt, 0xFE0, 1, &v), MMIO_OK);
    ck_assert_uint_eq(v, 0x23);
}
END_TEST

START_TEST(subword_writes_store_zeros_around_the_bytes)
{
    wr(BGLOAD, 0xFFFFFFFF);
    ck_assert_int_eq(cmsdk_dualtimer_class.write(dt, BGLOAD + 1, 0xAB, 1), MMIO_OK);
    ck_assert_uint_eq(rd(BGLOAD), 0x0000AB00);
    ck_assert_int_eq(cmsdk_dualtimer_class.write(dt, CONTROL, ENABLE | INTEN, 1), MMIO_OK);
    ck_assert_uint_eq(rd(CONTROL), ENABLE | INTEN);
}
END_TEST

START_TEST(write_only_read_only_and_absent_registers_are_unassigned)
{
    uint32_t v = 0xDEADBEEF;
    ck_assert_int_eq(cmsdk_dualtimer_class.read(dt, INTCLR, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_dualtimer_class.read(dt, TIMERITOP, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_dualtimer_class.read(dt, 0x1C, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_dualtimer_class.read(dt, 0x40, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_dualtimer_class.read(dt, 0xF08, 4, &v), MMIO_UNASSIGNED);
    ck_assert_uint_eq(v, 0xDEADBEEF);
    ck_assert_int_eq(cmsdk_dualtimer_class.write(dt, VALUE, 1, 4), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_dualtimer_class.write(dt, RIS, 1, 4), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_dualtimer_class.write(dt, MIS, 1, 4), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_dualtimer_class.write(dt, 0xFE0, 1, 4), MMIO_UNASSIGNED);
    ck_assert_uint_eq(rd(VALUE), 0xFFFFFFFF);
}
END_TEST

START_TEST(control_keeps_only_its_defined_bits)
{
    wr(CONTROL, 0xFFFFFFFF & ~ENABLE);
    ck_assert_uint_eq(rd(CONTROL), 0x6F);
}
END_TEST

static Suite *cmsdk_dualtimer_suite(void)
{
    Suite *s = suite_create("cmsdk_dualtimer");
    TCase *tc = tcase_create("reset and identification");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reset_leaves_disabled_free_running_16bit_counters);
    tcase_add_test(tc, id_registers_hold_the_dual_timer_values);
    tcase_add_test(tc, a_reset_stops_both_counters_and_lowers_the_line);
    suite_add_tcase(s, tc);

    tc = tcase_create("modes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_free_running_16bit_counter_wraps_every_65536_ticks);
    tcase_add_test(tc, a_free_running_32bit_counter_counts_from_load);
    tcase_add_test(tc, a_periodic_counter_expires_every_load_plus_one_ticks);
    tcase_add_test(tc, a_oneshot_counter_expires_once_and_stops_at_zero);
    tcase_add_test(tc, an_expired_oneshot_restarts_when_made_periodic);
    tcase_add_test(tc, the_prescaler_divides_timclk_by_16_or_256);
    tcase_add_test(tc, prescale_0b11_is_treated_as_256);
    tcase_add_test(tc, clearing_enable_freezes_the_count);
    suite_add_tcase(s, tc);

    tc = tcase_create("LOAD, BGLOAD and width");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, load_restarts_a_running_periodic_counter_which_stays_periodic);
    tcase_add_test(tc, bgload_changes_the_reload_value_but_not_the_count);
    tcase_add_test(tc, load_zero_stops_a_periodic_counter);
    tcase_add_test(tc, a_16bit_counter_uses_the_low_half_of_load);
    tcase_add_test(tc, switching_width_keeps_the_top_half_aside);
    suite_add_tcase(s, tc);

    tc = tcase_create("interrupts");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, mis_is_ris_masked_by_inten_and_drives_the_line);
    tcase_add_test(tc, the_line_is_the_or_of_both_counters);
    tcase_add_test(tc, integration_test_mode_drives_the_line_from_itop);
    tcase_add_test(tc, a_register_access_sees_an_expiry_not_yet_run_by_the_clock);
    suite_add_tcase(s, tc);

    tc = tcase_create("access rules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, subword_reads_return_the_addressed_bytes);
    tcase_add_test(tc, subword_writes_store_zeros_around_the_bytes);
    tcase_add_test(tc, write_only_read_only_and_absent_registers_are_unassigned);
    tcase_add_test(tc, control_keeps_only_its_defined_bits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(cmsdk_dualtimer_suite());
}
