/* The "unimplemented" device: accesses go nowhere, and the first ones
 * are reported (log_unimp, shown with --trace, on stderr). */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "unimplemented.h"
#include "unit_main.h"

static Unimplemented *dev;
static FILE *captured;
static int saved_stderr;

static void setup(void)
{
    log_set_trace(true);
    dev = unimplemented_new("sysctl", 0x1000);
    fflush(stderr);
    captured = tmpfile();
    ck_assert_ptr_nonnull(captured);
    saved_stderr = dup(STDERR_FILENO);
    dup2(fileno(captured), STDERR_FILENO);
}

static void teardown(void)
{
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    fclose(captured);
    unimplemented_class.destroy(dev);
}

/* Everything reported so far (and forgets it). The tmpfile shares its
 * offset with stderr: read it with pread, rewind with lseek. */
static char *reports(void)
{
    fflush(stderr);
    int fd = fileno(captured);
    off_t end = lseek(fd, 0, SEEK_CUR);
    char *text = g_malloc0((gsize)end + 1);
    ck_assert_int_eq(pread(fd, text, (size_t)end, 0), end);
    ck_assert_int_eq(ftruncate(fd, 0), 0);
    lseek(fd, 0, SEEK_SET);
    return text;
}

static unsigned count_lines(const char *text)
{
    unsigned n = 0;
    for (; *text != '\0'; text++)
        n += *text == '\n';
    return n;
}

static MmioResult rd(uint32_t offset, unsigned size, uint32_t *v)
{
    return unimplemented_class.read(dev, offset, size, v);
}

static MmioResult wr(uint32_t offset, uint32_t value, unsigned size)
{
    return unimplemented_class.write(dev, offset, value, size);
}

START_TEST(every_access_is_unassigned)
{
    uint32_t v = 0xDEADBEEF;
    ck_assert_int_eq(rd(0x0, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(rd(0xFFF, 1, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(rd(0x62, 2, &v), MMIO_UNASSIGNED);
    ck_assert_uint_eq(v, 0xDEADBEEF); /* value untouched */
    ck_assert_int_eq(wr(0x0, 1, 4), MMIO_UNASSIGNED);
    ck_assert_int_eq(wr(0x7, 0xFF, 1), MMIO_UNASSIGNED);
    ck_assert_str_eq(unimplemented_class.type, "unimplemented");
}
END_TEST

/* A board's hole serves unprivileged code like any other; the PPB's gaps
 * (B3.1) refuse it, and otherwise behave the same. */
START_TEST(only_the_ppb_kind_refuses_unprivileged_accesses)
{
    uint32_t v = 0;
    ck_assert_ptr_null(unimplemented_class.unprivileged_ok);
    ck_assert(!unimplemented_ppb_class.unprivileged_ok(dev, 0x0, false));
    ck_assert(!unimplemented_ppb_class.unprivileged_ok(dev, 0x0, true));
    ck_assert_int_eq(unimplemented_ppb_class.read(dev, 0x0, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(unimplemented_ppb_class.write(dev, 0x0, 1, 4), MMIO_UNASSIGNED);
}
END_TEST

START_TEST(the_first_access_names_device_offset_size_and_direction)
{
    uint32_t v;
    rd(0x60, 4, &v);
    g_autofree char *read_report = reports();
    ck_assert_ptr_nonnull(
        strstr(read_report, "unimplemented: sysctl: read of size 4 at offset 0x60"));
    wr(0x1C, 0xAB, 1);
    g_autofree char *write_report = reports();
    ck_assert_ptr_nonnull(strstr(write_report, "sysctl: write of size 1 at offset 0x1c"));
    ck_assert_ptr_nonnull(strstr(write_report, "value 0xab"));
}
END_TEST

START_TEST(an_access_seen_before_is_not_reported_again)
{
    uint32_t v;
    rd(0x60, 4, &v);
    g_free(reports());
    rd(0x60, 4, &v);
    rd(0x60, 2, &v);
    g_autofree char *text = reports();
    ck_assert_str_eq(text, "");
}
END_TEST

START_TEST(reads_and_writes_of_an_offset_are_reported_apart)
{
    uint32_t v;
    rd(0x60, 4, &v);
    wr(0x60, 1, 4);
    g_autofree char *text = reports();
    ck_assert_uint_eq(count_lines(text), 2);
}
END_TEST

START_TEST(reports_stop_after_a_bounded_number_of_accesses)
{
    uint32_t v;
    for (uint32_t off = 0; off < 4 * 40; off += 4)
        rd(off, 4, &v);
    g_autofree char *text = reports();
    ck_assert_uint_eq(count_lines(text), 33); /* 32 accesses, then one notice */
    ck_assert_ptr_nonnull(strstr(text, "no longer reported"));
    wr(0x800, 0, 4);
    rd(0xFFC, 4, &v);
    g_autofree char *after = reports();
    ck_assert_str_eq(after, "");
}
END_TEST

START_TEST(a_reset_keeps_the_record)
{
    uint32_t v;
    rd(0x60, 4, &v);
    g_free(reports());
    unimplemented_class.reset(dev);
    rd(0x60, 4, &v);
    g_autofree char *text = reports();
    ck_assert_str_eq(text, "");
}
END_TEST

START_TEST(nothing_is_shown_without_trace)
{
    uint32_t v;
    log_set_trace(false);
    rd(0x60, 4, &v);
    g_autofree char *text = reports();
    ck_assert_str_eq(text, "");
}
END_TEST

static Suite *unimplemented_suite(void)
{
    Suite *s = suite_create("unimplemented");
    TCase *tc = tcase_create("accesses");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_access_is_unassigned);
    tcase_add_test(tc, only_the_ppb_kind_refuses_unprivileged_accesses);
    suite_add_tcase(s, tc);

    tc = tcase_create("reports");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_first_access_names_device_offset_size_and_direction);
    tcase_add_test(tc, an_access_seen_before_is_not_reported_again);
    tcase_add_test(tc, reads_and_writes_of_an_offset_are_reported_apart);
    tcase_add_test(tc, reports_stop_after_a_bounded_number_of_accesses);
    tcase_add_test(tc, a_reset_keeps_the_record);
    tcase_add_test(tc, nothing_is_shown_without_trace);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(unimplemented_suite());
}
