/* Board files: the shipped boards load with the facts of DESIGN.md §6, and
 * every kind of broken board file is refused with an error that names the
 * file, the group and the key. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "board.h"
#include "errors.h"
#include "unit_main.h"

static char *tmpdir;

static void setup(void)
{
    tmpdir = g_dir_make_tmp("minivm-board-XXXXXX", NULL);
    ck_assert_ptr_nonnull(tmpdir);
}

static void teardown(void)
{
    g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *p = g_build_filename(tmpdir, name, NULL);
        g_unlink(p);
    }
    g_rmdir(tmpdir);
    g_free(tmpdir);
}

static char *write_board(const char *text)
{
    char *path = g_build_filename(tmpdir, "test.board", NULL);
    ck_assert(g_file_set_contents(path, text, -1, NULL));
    return path;
}

#define VALID_HEADER                                                                               \
    "[board]\nname=t\ncpu=cortex-m3\ncpu-clock=25000000\nnvic-irqs=32\n"                         \
    "[memory ram]\naddress=0\nsize=64K\n"

/* Loads text as a board file and expects failure with code and every
 * fragment in the message. */
static void expect_error(const char *text, int code, const char *frag1, const char *frag2)
{
    g_autofree char *path = write_board(text);
    g_autoptr(GError) error = NULL;
    Board *b = board_load_file(path, &error);
    ck_assert_ptr_null(b);
    ck_assert_ptr_nonnull(error);
    ck_assert_int_eq(error->code, code);
    ck_assert_msg(strstr(error->message, path) != NULL, "no file name in: %s", error->message);
    if (frag1 != NULL)
        ck_assert_msg(strstr(error->message, frag1) != NULL, "'%s' not in: %s", frag1,
                      error->message);
    if (frag2 != NULL)
        ck_assert_msg(strstr(error->message, frag2) != NULL, "'%s' not in: %s", frag2,
                      error->message);
}

START_TEST(test_mps2_an385_matches_the_design_facts)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(Board) b = board_load("mps2-an385", &error);
    ck_assert_msg(b != NULL, "%s", error ? error->message : "");
    ck_assert_str_eq(b->name, "mps2-an385");
    ck_assert_uint_eq(b->cpu_hz, 25000000);
    ck_assert_uint_eq(b->nvic_irqs, 32);
    ck_assert_uint_eq(b->systick_ref_hz, 1000000);
    ck_assert_uint_eq(b->ivshmem.mmio, 0x400FF000);
    ck_assert_uint_eq(b->ivshmem.shm, 0x40100000);
    ck_assert_uint_eq(b->ivshmem.irq, 0);
    bool uart0 = false, watchdog = false;
    for (guint i = 0; i < b->devices->len; i++) {
        BoardDevice *d = g_ptr_array_index(b->devices, i);
        if (strcmp(d->name, "watchdog") == 0) {
            watchdog = true;
            ck_assert_str_eq(d->type, "cmsdk-apb-watchdog");
            ck_assert_uint_eq(d->base, 0x40008000);
            int irq;
            ck_assert(board_device_irq(b, d, NULL, &irq, NULL));
            ck_assert_int_eq(irq, BOARD_IRQ_NMI);
            g_autofree char *reset = board_device_string(b, d, "reset");
            ck_assert_str_eq(reset, "system");
        }
        if (strcmp(d->name, "uart0") == 0) {
            uart0 = true;
            ck_assert_str_eq(d->type, "cmsdk-apb-uart");
            ck_assert_uint_eq(d->base, 0x40004000);
            int rx, tx;
            ck_assert(board_device_irq(b, d, "rx", &rx, NULL));
            ck_assert(board_device_irq(b, d, "tx", &tx, NULL));
            ck_assert_int_eq(rx, 0);
            ck_assert_int_eq(tx, 1);
        }
    }
    ck_assert(uart0);
    ck_assert(watchdog);
}
END_TEST

START_TEST(test_lm3s6965evb_matches_the_design_facts)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(Board) b = board_load("lm3s6965evb", &error);
    ck_assert_msg(b != NULL, "%s", error ? error->message : "");
    ck_assert_uint_eq(b->cpu_hz, 12500000);
    ck_assert_uint_eq(b->nvic_irqs, 64);
    ck_assert_uint_eq(b->systick_ref_hz, 0);
    BoardMemory *flash = g_ptr_array_index(b->memories, 0);
    ck_assert_str_eq(flash->name, "flash");
    ck_assert_int_eq(flash->kind, BOARD_MEM_ROM);
    ck_assert_uint_eq(flash->size, 256 * 1024);
}
END_TEST

START_TEST(test_board_list_finds_both_boards)
{
    g_autoptr(GPtrArray) list = board_list();
    bool mps2 = false, lm3s = false;
    for (guint i = 0; i < list->len; i++) {
        const char *row = g_ptr_array_index(list, i);
        mps2 |= g_str_has_prefix(row, "mps2-an385\t");
        lm3s |= g_str_has_prefix(row, "lm3s6965evb\t");
    }
    ck_assert(mps2 && lm3s);
}
END_TEST

START_TEST(test_unknown_board_name_is_a_usage_error)
{
    g_autoptr(GError) error = NULL;
    ck_assert_ptr_null(board_load("no-such-board", &error));
    ck_assert_int_eq(error->code, MINIVM_EXIT_USAGE);
    ck_assert(strstr(error->message, "no-such-board") != NULL);
}
END_TEST

START_TEST(test_missing_file_is_exit_66)
{
    g_autoptr(GError) error = NULL;
    ck_assert_ptr_null(board_load("/nonexistent/x.board", &error));
    ck_assert_int_eq(error->code, MINIVM_EXIT_NO_FILE);
    ck_assert(strstr(error->message, "/nonexistent/x.board") != NULL);
}
END_TEST

START_TEST(test_syntax_error_is_rejected)
{
    expect_error("this is not a key file\n", MINIVM_EXIT_BAD_BOARD, NULL, NULL);
}
END_TEST

START_TEST(test_missing_board_group)
{
    expect_error("[memory ram]\naddress=0\nsize=1K\n", MINIVM_EXIT_BAD_BOARD, "[board]", NULL);
}
END_TEST

START_TEST(test_missing_required_key_names_group_and_key)
{
    expect_error("[board]\nname=t\ncpu=cortex-m3\n[memory ram]\naddress=0\nsize=1K\n",
                 MINIVM_EXIT_BAD_BOARD, "[board]", "cpu-clock");
}
END_TEST

START_TEST(test_malformed_number_names_group_and_key)
{
    expect_error(VALID_HEADER "[device u]\ntype=unimplemented\naddress=0x4000zz00\nsize=4K\n",
                 MINIVM_EXIT_BAD_BOARD, "[device u]", "address");
}
END_TEST

START_TEST(test_unsupported_cpu)
{
    expect_error("[board]\nname=t\ncpu=cortex-a9\ncpu-clock=1\n[memory r]\naddress=0\nsize=1K\n",
                 MINIVM_EXIT_BAD_BOARD, "cpu", "cortex-a9");
}
END_TEST

START_TEST(test_too_many_nvic_lines)
{
    expect_error("[board]\nname=t\ncpu=cortex-m3\ncpu-clock=1\nnvic-irqs=497\n"
                 "[memory r]\naddress=0\nsize=1K\n",
                 MINIVM_EXIT_BAD_BOARD, "nvic-irqs", NULL);
}
END_TEST

START_TEST(test_unknown_group)
{
    expect_error(VALID_HEADER "[gadget x]\nfoo=1\n", MINIVM_EXIT_BAD_BOARD, "[gadget x]", NULL);
}
END_TEST

START_TEST(test_overlapping_memory)
{
    expect_error(VALID_HEADER "[memory other]\naddress=0x8000\nsize=64K\n", MINIVM_EXIT_BAD_BOARD,
                 "[memory other]", "overlaps");
}
END_TEST

START_TEST(test_alias_overlapping_memory)
{
    expect_error(VALID_HEADER "[memory b]\naddress=0x100000\nsize=64K\naliases=0x8000\n",
                 MINIVM_EXIT_BAD_BOARD, "aliases", "overlaps");
}
END_TEST

START_TEST(test_unaligned_memory)
{
    expect_error("[board]\nname=t\ncpu=cortex-m3\ncpu-clock=1\n[memory r]\naddress=0x10\nsize=1K\n",
                 MINIVM_EXIT_BAD_BOARD, "[memory r]", "1 KiB");
}
END_TEST

START_TEST(test_memory_past_4gib)
{
    expect_error(VALID_HEADER "[memory top]\naddress=0xFFFFFC00\nsize=4K\n", MINIVM_EXIT_BAD_BOARD,
                 "[memory top]", "4 GiB");
}
END_TEST

START_TEST(test_irq_beyond_nvic_lines)
{
    g_autofree char *path =
        write_board(VALID_HEADER "[device u]\ntype=cmsdk-apb-uart\naddress=0x40004000\nirq-rx=32\n");
    g_autoptr(GError) error = NULL;
    g_autoptr(Board) b = board_load_file(path, &error);
    ck_assert_ptr_nonnull(b);
    int n = 0;
    ck_assert(!board_device_irq(b, g_ptr_array_index(b->devices, 0), "rx", &n, &error));
    ck_assert_int_eq(error->code, MINIVM_EXIT_BAD_BOARD);
    ck_assert(strstr(error->message, "irq-rx") != NULL);
    ck_assert(strstr(error->message, "[device u]") != NULL);
}
END_TEST

START_TEST(test_ivshmem_irq_beyond_nvic_lines)
{
    expect_error(VALID_HEADER "[ivshmem]\nirq=40\n", MINIVM_EXIT_BAD_BOARD, "[ivshmem]", "irq");
}
END_TEST

START_TEST(test_no_memory)
{
    expect_error("[board]\nname=t\ncpu=cortex-m3\ncpu-clock=1\n", MINIVM_EXIT_BAD_BOARD, "memory",
                 NULL);
}
END_TEST

START_TEST(test_sizes_parse_with_suffixes)
{
    uint64_t v;
    ck_assert(parse_size_u64("4M", &v) && v == 4u << 20);
    ck_assert(parse_size_u64("16K", &v) && v == 16384);
    ck_assert(parse_size_u64("0x1000", &v) && v == 4096);
    ck_assert(parse_size_u64("1G", &v) && v == 1u << 30);
    ck_assert(parse_size_u64("123", &v) && v == 123);
    ck_assert(!parse_size_u64("", &v));
    ck_assert(!parse_size_u64("-1", &v));
    ck_assert(!parse_size_u64("4X", &v));
    ck_assert(!parse_size_u64("99999999999999999999G", &v));
}
END_TEST

static Suite *board_suite(void)
{
    Suite *s = suite_create("board");
    TCase *shipped = tcase_create("shipped boards");
    tcase_add_test(shipped, test_mps2_an385_matches_the_design_facts);
    tcase_add_test(shipped, test_lm3s6965evb_matches_the_design_facts);
    tcase_add_test(shipped, test_board_list_finds_both_boards);
    tcase_add_test(shipped, test_unknown_board_name_is_a_usage_error);
    suite_add_tcase(s, shipped);

    TCase *bad = tcase_create("bad board files");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_missing_file_is_exit_66);
    tcase_add_test(bad, test_syntax_error_is_rejected);
    tcase_add_test(bad, test_missing_board_group);
    tcase_add_test(bad, test_missing_required_key_names_group_and_key);
    tcase_add_test(bad, test_malformed_number_names_group_and_key);
    tcase_add_test(bad, test_unsupported_cpu);
    tcase_add_test(bad, test_too_many_nvic_lines);
    tcase_add_test(bad, test_unknown_group);
    tcase_add_test(bad, test_overlapping_memory);
    tcase_add_test(bad, test_alias_overlapping_memory);
    tcase_add_test(bad, test_unaligned_memory);
    tcase_add_test(bad, test_memory_past_4gib);
    tcase_add_test(bad, test_irq_beyond_nvic_lines);
    tcase_add_test(bad, test_ivshmem_irq_beyond_nvic_lines);
    tcase_add_test(bad, test_no_memory);
    suite_add_tcase(s, bad);

    TCase *numbers = tcase_create("numbers");
    tcase_add_test(numbers, test_sizes_parse_with_suffixes);
    suite_add_tcase(s, numbers);
    return s;
}

int main(void)
{
    return run_suite(board_suite());
}
