/* chardev: the backends behind the UARTs, driven through real fds. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chardev.h"
#include "errors.h"
#include "unit_main.h"

/* ---- helpers ---- */

/* A frontend that accepts up to `capacity` bytes in total. */
typedef struct {
    GByteArray *got;
    size_t capacity;
    unsigned calls;
} Sink;

static size_t sink_can_receive(void *opaque)
{
    Sink *s = opaque;
    return s->capacity - s->got->len;
}

static void sink_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Sink *s = opaque;
    ck_assert_uint_le(len, sink_can_receive(s));
    g_byte_array_append(s->got, buf, (guint)len);
    s->calls++;
}

static void sink_attach(Sink *s, CharDev *cd, size_t capacity)
{
    s->got = g_byte_array_new();
    s->capacity = capacity;
    s->calls = 0;
    CharFrontend fe = { sink_can_receive, sink_receive, s };
    chardev_set_frontend(cd, &fe);
}

static bool sink_has(const Sink *s, const char *text)
{
    return s->got->len == strlen(text) && memcmp(s->got->data, text, s->got->len) == 0;
}

static void make_pipe(int fds[2])
{
    ck_assert_int_eq(pipe(fds), 0);
}

/* Everything readable on fd right now (fd made non-blocking). */
static GByteArray *drain(int fd)
{
    GByteArray *out = g_byte_array_new();
    uint8_t buf[4096];
    ssize_t n;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        g_byte_array_append(out, buf, (guint)n);
    return out;
}

static void write_str(int fd, const char *s)
{
    ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static int notify_count;
static void count_notify(void *opaque)
{
    (void)opaque;
    g_atomic_int_inc(&notify_count);
}

/* Iterates ctx (blocking) until cond holds; bounded so a bug fails the
 * test instead of hanging it. */
#define ITERATE_UNTIL(ctx, cond)                                               \
    do {                                                                       \
        for (int it_ = 0; it_ < 100 && !(cond); it_++)                         \
            g_main_context_iteration((ctx), TRUE);                             \
        ck_assert(cond);                                                       \
    } while (0)

/* ---- spec parsing ---- */

START_TEST(null_drops_output_and_has_no_input)
{
    g_autoptr(GError) err = NULL;
    CharDev *cd = chardev_new("null", &err);
    ck_assert_ptr_nonnull(cd);
    ck_assert_ptr_null(err);
    chardev_write(cd, (const uint8_t *)"x", 1);
    ck_assert(!chardev_has_input(cd));
    ck_assert_int_eq(chardev_input_fd(cd), -1);
    ck_assert_int_eq(chardev_read_byte_blocking(cd), -1);
    chardev_free(cd);
}
END_TEST

START_TEST(stdio_writes_to_fd_1)
{
    int p[2];
    make_pipe(p);
    int saved = dup(STDOUT_FILENO);
    dup2(p[1], STDOUT_FILENO);
    CharDev *cd = chardev_new("stdio", NULL);
    chardev_write(cd, (const uint8_t *)"out", 3);
    chardev_free(cd);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(p[1]);
    g_autoptr(GByteArray) got = drain(p[0]);
    ck_assert_uint_eq(got->len, 3);
    ck_assert(memcmp(got->data, "out", 3) == 0);
    close(p[0]);
}
END_TEST

/* Replaces fd 0 by fd for the duration of one chardev_new("stdio"). */
static gboolean stdio_has_input_with_stdin(int fd)
{
    int saved = dup(STDIN_FILENO);
    dup2(fd, STDIN_FILENO);
    CharDev *cd = chardev_new("stdio", NULL);
    gboolean has = chardev_has_input(cd);
    if (has)
        ck_assert_int_eq(chardev_input_fd(cd), STDIN_FILENO);
    chardev_free(cd);
    dup2(saved, STDIN_FILENO);
    close(saved);
    return has;
}

START_TEST(stdio_reads_stdin_from_a_live_pipe)
{
    int p[2];
    make_pipe(p);
    ck_assert(stdio_has_input_with_stdin(p[0]));
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(stdio_has_no_input_when_stdin_is_at_eof)
{
    int devnull = open("/dev/null", O_RDONLY);
    ck_assert(!stdio_has_input_with_stdin(devnull));
    close(devnull);

    int p[2];
    make_pipe(p);
    close(p[1]); /* writer gone, nothing buffered */
    ck_assert(!stdio_has_input_with_stdin(p[0]));
    close(p[0]);

    int mem = memfd_create("empty", 0);
    ck_assert(!stdio_has_input_with_stdin(mem));
    write_str(mem, "data");
    lseek(mem, 0, SEEK_SET);
    ck_assert(stdio_has_input_with_stdin(mem)); /* a file with bytes left */
    close(mem);
}
END_TEST

START_TEST(file_output_is_created_truncated_and_exact)
{
    g_autofree char *dir = g_dir_make_tmp("chardev-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "out.log", NULL);
    ck_assert(g_file_set_contents(path, "old contents that must go", -1, NULL));
    g_autofree char *spec = g_strdup_printf("file:%s", path);

    CharDev *cd = chardev_new(spec, NULL);
    ck_assert_ptr_nonnull(cd);
    ck_assert(!chardev_has_input(cd));
    const uint8_t bytes[] = { 'h', 'i', 0, 0xff, '\n' };
    chardev_write(cd, bytes, sizeof(bytes));
    chardev_free(cd);

    g_autofree char *got = NULL;
    gsize len = 0;
    ck_assert(g_file_get_contents(path, &got, &len, NULL));
    ck_assert_uint_eq(len, sizeof(bytes));
    ck_assert(memcmp(got, bytes, len) == 0);
    g_unlink(path);
    g_rmdir(dir);
}
END_TEST

START_TEST(file_that_cannot_be_opened_is_a_no_file_error_naming_the_path)
{
    g_autoptr(GError) err = NULL;
    CharDev *cd = chardev_new("file:/nonexistent-dir/x/uart.log", &err);
    ck_assert_ptr_null(cd);
    ck_assert(g_error_matches(err, MINIVM_ERROR, MINIVM_EXIT_NO_FILE));
    ck_assert_ptr_nonnull(strstr(err->message, "/nonexistent-dir/x/uart.log"));
}
END_TEST

START_TEST(file_without_a_path_is_a_usage_error)
{
    g_autoptr(GError) err = NULL;
    ck_assert_ptr_null(chardev_new("file:", &err));
    ck_assert(g_error_matches(err, MINIVM_ERROR, MINIVM_EXIT_USAGE));
}
END_TEST

START_TEST(unknown_kind_is_a_usage_error_listing_valid_kinds)
{
    static const char *bad[] = { "tcp:1234", "", "NULL", "stdio2", "file" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        ck_assert_ptr_null(chardev_new(bad[i], &err));
        ck_assert(g_error_matches(err, MINIVM_ERROR, MINIVM_EXIT_USAGE));
        ck_assert_ptr_nonnull(strstr(err->message, "null"));
        ck_assert_ptr_nonnull(strstr(err->message, "stdio"));
        ck_assert_ptr_nonnull(strstr(err->message, "file:PATH"));
    }
}
END_TEST

/* ---- output ---- */

START_TEST(writes_reach_the_fd_byte_exact)
{
    int p[2];
    make_pipe(p);
    CharDev *cd = chardev_new_fds(-1, p[1]);
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    chardev_write(cd, all, sizeof(all));
    chardev_write(cd, all, 0);
    g_autoptr(GByteArray) got = drain(p[0]);
    ck_assert_uint_eq(got->len, sizeof(all));
    ck_assert(memcmp(got->data, all, sizeof(all)) == 0);
    chardev_free(cd);
    close(p[0]);
    close(p[1]);
}
END_TEST

typedef struct {
    int fd;
    GByteArray *got;
    size_t want;
} Reader;

static gpointer slow_reader(gpointer data)
{
    Reader *r = data;
    uint8_t buf[1000];
    while (r->got->len < r->want) {
        g_usleep(100);
        ssize_t n = read(r->fd, buf, sizeof(buf));
        if (n > 0)
            g_byte_array_append(r->got, buf, (guint)n);
        else if (n == 0)
            break;
    }
    return NULL;
}

START_TEST(writes_to_a_full_nonblocking_fd_complete)
{
    int p[2];
    make_pipe(p);
    fcntl(p[1], F_SETFL, O_NONBLOCK); /* forces the EAGAIN + poll path */
    const size_t size = 1 << 20;
    g_autofree uint8_t *data = g_malloc(size);
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 8));

    Reader r = { p[0], g_byte_array_new(), size };
    GThread *t = g_thread_new("reader", slow_reader, &r);
    CharDev *cd = chardev_new_fds(-1, p[1]);
    chardev_write(cd, data, size);
    g_thread_join(t);

    ck_assert_uint_eq(r.got->len, size);
    ck_assert(memcmp(r.got->data, data, size) == 0);
    g_byte_array_unref(r.got);
    chardev_free(cd);
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(a_closed_reader_is_not_fatal)
{
    signal(SIGPIPE, SIG_IGN); /* as main() does */
    int p[2];
    make_pipe(p);
    close(p[0]);
    CharDev *cd = chardev_new_fds(-1, p[1]);
    chardev_write(cd, (const uint8_t *)"lost", 4);
    chardev_write(cd, (const uint8_t *)"lost", 4);
    chardev_free(cd);
    close(p[1]);
}
END_TEST

START_TEST(no_chardev_or_no_output_fd_drops_bytes)
{
    chardev_write(NULL, (const uint8_t *)"x", 1);
    chardev_deliver(NULL);
    CharDev *cd = chardev_new_fds(-1, -1);
    chardev_write(cd, (const uint8_t *)"x", 1);
    chardev_free(cd);
    chardev_free(NULL);
}
END_TEST

/* ---- input queue and delivery ---- */

START_TEST(deliver_hands_queued_input_as_far_as_the_frontend_takes)
{
    CharDev *cd = chardev_new_fds(-1, -1);
    Sink s;
    sink_attach(&s, cd, 3);
    chardev_push_input(cd, (const uint8_t *)"abcde", 5);
    ck_assert_uint_eq(s.got->len, 0); /* only deliver() hands bytes over */
    chardev_deliver(cd);
    ck_assert(sink_has(&s, "abc"));
    chardev_deliver(cd);
    ck_assert(sink_has(&s, "abc")); /* no room: stays queued */
    s.capacity = 100;
    chardev_deliver(cd);
    ck_assert(sink_has(&s, "abcde"));
    g_byte_array_unref(s.got);
    chardev_free(cd);
}
END_TEST

START_TEST(input_waits_until_a_frontend_is_set)
{
    CharDev *cd = chardev_new_fds(-1, -1);
    chardev_push_input(cd, (const uint8_t *)"xy", 2);
    chardev_deliver(cd);
    Sink s;
    sink_attach(&s, cd, 10);
    chardev_deliver(cd);
    ck_assert(sink_has(&s, "xy"));
    chardev_set_frontend(cd, NULL);
    chardev_push_input(cd, (const uint8_t *)"z", 1);
    chardev_deliver(cd);
    ck_assert(sink_has(&s, "xy"));
    g_byte_array_unref(s.got);
    chardev_free(cd);
}
END_TEST

START_TEST(pushing_input_calls_the_notify_function)
{
    CharDev *cd = chardev_new_fds(-1, -1);
    notify_count = 0;
    chardev_set_input_notify(cd, count_notify, NULL);
    chardev_push_input(cd, (const uint8_t *)"a", 1);
    chardev_push_input(cd, (const uint8_t *)"", 0);
    ck_assert_int_eq(notify_count, 1);
    chardev_free(cd);
}
END_TEST

START_TEST(read_byte_blocking_takes_queued_bytes_in_order)
{
    CharDev *cd = chardev_new_fds(-1, -1);
    chardev_push_input(cd, (const uint8_t *)"\x00\xff", 2);
    ck_assert_int_eq(chardev_read_byte_blocking(cd), 0x00);
    ck_assert_int_eq(chardev_read_byte_blocking(cd), 0xff);
    ck_assert_int_eq(chardev_read_byte_blocking(cd), -1); /* no input fd */
    chardev_free(cd);
}
END_TEST

START_TEST(read_byte_blocking_without_attach_reads_the_fd)
{
    int p[2];
    make_pipe(p);
    CharDev *cd = chardev_new_fds(p[0], -1);
    write_str(p[1], "k");
    ck_assert_int_eq(chardev_read_byte_blocking(cd), 'k');
    close(p[1]);
    ck_assert_int_eq(chardev_read_byte_blocking(cd), -1);
    ck_assert(!chardev_has_input(cd));
    chardev_free(cd);
    close(p[0]);
}
END_TEST

/* ---- input from an fd on a GMainContext ---- */

typedef struct {
    int p[2];
    GMainContext *ctx;
    CharDev *cd;
} Attached;

static void attached_setup(Attached *a)
{
    make_pipe(a->p);
    a->ctx = g_main_context_new();
    a->cd = chardev_new_fds(a->p[0], -1);
    notify_count = 0;
    chardev_set_input_notify(a->cd, count_notify, NULL);
    chardev_attach(a->cd, a->ctx);
}

static void attached_teardown(Attached *a)
{
    chardev_free(a->cd);
    g_main_context_unref(a->ctx);
    close(a->p[0]);
    if (a->p[1] >= 0)
        close(a->p[1]);
}

START_TEST(bytes_on_the_fd_are_queued_by_the_context_and_delivered)
{
    Attached a;
    attached_setup(&a);
    ck_assert(chardev_has_input(a.cd));
    ck_assert_int_eq(chardev_input_fd(a.cd), a.p[0]);
    Sink s;
    sink_attach(&s, a.cd, 100);

    write_str(a.p[1], "hello");
    ITERATE_UNTIL(a.ctx, g_atomic_int_get(&notify_count) > 0);
    chardev_deliver(a.cd);
    ck_assert(sink_has(&s, "hello"));

    g_byte_array_unref(s.got);
    attached_teardown(&a);
}
END_TEST

START_TEST(an_idle_fd_dispatches_nothing)
{
    Attached a;
    attached_setup(&a);
    /* Nothing to read: a non-blocking iteration finds nothing to do
     * (the watch waits in poll(), it does not spin). */
    ck_assert(!g_main_context_iteration(a.ctx, FALSE));
    ck_assert_int_eq(notify_count, 0);
    attached_teardown(&a);
}
END_TEST

START_TEST(eof_on_the_fd_ends_input_after_the_queued_bytes)
{
    Attached a;
    attached_setup(&a);
    write_str(a.p[1], "zz");
    close(a.p[1]);
    a.p[1] = -1;
    ITERATE_UNTIL(a.ctx, !chardev_has_input(a.cd));
    ck_assert_int_eq(chardev_read_byte_blocking(a.cd), 'z');
    ck_assert_int_eq(chardev_read_byte_blocking(a.cd), 'z');
    ck_assert_int_eq(chardev_read_byte_blocking(a.cd), -1);
    /* the watch is gone: the context has nothing left to dispatch */
    ck_assert(!g_main_context_iteration(a.ctx, FALSE));
    attached_teardown(&a);
}
END_TEST

static gpointer read_one_byte(gpointer data)
{
    return GINT_TO_POINTER(chardev_read_byte_blocking(data) + 1000);
}

START_TEST(read_byte_blocking_waits_for_input_from_another_thread)
{
    Attached a;
    attached_setup(&a);
    GThread *t = g_thread_new("readc", read_one_byte, a.cd);
    g_usleep(50 * 1000); /* let it block */
    write_str(a.p[1], "Q");
    ITERATE_UNTIL(a.ctx, g_atomic_int_get(&notify_count) > 0);
    ck_assert_int_eq(GPOINTER_TO_INT(g_thread_join(t)), 'Q' + 1000);
    attached_teardown(&a);
}
END_TEST

START_TEST(read_byte_blocking_is_released_by_eof)
{
    Attached a;
    attached_setup(&a);
    GThread *t = g_thread_new("readc", read_one_byte, a.cd);
    g_usleep(50 * 1000);
    close(a.p[1]);
    a.p[1] = -1;
    ITERATE_UNTIL(a.ctx, !chardev_has_input(a.cd));
    ck_assert_int_eq(GPOINTER_TO_INT(g_thread_join(t)), -1 + 1000);
    attached_teardown(&a);
}
END_TEST

START_TEST(freeing_after_the_context_is_gone_is_safe)
{
    int p[2];
    make_pipe(p);
    GMainContext *ctx = g_main_context_new();
    CharDev *cd = chardev_new_fds(p[0], -1);
    chardev_attach(cd, ctx);
    chardev_attach(cd, ctx); /* second attach is a no-op */
    g_main_context_unref(ctx);
    chardev_free(cd);
    close(p[0]);
    close(p[1]);
}
END_TEST

static Suite *chardev_suite(void)
{
    Suite *s = suite_create("chardev");
    TCase *tc;

    tc = tcase_create("spec");
    tcase_add_test(tc, null_drops_output_and_has_no_input);
    tcase_add_test(tc, stdio_writes_to_fd_1);
    tcase_add_test(tc, stdio_reads_stdin_from_a_live_pipe);
    tcase_add_test(tc, stdio_has_no_input_when_stdin_is_at_eof);
    tcase_add_test(tc, file_output_is_created_truncated_and_exact);
    tcase_add_test(tc, file_that_cannot_be_opened_is_a_no_file_error_naming_the_path);
    tcase_add_test(tc, file_without_a_path_is_a_usage_error);
    tcase_add_test(tc, unknown_kind_is_a_usage_error_listing_valid_kinds);
    suite_add_tcase(s, tc);

    tc = tcase_create("output");
    tcase_add_test(tc, writes_reach_the_fd_byte_exact);
    tcase_add_test(tc, writes_to_a_full_nonblocking_fd_complete);
    tcase_add_test(tc, a_closed_reader_is_not_fatal);
    tcase_add_test(tc, no_chardev_or_no_output_fd_drops_bytes);
    suite_add_tcase(s, tc);

    tc = tcase_create("input queue");
    tcase_add_test(tc, deliver_hands_queued_input_as_far_as_the_frontend_takes);
    tcase_add_test(tc, input_waits_until_a_frontend_is_set);
    tcase_add_test(tc, pushing_input_calls_the_notify_function);
    tcase_add_test(tc, read_byte_blocking_takes_queued_bytes_in_order);
    tcase_add_test(tc, read_byte_blocking_without_attach_reads_the_fd);
    suite_add_tcase(s, tc);

    tc = tcase_create("input fd on a context");
    tcase_add_test(tc, bytes_on_the_fd_are_queued_by_the_context_and_delivered);
    tcase_add_test(tc, an_idle_fd_dispatches_nothing);
    tcase_add_test(tc, eof_on_the_fd_ends_input_after_the_queued_bytes);
    tcase_add_test(tc, read_byte_blocking_waits_for_input_from_another_thread);
    tcase_add_test(tc, read_byte_blocking_is_released_by_eof);
    tcase_add_test(tc, freeing_after_the_context_is_gone_is_safe);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(chardev_suite());
}
