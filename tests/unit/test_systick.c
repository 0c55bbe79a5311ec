/* SysTick (ARMv7-M ARM B3.3) against a virtual clock: the count is exact
 * in cycles, the exception pends at the exact deadline, COUNTFLAG and the
 * clock source behave as the architecture says. */
#include <check.h>
#include <glib.h>

#include "clock.h"
#include "systick.h"
#include "unit_main.h"

#define CSR 0x0
#define RVR 0x4
#define CVR 0x8
#define CALIB 0xc

#define ENABLE (1u << 0)
#define TICKINT (1u << 1)
#define CLKSOURCE (1u << 2)
#define COUNTFLAG (1u << 16)
#define NOREF (1u << 31)
#define SKEW (1u << 30)

#define CPU_HZ 25000000u
#define REF_HZ 1000000u
#define CYCLES_PER_REF_TICK (CPU_HZ / REF_HZ)

/* The SysTick exception line: counts rising edges. */
typedef struct {
    bool level;
    unsigned edges;
} Line;

static void line_set(void *opaque, int n, bool level)
{
    (void)n;
    Line *l = opaque;
    if (level && !l->level)
        l->edges++;
    l->level = level;
}

static Clock *vclock;
static SysTick *st;
static Line line;

static void setup_with_ref(uint64_t ref_hz)
{
    vclock = clock_new_virtual(CPU_HZ);
    line = (Line){ 0 };
    st = systick_new(vclock, (IrqLine){ line_set, &line, 15 }, ref_hz);
}

static void setup(void) { setup_with_ref(REF_HZ); }
static void setup_noref(void) { setup_with_ref(0); }

static void teardown(void)
{
    systick_free(st);
    clock_free(vclock);
}

static uint32_t rd(uint32_t offset)
{
    uint32_t value = 0xdeadbeef;
    ck_assert_int_eq(systick_read(st, offset, 4, &value), MMIO_OK);
    return value;
}

static void wr(uint32_t offset, uint32_t value)
{
    ck_assert_int_eq(systick_write(st, offset, value, 4), MMIO_OK);
}

static void at(uint64_t cycle)
{
    clock_set_insns(vclock, cycle);
    clock_run_due(vclock);
}

/* Start counting on the CPU clock from a cleared counter at `cycle`. */
static void start_cpu(uint64_t cycle, uint32_t reload, uint32_t extra)
{
    clock_set_insns(vclock, cycle);
    wr(RVR, reload);
    wr(CVR, 0);
    wr(CSR, ENABLE | CLKSOURCE | extra);
}

/* ---- reset and identification ----------------------------------------------- */

START_TEST(test_reset_values_with_reference_clock)
{
    ck_assert_uint_eq(rd(CSR), 0);
    ck_assert_uint_eq(rd(RVR), 0);
    ck_assert_uint_eq(rd(CVR), 0);
    ck_assert_uint_eq(clock_next_deadline(vclock), CLOCK_NEVER);
}
END_TEST

START_TEST(test_reset_values_without_reference_clock)
{
    ck_assert_uint_eq(rd(CSR), CLKSOURCE);
    ck_assert_uint_eq(rd(CALIB), NOREF);
}
END_TEST

START_TEST(test_clksource_rao_wi_without_reference)
{
    wr(CSR, 0);
    ck_assert_uint_eq(rd(CSR), CLKSOURCE);
}
END_TEST

START_TEST(test_clksource_writable_with_reference)
{
    wr(CSR, CLKSOURCE);
    ck_assert_uint_eq(rd(CSR), CLKSOURCE);
    wr(CSR, 0);
    ck_assert_uint_eq(rd(CSR), 0);
}
END_TEST

static const struct {
    uint64_t ref_hz;
    uint32_t calib;
} calib_cases[] = {
    { 1000000, 9999 },               /* mps2: 10 ms exact */
    { 32768, SKEW | 326 },           /* 327.68 ticks in 10 ms */
    { 12500000, 124999 },
    { 0, NOREF },
    { 4000000000ull, SKEW },         /* 40e6 ticks do not fit 24 bits */
};

START_TEST(test_calib_from_reference_clock)
{
    Clock *c = clock_new_virtual(CPU_HZ);
    SysTick *s = systick_new(c, (IrqLine){ 0 }, calib_cases[_i].ref_hz);
    uint32_t v;
    ck_assert_int_eq(systick_read(s, CALIB, 4, &v), MMIO_OK);
    ck_assert_uint_eq(v, calib_cases[_i].calib);
    ck_assert_int_eq(systick_write(s, CALIB, 0, 4), MMIO_OK);
    systick_read(s, CALIB, 4, &v);
    ck_assert_uint_eq(v, calib_cases[_i].calib);
    systick_free(s);
    clock_free(c);
}
END_TEST

START_TEST(test_word_access_only)
{
    uint32_t v;
    ck_assert_int_eq(systick_read(st, CSR, 1, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(systick_write(st, RVR, 5, 2), MMIO_UNASSIGNED);
    ck_assert_int_eq(systick_read(st, 0x10, 4, &v), MMIO_UNASSIGNED);
    ck_assert_uint_eq(rd(RVR), 0);
}
END_TEST

START_TEST(test_rvr_is_24_bits)
{
    wr(RVR, 0xffffffff);
    ck_assert_uint_eq(rd(RVR), 0x00ffffff);
}
END_TEST

/* ---- counting ---------------------------------------------------------------------- */

START_TEST(test_countdown_follows_cpu_cycles)
{
    start_cpu(1000, 99, 0);
    /* 0 until the next tick reloads it; a read at the same instant (in the
     * same translated block) already gets that next cycle's value */
    ck_assert_uint_eq(rd(CVR), 99);
    at(1001);
    ck_assert_uint_eq(rd(CVR), 99);
    at(1050);
    ck_assert_uint_eq(rd(CVR), 50);
    at(1099);
    ck_assert_uint_eq(rd(CVR), 1);
    at(1100);
    ck_assert_uint_eq(rd(CVR), 0);
    at(1101);
    ck_assert_uint_eq(rd(CVR), 99);   /* reload */
    at(1100 + 100 * 7 + 30);
    ck_assert_uint_eq(rd(CVR), 70);
}
END_TEST

START_TEST(test_countflag_set_on_wrap_and_cleared_by_read)
{
    start_cpu(0, 9, 0);
    at(9);
    ck_assert_uint_eq(rd(CSR) & COUNTFLAG, 0);
    at(10);
    ck_assert_uint_eq(rd(CSR), ENABLE | CLKSOURCE | COUNTFLAG);
    ck_assert_uint_eq(rd(CSR) & COUNTFLAG, 0);
    at(19);
    ck_assert_uint_eq(rd(CSR) & COUNTFLAG, 0);
    at(25); /* next wrap at 20, seen late */
    ck_assert_uint_eq(rd(CSR) & COUNTFLAG, COUNTFLAG);
}
END_TEST

START_TEST(test_no_timer_without_tickint)
{
    start_cpu(0, 9, 0);
    ck_assert_uint_eq(clock_next_deadline(vclock), CLOCK_NEVER);
    at(10);
    ck_assert_uint_eq(line.edges, 0);
}
END_TEST

START_TEST(test_tickint_pends_at_exact_deadline)
{
    start_cpu(500, 999, TICKINT);
    /* 1000 ticks after enabling: reload tick + 999 decrements */
    ck_assert_uint_eq(clock_next_deadline(vclock), clock_ticks_to_ns(1500, CPU_HZ));
    ck_assert_uint_eq(clock_insns_at_ns(vclock, clock_next_deadline(vclock)), 1500);
    at(1499);
    ck_assert_uint_eq(line.edges, 0);
    at(1500);
    ck_assert_uint_eq(line.edges, 1);
    ck_assert(!line.level); /* a pulse */
    ck_assert_uint_eq(clock_insns_at_ns(vclock, clock_next_deadline(vclock)), 2500);
    at(2499);
    ck_assert_uint_eq(line.edges, 1);
    at(2500);
    ck_assert_uint_eq(line.edges, 2);
}
END_TEST

START_TEST(test_late_timer_pends_once)
{
    start_cpu(0, 9, TICKINT);
    at(35); /* wraps at 10, 20, 30 */
    ck_assert_uint_eq(line.edges, 1);
    ck_assert_uint_eq(rd(CVR), 5);
    ck_assert_uint_eq(clock_insns_at_ns(vclock, clock_next_deadline(vclock)), 40);
}
END_TEST

START_TEST(test_reading_cvr_before_timer_still_pends)
{
    start_cpu(0, 9, TICKINT);
    clock_set_insns(vclock, 10); /* the CPU reads CVR before timers run */
    ck_assert_uint_eq(rd(CVR), 0);
    ck_assert_uint_eq(line.edges, 1);
    clock_run_due(vclock);
    ck_assert_uint_eq(line.edges, 1);
}
END_TEST

START_TEST(test_cvr_write_clears_counter_and_countflag)
{
    start_cpu(0, 99, 0);
    at(150); /* wrapped at 100, now 50 */
    wr(CVR, 0x1234);
    ck_assert_uint_eq(rd(CVR), 99); /* the next cycle's value, as above */
    ck_assert_uint_eq(rd(CSR) & COUNTFLAG, 0);
    at(151);
    ck_assert_uint_eq(rd(CVR), 99);
    at(250);
    ck_assert_uint_eq(rd(CVR), 0);
    ck_assert_uint_eq(rd(CSR) & COUNTFLAG, COUNTFLAG);
}
END_TEST

START_TEST(test_wrap_to_zero_reads_zero_at_its_instant)
{
    start_cpu(0, 9, 0);
    at(10); /* the 1 -> 0 tick: only a CVR write or a start reads ahead */
    ck_assert_uint_eq(rd(CVR), 0);
    at(11);
    ck_assert_uint_eq(rd(CVR), 9);
}
END_TEST

START_TEST(test_reference_clock_shows_zero_until_its_next_tick)
{
    clock_set_insns(vclock, 7);
    wr(RVR, 99);
    wr(CVR, 0);
    wr(CSR, ENABLE);
    /* one reference tick is 25 cycles: the 0 is visible meanwhile */
    ck_assert_uint_eq(rd(CVR), 0);
    at(7 + CYCLES_PER_REF_TICK);
    ck_assert_uint_eq(rd(CVR), 99);
}
END_TEST

START_TEST(test_cvr_write_is_not_a_wrap)
{
    start_cpu(0, 99, TICKINT);
    at(40);
    wr(CVR, 0);
    ck_assert_uint_eq(line.edges, 0);
    ck_assert_uint_eq(clock_insns_at_ns(vclock, clock_next_deadline(vclock)), 140);
}
END_TEST

START_TEST(test_rvr_change_takes_effect_at_next_reload)
{
    start_cpu(0, 99, 0);
    at(50); /* 50 */
    wr(RVR, 9);
    at(60);
    ck_assert_uint_eq(rd(CVR), 40);
    at(100);
    ck_assert_uint_eq(rd(CVR), 0);
    at(101);
    ck_assert_uint_eq(rd(CVR), 9);
}
END_TEST

START_TEST(test_rvr_zero_stops_after_wrap)
{
    start_cpu(0, 9, TICKINT);
    at(5);
    wr(RVR, 0);
    at(10);
    ck_assert_uint_eq(line.edges, 1);
    at(1000);
    ck_assert_uint_eq(rd(CVR), 0);
    ck_assert_uint_eq(line.edges, 1);
    ck_assert_uint_eq(clock_next_deadline(vclock), CLOCK_NEVER);
    wr(RVR, 4); /* counting resumes with a reload on the next tick */
    at(1001);
    ck_assert_uint_eq(rd(CVR), 4);
    at(1005);
    ck_assert_uint_eq(line.edges, 2);
}
END_TEST

START_TEST(test_disable_freezes_and_enable_continues)
{
    start_cpu(0, 99, TICKINT);
    at(30); /* tick k after the reload tick reads 100 - k */
    wr(CSR, CLKSOURCE | TICKINT);
    ck_assert_uint_eq(clock_next_deadline(vclock), CLOCK_NEVER);
    at(500);
    ck_assert_uint_eq(rd(CVR), 70);
    ck_assert_uint_eq(line.edges, 0);
    wr(CSR, ENABLE | CLKSOURCE | TICKINT);
    at(569);
    ck_assert_uint_eq(rd(CVR), 1);
    ck_assert_uint_eq(line.edges, 0);
    at(570);
    ck_assert_uint_eq(line.edges, 1);
}
END_TEST

START_TEST(test_tickint_enabled_later_fires_at_next_wrap)
{
    start_cpu(0, 9, 0);
    at(15); /* wrapped at 10 without TICKINT */
    wr(CSR, ENABLE | CLKSOURCE | TICKINT);
    ck_assert_uint_eq(line.edges, 0);
    at(20);
    ck_assert_uint_eq(line.edges, 1);
}
END_TEST

/* ---- reference clock ------------------------------------------------------------------- */

START_TEST(test_countdown_on_reference_clock)
{
    wr(RVR, 9);
    wr(CVR, 0);
    wr(CSR, ENABLE | TICKINT); /* CLKSOURCE 0: 1 MHz, 25 CPU cycles a tick */
    at(CYCLES_PER_REF_TICK - 1);
    ck_assert_uint_eq(rd(CVR), 0);
    at(CYCLES_PER_REF_TICK);
    ck_assert_uint_eq(rd(CVR), 9);
    at(CYCLES_PER_REF_TICK * 5);
    ck_assert_uint_eq(rd(CVR), 5);
    ck_assert_uint_eq(clock_insns_at_ns(vclock, clock_next_deadline(vclock)),
                      CYCLES_PER_REF_TICK * 10);
    at(CYCLES_PER_REF_TICK * 10 - 1);
    ck_assert_uint_eq(line.edges, 0);
    at(CYCLES_PER_REF_TICK * 10);
    ck_assert_uint_eq(line.edges, 1);
}
END_TEST

START_TEST(test_switching_clock_source_keeps_count)
{
    wr(RVR, 999);
    wr(CVR, 0);
    wr(CSR, ENABLE | CLKSOURCE);
    at(100);
    wr(CSR, ENABLE); /* now 1 MHz */
    ck_assert_uint_eq(rd(CVR), 900);
    at(100 + 10 * CYCLES_PER_REF_TICK);
    ck_assert_uint_eq(rd(CVR), 890);
}
END_TEST

START_TEST(test_reset_stops_counter)
{
    start_cpu(0, 9, TICKINT);
    systick_reset(st);
    at(100);
    ck_assert_uint_eq(line.edges, 0);
    ck_assert_uint_eq(rd(CVR), 0);
    ck_assert_uint_eq(rd(CSR), 0);
}
END_TEST

/* ---- a change of CPU clock rate -------------------------------------------- */

START_TEST(test_rate_change_keeps_count_and_moves_the_wrap)
{
    start_cpu(0, 999, TICKINT);
    at(400);
    ck_assert_uint_eq(rd(CVR), 600);
    clock_set_cpu_hz(vclock, 4 * CPU_HZ); /* at 16000 ns */
    systick_cpu_clock_changed(st);
    ck_assert_uint_eq(rd(CVR), 600);
    /* 600 more ticks of 10 ns, not 40 */
    ck_assert_uint_eq(clock_next_deadline(vclock), 16000 + 600 * 10);
    ck_assert_uint_eq(clock_insns_at_ns(vclock, clock_next_deadline(vclock)), 1000);
    at(999);
    ck_assert_uint_eq(line.edges, 0);
    ck_assert_uint_eq(rd(CVR), 1);
    at(1000);
    ck_assert_uint_eq(line.edges, 1);
    /* the next period is 1000 ticks at the new rate: 10 us */
    ck_assert_uint_eq(clock_next_deadline(vclock), 22000 + 10000);
}
END_TEST

START_TEST(test_rate_change_without_tickint_keeps_counting)
{
    start_cpu(0, 99, 0);
    at(50);
    clock_set_cpu_hz(vclock, CPU_HZ / 2);
    systick_cpu_clock_changed(st);
    ck_assert_uint_eq(clock_next_deadline(vclock), CLOCK_NEVER);
    ck_assert_uint_eq(rd(CVR), 50);
    at(100); /* 50 more cycles, whatever their length */
    ck_assert_uint_eq(rd(CSR) & COUNTFLAG, COUNTFLAG);
    at(101);
    ck_assert_uint_eq(rd(CVR), 99);
}
END_TEST

START_TEST(test_rate_change_leaves_the_reference_clock_alone)
{
    clock_set_insns(vclock, 0);
    wr(RVR, 9);
    wr(CVR, 0);
    wr(CSR, ENABLE | TICKINT); /* 1 MHz reference clock */
    uint64_t deadline = clock_next_deadline(vclock);
    ck_assert_uint_eq(deadline, 10000);
    at(100);
    clock_set_cpu_hz(vclock, 4 * CPU_HZ);
    systick_cpu_clock_changed(st);
    ck_assert_uint_eq(clock_next_deadline(vclock), deadline);
}
END_TEST

static Suite *systick_suite(void)
{
    Suite *s = suite_create("systick");
    TCase *tc;

    tc = tcase_create("registers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_values_with_reference_clock);
    tcase_add_test(tc, test_clksource_writable_with_reference);
    tcase_add_loop_test(tc, test_calib_from_reference_clock, 0, G_N_ELEMENTS(calib_cases));
    tcase_add_test(tc, test_word_access_only);
    tcase_add_test(tc, test_rvr_is_24_bits);
    suite_add_tcase(s, tc);

    tc = tcase_create("no reference vclock");
    tcase_add_checked_fixture(tc, setup_noref, teardown);
    tcase_add_test(tc, test_reset_values_without_reference_clock);
    tcase_add_test(tc, test_clksource_rao_wi_without_reference);
    suite_add_tcase(s, tc);

    tc = tcase_create("counting");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_countdown_follows_cpu_cycles);
    tcase_add_test(tc, test_countflag_set_on_wrap_and_cleared_by_read);
    tcase_add_test(tc, test_no_timer_without_tickint);
    tcase_add_test(tc, test_tickint_pends_at_exact_deadline);
    tcase_add_test(tc, test_late_timer_pends_once);
    tcase_add_test(tc, test_reading_cvr_before_timer_still_pends);
    tcase_add_test(tc, test_cvr_write_clears_counter_and_countflag);
    tcase_add_test(tc, test_wrap_to_zero_reads_zero_at_its_instant);
    tcase_add_test(tc, test_cvr_write_is_not_a_wrap);
    tcase_add_test(tc, test_rvr_change_takes_effect_at_next_reload);
    tcase_add_test(tc, test_rvr_zero_stops_after_wrap);
    tcase_add_test(tc, test_disable_freezes_and_enable_continues);
    tcase_add_test(tc, test_tickint_enabled_later_fires_at_next_wrap);
    tcase_add_test(tc, test_reset_stops_counter);
    suite_add_tcase(s, tc);

    tc = tcase_create("CPU clock rate change");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_rate_change_keeps_count_and_moves_the_wrap);
    tcase_add_test(tc, test_rate_change_without_tickint_keeps_counting);
    tcase_add_test(tc, test_rate_change_leaves_the_reference_clock_alone);
    suite_add_tcase(s, tc);

    tc = tcase_create("reference vclock");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_countdown_on_reference_clock);
    tcase_add_test(tc, test_reference_clock_shows_zero_until_its_next_tick);
    tcase_add_test(tc, test_switching_clock_source_keeps_count);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(systick_suite());
}
