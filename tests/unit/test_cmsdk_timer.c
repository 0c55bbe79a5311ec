/* CMSDK APB timer (DDI 0479C 4.4, QEMU's cmsdk-apb-timer), driven
 * through its register window on a virtual clock. The CPU clock and PCLK
 * are both 25 MHz as on mps2-an385, so one instruction is one timer tick
 * (40 ns). */
#include <check.h>
#include <stdlib.h>

#include "clock.h"
#include "cmsdk_timer.h"
#include "device_test.h"
#include "unit_main.h"

#define HZ 25000000u
#define NS_PER_TICK 40u

enum {
    CTRL = 0x00,
    VALUE = 0x04,
    RELOAD = 0x08,
    INTSTATUS = 0x0C,
};
#define EN 0x1u
#define SELEXTEN 0x2u
#define SELEXTCLK 0x4u
#define IRQEN 0x8u

static TestClock vt;
static CmsdkTimer *timer;
static IrqProbe irq;

static void setup(void)
{
    test_clock_init(&vt, HZ);
    timer = cmsdk_timer_new("timer0", vt.clock, HZ, irq_probe_line(&irq));
}

static void teardown(void)
{
    cmsdk_timer_class.destroy(timer);
    clock_free(vt.clock);
}

static void advance(uint64_t ticks) { test_clock_advance(&vt, ticks); }
static uint32_t rd(uint32_t offset) { return mmio_read32(&cmsdk_timer_class, timer, offset); }
static void wr(uint32_t offset, uint32_t value)
{
    mmio_write32(&cmsdk_timer_class, timer, offset, value);
}

/* ---- reset and identification --------------------------------------- */

START_TEST(reset_leaves_a_stopped_timer_with_zero_registers)
{
    ck_assert_uint_eq(rd(CTRL), 0);
    ck_assert_uint_eq(rd(VALUE), 0);
    ck_assert_uint_eq(rd(RELOAD), 0);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    advance(1000);
    ck_assert_uint_eq(rd(VALUE), 0);
    ck_assert_uint_eq(irq.calls, 0);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), CLOCK_NEVER);
}
END_TEST

START_TEST(id_registers_hold_the_cmsdk_timer_values)
{
    static const uint32_t id[] = { 0x04, 0x00, 0x00, 0x00, 0x22, 0xb8,
                                   0x1b, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    for (unsigned i = 0; i < 12; i++)
        ck_assert_uint_eq(rd(0xFD0 + 4 * i), id[i]);
}
END_TEST

START_TEST(a_reset_stops_the_timer_and_lowers_the_line)
{
    wr(RELOAD, 10);
    wr(CTRL, EN | IRQEN);
    advance(10);
    ck_assert(irq.level);
    cmsdk_timer_class.reset(timer);
    ck_assert(!irq.level);
    ck_assert_uint_eq(rd(CTRL), 0);
    ck_assert_uint_eq(rd(RELOAD), 0);
    ck_assert_uint_eq(rd(VALUE), 0);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), CLOCK_NEVER);
}
END_TEST

/* ---- counting ------------------------------------------------------- */

START_TEST(value_counts_down_once_per_pclk_tick)
{
    wr(RELOAD, 1000);
    ck_assert_uint_eq(rd(VALUE), 1000); /* writing RELOAD loads the count */
    wr(CTRL, EN);
    ck_assert_uint_eq(rd(VALUE), 1000);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 999);
    advance(100);
    ck_assert_uint_eq(rd(VALUE), 899);
}
END_TEST

START_TEST(value_counts_at_pclk_not_at_the_cpu_clock)
{
    CmsdkTimer *slow = cmsdk_timer_new(NULL, vt.clock, HZ / 2, (IrqLine){ 0 });
    uint32_t v;
    cmsdk_timer_class.write(slow, RELOAD, 1000, 4);
    cmsdk_timer_class.write(slow, CTRL, EN, 4);
    advance(100); /* 4 us: 50 ticks of 12.5 MHz */
    cmsdk_timer_class.read(slow, VALUE, 4, &v);
    ck_assert_uint_eq(v, 950);
    cmsdk_timer_class.destroy(slow);
}
END_TEST

START_TEST(a_disabled_timer_holds_its_value)
{
    wr(RELOAD, 100);
    wr(CTRL, EN);
    advance(30);
    wr(CTRL, 0);
    ck_assert_uint_eq(rd(VALUE), 70);
    advance(500);
    ck_assert_uint_eq(rd(VALUE), 70);
    wr(CTRL, EN);
    advance(20);
    ck_assert_uint_eq(rd(VALUE), 50);
}
END_TEST

START_TEST(the_expiry_is_armed_on_the_clock_for_the_zero_tick)
{
    wr(RELOAD, 100);
    wr(CTRL, EN | IRQEN);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), 100 * NS_PER_TICK);
    wr(CTRL, 0);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), CLOCK_NEVER);
}
END_TEST

/* ---- expiry and interrupt ------------------------------------------- */

START_TEST(reaching_zero_sets_intstatus_and_raises_the_line)
{
    wr(RELOAD, 100);
    wr(CTRL, EN | IRQEN);
    advance(99);
    ck_assert_uint_eq(rd(VALUE), 1);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert(!irq.level);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 0);
    ck_assert_uint_eq(rd(INTSTATUS), 1);
    ck_assert(irq.level);
    ck_assert_uint_eq(irq.rises, 1);
}
END_TEST

START_TEST(after_zero_the_count_holds_one_tick_then_reloads)
{
    wr(RELOAD, 100);
    wr(CTRL, EN | IRQEN);
    advance(100);
    ck_assert_uint_eq(rd(VALUE), 0);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 100);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 99);
}
END_TEST

START_TEST(a_periodic_timer_expires_every_reload_plus_one_ticks)
{
    wr(RELOAD, 100);
    wr(CTRL, EN | IRQEN);
    advance(100);
    ck_assert_uint_eq(irq.rises, 1);
    for (unsigned n = 2; n <= 5; n++) {
        wr(INTSTATUS, 1);
        ck_assert(!irq.level);
        advance(100);
        ck_assert_uint_eq(irq.rises, n - 1);
        advance(1);
        ck_assert_uint_eq(irq.rises, n);
        ck_assert_uint_eq(rd(VALUE), 0);
    }
    ck_assert_uint_eq(clock_next_deadline(vt.clock), (100 + 5 * 101) * NS_PER_TICK);
}
END_TEST

START_TEST(writing_one_to_intclear_lowers_the_line)
{
    wr(RELOAD, 10);
    wr(CTRL, EN | IRQEN);
    advance(10);
    wr(INTSTATUS, 0); /* zero bits clear nothing */
    ck_assert_uint_eq(rd(INTSTATUS), 1);
    ck_assert(irq.level);
    wr(INTSTATUS, 1);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert(!irq.level);
}
END_TEST

START_TEST(without_irqen_an_expiry_leaves_intstatus_clear)
{
    wr(RELOAD, 10);
    wr(CTRL, EN);
    advance(10);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert_uint_eq(irq.calls, 0);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 10); /* it still reloads */
}
END_TEST

START_TEST(clearing_irqen_keeps_a_pending_interrupt)
{
    /* as QEMU: IRQEN gates the setting of INTSTATUS, TIMERINT follows it */
    wr(RELOAD, 10);
    wr(CTRL, EN | IRQEN);
    advance(10);
    wr(CTRL, EN);
    ck_assert_uint_eq(rd(INTSTATUS), 1);
    ck_assert(irq.level);
}
END_TEST

START_TEST(a_register_access_sees_an_expiry_not_yet_run_by_the_clock)
{
    wr(RELOAD, 10);
    wr(CTRL, EN | IRQEN);
    test_clock_skip(&vt, 15); /* past the deadline, no clock_run_due */
    ck_assert_uint_eq(rd(INTSTATUS), 1);
    ck_assert(irq.level);
    ck_assert_uint_eq(rd(VALUE), 6); /* 0 at 10, 10 at 11, 6 at 15 */
    ck_assert_uint_eq(clock_run_due(vt.clock), 0);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), 21 * NS_PER_TICK);
}
END_TEST

START_TEST(expiries_missed_by_a_late_run_due_merge_into_one)
{
    wr(RELOAD, 9);
    wr(CTRL, EN | IRQEN);
    advance(1000); /* 100 expiries' worth */
    ck_assert_uint_eq(irq.rises, 1);
    ck_assert_uint_eq(rd(VALUE), 9); /* zero at 9, 19 .. 999, reloaded at 1000 */
    ck_assert_uint_eq(clock_next_deadline(vt.clock), 1009 * NS_PER_TICK);
}
END_TEST

/* ---- VALUE and RELOAD writes ---------------------------------------- */

START_TEST(writing_value_restarts_the_count_from_it)
{
    wr(RELOAD, 1000);
    wr(CTRL, EN | IRQEN);
    advance(10);
    wr(VALUE, 50);
    ck_assert_uint_eq(rd(VALUE), 50);
    advance(50);
    ck_assert_uint_eq(irq.rises, 1);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 1000); /* and reloads from RELOAD */
}
END_TEST

START_TEST(writing_value_while_disabled_sets_the_start_count)
{
    wr(RELOAD, 1000);
    wr(VALUE, 5);
    advance(100);
    ck_assert_uint_eq(rd(VALUE), 5);
    wr(CTRL, EN | IRQEN);
    advance(5);
    ck_assert_uint_eq(irq.rises, 1);
}
END_TEST

START_TEST(writing_value_zero_is_not_an_expiry)
{
    wr(RELOAD, 100);
    wr(CTRL, EN | IRQEN);
    advance(10);
    wr(VALUE, 0);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 100); /* held zero one tick, reloaded */
    ck_assert_uint_eq(irq.calls, 0);
    advance(100);
    ck_assert_uint_eq(irq.rises, 1);
}
END_TEST

START_TEST(writing_reload_restarts_the_count_from_it)
{
    wr(RELOAD, 1000);
    wr(CTRL, EN | IRQEN);
    advance(10);
    wr(RELOAD, 20);
    ck_assert_uint_eq(rd(RELOAD), 20);
    ck_assert_uint_eq(rd(VALUE), 20);
    advance(20);
    ck_assert_uint_eq(irq.rises, 1);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 20);
}
END_TEST

START_TEST(with_reload_zero_the_timer_stops_at_zero)
{
    wr(VALUE, 10);
    wr(CTRL, EN | IRQEN);
    advance(10);
    ck_assert_uint_eq(irq.rises, 1);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), CLOCK_NEVER);
    wr(INTSTATUS, 1);
    advance(1000);
    ck_assert_uint_eq(rd(VALUE), 0);
    ck_assert_uint_eq(irq.rises, 1);
    ck_assert_uint_eq(rd(CTRL), EN | IRQEN); /* EN stays set */
}
END_TEST

START_TEST(writing_reload_restarts_a_timer_stopped_at_zero)
{
    wr(VALUE, 10);
    wr(CTRL, EN | IRQEN);
    advance(10);
    wr(INTSTATUS, 1);
    wr(RELOAD, 30);
    advance(30);
    ck_assert_uint_eq(irq.rises, 2);
    advance(31); /* and now it is periodic */
    ck_assert_uint_eq(irq.rises, 2);
    wr(INTSTATUS, 1);
    advance(31);
    ck_assert_uint_eq(irq.rises, 3);
}
END_TEST

START_TEST(writing_reload_zero_stops_the_timer)
{
    wr(RELOAD, 100);
    wr(CTRL, EN | IRQEN);
    advance(10);
    wr(RELOAD, 0);
    ck_assert_uint_eq(rd(VALUE), 0);
    advance(1000);
    ck_assert_uint_eq(irq.calls, 0);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), CLOCK_NEVER);
}
END_TEST

/* ---- control bits and access rules ---------------------------------- */

START_TEST(extin_bits_read_back_but_do_not_change_counting)
{
    wr(RELOAD, 100);
    wr(CTRL, EN | SELEXTEN | SELEXTCLK | IRQEN | 0xF0);
    ck_assert_uint_eq(rd(CTRL), 0xF);
    advance(10);
    ck_assert_uint_eq(rd(VALUE), 90);
}
END_TEST

START_TEST(subword_accesses_reach_registers_at_their_offsets)
{
    uint32_t v;
    ck_assert_int_eq(cmsdk_timer_class.write(timer, RELOAD, 0x1234, 2), MMIO_OK);
    ck_assert_int_eq(cmsdk_timer_class.read(timer, RELOAD, 1, &v), MMIO_OK);
    ck_assert_uint_eq(v, 0x34);
    ck_assert_int_eq(cmsdk_timer_class.read(timer, RELOAD, 2, &v), MMIO_OK);
    ck_assert_uint_eq(v, 0x1234);
    ck_assert_int_eq(cmsdk_timer_class.read(timer, 0xFE0, 1, &v), MMIO_OK);
    ck_assert_uint_eq(v, 0x22);
}
END_TEST

START_TEST(offsets_without_a_register_are_unassigned)
{
    uint32_t v = 0xDEADBEEF;
    ck_assert_int_eq(cmsdk_timer_class.read(timer, 0x10, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_timer_class.read(timer, 0x09, 1, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_timer_class.read(timer, 0xFCC, 4, &v), MMIO_UNASSIGNED);
    ck_assert_uint_eq(v, 0xDEADBEEF);
    ck_assert_int_eq(cmsdk_timer_class.write(timer, 0x10, 1, 4), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_timer_class.write(timer, 0x0A, 1, 2), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_timer_class.write(timer, 0xFE0, 1, 4), MMIO_UNASSIGNED); /* ID: RO */
    ck_assert_uint_eq(rd(0xFE0), 0x22);
}
END_TEST

START_TEST(the_class_is_named_for_board_files)
{
    ck_assert_str_eq(cmsdk_timer_class.type, "cmsdk-apb-timer");
}
END_TEST

static Suite *cmsdk_timer_suite(void)
{
    Suite *s = suite_create("cmsdk_timer");
    TCase *tc = tcase_create("reset and identification");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reset_leaves_a_stopped_timer_with_zero_registers);
    tcase_add_test(tc, id_registers_hold_the_cmsdk_timer_values);
    tcase_add_test(tc, a_reset_stops_the_timer_and_lowers_the_line);
    tcase_add_test(tc, the_class_is_named_for_board_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("counting");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, value_counts_down_once_per_pclk_tick);
    tcase_add_test(tc, value_counts_at_pclk_not_at_the_cpu_clock);
    tcase_add_test(tc, a_disabled_timer_holds_its_value);
    tcase_add_test(tc, the_expiry_is_armed_on_the_clock_for_the_zero_tick);
    suite_add_tcase(s, tc);

    tc = tcase_create("expiry and interrupt");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reaching_zero_sets_intstatus_and_raises_the_line);
    tcase_add_test(tc, after_zero_the_count_holds_one_tick_then_reloads);
    tcase_add_test(tc, a_periodic_timer_expires_every_reload_plus_one_ticks);
    tcase_add_test(tc, writing_one_to_intclear_lowers_the_line);
    tcase_add_test(tc, without_irqen_an_expiry_leaves_intstatus_clear);
    tcase_add_test(tc, clearing_irqen_keeps_a_pending_interrupt);
    tcase_add_test(tc, a_register_access_sees_an_expiry_not_yet_run_by_the_clock);
    tcase_add_test(tc, expiries_missed_by_a_late_run_due_merge_into_one);
    suite_add_tcase(s, tc);

    tc = tcase_create("VALUE and RELOAD writes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, writing_value_restarts_the_count_from_it);
    tcase_add_test(tc, writing_value_while_disabled_sets_the_start_count);
    tcase_add_test(tc, writing_value_zero_is_not_an_expiry);
    tcase_add_test(tc, writing_reload_restarts_the_count_from_it);
    tcase_add_test(tc, with_reload_zero_the_timer_stops_at_zero);
    tcase_add_test(tc, writing_reload_restarts_a_timer_stopped_at_zero);
    tcase_add_test(tc, writing_reload_zero_stops_the_timer);
    suite_add_tcase(s, tc);

    tc = tcase_create("control bits and access rules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, extin_bits_read_back_but_do_not_change_counting);
    tcase_add_test(tc, subword_accesses_reach_registers_at_their_offsets);
    tcase_add_test(tc, offsets_without_a_register_are_unassigned);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(cmsdk_timer_suite());
}
