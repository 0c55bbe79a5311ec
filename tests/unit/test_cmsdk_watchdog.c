/* CMSDK APB watchdog (DDI 0479C 4.5, QEMU 7.2's cmsdk-apb-watchdog),
 * driven through its register window on a virtual clock. WDOGCLK and the
 * CPU clock are both 25 MHz as on mps2-an385, so one instruction is one
 * watchdog tick. */
#include <check.h>
#include <stdlib.h>

#include "clock.h"
#include "cmsdk_watchdog.h"
#include "device_test.h"
#include "unit_main.h"

#define HZ 25000000u
#define NS_PER_TICK 40u

enum {
    LOAD = 0x000,
    VALUE = 0x004,
    CONTROL = 0x008,
    INTCLR = 0x00C,
    RIS = 0x010,
    MIS = 0x014,
    LOCK = 0xC00,
    ITCR = 0xF00,
    ITOP = 0xF04,
};
#define INTEN 0x1u
#define RESEN 0x2u
#define KEY 0x1ACCE551u
#define ITOP_WDOGRES 0x1u
#define ITOP_WDOGINT 0x2u

static TestClock vt;
static CmsdkWatchdog *wdog;
static IrqProbe nmi, reset;

static void setup(void)
{
    test_clock_init(&vt, HZ);
    IrqLine int_line = irq_probe_line(&nmi);
    IrqLine res_line = irq_probe_line(&reset);
    wdog = cmsdk_watchdog_new("watchdog", vt.clock, HZ, int_line, res_line);
    nmi = (IrqProbe){ 0 };
    reset = (IrqProbe){ 0 };
}

static void teardown(void)
{
    cmsdk_watchdog_class.destroy(wdog);
    clock_free(vt.clock);
}

static void advance(uint64_t ticks) { test_clock_advance(&vt, ticks); }
static uint32_t rd(uint32_t offset) { return mmio_read32(&cmsdk_watchdog_class, wdog, offset); }
static void wr(uint32_t offset, uint32_t value)
{
    mmio_write32(&cmsdk_watchdog_class, wdog, offset, value);
}

/* ---- reset and identification --------------------------------------- */

START_TEST(reset_values_are_qemus)
{
    ck_assert_uint_eq(rd(LOAD), 0xFFFFFFFF);
    ck_assert_uint_eq(rd(CONTROL), 0);
    ck_assert_uint_eq(rd(RIS), 0);
    ck_assert_uint_eq(rd(MIS), 0);
    ck_assert_uint_eq(rd(LOCK), 0);
    ck_assert_uint_eq(rd(ITCR), 0);
}
END_TEST

START_TEST(id_registers_hold_the_cmsdk_watchdog_values)
{
    static const uint32_t id[] = { 0x04, 0x00, 0x00, 0x00, 0x24, 0xb8,
                                   0x1b, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    for (unsigned i = 0; i < 12; i++)
        ck_assert_uint_eq(rd(0xFD0 + 4 * i), id[i]);
}
END_TEST

START_TEST(the_counter_runs_from_reset_whatever_inten_says)
{
    /* QEMU 7.2; the TRM has INTEN enable the counter */
    advance(1000);
    ck_assert_uint_eq(rd(VALUE), 0xFFFFFFFF - 1000);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), (uint64_t)0xFFFFFFFF * NS_PER_TICK);
}
END_TEST

START_TEST(a_device_reset_restores_every_register_and_lowers_wdogint)
{
    wr(CONTROL, INTEN | RESEN);
    wr(LOAD, 10);
    advance(10);
    ck_assert(nmi.level);
    wr(ITCR, 1);
    wr(LOCK, 0);
    cmsdk_watchdog_class.reset(wdog);
    ck_assert(!nmi.level);
    ck_assert_uint_eq(rd(LOAD), 0xFFFFFFFF);
    ck_assert_uint_eq(rd(VALUE), 0xFFFFFFFF);
    ck_assert_uint_eq(rd(CONTROL), 0);
    ck_assert_uint_eq(rd(RIS), 0);
    ck_assert_uint_eq(rd(LOCK), 0);
    ck_assert_uint_eq(rd(ITCR), 0);
}
END_TEST

/* ---- counting and timeouts ------------------------------------------- */

START_TEST(writing_load_sets_the_count_which_counts_down_per_tick)
{
    wr(LOAD, 1000);
    ck_assert_uint_eq(rd(LOAD), 1000);
    ck_assert_uint_eq(rd(VALUE), 1000);
    advance(100);
    ck_assert_uint_eq(rd(VALUE), 900);
}
END_TEST

START_TEST(the_first_timeout_sets_ris_and_with_inten_raises_wdogint)
{
    wr(CONTROL, INTEN);
    wr(LOAD, 100);
    advance(99);
    ck_assert_uint_eq(rd(RIS), 0);
    ck_assert(!nmi.level);
    advance(1);
    ck_assert_uint_eq(rd(RIS), 1);
    ck_assert_uint_eq(rd(MIS), 1);
    ck_assert(nmi.level);
    ck_assert_uint_eq(reset.calls, 0);
    advance(1);
    ck_assert_uint_eq(rd(VALUE), 100); /* reloaded a tick after zero */
}
END_TEST

START_TEST(without_inten_a_timeout_sets_ris_but_not_mis)
{
    wr(LOAD, 100);
    advance(100);
    ck_assert_uint_eq(rd(RIS), 1);
    ck_assert_uint_eq(rd(MIS), 0);
    ck_assert(!nmi.level);
    wr(CONTROL, INTEN); /* a pending interrupt shows at once */
    ck_assert(nmi.level);
    ck_assert_uint_eq(rd(MIS), 1);
}
END_TEST

START_TEST(intclr_clears_the_interrupt_and_reloads_the_count)
{
    wr(CONTROL, INTEN);
    wr(LOAD, 100);
    advance(150);
    ck_assert_uint_eq(rd(VALUE), 51);
    wr(INTCLR, 0); /* any value */
    ck_assert_uint_eq(rd(RIS), 0);
    ck_assert(!nmi.level);
    ck_assert_uint_eq(rd(VALUE), 100);
    advance(100);
    ck_assert(nmi.level);
    ck_assert_uint_eq(nmi.rises, 2);
}
END_TEST

START_TEST(a_second_timeout_drives_wdogint_again_and_stops_the_counter)
{
    wr(CONTROL, INTEN);
    wr(LOAD, 100);
    advance(100);
    unsigned drives = nmi.calls;
    advance(101);
    ck_assert_uint_gt(nmi.calls, drives); /* driven high again: the NMI pends again */
    ck_assert(nmi.level);
    ck_assert_uint_eq(rd(VALUE), 0);
    ck_assert_uint_eq(clock_next_deadline(vt.clock), CLOCK_NEVER);
    advance(1000);
    ck_assert_uint_eq(rd(VALUE), 0);
    ck_assert_uint_eq(reset.calls, 0); /* RESEN clear */
}
END_TEST

START_TEST(a_second_timeout_with_resen_requests_a_reset)
{
    wr(CONTROL, INTEN | RESEN);
    wr(LOAD, 100);
    advance(100);
    ck_assert_uint_eq(reset.rises, 0);
    advance(101);
    ck_assert_uint_eq(reset.rises, 1);
}
END_TEST

START_TEST(the_reset_status_stays_until_reset_so_resen_later_resets_at_once)
{
    /* QEMU 7.2: nothing but a device reset clears it */
    wr(LOAD, 100);
    advance(100);
    advance(101);
    wr(INTCLR, 1);
    ck_assert_uint_eq(reset.rises, 0);
    wr(CONTROL, RESEN);
    ck_assert_uint_eq(reset.rises, 1);
}
END_TEST

START_TEST(after_the_stop_intclr_reloads_and_load_restarts)
{
    wr(LOAD, 100);
    advance(100);
    advance(101);
    wr(INTCLR, 1);
    ck_assert_uint_eq(rd(VALUE), 100);
    advance(50);
    ck_assert_uint_eq(rd(VALUE), 100); /* still stopped */
    wr(LOAD, 100);
    advance(50);
    ck_assert_uint_eq(rd(VALUE), 50);
}
END_TEST

START_TEST(a_register_access_sees_a_timeout_not_yet_run_by_the_clock)
{
    wr(CONTROL, INTEN);
    wr(LOAD, 10);
    test_clock_skip(&vt, 15);
    ck_assert_uint_eq(rd(RIS), 1);
    ck_assert(nmi.level);
}
END_TEST

/* ---- lock and integration test registers ---------------------------- */

START_TEST(any_value_but_the_key_locks_and_locked_writes_are_ignored)
{
    wr(LOCK, 0);
    ck_assert_uint_eq(rd(LOCK), 1);
    wr(LOAD, 5);
    wr(CONTROL, INTEN);
    wr(ITCR, 1);
    ck_assert_uint_eq(rd(LOAD), 0xFFFFFFFF);
    ck_assert_uint_eq(rd(CONTROL), 0);
    ck_assert_uint_eq(rd(ITCR), 0);
    wr(LOCK, KEY + 1);
    ck_assert_uint_eq(rd(LOCK), 1);
    wr(LOCK, KEY);
    ck_assert_uint_eq(rd(LOCK), 0);
    wr(LOAD, 5);
    ck_assert_uint_eq(rd(LOAD), 5);
}
END_TEST

START_TEST(in_integration_test_mode_itop_drives_the_outputs)
{
    wr(ITCR, 0xFFFFFFFF);
    ck_assert_uint_eq(rd(ITCR), 1);
    wr(ITOP, ITOP_WDOGINT);
    ck_assert(nmi.level);
    ck_assert_uint_eq(reset.rises, 0);
    wr(ITOP, ITOP_WDOGRES);
    ck_assert(!nmi.level);
    ck_assert_uint_eq(reset.rises, 1);
    wr(ITOP, 0);
    wr(ITCR, 0);
    ck_assert(!nmi.level);
}
END_TEST

/* ---- access rules ---------------------------------------------------- */

START_TEST(write_only_registers_read_zero_and_read_only_ones_ignore_writes)
{
    ck_assert_uint_eq(rd(INTCLR), 0);
    ck_assert_uint_eq(rd(ITOP), 0);
    wr(RIS, 1);
    wr(VALUE, 5);
    wr(0xFE0, 0);
    ck_assert_uint_eq(rd(RIS), 0);
    ck_assert_uint_eq(rd(VALUE), 0xFFFFFFFF);
    ck_assert_uint_eq(rd(0xFE0), 0x24);
}
END_TEST

START_TEST(offsets_without_a_register_are_unassigned)
{
    uint32_t v = 0xDEADBEEF;
    ck_assert_int_eq(cmsdk_watchdog_class.read(wdog, 0x18, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_watchdog_class.read(wdog, 0x01, 1, &v), MMIO_UNASSIGNED);
    ck_assert_uint_eq(v, 0xDEADBEEF);
    ck_assert_int_eq(cmsdk_watchdog_class.write(wdog, 0x18, 1, 4), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_watchdog_class.read(wdog, LOAD, 1, &v), MMIO_OK);
    ck_assert_uint_eq(v, 0xFF);
}
END_TEST

START_TEST(the_class_is_named_for_board_files)
{
    ck_assert_str_eq(cmsdk_watchdog_class.type, "cmsdk-apb-watchdog");
}
END_TEST

static Suite *cmsdk_watchdog_suite(void)
{
    Suite *s = suite_create("cmsdk_watchdog");
    TCase *tc = tcase_create("reset and identification");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reset_values_are_qemus);
    tcase_add_test(tc, id_registers_hold_the_cmsdk_watchdog_values);
    tcase_add_test(tc, the_counter_runs_from_reset_whatever_inten_says);
    tcase_add_test(tc, a_device_reset_restores_every_register_and_lowers_wdogint);
    tcase_add_test(tc, the_class_is_named_for_board_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("counting and timeouts");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, writing_load_sets_the_count_which_counts_down_per_tick);
    tcase_add_test(tc, the_first_timeout_sets_ris_and_with_inten_raises_wdogint);
    tcase_add_test(tc, without_inten_a_timeout_sets_ris_but_not_mis);
    tcase_add_test(tc, intclr_clears_the_interrupt_and_reloads_the_count);
    tcase_add_test(tc, a_second_timeout_drives_wdogint_again_and_stops_the_counter);
    tcase_add_test(tc, a_second_timeout_with_resen_requests_a_reset);
    tcase_add_test(tc, the_reset_status_stays_until_reset_so_resen_later_resets_at_once);
    tcase_add_test(tc, after_the_stop_intclr_reloads_and_load_restarts);
    tcase_add_test(tc, a_register_access_sees_a_timeout_not_yet_run_by_the_clock);
    suite_add_tcase(s, tc);

    tc = tcase_create("lock and integration test registers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, any_value_but_the_key_locks_and_locked_writes_are_ignored);
    tcase_add_test(tc, in_integration_test_mode_itop_drives_the_outputs);
    suite_add_tcase(s, tc);

    tc = tcase_create("access rules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, write_only_registers_read_zero_and_read_only_ones_ignore_writes);
    tcase_add_test(tc, offsets_without_a_register_are_unassigned);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(cmsdk_watchdog_suite());
}
