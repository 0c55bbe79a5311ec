/* Guest time (clock.c): the virtual clock's arithmetic, the host clock,
 * and timers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "unit_main.h"

#define NS_PER_SEC 1000000000ull

/* ---- conversions ------------------------------------------------------ */

START_TEST(ticks_to_ns_is_exact_when_the_period_is_whole)
{
    ck_assert_uint_eq(clock_ticks_to_ns(0, 25000000), 0);
    ck_assert_uint_eq(clock_ticks_to_ns(1, 25000000), 40);
    ck_assert_uint_eq(clock_ticks_to_ns(25000000, 25000000), NS_PER_SEC);
    ck_assert_uint_eq(clock_ticks_to_ns(1, 12500000), 80);
    ck_assert_uint_eq(clock_ticks_to_ns(3, 1000000), 3000);
}
END_TEST

START_TEST(ticks_to_ns_rounds_up)
{
    /* so a deadline made from a tick count never fires early */
    ck_assert_uint_eq(clock_ticks_to_ns(1, 3000000), 334); /* 333.3 */
    ck_assert_uint_eq(clock_ticks_to_ns(2, 3000000), 667); /* 666.7 */
    ck_assert_uint_eq(clock_ticks_to_ns(3, 3000000), 1000);
    ck_assert_uint_eq(clock_ticks_to_ns(1, 7), 142857143);
}
END_TEST

START_TEST(ns_to_ticks_rounds_down)
{
    ck_assert_uint_eq(clock_ns_to_ticks(39, 25000000), 0);
    ck_assert_uint_eq(clock_ns_to_ticks(40, 25000000), 1);
    ck_assert_uint_eq(clock_ns_to_ticks(333, 3000000), 0);
    ck_assert_uint_eq(clock_ns_to_ticks(334, 3000000), 1);
    ck_assert_uint_eq(clock_ns_to_ticks(NS_PER_SEC, 12500000), 12500000);
}
END_TEST

START_TEST(ticks_survive_a_round_trip_through_ns)
{
    static const uint64_t hz[] = { 25000000, 12500000, 3000000, 1000000, 32768, 7 };
    for (size_t h = 0; h < sizeof hz / sizeof hz[0]; h++) {
        for (uint64_t t = 0; t < 5000; t += 7)
            ck_assert_uint_eq(clock_ns_to_ticks(clock_ticks_to_ns(t, hz[h]), hz[h]), t);
        uint64_t big = 1ull << 32;
        ck_assert_uint_eq(clock_ns_to_ticks(clock_ticks_to_ns(big, hz[h]), hz[h]), big);
    }
}
END_TEST

/* ---- the virtual clock ------------------------------------------------ */

START_TEST(virtual_time_is_instructions_over_the_cpu_clock)
{
    Clock *c = clock_new_virtual(25000000);
    ck_assert(clock_is_virtual(c));
    ck_assert_uint_eq(clock_cpu_hz(c), 25000000);
    ck_assert_uint_eq(clock_ns(c), 0);
    clock_set_insns(c, 1);
    ck_assert_uint_eq(clock_ns(c), 40);
    clock_set_insns(c, 25000000);
    ck_assert_uint_eq(clock_ns(c), NS_PER_SEC);
    ck_assert_uint_eq(clock_insns(c), 25000000);
    clock_free(c);

    c = clock_new_virtual(12500000);
    clock_set_insns(c, 1);
    ck_assert_uint_eq(clock_ns(c), 80);
    clock_set_insns(c, 12500000);
    ck_assert_uint_eq(clock_ns(c), NS_PER_SEC);
    clock_free(c);
}
END_TEST

START_TEST(virtual_time_rounds_up_at_awkward_frequencies)
{
    Clock *c = clock_new_virtual(3000000);
    clock_set_insns(c, 1);
    ck_assert_uint_eq(clock_ns(c), 334);
    clock_set_insns(c, 3);
    ck_assert_uint_eq(clock_ns(c), 1000);
    clock_free(c);
}
END_TEST

START_TEST(one_instruction_is_one_cycle)
{
    Clock *c = clock_new_virtual(12500000);
    for (uint64_t n = 0; n < 1000; n += 13) {
        clock_set_insns(c, n);
        ck_assert_uint_eq(clock_cycles(c), n);
    }
    clock_free(c);
}
END_TEST

/* insns_at_ns(ns) is the smallest count whose time is >= ns */
static void check_insns_at_ns_inverts(Clock *c, uint64_t from_ns, uint64_t to_ns)
{
    for (uint64_t ns = from_ns; ns < to_ns; ns++) {
        uint64_t n = clock_insns_at_ns(c, ns);
        clock_set_insns(c, n);
        ck_assert_uint_ge(clock_ns(c), ns);
        if (n > 0) {
            clock_set_insns(c, n - 1);
            ck_assert_uint_lt(clock_ns(c), ns);
        }
    }
}

START_TEST(insns_at_ns_is_the_first_count_reaching_that_time)
{
    static const uint64_t hz[] = { 25000000, 12500000, 3000000, 7000001 };
    for (size_t h = 0; h < sizeof hz / sizeof hz[0]; h++) {
        Clock *c = clock_new_virtual(hz[h]);
        check_insns_at_ns_inverts(c, 0, 3000);
        check_insns_at_ns_inverts(c, 5 * NS_PER_SEC, 5 * NS_PER_SEC + 500);
        clock_free(c);
    }
    Clock *c = clock_new_virtual(25000000);
    ck_assert_uint_eq(clock_insns_at_ns(c, 40), 1);
    ck_assert_uint_eq(clock_insns_at_ns(c, 41), 2);
    ck_assert_uint_eq(clock_insns_at_ns(c, CLOCK_NEVER), UINT64_MAX);
    clock_free(c);
}
END_TEST

static void noop(void *opaque)
{
    (void)opaque;
}

/* A timer set not to wake the CPU is left out of the wake deadline only */
START_TEST(timers_that_cannot_wake_the_cpu_are_not_wake_deadlines)
{
    Clock *c = clock_new_virtual(25000000);
    Timer *quiet = timer_new(c, noop, NULL), *loud = timer_new(c, noop, NULL);
    timer_set_wakes_cpu(quiet, false);
    timer_mod(quiet, 1000);
    ck_assert_uint_eq(clock_next_deadline(c), 1000);
    ck_assert_uint_eq(clock_next_wake_deadline(c), CLOCK_NEVER);
    timer_mod(loud, 5000);
    ck_assert_uint_eq(clock_next_deadline(c), 1000);
    ck_assert_uint_eq(clock_next_wake_deadline(c), 5000);
    timer_set_wakes_cpu(quiet, true);
    ck_assert_uint_eq(clock_next_wake_deadline(c), 1000);
    timer_free(quiet);
    timer_free(loud);
    clock_free(c);
}
END_TEST

START_TEST(warp_moves_time_forward_only)
{
    Clock *c = clock_new_virtual(25000000);
    clock_set_insns(c, 10);
    clock_warp_to(c, 5000);
    ck_assert_uint_eq(clock_ns(c), 5000);
    clock_warp_to(c, 1000); /* the past: ignored */
    ck_assert_uint_eq(clock_ns(c), 5000);
    clock_set_insns(c, 11); /* instructions count on from the warped time */
    ck_assert_uint_eq(clock_ns(c), 5040);
    ck_assert_uint_eq(clock_insns(c), 11);
    clock_free(c);
}
END_TEST

START_TEST(after_a_warp_cycles_follow_time)
{
    Clock *c = clock_new_virtual(25000000);
    clock_set_insns(c, 10);
    clock_warp_to(c, 4000);
    ck_assert_uint_eq(clock_cycles(c), 100);
    clock_set_insns(c, 20);
    ck_assert_uint_eq(clock_cycles(c), 110);
    clock_free(c);
}
END_TEST

START_TEST(insns_at_ns_accounts_for_the_warp)
{
    Clock *c = clock_new_virtual(25000000);
    clock_set_insns(c, 10);
    clock_warp_to(c, 4000); /* 400 ns idle skip = 3600 ns warp */
    ck_assert_uint_eq(clock_insns_at_ns(c, 4000), 10);
    ck_assert_uint_eq(clock_insns_at_ns(c, 4040), 11);
    ck_assert_uint_eq(clock_insns_at_ns(c, 3600), 0);
    ck_assert_uint_eq(clock_insns_at_ns(c, 100), 0);
    check_insns_at_ns_inverts(c, 3600, 6000);
    clock_free(c);
}
END_TEST

static void count_calls(void *opaque) { (*(unsigned *)opaque)++; }

/* ---- a change of CPU clock rate --------------------------------------- */

START_TEST(a_rate_change_keeps_time_and_cycles_continuous)
{
    Clock *c = clock_new_virtual(12500000);
    clock_set_insns(c, 1000); /* 80 us */
    clock_set_cpu_hz(c, 50000000);
    ck_assert_uint_eq(clock_cpu_hz(c), 50000000);
    ck_assert_uint_eq(clock_ns(c), 80000);
    ck_assert_uint_eq(clock_cycles(c), 1000);
    clock_set_insns(c, 1001);
    ck_assert_uint_eq(clock_ns(c), 80020);
    ck_assert_uint_eq(clock_cycles(c), 1001);
    clock_set_insns(c, 2000);
    ck_assert_uint_eq(clock_ns(c), 100000);
    ck_assert_uint_eq(clock_cycles(c), 2000);
    clock_free(c);
}
END_TEST

START_TEST(a_rate_change_back_and_forth_adds_up_the_segments)
{
    Clock *c = clock_new_virtual(25000000);
    clock_set_insns(c, 100);        /* 4000 ns */
    clock_set_cpu_hz(c, 200000000);
    clock_set_insns(c, 300);        /* + 1000 ns */
    clock_set_cpu_hz(c, 25000000);
    clock_set_insns(c, 310);        /* + 400 ns */
    ck_assert_uint_eq(clock_ns(c), 5400);
    ck_assert_uint_eq(clock_cycles(c), 310);
    clock_free(c);
}
END_TEST

START_TEST(setting_the_same_rate_changes_nothing)
{
    unsigned calls = 0;
    Clock *c = clock_new_virtual(25000000);
    clock_set_deadline_notify(c, count_calls, &calls);
    clock_set_insns(c, 7);
    clock_set_cpu_hz(c, 25000000);
    ck_assert_uint_eq(calls, 0);
    clock_set_cpu_hz(c, 50000000);
    ck_assert_uint_eq(calls, 1); /* deadlines now fall at other counts */
    clock_free(c);
}
END_TEST

START_TEST(insns_at_ns_after_a_rate_change)
{
    Clock *c = clock_new_virtual(12500000);
    clock_set_insns(c, 10); /* 800 ns */
    clock_set_cpu_hz(c, 50000000);
    ck_assert_uint_eq(clock_insns_at_ns(c, 800), 10);
    ck_assert_uint_eq(clock_insns_at_ns(c, 500), 10); /* already passed */
    ck_assert_uint_eq(clock_insns_at_ns(c, 820), 11);
    ck_assert_uint_eq(clock_insns_at_ns(c, 1800), 60);
    check_insns_at_ns_inverts(c, 800, 3000);
    clock_free(c);
}
END_TEST

START_TEST(cycles_to_ns_follows_the_current_rate)
{
    Clock *c = clock_new_virtual(12500000);
    ck_assert_uint_eq(clock_cycles_to_ns(c, 10), 800);
    clock_set_insns(c, 10);
    clock_set_cpu_hz(c, 50000000);
    ck_assert_uint_eq(clock_cycles_to_ns(c, 10), 800);
    ck_assert_uint_eq(clock_cycles_to_ns(c, 60), 1800);
    clock_set_insns(c, 60);
    ck_assert_uint_eq(clock_ns(c), 1800);
    ck_assert_uint_eq(clock_cycles(c), 60);
    clock_free(c);
}
END_TEST

START_TEST(a_rate_change_after_a_warp_keeps_cycles_following_time)
{
    Clock *c = clock_new_virtual(25000000);
    clock_set_insns(c, 10);
    clock_warp_to(c, 4000);           /* 100 cycles */
    clock_set_cpu_hz(c, 50000000);
    ck_assert_uint_eq(clock_ns(c), 4000);
    ck_assert_uint_eq(clock_cycles(c), 100);
    clock_set_insns(c, 20);           /* + 200 ns */
    ck_assert_uint_eq(clock_ns(c), 4200);
    ck_assert_uint_eq(clock_cycles(c), 110);
    clock_warp_to(c, 5200);           /* + 1000 ns = 50 cycles */
    ck_assert_uint_eq(clock_cycles(c), 160);
    ck_assert_uint_eq(clock_insns_at_ns(c, 5220), 21);
    clock_free(c);
}
END_TEST

START_TEST(host_cycles_continue_at_the_new_rate)
{
    Clock *c = clock_new_host(1000000);
    struct timespec two_ms = { 0, 2000000 };
    nanosleep(&two_ms, NULL);
    uint64_t before = clock_cycles(c);
    ck_assert_uint_ge(before, 2000);
    clock_set_cpu_hz(c, 100000000);
    uint64_t after = clock_cycles(c);
    ck_assert_uint_ge(after, before);
    ck_assert_uint_lt(after, before + 100000000); /* no jump to ns * new rate */
    nanosleep(&two_ms, NULL);
    ck_assert_uint_ge(clock_cycles(c), after + 200000);
    clock_free(c);
}
END_TEST

/* ---- the host clock --------------------------------------------------- */

START_TEST(host_time_is_monotonic_and_follows_the_wall)
{
    Clock *c = clock_new_host(25000000);
    ck_assert(!clock_is_virtual(c));
    uint64_t prev = clock_ns(c);
    for (int i = 0; i < 1000; i++) {
        uint64_t now = clock_ns(c);
        ck_assert_uint_ge(now, prev);
        prev = now;
    }
    struct timespec two_ms = { 0, 2000000 };
    nanosleep(&two_ms, NULL);
    ck_assert_uint_ge(clock_ns(c) - prev, 2000000);
    ck_assert_uint_ge(clock_cycles(c), clock_ns_to_ticks(prev, 25000000));
    clock_free(c);
}
END_TEST

START_TEST(host_time_ignores_warps)
{
    Clock *c = clock_new_host(25000000);
    clock_warp_to(c, 3600 * NS_PER_SEC);
    ck_assert_uint_lt(clock_ns(c), 3600 * NS_PER_SEC);
    clock_free(c);
}
END_TEST

/* ---- timers ------------------------------------------------------------ */

#define MAX_LOG 32

static Clock *clk;
static char fired[MAX_LOG + 1]; /* the timers' names in firing order */
static unsigned notified;
static Timer *made[8]; /* freed by the fixture */
static unsigned nmade;

typedef struct {
    Timer *timer;
    char name;
    int rearm_by;     /* re-arm this far after the deadline; 0: no */
    unsigned rearms;  /* how often */
    Timer *also_del;  /* deleted by this callback */
    Timer *also_mod;  /* armed for now by this callback */
} TestTimer;

static void test_timer_cb(void *opaque)
{
    TestTimer *t = opaque;
    size_t len = strlen(fired);
    if (len < MAX_LOG) {
        fired[len] = t->name;
        fired[len + 1] = '\0';
    }
    if (t->also_del != NULL)
        timer_del(t->also_del);
    if (t->also_mod != NULL)
        timer_mod(t->also_mod, clock_ns(clk));
    if (t->rearms > 0) {
        t->rearms--;
        timer_mod(t->timer, timer_deadline(t->timer) + (uint64_t)t->rearm_by);
    }
}

static void count_notify(void *opaque) { notified++; }

static void timers_setup(void)
{
    clk = clock_new_virtual(25000000);
    fired[0] = '\0';
    notified = 0;
    nmade = 0;
    clock_set_deadline_notify(clk, count_notify, NULL);
}

static void timers_teardown(void)
{
    for (unsigned i = 0; i < nmade; i++)
        timer_free(made[i]);
    clock_free(clk);
}

static void make(TestTimer *t, char name)
{
    *t = (TestTimer){ .name = name };
    t->timer = timer_new(clk, test_timer_cb, t);
    ck_assert_uint_lt(nmade, 8);
    made[nmade++] = t->timer;
}

/* Frees the timer now rather than in the fixture. */
static void unmake(TestTimer *t)
{
    for (unsigned i = 0; i < nmade; i++) {
        if (made[i] == t->timer)
            made[i] = NULL;
    }
    timer_free(t->timer);
}

/* Sets virtual time to ns exactly (25 MHz: 40 ns per instruction). */
static unsigned run_at(uint64_t ns)
{
    clock_set_insns(clk, ns / 40);
    ck_assert_uint_eq(clock_ns(clk), ns);
    return clock_run_due(clk);
}

START_TEST(a_new_timer_is_not_armed)
{
    TestTimer a;
    make(&a, 'a');
    ck_assert(!timer_pending(a.timer));
    ck_assert_uint_eq(clock_next_deadline(clk), CLOCK_NEVER);
    ck_assert_uint_eq(run_at(1000000), 0);
}
END_TEST

START_TEST(next_deadline_is_the_earliest_armed)
{
    TestTimer a, b, c;
    make(&a, 'a');
    make(&b, 'b');
    make(&c, 'c');
    timer_mod(a.timer, 3000);
    timer_mod(b.timer, 1000);
    timer_mod(c.timer, 2000);
    ck_assert(timer_pending(b.timer));
    ck_assert_uint_eq(timer_deadline(b.timer), 1000);
    ck_assert_uint_eq(clock_next_deadline(clk), 1000);
    timer_mod(b.timer, 5000); /* re-arming moves it */
    ck_assert_uint_eq(clock_next_deadline(clk), 2000);
    timer_del(c.timer);
    ck_assert_uint_eq(clock_next_deadline(clk), 3000);
}
END_TEST

START_TEST(run_due_fires_only_timers_whose_deadline_has_come)
{
    TestTimer a, b, c;
    make(&a, 'a');
    make(&b, 'b');
    make(&c, 'c');
    timer_mod(a.timer, 1000);
    timer_mod(b.timer, 2000);
    timer_mod(c.timer, 2040);
    ck_assert_uint_eq(run_at(960), 0);
    ck_assert_uint_eq(run_at(2000), 2); /* a deadline equal to now is due */
    ck_assert_str_eq(fired, "ab");
    ck_assert(!timer_pending(a.timer));
    ck_assert(timer_pending(c.timer));
    ck_assert_uint_eq(clock_next_deadline(clk), 2040);
    ck_assert_uint_eq(run_at(2000), 0); /* fired timers are disarmed */
}
END_TEST

START_TEST(due_timers_fire_in_deadline_order)
{
    TestTimer t[5];
    static const uint64_t deadlines[5] = { 500, 100, 400, 200, 300 };
    for (int i = 0; i < 5; i++) {
        make(&t[i], (char)('a' + i));
        timer_mod(t[i].timer, deadlines[i]);
    }
    ck_assert_uint_eq(run_at(1000), 5);
    ck_assert_str_eq(fired, "bdeca");
}
END_TEST

START_TEST(a_callback_can_rearm_its_timer)
{
    TestTimer a;
    make(&a, 'a');
    a.rearm_by = 1000;
    a.rearms = 100;
    timer_mod(a.timer, 1000);
    ck_assert_uint_eq(run_at(1000), 1);
    ck_assert(timer_pending(a.timer));
    ck_assert_uint_eq(clock_next_deadline(clk), 2000);
    ck_assert_uint_eq(run_at(1960), 0);
    ck_assert_uint_eq(run_at(4000), 3); /* 2000, 3000 and 4000: all due */
    ck_assert_str_eq(fired, "aaaa");
    ck_assert_uint_eq(clock_next_deadline(clk), 5000);
}
END_TEST

START_TEST(a_timer_rearming_in_the_past_cannot_wedge_run_due)
{
    TestTimer a;
    make(&a, 'a');
    a.rearm_by = 0;
    a.rearms = 1000000;
    timer_mod(a.timer, 0);
    unsigned ran = run_at(40);
    ck_assert_uint_gt(ran, 1);
    ck_assert_uint_lt(ran, 1000000);
}
END_TEST

START_TEST(deleted_timers_do_not_fire)
{
    TestTimer a, b;
    make(&a, 'a');
    make(&b, 'b');
    timer_mod(a.timer, 1000);
    timer_mod(b.timer, 1000);
    timer_del(a.timer);
    ck_assert(!timer_pending(a.timer));
    ck_assert_uint_eq(run_at(2000), 1);
    ck_assert_str_eq(fired, "b");
}
END_TEST

START_TEST(a_callback_can_delete_a_timer_that_is_due_too)
{
    TestTimer a, b;
    make(&a, 'a');
    make(&b, 'b');
    a.also_del = b.timer;
    timer_mod(a.timer, 1000);
    timer_mod(b.timer, 1500);
    ck_assert_uint_eq(run_at(2000), 1);
    ck_assert_str_eq(fired, "a");
}
END_TEST

START_TEST(a_callback_can_arm_a_timer_that_runs_in_the_same_pass)
{
    TestTimer a, b;
    make(&a, 'a');
    make(&b, 'b');
    a.also_mod = b.timer;
    timer_mod(a.timer, 1000);
    ck_assert_uint_eq(run_at(2000), 2);
    ck_assert_str_eq(fired, "ab");
}
END_TEST

START_TEST(freeing_an_armed_timer_disarms_it)
{
    TestTimer a, b;
    make(&a, 'a');
    make(&b, 'b');
    timer_mod(a.timer, 1000);
    timer_mod(b.timer, 3000);
    unmake(&a);
    ck_assert_uint_eq(clock_next_deadline(clk), 3000);
    ck_assert_uint_eq(run_at(3000), 1);
    ck_assert_str_eq(fired, "b");
    timer_free(NULL);
}
END_TEST

START_TEST(changes_to_armed_timers_notify_the_cpu_loop)
{
    TestTimer a;
    make(&a, 'a');
    ck_assert_uint_eq(notified, 0);
    timer_mod(a.timer, 1000);
    ck_assert_uint_eq(notified, 1);
    timer_mod(a.timer, 2000);
    ck_assert_uint_eq(notified, 2);
    timer_del(a.timer);
    ck_assert_uint_eq(notified, 3);
    timer_del(a.timer); /* not armed: nothing changed */
    ck_assert_uint_eq(notified, 3);
    timer_mod(a.timer, 500);
    unmake(&a);
    ck_assert_uint_eq(notified, 5);
}
END_TEST

START_TEST(timers_outliving_their_clock_are_inert)
{
    Clock *c = clock_new_virtual(1000000);
    TestTimer a = { .name = 'a' };
    a.timer = timer_new(c, test_timer_cb, &a);
    timer_mod(a.timer, 10);
    clock_free(c);
    timer_mod(a.timer, 20);
    timer_del(a.timer);
    timer_free(a.timer);
}
END_TEST

START_TEST(host_clock_timers_fire_when_due)
{
    Clock *c = clock_new_host(25000000);
    TestTimer a = { .name = 'a' }, b = { .name = 'b' };
    a.timer = timer_new(c, test_timer_cb, &a);
    b.timer = timer_new(c, test_timer_cb, &b);
    timer_mod(a.timer, 0);
    timer_mod(b.timer, clock_ns(c) + 3600 * NS_PER_SEC);
    ck_assert_uint_eq(clock_run_due(c), 1);
    ck_assert_str_eq(fired, "a");
    timer_free(a.timer);
    timer_free(b.timer);
    clock_free(c);
}
END_TEST

static Suite *clock_suite(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = tcase_create("conversions");
    tcase_add_test(tc, ticks_to_ns_is_exact_when_the_period_is_whole);
    tcase_add_test(tc, ticks_to_ns_rounds_up);
    tcase_add_test(tc, ns_to_ticks_rounds_down);
    tcase_add_test(tc, ticks_survive_a_round_trip_through_ns);
    suite_add_tcase(s, tc);

    tc = tcase_create("virtual clock");
    tcase_add_test(tc, virtual_time_is_instructions_over_the_cpu_clock);
    tcase_add_test(tc, virtual_time_rounds_up_at_awkward_frequencies);
    tcase_add_test(tc, one_instruction_is_one_cycle);
    tcase_add_test(tc, insns_at_ns_is_the_first_count_reaching_that_time);
    tcase_add_test(tc, warp_moves_time_forward_only);
    tcase_add_test(tc, after_a_warp_cycles_follow_time);
    tcase_add_test(tc, insns_at_ns_accounts_for_the_warp);
    suite_add_tcase(s, tc);

    tc = tcase_create("rate change");
    tcase_add_test(tc, a_rate_change_keeps_time_and_cycles_continuous);
    tcase_add_test(tc, a_rate_change_back_and_forth_adds_up_the_segments);
    tcase_add_test(tc, setting_the_same_rate_changes_nothing);
    tcase_add_test(tc, insns_at_ns_after_a_rate_change);
    tcase_add_test(tc, cycles_to_ns_follows_the_current_rate);
    tcase_add_test(tc, a_rate_change_after_a_warp_keeps_cycles_following_time);
    tcase_add_test(tc, host_cycles_continue_at_the_new_rate);
    suite_add_tcase(s, tc);

    tc = tcase_create("host clock");
    tcase_add_test(tc, host_time_is_monotonic_and_follows_the_wall);
    tcase_add_test(tc, host_time_ignores_warps);
    suite_add_tcase(s, tc);

    tc = tcase_create("timers");
    tcase_add_checked_fixture(tc, timers_setup, timers_teardown);
    tcase_add_test(tc, a_new_timer_is_not_armed);
    tcase_add_test(tc, next_deadline_is_the_earliest_armed);
    tcase_add_test(tc, run_due_fires_only_timers_whose_deadline_has_come);
    tcase_add_test(tc, due_timers_fire_in_deadline_order);
    tcase_add_test(tc, a_callback_can_rearm_its_timer);
    tcase_add_test(tc, a_timer_rearming_in_the_past_cannot_wedge_run_due);
    tcase_add_test(tc, deleted_timers_do_not_fire);
    tcase_add_test(tc, a_callback_can_delete_a_timer_that_is_due_too);
    tcase_add_test(tc, a_callback_can_arm_a_timer_that_runs_in_the_same_pass);
    tcase_add_test(tc, freeing_an_armed_timer_disarms_it);
    tcase_add_test(tc, changes_to_armed_timers_notify_the_cpu_loop);
    tcase_add_test(tc, timers_outliving_their_clock_are_inert);
    tcase_add_test(tc, host_clock_timers_fire_when_due);
    tcase_add_test(tc, timers_that_cannot_wake_the_cpu_are_not_wake_deadlines);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(clock_suite());
}
