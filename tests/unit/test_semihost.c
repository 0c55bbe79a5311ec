/* Semihosting as a specification: each test performs BKPT 0xAB calls the
 * way firmware does (operation, parameter block in guest memory) and checks
 * r0, guest memory, console bytes and host files. Guest RAM is a plain byte
 * array; the console is a real pipe chardev; time is a virtual clock. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chardev.h"
#include "clock.h"
#include "semihost.h"
#include "unit_main.h"

#define RAM_BASE 0x20000000u
#define RAM_SIZE 0x20000u
#define PARAM (RAM_BASE + 0x000) /* parameter block */
#define STR (RAM_BASE + 0x100)   /* strings */
#define STR2 (RAM_BASE + 0x400)
#define BUF (RAM_BASE + 0x1000)  /* data buffers */
#define UNMAPPED 0x10000000u
#define CPU_HZ 25000000u
#define ERR UINT32_MAX
#define NO_OPENAT2_ENV "MINIVM_SEMIHOST_NO_OPENAT2"

static uint8_t ram[RAM_SIZE];
static int out_pipe[2], in_pipe[2];
static CharDev *console;
static Clock *clk;
static Semihost *sh;
static char *base_dir; /* holds root/ and outside/ */
static char *root_dir;
static SemihostEnv env;

/* ---- harness ---- */

static bool in_ram(uint32_t addr, size_t len)
{
    return addr >= RAM_BASE && (uint64_t)addr - RAM_BASE + len <= RAM_SIZE;
}

static bool ram_read(void *opaque, uint32_t addr, void *buf, size_t len)
{
    if (!in_ram(addr, len))
        return false;
    memcpy(buf, ram + (addr - RAM_BASE), len);
    return true;
}

static bool ram_write(void *opaque, uint32_t addr, const void *buf, size_t len)
{
    if (!in_ram(addr, len))
        return false;
    memcpy(ram + (addr - RAM_BASE), buf, len);
    return true;
}

static void put_bytes(uint32_t addr, const void *data, size_t len)
{
    ck_assert(ram_write(NULL, addr, data, len));
}

static void put_str(uint32_t addr, const char *s)
{
    put_bytes(addr, s, strlen(s) + 1);
}

static void put_words(uint32_t addr, const uint32_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b[4] = { (uint8_t)w[i], (uint8_t)(w[i] >> 8), (uint8_t)(w[i] >> 16),
                         (uint8_t)(w[i] >> 24) };
        put_bytes(addr + 4 * (uint32_t)i, b, 4);
    }
}
#define PUT_BLOCK(addr, ...) \
    put_words(addr, (const uint32_t[]){ __VA_ARGS__ }, sizeof((uint32_t[]){ __VA_ARGS__ }) / 4)

static uint32_t get_word(uint32_t addr)
{
    const uint8_t *b = ram + (addr - RAM_BASE);
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint32_t call(uint32_t op, uint32_t param)
{
    uint32_t r0 = 0x5a5a5a5a;
    int status = -1;
    ck_assert_int_eq(semihost_call(sh, op, param, &r0, &status), SEMIHOST_CONTINUE);
    return r0;
}

static uint32_t last_errno(void)
{
    return call(SYS_ERRNO, 0);
}

/* Everything the console has written so far. */
static char *console_output(void)
{
    GString *s = g_string_new(NULL);
    char buf[4096];
    ssize_t n;
    while ((n = read(out_pipe[0], buf, sizeof buf)) > 0)
        g_string_append_len(s, buf, n);
    return g_string_free(s, FALSE);
}

static void feed_stdin(const char *bytes, bool eof)
{
    ck_assert_int_eq(write(in_pipe[1], bytes, strlen(bytes)), (ssize_t)strlen(bytes));
    if (eof) {
        close(in_pipe[1]);
        in_pipe[1] = -1;
    }
}

static uint32_t open_path(const char *path, uint32_t mode)
{
    put_str(STR, path);
    PUT_BLOCK(PARAM, STR, mode, (uint32_t)strlen(path));
    return call(SYS_OPEN, PARAM);
}

static uint32_t write_handle(uint32_t h, const char *data)
{
    put_bytes(BUF, data, strlen(data));
    PUT_BLOCK(PARAM, h, BUF, (uint32_t)strlen(data));
    return call(SYS_WRITE, PARAM);
}

static uint32_t read_handle(uint32_t h, uint32_t len)
{
    memset(ram + (BUF - RAM_BASE), 0, len + 1);
    PUT_BLOCK(PARAM, h, BUF, len);
    return call(SYS_READ, PARAM);
}

static uint32_t on_handle(uint32_t op, uint32_t h)
{
    PUT_BLOCK(PARAM, h);
    return call(op, PARAM);
}

static char *host_path(const char *dir, const char *name)
{
    return g_build_filename(dir, name, NULL);
}

static char *slurp(const char *path)
{
    char *contents = NULL;
    if (!g_file_get_contents(path, &contents, NULL, NULL))
        return NULL;
    return contents;
}

static void make_semihost(const char *root)
{
    semihost_free(sh);
    env.root_dir = root;
    sh = semihost_new(&env);
}

static void setup(void)
{
    memset(ram, 0, sizeof ram);
    ck_assert_int_eq(pipe(out_pipe), 0);
    ck_assert_int_eq(pipe(in_pipe), 0);
    fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
    /* Console writes are synchronous: room for everything a test prints. */
    ck_assert_int_ge(fcntl(out_pipe[1], F_SETPIPE_SZ, 1 << 20), 1 << 18);
    console = chardev_new_fds(in_pipe[0], out_pipe[1]);
    clk = clock_new_virtual(CPU_HZ);
    base_dir = g_dir_make_tmp("test-semihost-XXXXXX", NULL);
    ck_assert_ptr_nonnull(base_dir);
    root_dir = host_path(base_dir, "root");
    g_autofree char *outside = host_path(base_dir, "outside");
    ck_assert_int_eq(g_mkdir(root_dir, 0755), 0);
    ck_assert_int_eq(g_mkdir(outside, 0755), 0);
    env = (SemihostEnv){
        .read_mem = ram_read,
        .write_mem = ram_write,
        .console = console,
        .clock = clk,
        .cmdline = "fw.elf --fast 42",
        .heap_base = 0x20001000,
        .heap_limit = 0x20300000,
        .stack_base = 0x20400000,
        .stack_limit = 0x20300000,
    };
    make_semihost(root_dir);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void teardown(void)
{
    g_unsetenv(NO_OPENAT2_ENV);
    semihost_free(sh);
    sh = NULL;
    chardev_free(console);
    clock_free(clk);
    close(out_pipe[0]);
    close(out_pipe[1]);
    close(in_pipe[0]);
    if (in_pipe[1] >= 0)
        close(in_pipe[1]);
    nftw(base_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    g_free(root_dir);
    g_free(base_dir);
}

/* Loop tests run once with openat2 and once with the component walk. */
static void select_resolver(int i)
{
    if (i == 1) {
        g_setenv(NO_OPENAT2_ENV, "1", TRUE);
        make_semihost(root_dir);
    }
}

/* ---- console output ---- */

START_TEST(writec_writes_the_byte_r1_points_to)
{
    put_bytes(BUF, "Z", 1);
    call(SYS_WRITEC, BUF);
    g_autofree char *out = console_output();
    ck_assert_str_eq(out, "Z");
}
END_TEST

START_TEST(write0_writes_the_string_without_its_nul)
{
    put_str(STR, "hello, world\n\ttab\x7f");
    call(SYS_WRITE0, STR);
    put_str(STR, "");
    call(SYS_WRITE0, STR);
    g_autofree char *out = console_output();
    ck_assert_str_eq(out, "hello, world\n\ttab\x7f");
}
END_TEST

START_TEST(write0_of_a_string_longer_than_a_chunk_is_byte_exact)
{
    char *s = (char *)ram + (BUF - RAM_BASE);
    for (uint32_t i = 0; i < 100000; i++)
        s[i] = (char)('a' + i % 26);
    s[100000] = '\0';
    call(SYS_WRITE0, BUF);
    g_autofree char *out = g_malloc0(100001);
    size_t got = 0;
    while (got < 100000) {
        ssize_t n = read(out_pipe[0], out + got, 100000 - got);
        ck_assert_int_gt(n, 0);
        got += (size_t)n;
    }
    ck_assert_mem_eq(out, s, 100000);
}
END_TEST

START_TEST(write0_running_into_unmapped_memory_fails_and_prints_nothing)
{
    memset(ram + RAM_SIZE - 8, 'x', 8); /* no NUL before the end of RAM */
    ck_assert_uint_eq(call(SYS_WRITE0, RAM_BASE + RAM_SIZE - 8), ERR);
    ck_assert_uint_eq(call(SYS_WRITE0, UNMAPPED), ERR);
    ck_assert_uint_eq(last_errno(), EFAULT);
    g_autofree char *out = console_output();
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(write0_finds_a_nul_just_before_unmapped_memory)
{
    memset(ram + RAM_SIZE - 8, 'y', 7);
    ram[RAM_SIZE - 1] = '\0';
    call(SYS_WRITE0, RAM_BASE + RAM_SIZE - 8);
    g_autofree char *out = console_output();
    ck_assert_str_eq(out, "yyyyyyy");
}
END_TEST

START_TEST(tt_opened_for_writing_and_appending_reaches_the_console)
{
    uint32_t out = open_path(":tt", 4), err = open_path(":tt", 8);
    ck_assert_uint_eq(write_handle(out, "to stdout "), 0);
    ck_assert_uint_eq(write_handle(err, "to stderr"), 0);
    g_autofree char *text = console_output();
    ck_assert_str_eq(text, "to stdout to stderr");
}
END_TEST

START_TEST(write_returns_the_count_not_written)
{
    uint32_t out = open_path(":tt", 4);
    ck_assert_uint_eq(write_handle(out, "all of it"), 0);
    g_autofree char *all = console_output();
    ck_assert_str_eq(all, "all of it");

    /* A buffer running 50 bytes past the end of RAM: some of it cannot be
     * written, and r0 says how much did not go out. */
    uint32_t len = RAM_BASE + RAM_SIZE - BUF + 50;
    memset(ram + (BUF - RAM_BASE), 'w', len - 50);
    PUT_BLOCK(PARAM, out, BUF, len);
    uint32_t left = call(SYS_WRITE, PARAM);
    ck_assert_uint_ge(left, 50);
    g_autofree char *text = console_output();
    ck_assert_uint_eq(strlen(text), len - left);
    ck_assert_uint_eq(last_errno(), EFAULT);
}
END_TEST

START_TEST(write_with_a_huge_length_stops_at_unmapped_memory)
{
    uint32_t out = open_path(":tt", 4);
    PUT_BLOCK(PARAM, out, UNMAPPED, 0xffffffffu);
    ck_assert_uint_eq(call(SYS_WRITE, PARAM), 0xffffffffu);
}
END_TEST

/* ---- console input ---- */

START_TEST(readc_returns_console_bytes_then_minus_one_at_eof)
{
    feed_stdin("ok", true);
    ck_assert_uint_eq(call(SYS_READC, 0), 'o');
    ck_assert_uint_eq(call(SYS_READC, 0), 'k');
    ck_assert_uint_eq(call(SYS_READC, 0), ERR);
}
END_TEST

START_TEST(read_from_tt_returns_one_line_and_the_count_not_filled)
{
    uint32_t in = open_path(":tt", 0);
    feed_stdin("line one\nline two\n", false);
    ck_assert_uint_eq(read_handle(in, 64), 64 - 9);
    ck_assert_str_eq((char *)ram + (BUF - RAM_BASE), "line one\n");
    ck_assert_uint_eq(read_handle(in, 4), 0);
    ck_assert_str_eq((char *)ram + (BUF - RAM_BASE), "line");
}
END_TEST

START_TEST(read_from_tt_at_eof_returns_the_full_length)
{
    uint32_t in = open_path(":tt", 1);
    feed_stdin("", true);
    ck_assert_uint_eq(read_handle(in, 16), 16);
}
END_TEST

START_TEST(tt_handles_are_interactive_and_numbered_from_one)
{
    ck_assert_uint_eq(open_path(":tt", 0), 1);
    ck_assert_uint_eq(open_path(":tt", 4), 2);
    ck_assert_uint_eq(open_path(":tt", 8), 3);
    for (uint32_t h = 1; h <= 3; h++)
        ck_assert_uint_eq(on_handle(SYS_ISTTY, h), 1);
    ck_assert_uint_eq(on_handle(SYS_CLOSE, 2), 0);
    ck_assert_uint_eq(open_path(":tt", 5), 2); /* lowest free number again */
}
END_TEST

START_TEST(writing_to_stdin_or_reading_stdout_transfers_nothing)
{
    uint32_t in = open_path(":tt", 0), out = open_path(":tt", 4);
    ck_assert_uint_eq(write_handle(in, "abc"), 3);
    ck_assert_uint_eq(read_handle(out, 5), 5);
    ck_assert_uint_eq(last_errno(), EBADF);
}
END_TEST

/* ---- :semihosting-features ---- */

START_TEST(features_file_reports_exit_extended_and_stdout_stderr)
{
    uint32_t h = open_path(":semihosting-features", 0);
    ck_assert_uint_ne(h, ERR);
    ck_assert_uint_eq(on_handle(SYS_FLEN, h), 5);
    ck_assert_uint_eq(on_handle(SYS_ISTTY, h), 0);
    ck_assert_uint_eq(read_handle(h, 8), 3); /* 5 of 8 bytes */
    ck_assert_mem_eq(ram + (BUF - RAM_BASE), "SHFB\x03", 5);
    PUT_BLOCK(PARAM, h, 4);
    ck_assert_uint_eq(call(SYS_SEEK, PARAM), 0);
    ck_assert_uint_eq(read_handle(h, 1), 0);
    ck_assert_uint_eq(ram[BUF - RAM_BASE], 0x03);
    ck_assert_uint_eq(on_handle(SYS_CLOSE, h), 0);
}
END_TEST

START_TEST(features_file_opens_only_for_reading_even_without_root)
{
    make_semihost(NULL);
    ck_assert_uint_ne(open_path(":semihosting-features", 1), ERR);
    ck_assert_uint_eq(open_path(":semihosting-features", 4), ERR);
    ck_assert_uint_eq(last_errno(), EACCES);
}
END_TEST

/* ---- time ---- */

START_TEST(clock_counts_centiseconds_of_guest_time)
{
    ck_assert_uint_eq(call(SYS_CLOCK, 0), 0);
    clock_set_insns(clk, CPU_HZ * 3ull / 2); /* 1.5 s */
    ck_assert_uint_eq(call(SYS_CLOCK, 0), 150);
}
END_TEST

START_TEST(elapsed_writes_64_bit_ticks_low_word_first)
{
    ck_assert_uint_eq(call(SYS_TICKFREQ, 0), 1000000000u);
    clock_set_insns(clk, CPU_HZ * 10ull); /* 10 s = 10^10 ns > 2^32 */
    ck_assert_uint_eq(call(SYS_ELAPSED, PARAM), 0);
    uint64_t ticks = get_word(PARAM) | (uint64_t)get_word(PARAM + 4) << 32;
    ck_assert_uint_eq(ticks, 10000000000ull);
}
END_TEST

START_TEST(time_is_host_seconds_since_the_epoch)
{
    uint32_t before = (uint32_t)time(NULL);
    uint32_t t = call(SYS_TIME, 0);
    ck_assert_uint_ge(t, before);
    ck_assert_uint_le(t, before + 2);
}
END_TEST

/* ---- environment ---- */

START_TEST(get_cmdline_copies_the_string_and_sets_its_length)
{
    PUT_BLOCK(PARAM, BUF, 17);
    ck_assert_uint_eq(call(SYS_GET_CMDLINE, PARAM), 0);
    ck_assert_str_eq((char *)ram + (BUF - RAM_BASE), "fw.elf --fast 42");
    ck_assert_uint_eq(get_word(PARAM), BUF);
    ck_assert_uint_eq(get_word(PARAM + 4), 16);
}
END_TEST

START_TEST(get_cmdline_into_a_too_small_buffer_fails_untouched)
{
    memset(ram + (BUF - RAM_BASE), '#', 32);
    PUT_BLOCK(PARAM, BUF, 16); /* no room for the NUL */
    ck_assert_uint_eq(call(SYS_GET_CMDLINE, PARAM), ERR);
    ck_assert_uint_eq(get_word(PARAM + 4), 16);
    ck_assert_uint_eq(ram[BUF - RAM_BASE], '#');
    ck_assert_uint_eq(last_errno(), E2BIG);
}
END_TEST

START_TEST(get_cmdline_without_one_gives_an_empty_string)
{
    env.cmdline = NULL;
    make_semihost(root_dir);
    ram[BUF - RAM_BASE] = '#';
    PUT_BLOCK(PARAM, BUF, 1);
    ck_assert_uint_eq(call(SYS_GET_CMDLINE, PARAM), 0);
    ck_assert_uint_eq(ram[BUF - RAM_BASE], 0);
    ck_assert_uint_eq(get_word(PARAM + 4), 0);
}
END_TEST

START_TEST(heapinfo_fills_the_block_r1_points_to)
{
    PUT_BLOCK(PARAM, BUF);
    ck_assert_uint_eq(call(SYS_HEAPINFO, PARAM), 0);
    ck_assert_uint_eq(get_word(BUF), 0x20001000);
    ck_assert_uint_eq(get_word(BUF + 4), 0x20300000);
    ck_assert_uint_eq(get_word(BUF + 8), 0x20400000);
    ck_assert_uint_eq(get_word(BUF + 12), 0x20300000);
}
END_TEST

START_TEST(iserror_says_whether_a_result_is_negative)
{
    PUT_BLOCK(PARAM, ERR);
    ck_assert_uint_ne(call(SYS_ISERROR, PARAM), 0);
    PUT_BLOCK(PARAM, 7);
    ck_assert_uint_eq(call(SYS_ISERROR, PARAM), 0);
}
END_TEST

/* ---- exit ---- */

static int exit_status(uint32_t op, uint32_t param)
{
    uint32_t r0 = 0;
    int status = -1;
    ck_assert_int_eq(semihost_call(sh, op, param, &r0, &status), SEMIHOST_EXIT);
    return status;
}

START_TEST(exit_with_application_exit_is_status_0)
{
    ck_assert_int_eq(exit_status(SYS_EXIT, ADP_STOPPED_APPLICATION_EXIT), 0);
}
END_TEST

START_TEST(exit_with_any_other_reason_is_status_1)
{
    ck_assert_int_eq(exit_status(SYS_EXIT, 0x20023), 1); /* RunTimeErrorUnknown */
    ck_assert_int_eq(exit_status(SYS_EXIT, 0x20024), 1); /* InternalError */
    ck_assert_int_eq(exit_status(SYS_EXIT, 0), 1);
    /* On AArch32 r1 is the reason, not a block holding it. */
    PUT_BLOCK(PARAM, ADP_STOPPED_APPLICATION_EXIT, 0);
    ck_assert_int_eq(exit_status(SYS_EXIT, PARAM), 1);
}
END_TEST

START_TEST(exit_extended_with_application_exit_uses_the_subcode)
{
    PUT_BLOCK(PARAM, ADP_STOPPED_APPLICATION_EXIT, 3);
    ck_assert_int_eq(exit_status(SYS_EXIT_EXTENDED, PARAM), 3);
    PUT_BLOCK(PARAM, ADP_STOPPED_APPLICATION_EXIT, 0);
    ck_assert_int_eq(exit_status(SYS_EXIT_EXTENDED, PARAM), 0);
    /* The host sees exit()'s low 8 bits, as from QEMU. */
    PUT_BLOCK(PARAM, ADP_STOPPED_APPLICATION_EXIT, 0x107);
    ck_assert_int_eq(exit_status(SYS_EXIT_EXTENDED, PARAM), 7);
    PUT_BLOCK(PARAM, ADP_STOPPED_APPLICATION_EXIT, ERR);
    ck_assert_int_eq(exit_status(SYS_EXIT_EXTENDED, PARAM), 255);
}
END_TEST

START_TEST(exit_extended_with_another_reason_is_status_1)
{
    PUT_BLOCK(PARAM, 0x20024, 3);
    ck_assert_int_eq(exit_status(SYS_EXIT_EXTENDED, PARAM), 1);
}
END_TEST

START_TEST(exit_extended_with_an_unmapped_block_fails_and_continues)
{
    ck_assert_uint_eq(call(SYS_EXIT_EXTENDED, UNMAPPED), ERR);
    ck_assert_uint_eq(last_errno(), EFAULT);
}
END_TEST

/* ---- host files below the root ---- */

START_TEST(files_can_be_created_written_read_sought_and_measured)
{
    select_resolver(_i);
    uint32_t h = open_path("data.bin", 6); /* w+ */
    ck_assert_uint_ne(h, ERR);
    ck_assert_uint_ne(h, 0);
    ck_assert_uint_eq(on_handle(SYS_ISTTY, h), 0);
    ck_assert_uint_eq(write_handle(h, "0123456789"), 0);
    ck_assert_uint_eq(on_handle(SYS_FLEN, h), 10);
    PUT_BLOCK(PARAM, h, 4);
    ck_assert_uint_eq(call(SYS_SEEK, PARAM), 0);
    ck_assert_uint_eq(read_handle(h, 10), 4); /* 6 of 10 bytes */
    ck_assert_str_eq((char *)ram + (BUF - RAM_BASE), "456789");
    ck_assert_uint_eq(read_handle(h, 10), 10); /* EOF */
    ck_assert_uint_eq(on_handle(SYS_CLOSE, h), 0);
    g_autofree char *path = host_path(root_dir, "data.bin");
    g_autofree char *contents = slurp(path);
    ck_assert_str_eq(contents, "0123456789");
}
END_TEST

START_TEST(files_in_subdirectories_and_by_absolute_path_inside_root_open)
{
    select_resolver(_i);
    g_autofree char *sub = host_path(root_dir, "sub");
    ck_assert_int_eq(g_mkdir(sub, 0755), 0);
    g_autofree char *file = host_path(sub, "in.txt");
    ck_assert(g_file_set_contents(file, "inside", -1, NULL));
    uint32_t h = open_path("sub/./in.txt", 0);
    ck_assert_uint_ne(h, ERR);
    ck_assert_uint_eq(read_handle(h, 6), 0);
    ck_assert_str_eq((char *)ram + (BUF - RAM_BASE), "inside");
    ck_assert_uint_ne(open_path("sub/../sub/in.txt", 1), ERR);
    ck_assert_uint_ne(open_path(file, 1), ERR);
}
END_TEST

START_TEST(append_mode_writes_at_the_end)
{
    select_resolver(_i);
    g_autofree char *file = host_path(root_dir, "log.txt");
    ck_assert(g_file_set_contents(file, "one ", -1, NULL));
    uint32_t h = open_path("log.txt", 8);
    ck_assert_uint_eq(write_handle(h, "two"), 0);
    ck_assert_uint_eq(on_handle(SYS_CLOSE, h), 0);
    g_autofree char *contents = slurp(file);
    ck_assert_str_eq(contents, "one two");
}
END_TEST

START_TEST(opening_a_missing_file_for_reading_sets_errno)
{
    select_resolver(_i);
    ck_assert_uint_eq(open_path("missing.txt", 0), ERR);
    ck_assert_uint_eq(last_errno(), ENOENT);
}
END_TEST

START_TEST(remove_and_rename_work_inside_the_root)
{
    select_resolver(_i);
    g_autofree char *a = host_path(root_dir, "a.txt");
    g_autofree char *b = host_path(root_dir, "b.txt");
    ck_assert(g_file_set_contents(a, "x", -1, NULL));
    put_str(STR, "a.txt");
    put_str(STR2, "b.txt");
    PUT_BLOCK(PARAM, STR, 5, STR2, 5);
    ck_assert_uint_eq(call(SYS_RENAME, PARAM), 0);
    ck_assert(!g_file_test(a, G_FILE_TEST_EXISTS));
    ck_assert(g_file_test(b, G_FILE_TEST_EXISTS));
    PUT_BLOCK(PARAM, STR2, 5);
    ck_assert_uint_eq(call(SYS_REMOVE, PARAM), 0);
    ck_assert(!g_file_test(b, G_FILE_TEST_EXISTS));
    ck_assert_uint_ne(call(SYS_REMOVE, PARAM), 0);
    ck_assert_uint_eq(last_errno(), ENOENT);
}
END_TEST

START_TEST(tmpnam_names_a_file_that_opens_below_the_root)
{
    PUT_BLOCK(PARAM, STR, 7, 64);
    ck_assert_uint_eq(call(SYS_TMPNAM, PARAM), 0);
    g_autofree char *name = g_strdup((char *)ram + (STR - RAM_BASE));
    ck_assert_uint_ne(open_path(name, 4), ERR);
    g_autofree char *path = host_path(root_dir, name);
    ck_assert(g_file_test(path, G_FILE_TEST_EXISTS));
    PUT_BLOCK(PARAM, STR, 7, 4);
    ck_assert_uint_eq(call(SYS_TMPNAM, PARAM), ERR);
}
END_TEST

START_TEST(open_length_must_match_the_string)
{
    g_autofree char *file = host_path(root_dir, "f");
    ck_assert(g_file_set_contents(file, "", -1, NULL));
    put_str(STR, "f");
    PUT_BLOCK(PARAM, STR, 0, 5);
    ck_assert_uint_eq(call(SYS_OPEN, PARAM), ERR);
    ck_assert_uint_eq(last_errno(), EINVAL);
}
END_TEST

START_TEST(invalid_open_modes_are_refused)
{
    ck_assert_uint_eq(open_path(":tt", 12), ERR);
    ck_assert_uint_eq(open_path("x", 0xffffffffu), ERR);
    ck_assert_uint_eq(last_errno(), EINVAL);
}
END_TEST

START_TEST(the_handle_table_is_bounded)
{
    uint32_t h = 0;
    for (int i = 0; i < 64; i++) {
        h = open_path(":tt", 4);
        ck_assert_uint_ne(h, ERR);
    }
    ck_assert_uint_eq(h, 64);
    ck_assert_uint_eq(open_path(":tt", 4), ERR);
    ck_assert_uint_eq(last_errno(), EMFILE);
    ck_assert_uint_eq(open_path("more.txt", 4), ERR);
    ck_assert_uint_eq(last_errno(), EMFILE);
    g_autofree char *path = host_path(root_dir, "more.txt");
    /* The file may have been created, but no descriptor leaks: closing all
     * handles and reopening works. */
    for (uint32_t i = 1; i <= 64; i++)
        ck_assert_uint_eq(on_handle(SYS_CLOSE, i), 0);
    ck_assert_uint_eq(open_path("more.txt", 4), 1);
}
END_TEST

/* ---- the root directory jail ---- */

static void assert_refused(const char *path, uint32_t mode)
{
    uint32_t h = open_path(path, mode);
    ck_assert_msg(h == ERR, "opening \"%s\" (mode %u) gave handle %u", path, mode, h);
    ck_assert_uint_ne(last_errno(), 0);
}

START_TEST(paths_climbing_out_of_the_root_are_refused)
{
    select_resolver(_i);
    g_autofree char *secret = host_path(base_dir, "outside/secret");
    ck_assert(g_file_set_contents(secret, "secret", -1, NULL));
    assert_refused("../outside/secret", 0);
    assert_refused("../outside/new", 4);
    assert_refused("a/../../outside/secret", 0);
    assert_refused("./../x", 4);
    assert_refused("..", 0);
    g_autofree char *created = host_path(base_dir, "outside/new");
    ck_assert(!g_file_test(created, G_FILE_TEST_EXISTS));
    g_autofree char *x = host_path(base_dir, "x");
    ck_assert(!g_file_test(x, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST(absolute_paths_outside_the_root_are_refused)
{
    select_resolver(_i);
    assert_refused("/etc/passwd", 0);
    g_autofree char *secret = host_path(base_dir, "outside/secret");
    ck_assert(g_file_set_contents(secret, "secret", -1, NULL));
    assert_refused(secret, 0);
    g_autofree char *sneaky = g_strconcat(root_dir, "/../outside/secret", NULL);
    assert_refused(sneaky, 0);
    g_autofree char *sibling = g_strconcat(root_dir, "2/x", NULL); /* ".../root2/x" */
    assert_refused(sibling, 4);
    ck_assert_uint_eq(last_errno(), EACCES);
}
END_TEST

START_TEST(symlinks_are_never_followed)
{
    select_resolver(_i);
    g_autofree char *secret = host_path(base_dir, "outside/secret");
    ck_assert(g_file_set_contents(secret, "secret", -1, NULL));
    g_autofree char *etc_link = host_path(root_dir, "etc");
    g_autofree char *file_link = host_path(root_dir, "leak");
    g_autofree char *dangling = host_path(root_dir, "dangling");
    g_autofree char *planted = host_path(base_dir, "outside/planted");
    ck_assert_int_eq(symlink("/etc", etc_link), 0);
    ck_assert_int_eq(symlink(secret, file_link), 0);
    ck_assert_int_eq(symlink(planted, dangling), 0);
    assert_refused("etc/passwd", 0);
    assert_refused("etc/minivm-test", 4);
    assert_refused("leak", 0);
    assert_refused("leak", 4);
    assert_refused("leak", 8);
    assert_refused("dangling", 4);
    g_autofree char *contents = slurp(secret);
    ck_assert_str_eq(contents, "secret");
    ck_assert(!g_file_test(planted, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST(remove_and_rename_cannot_reach_outside_the_root)
{
    select_resolver(_i);
    g_autofree char *secret = host_path(base_dir, "outside/secret");
    ck_assert(g_file_set_contents(secret, "secret", -1, NULL));
    g_autofree char *inside = host_path(root_dir, "in");
    ck_assert(g_file_set_contents(inside, "in", -1, NULL));
    g_autofree char *dir_link = host_path(root_dir, "out");
    g_autofree char *outside = host_path(base_dir, "outside");
    ck_assert_int_eq(symlink(outside, dir_link), 0);

    const char *victims[] = { "../outside/secret", "out/secret", secret };
    for (size_t i = 0; i < G_N_ELEMENTS(victims); i++) {
        put_str(STR, victims[i]);
        PUT_BLOCK(PARAM, STR, (uint32_t)strlen(victims[i]));
        ck_assert_uint_ne(call(SYS_REMOVE, PARAM), 0);
        put_str(STR2, "in");
        PUT_BLOCK(PARAM, STR, (uint32_t)strlen(victims[i]), STR2, 2);
        ck_assert_uint_ne(call(SYS_RENAME, PARAM), 0);
        PUT_BLOCK(PARAM, STR2, 2, STR, (uint32_t)strlen(victims[i]));
        ck_assert_uint_ne(call(SYS_RENAME, PARAM), 0);
    }
    ck_assert(g_file_test(secret, G_FILE_TEST_EXISTS));
    ck_assert(g_file_test(inside, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST(without_a_root_no_host_file_is_reachable)
{
    make_semihost(NULL);
    g_autofree char *file = host_path(root_dir, "f");
    ck_assert(g_file_set_contents(file, "", -1, NULL));
    assert_refused(file, 0);
    ck_assert_uint_eq(last_errno(), EACCES);
    assert_refused("f", 4);
    ck_assert_uint_eq(last_errno(), EACCES);
    put_str(STR, file);
    PUT_BLOCK(PARAM, STR, (uint32_t)strlen(file));
    ck_assert_uint_ne(call(SYS_REMOVE, PARAM), 0);
    ck_assert(g_file_test(file, G_FILE_TEST_EXISTS));
    ck_assert_uint_ne(open_path(":tt", 4), ERR); /* the console still works */
}
END_TEST

START_TEST(a_root_that_does_not_exist_refuses_files)
{
    g_autofree char *missing = host_path(base_dir, "no-such-dir");
    make_semihost(missing);
    assert_refused("f", 4);
    ck_assert_uint_eq(last_errno(), ENOENT);
}
END_TEST

/* ---- untrusted handles, blocks and operations ---- */

START_TEST(bad_handles_fail)
{
    const uint32_t bad[] = { 0, 5, 64, 65, 0xffffffffu };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        ck_assert_uint_eq(on_handle(SYS_CLOSE, bad[i]), ERR);
        ck_assert_uint_eq(on_handle(SYS_ISTTY, bad[i]), ERR);
        ck_assert_uint_eq(on_handle(SYS_FLEN, bad[i]), ERR);
        PUT_BLOCK(PARAM, bad[i], 0);
        ck_assert_uint_eq(call(SYS_SEEK, PARAM), ERR);
        /* READ/WRITE report errors as "nothing transferred" (spec). */
        ck_assert_uint_eq(write_handle(bad[i], "abc"), 3);
        ck_assert_uint_eq(read_handle(bad[i], 3), 3);
        ck_assert_uint_eq(last_errno(), EBADF);
    }
}
END_TEST

START_TEST(closed_handles_are_bad)
{
    uint32_t h = open_path("c.txt", 4);
    ck_assert_uint_eq(on_handle(SYS_CLOSE, h), 0);
    ck_assert_uint_eq(on_handle(SYS_CLOSE, h), ERR);
    ck_assert_uint_eq(write_handle(h, "x"), 1);
}
END_TEST

START_TEST(unmapped_parameter_blocks_fail_with_efault)
{
    const uint32_t ops[] = { SYS_OPEN, SYS_CLOSE, SYS_WRITEC, SYS_WRITE0, SYS_WRITE,
                             SYS_READ, SYS_ISERROR, SYS_ISTTY, SYS_SEEK, SYS_FLEN,
                             SYS_TMPNAM, SYS_REMOVE, SYS_RENAME, SYS_GET_CMDLINE,
                             SYS_HEAPINFO, SYS_ELAPSED, SYS_EXIT_EXTENDED };
    const uint32_t places[] = { UNMAPPED, 0xfffffffeu };
    for (size_t p = 0; p < G_N_ELEMENTS(places); p++) {
        for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
            ck_assert_msg(call(ops[i], places[p]) == ERR, "op 0x%x at 0x%x", ops[i], places[p]);
            ck_assert_uint_eq(last_errno(), EFAULT);
        }
    }
}
END_TEST

START_TEST(blocks_running_off_the_end_of_ram_fail_with_efault)
{
    const uint32_t multi_field_ops[] = { SYS_OPEN, SYS_WRITE, SYS_READ, SYS_SEEK, SYS_TMPNAM,
                                         SYS_REMOVE, SYS_RENAME, SYS_GET_CMDLINE,
                                         SYS_ELAPSED, SYS_EXIT_EXTENDED };
    for (size_t i = 0; i < G_N_ELEMENTS(multi_field_ops); i++) {
        ck_assert_uint_eq(call(multi_field_ops[i], RAM_BASE + RAM_SIZE - 4), ERR);
        ck_assert_uint_eq(last_errno(), EFAULT);
    }
}
END_TEST

START_TEST(result_blocks_pointing_at_unmapped_memory_fail)
{
    PUT_BLOCK(PARAM, UNMAPPED);
    ck_assert_uint_eq(call(SYS_HEAPINFO, PARAM), ERR);
    PUT_BLOCK(PARAM, 0xfffffff8u); /* the block would wrap to address 0 */
    ck_assert_uint_eq(call(SYS_HEAPINFO, PARAM), ERR);
    PUT_BLOCK(PARAM, UNMAPPED, 100);
    ck_assert_uint_eq(call(SYS_GET_CMDLINE, PARAM), ERR);
    ck_assert_uint_eq(open_path(":tt", 0), 1);
    PUT_BLOCK(PARAM, UNMAPPED, 0, 0);
    ck_assert_uint_eq(call(SYS_OPEN, PARAM), ERR);
    ck_assert_uint_eq(last_errno(), EFAULT);
}
END_TEST

START_TEST(reading_a_file_into_unmapped_memory_fails)
{
    g_autofree char *file = host_path(root_dir, "r.txt");
    ck_assert(g_file_set_contents(file, "abcdef", -1, NULL));
    uint32_t h = open_path("r.txt", 0);
    PUT_BLOCK(PARAM, h, UNMAPPED, 6);
    ck_assert_uint_eq(call(SYS_READ, PARAM), 6);
    ck_assert_uint_eq(last_errno(), EFAULT);
}
END_TEST

START_TEST(unknown_operations_return_minus_one)
{
    ck_assert_uint_eq(call(0x19, 0), ERR);
    ck_assert_uint_eq(call(0x100, PARAM), ERR);
    ck_assert_uint_eq(call(0xffffffffu, 0), ERR);
}
END_TEST

START_TEST(system_is_refused)
{
    put_str(STR, "touch /tmp/minivm-pwned");
    PUT_BLOCK(PARAM, STR, 23);
    ck_assert_uint_eq(call(SYS_SYSTEM, PARAM), ERR);
}
END_TEST

START_TEST(errno_keeps_the_last_failure)
{
    ck_assert_uint_eq(open_path("nope", 0), ERR);
    ck_assert_uint_eq(last_errno(), ENOENT);
    ck_assert_uint_eq(open_path(":tt", 4), 1);
    ck_assert_uint_eq(last_errno(), ENOENT); /* success leaves it alone */
}
END_TEST

static Suite *semihost_suite(void)
{
    Suite *s = suite_create("semihost");
    struct {
        const char *name;
        const TTest *tests[16];
        bool both_resolvers;
    } groups[] = {
        { .name = "console output",
          .tests = { writec_writes_the_byte_r1_points_to, write0_writes_the_string_without_its_nul,
            write0_of_a_string_longer_than_a_chunk_is_byte_exact,
            write0_running_into_unmapped_memory_fails_and_prints_nothing,
            write0_finds_a_nul_just_before_unmapped_memory,
            tt_opened_for_writing_and_appending_reaches_the_console,
            write_returns_the_count_not_written,
            write_with_a_huge_length_stops_at_unmapped_memory } },
        { .name = "console input",
          .tests = { readc_returns_console_bytes_then_minus_one_at_eof,
            read_from_tt_returns_one_line_and_the_count_not_filled,
            read_from_tt_at_eof_returns_the_full_length,
            tt_handles_are_interactive_and_numbered_from_one,
            writing_to_stdin_or_reading_stdout_transfers_nothing } },
        { .name = "features file",
          .tests = { features_file_reports_exit_extended_and_stdout_stderr,
            features_file_opens_only_for_reading_even_without_root } },
        { .name = "time",
          .tests = { clock_counts_centiseconds_of_guest_time, elapsed_writes_64_bit_ticks_low_word_first,
            time_is_host_seconds_since_the_epoch } },
        { .name = "environment",
          .tests = { get_cmdline_copies_the_string_and_sets_its_length,
            get_cmdline_into_a_too_small_buffer_fails_untouched,
            get_cmdline_without_one_gives_an_empty_string,
            heapinfo_fills_the_block_r1_points_to, iserror_says_whether_a_result_is_negative,
            errno_keeps_the_last_failure } },
        { .name = "exit",
          .tests = { exit_with_application_exit_is_status_0, exit_with_any_other_reason_is_status_1,
            exit_extended_with_application_exit_uses_the_subcode,
            exit_extended_with_another_reason_is_status_1,
            exit_extended_with_an_unmapped_block_fails_and_continues } },
        { .name = "host files",
          .tests = { files_can_be_created_written_read_sought_and_measured,
            files_in_subdirectories_and_by_absolute_path_inside_root_open,
            append_mode_writes_at_the_end, opening_a_missing_file_for_reading_sets_errno,
            remove_and_rename_work_inside_the_root },
          .both_resolvers = true },
        { .name = "host file details",
          .tests = { tmpnam_names_a_file_that_opens_below_the_root, open_length_must_match_the_string,
            invalid_open_modes_are_refused, the_handle_table_is_bounded } },
        { .name = "root jail",
          .tests = { paths_climbing_out_of_the_root_are_refused,
            absolute_paths_outside_the_root_are_refused, symlinks_are_never_followed,
            remove_and_rename_cannot_reach_outside_the_root },
          .both_resolvers = true },
        { .name = "no root",
          .tests = { without_a_root_no_host_file_is_reachable, a_root_that_does_not_exist_refuses_files } },
        { .name = "untrusted input",
          .tests = { bad_handles_fail, closed_handles_are_bad, unmapped_parameter_blocks_fail_with_efault,
            result_blocks_pointing_at_unmapped_memory_fail,
            blocks_running_off_the_end_of_ram_fail_with_efault,
            reading_a_file_into_unmapped_memory_fails, unknown_operations_return_minus_one,
            system_is_refused } },
    };
    for (size_t g = 0; g < G_N_ELEMENTS(groups); g++) {
        TCase *tc = tcase_create(groups[g].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        for (const TTest **t = groups[g].tests; *t; t++) {
            if (groups[g].both_resolvers)
                tcase_add_loop_test(tc, *t, 0, 2);
            else
                tcase_add_test(tc, *t);
        }
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    return run_suite(semihost_suite());
}
