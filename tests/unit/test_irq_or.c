/* IrqOr: several interrupt sources on one line. */
#include <check.h>
#include <stdlib.h>

#include "device_test.h"
#include "irq_or.h"
#include "unit_main.h"

static IrqProbe out;
static IrqOr *gate;

static void setup(void) { gate = irq_or_new(irq_probe_line(&out)); }
static void teardown(void) { irq_or_free(gate); }

START_TEST(the_output_starts_low_and_undriven)
{
    irq_or_add_input(gate);
    ck_assert(!irq_or_level(gate));
    ck_assert_uint_eq(out.calls, 0);
}
END_TEST

START_TEST(one_input_passes_through)
{
    IrqLine a = irq_or_add_input(gate);
    irq_raise(&a);
    ck_assert(out.level);
    ck_assert(irq_or_level(gate));
    irq_lower(&a);
    ck_assert(!out.level);
    ck_assert(!irq_or_level(gate));
    ck_assert_uint_eq(out.calls, 2);
}
END_TEST

START_TEST(the_output_is_high_while_any_input_is_high)
{
    IrqLine a = irq_or_add_input(gate);
    IrqLine b = irq_or_add_input(gate);
    irq_raise(&a);
    irq_raise(&b);
    irq_lower(&a);
    ck_assert(out.level);
    irq_lower(&b);
    ck_assert(!out.level);
    ck_assert_uint_eq(out.calls, 2); /* driven only when it changes */
    ck_assert_uint_eq(out.rises, 1);
}
END_TEST

START_TEST(a_pulse_while_another_input_holds_the_line_makes_no_edge)
{
    IrqLine uart_rx = irq_or_add_input(gate);
    IrqLine ivshmem = irq_or_add_input(gate);
    irq_raise(&uart_rx);
    irq_pulse(&ivshmem);
    ck_assert(out.level);
    ck_assert_uint_eq(out.rises, 1);
    ck_assert_uint_eq(out.calls, 1);
    irq_lower(&uart_rx);
    irq_pulse(&ivshmem); /* with the line low, a pulse is an edge */
    ck_assert_uint_eq(out.rises, 2);
    ck_assert(!out.level);
}
END_TEST

START_TEST(repeating_an_input_level_changes_nothing)
{
    IrqLine a = irq_or_add_input(gate);
    IrqLine b = irq_or_add_input(gate);
    irq_raise(&a);
    irq_raise(&a);
    irq_lower(&b);
    irq_lower(&b);
    ck_assert_uint_eq(out.calls, 1);
    irq_lower(&a);
    irq_lower(&a);
    ck_assert_uint_eq(out.calls, 2);
    ck_assert(!out.level);
}
END_TEST

START_TEST(inputs_added_later_keep_earlier_lines_valid)
{
    IrqLine first = irq_or_add_input(gate);
    IrqLine lines[100];
    for (int i = 0; i < 100; i++)
        lines[i] = irq_or_add_input(gate);
    irq_raise(&lines[99]);
    irq_raise(&first);
    irq_lower(&lines[99]);
    ck_assert(out.level);
    irq_lower(&first);
    ck_assert(!out.level);
    ck_assert_uint_eq(out.rises, 1);
}
END_TEST

START_TEST(an_unwired_output_is_allowed)
{
    IrqOr *g = irq_or_new((IrqLine){ 0 });
    IrqLine a = irq_or_add_input(g);
    irq_raise(&a);
    ck_assert(irq_or_level(g));
    irq_or_free(g);
    irq_or_free(NULL);
}
END_TEST

static Suite *irq_or_suite(void)
{
    Suite *s = suite_create("irq_or");
    TCase *tc = tcase_create("levels");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_output_starts_low_and_undriven);
    tcase_add_test(tc, one_input_passes_through);
    tcase_add_test(tc, the_output_is_high_while_any_input_is_high);
    tcase_add_test(tc, repeating_an_input_level_changes_nothing);
    tcase_add_test(tc, inputs_added_later_keep_earlier_lines_valid);
    tcase_add_test(tc, an_unwired_output_is_allowed);
    suite_add_tcase(s, tc);

    tc = tcase_create("edges");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_pulse_while_another_input_holds_the_line_makes_no_edge);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(irq_or_suite());
}
