/* MPS2 FPGAIO (AN385 3.8.3, QEMU 7.2's mps2-fpgaio) on a virtual clock:
 * the counters follow guest time, so they are exact here. The CPU clock
 * and the prescaler clock are both 25 MHz as on mps2-an385: one
 * instruction is one prescaler tick (40 ns). */
#include <check.h>
#include <stdlib.h>

#include "clock.h"
#include "device_test.h"
#include "mps2_fpgaio.h"
#include "unit_main.h"

#define HZ 25000000u
#define TICKS_PER_MS (HZ / 1000)

enum {
    LED0 = 0x00,
    DBGCTRL = 0x04,
    BUTTON = 0x08,
    CLK1HZ = 0x10,
    CLK100HZ = 0x14,
    COUNTER = 0x18,
    PRESCALE = 0x1C,
    PSCNTR = 0x20,
    SWITCH = 0x28,
    MISC = 0x4C,
};

static TestClock vt;
static Mps2Fpgaio *io;

static void setup(void)
{
    test_clock_init(&vt, HZ);
    io = mps2_fpgaio_new("fpgaio", vt.clock, HZ);
}

static void teardown(void)
{
    mps2_fpgaio_class.destroy(io);
    clock_free(vt.clock);
}

static void advance(uint64_t ticks) { test_clock_advance(&vt, ticks); }
static void advance_ms(uint64_t ms) { advance(ms * TICKS_PER_MS); }
static uint32_t rd(uint32_t offset) { return mmio_read32(&mps2_fpgaio_class, io, offset); }
static void wr(uint32_t offset, uint32_t value)
{
    mmio_write32(&mps2_fpgaio_class, io, offset, value);
}

/* ---- plain registers -------------------------------------------------- */

START_TEST(every_register_resets_to_zero)
{
    static const uint32_t regs[] = { LED0, BUTTON, CLK1HZ, CLK100HZ, COUNTER,
                                     PRESCALE, PSCNTR, MISC };
    for (unsigned i = 0; i < G_N_ELEMENTS(regs); i++)
        ck_assert_uint_eq(rd(regs[i]), 0);
}
END_TEST

START_TEST(led0_holds_two_leds)
{
    wr(LED0, 0xFFFFFFFF);
    ck_assert_uint_eq(rd(LED0), 3);
    wr(LED0, 2);
    ck_assert_uint_eq(rd(LED0), 2);
}
END_TEST

START_TEST(misc_reads_as_written)
{
    wr(MISC, 0xFFFFFFFF);
    ck_assert_uint_eq(rd(MISC), 0xFFFFFFFF);
}
END_TEST

START_TEST(buttons_read_zero_and_ignore_writes)
{
    ck_assert_int_eq(mps2_fpgaio_class.write(io, BUTTON, 3, 4), MMIO_UNASSIGNED);
    ck_assert_uint_eq(rd(BUTTON), 0);
}
END_TEST

START_TEST(dbgctrl_and_switch_are_absent_on_an385)
{
    uint32_t v;
    ck_assert_int_eq(mps2_fpgaio_class.read(io, DBGCTRL, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(mps2_fpgaio_class.read(io, SWITCH, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(mps2_fpgaio_class.write(io, SWITCH, 1, 4), MMIO_UNASSIGNED);
    ck_assert_int_eq(mps2_fpgaio_class.read(io, LED0 + 1, 1, &v), MMIO_UNASSIGNED);
}
END_TEST

START_TEST(a_reset_clears_registers_and_restarts_the_counters)
{
    wr(LED0, 1);
    wr(MISC, 5);
    wr(PRESCALE, 9);
    advance_ms(3000);
    mps2_fpgaio_class.reset(io);
    ck_assert_uint_eq(rd(LED0), 0);
    ck_assert_uint_eq(rd(MISC), 0);
    ck_assert_uint_eq(rd(PRESCALE), 0);
    ck_assert_uint_eq(rd(CLK1HZ), 0);
    ck_assert_uint_eq(rd(CLK100HZ), 0);
    ck_assert_uint_eq(rd(COUNTER), 0);
}
END_TEST

/* ---- 1 Hz and 100 Hz counters ------------------------------------------ */

START_TEST(clk1hz_and_clk100hz_count_guest_time)
{
    advance_ms(2345);
    ck_assert_uint_eq(rd(CLK1HZ), 2);
    ck_assert_uint_eq(rd(CLK100HZ), 234);
}
END_TEST

START_TEST(a_written_count_goes_on_from_the_time_of_the_write)
{
    advance_ms(5);
    wr(CLK100HZ, 1000);
    ck_assert_uint_eq(rd(CLK100HZ), 1000);
    advance_ms(9);
    ck_assert_uint_eq(rd(CLK100HZ), 1000);
    advance_ms(1);
    ck_assert_uint_eq(rd(CLK100HZ), 1001);
    wr(CLK1HZ, 7);
    advance_ms(999);
    ck_assert_uint_eq(rd(CLK1HZ), 7);
    advance_ms(1);
    ck_assert_uint_eq(rd(CLK1HZ), 8);
}
END_TEST

START_TEST(the_counters_wrap_at_32_bits)
{
    wr(CLK100HZ, 0xFFFFFFFF);
    advance_ms(10);
    ck_assert_uint_eq(rd(CLK100HZ), 0);
}
END_TEST

/* ---- prescaled counter ---------------------------------------------------- */

START_TEST(pscntr_counts_down_and_counter_counts_its_reloads)
{
    wr(PRESCALE, 4);
    wr(PSCNTR, 7);
    advance(7);
    ck_assert_uint_eq(rd(PSCNTR), 0);
    ck_assert_uint_eq(rd(COUNTER), 0);
    advance(1); /* one tick after zero: reload, COUNTER + 1 */
    ck_assert_uint_eq(rd(PSCNTR), 4);
    ck_assert_uint_eq(rd(COUNTER), 1);
    advance(5 * 10);
    ck_assert_uint_eq(rd(PSCNTR), 4);
    ck_assert_uint_eq(rd(COUNTER), 11);
}
END_TEST

START_TEST(reads_in_between_do_not_change_the_count)
{
    wr(PRESCALE, TICKS_PER_MS - 1);
    for (int i = 0; i < 1000; i++) {
        advance(TICKS_PER_MS / 4);
        (void)rd(PSCNTR);
    }
    ck_assert_uint_eq(rd(COUNTER), 250);
}
END_TEST

START_TEST(with_prescale_zero_counter_counts_every_tick)
{
    wr(PSCNTR, 3);
    advance(3);
    ck_assert_uint_eq(rd(COUNTER), 0);
    advance(100);
    ck_assert_uint_eq(rd(COUNTER), 100);
    ck_assert_uint_eq(rd(PSCNTR), 0);
}
END_TEST

START_TEST(a_new_prescale_applies_from_the_next_reload)
{
    wr(PRESCALE, 9);
    wr(PSCNTR, 5);
    advance(3);
    wr(PRESCALE, 99);
    ck_assert_uint_eq(rd(PSCNTR), 2);
    advance(3); /* 2, 1, 0, reload from the new PRESCALE */
    ck_assert_uint_eq(rd(PSCNTR), 99);
    ck_assert_uint_eq(rd(COUNTER), 1);
}
END_TEST

START_TEST(counter_reads_as_written)
{
    wr(COUNTER, 0x12345678);
    ck_assert_uint_eq(rd(COUNTER), 0x12345678);
}
END_TEST

START_TEST(the_class_is_named_for_board_files)
{
    ck_assert_str_eq(mps2_fpgaio_class.type, "mps2-fpgaio");
}
END_TEST

static Suite *mps2_fpgaio_suite(void)
{
    Suite *s = suite_create("mps2_fpgaio");
    TCase *tc = tcase_create("plain registers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_register_resets_to_zero);
    tcase_add_test(tc, led0_holds_two_leds);
    tcase_add_test(tc, misc_reads_as_written);
    tcase_add_test(tc, buttons_read_zero_and_ignore_writes);
    tcase_add_test(tc, dbgctrl_and_switch_are_absent_on_an385);
    tcase_add_test(tc, a_reset_clears_registers_and_restarts_the_counters);
    tcase_add_test(tc, the_class_is_named_for_board_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("1 Hz and 100 Hz counters");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, clk1hz_and_clk100hz_count_guest_time);
    tcase_add_test(tc, a_written_count_goes_on_from_the_time_of_the_write);
    tcase_add_test(tc, the_counters_wrap_at_32_bits);
    suite_add_tcase(s, tc);

    tc = tcase_create("prescaled counter");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, pscntr_counts_down_and_counter_counts_its_reloads);
    tcase_add_test(tc, reads_in_between_do_not_change_the_count);
    tcase_add_test(tc, with_prescale_zero_counter_counts_every_tick);
    tcase_add_test(tc, a_new_prescale_applies_from_the_next_reload);
    tcase_add_test(tc, counter_reads_as_written);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(mps2_fpgaio_suite());
}
