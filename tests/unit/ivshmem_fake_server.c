/* The fake ivshmem server of the client sweep (ivshmem_fake_server.h). */
#include "ivshmem_fake_server.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdmessage.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sweep.h"

FakeServer fake;

static int memfd_sized(off_t size)
{
    int fd = memfd_create("sweep-shm", MFD_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, size), 0);
    return fd;
}

guint fake_fd_new(FdKind kind)
{
    FakeFd f = { kind, -1, -1, 0 };
    int p[2];
    switch (kind) {
    case FD_EVENTFD:
        f.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        break;
    case FD_PIPE_READ:
    case FD_PIPE_WRITE:
        ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
        f.fd = p[kind == FD_PIPE_WRITE];
        f.other = p[kind != FD_PIPE_WRITE];
        break;
    case FD_SOCKET:
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, p),
                         0);
        f.fd = p[0];
        f.other = p[1];
        break;
    case FD_DEVNULL:
        f.fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        break;
    case FD_MEMFD:
        f.fd = memfd_sized(SHM_SIZE);
        break;
    case FD_MEMFD_SMALL:
        f.fd = memfd_sized(SMALL_SHM_SIZE);
        break;
    case FD_MEMFD_EMPTY:
        f.fd = memfd_sized(0);
        break;
    case FD_MEMFD_READONLY: {
        f.other = memfd_sized(SHM_SIZE);
        g_autofree char *path = g_strdup_printf("/proc/self/fd/%d", f.other);
        f.fd = open(path, O_RDONLY | O_CLOEXEC);
        break;
    }
    default:
        g_assert_not_reached();
    }
    ck_assert_int_ge(f.fd, 0);
    fake.open += 1 + (f.other >= 0);
    g_array_append_val(fake.fds, f);
    return fake.fds->len - 1;
}

FakeFd *fake_fd(guint i)
{
    return &g_array_index(fake.fds, FakeFd, i);
}

void fake_start(void)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    fake.client_end = g_socket_new_from_fd(sv[0], NULL);
    fake.server_end = g_socket_new_from_fd(sv[1], NULL);
    /* A full socket must fail the test, not hang it. */
    g_socket_set_timeout(fake.server_end, 5);
    fake.fds = g_array_new(FALSE, FALSE, sizeof(FakeFd));
    fake.open = 2;
}

void fake_hang_up(void)
{
    g_socket_close(fake.server_end, NULL);
    g_clear_object(&fake.server_end);
    fake.open--;
}

void fake_stop(void)
{
    for (guint i = 0; i < fake.fds->len; i++) {
        FakeFd *f = fake_fd(i);
        char byte;
        if (f->kind == FD_PIPE_WRITE || f->kind == FD_SOCKET)
            SWEEP_ASSERT(read(f->other, &byte, 1) < 0 && errno == EAGAIN,
                         "fd %u (kind %d) was written to", i, f->kind);
        SWEEP_ASSERT(close(f->fd) == 0, "fd %u (kind %d) was closed by the client", i, f->kind);
        if (f->other >= 0)
            ck_assert_int_eq(close(f->other), 0);
    }
    g_array_unref(fake.fds);
    if (fake.server_end != NULL)
        fake_hang_up();
    g_object_unref(fake.client_end);
    memset(&fake, 0, sizeof(fake));
}

typedef struct {
    size_t at;
    unsigned nfds;
    guint fd[MAX_FDS];
} Attach;

Item msg_item(gint64 value)
{
    return (Item){ .value = value };
}

Item fd_item(gint64 value, FdKind kind)
{
    return (Item){ .value = value, .nfds = 1, .kind = { kind } };
}

void stream_free(Stream *st)
{
    g_byte_array_unref(st->bytes);
    g_array_unref(st->writes);
    g_free(st);
}

static gint compare_size(gconstpointer a, gconstpointer b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

Stream *stream_build(GRand *r, const GArray *items, size_t phase, size_t cut,
                            unsigned splits)
{
    Stream *st = g_new0(Stream, 1);
    st->bytes = g_byte_array_new();
    st->writes = g_array_new(FALSE, FALSE, sizeof(Write));
    g_autoptr(GArray) attach = g_array_new(FALSE, FALSE, sizeof(Attach));
    for (guint i = 0; i < items->len; i++) {
        const Item *it = &g_array_index(items, Item, i);
        size_t start = st->bytes->len;
        if (it->raw > 0) {
            size_t n = it->raw;
            if (it->realign)
                n += (8 - (phase + start + n) % 8) % 8;
            for (size_t k = 0; k < n; k++) {
                guint8 b = (guint8)g_rand_int(r);
                g_byte_array_append(st->bytes, &b, 1);
            }
            continue;
        }
        guint64 le = GUINT64_TO_LE((guint64)it->value);
        g_byte_array_append(st->bytes, (const guint8 *)&le, sizeof(le));
        if (it->nfds > 0) {
            Attach a = { .at = start + it->fd_at, .nfds = it->nfds };
            for (unsigned k = 0; k < it->nfds; k++)
                a.fd[k] = fake_fd_new(it->kind[k]);
            g_array_append_val(attach, a);
        }
    }
    if (cut < st->bytes->len)
        g_byte_array_set_size(st->bytes, (guint)cut);
    size_t len = st->bytes->len;
    g_autoptr(GArray) at = g_array_new(FALSE, FALSE, sizeof(size_t));
    size_t zero = 0;
    g_array_append_val(at, zero);
    for (guint i = 0; i < attach->len; i++)
        g_array_append_val(at, g_array_index(attach, Attach, i).at);
    for (unsigned i = 0; i < splits && len > 1; i++) {
        size_t s = (size_t)g_rand_int_range(r, 1, (gint32)len);
        g_array_append_val(at, s);
    }
    g_array_sort(at, compare_size);
    for (guint i = 0; i < at->len; i++) {
        size_t s = g_array_index(at, size_t, i);
        if (s >= len || (i > 0 && s == g_array_index(at, size_t, i - 1)))
            continue;
        Write w = { .start = s };
        for (guint k = 0; k < attach->len; k++) {
            const Attach *a = &g_array_index(attach, Attach, k);
            if (a->at == s) {
                w.nfds = a->nfds;
                memcpy(w.fd, a->fd, sizeof(w.fd));
            }
        }
        g_array_append_val(st->writes, w);
    }
    for (guint i = 0; i < st->writes->len; i++) {
        Write *w = &g_array_index(st->writes, Write, i);
        w->len = (i + 1 < st->writes->len ? g_array_index(st->writes, Write, i + 1).start : len) -
                 w->start;
    }
    return st;
}

/* false if the client hung up (possible only while it greets). */
static bool stream_send_write(const Stream *st, const Write *w)
{
    GOutputVector vec = { st->bytes->data + w->start, w->len };
    g_autoptr(GSocketControlMessage) fds = NULL;
    if (w->nfds > 0) {
        fds = g_unix_fd_message_new();
        for (unsigned k = 0; k < w->nfds; k++)
            ck_assert(g_unix_fd_message_append_fd(G_UNIX_FD_MESSAGE(fds),
                                                  fake_fd(w->fd[k])->fd, NULL));
    }
    g_autoptr(GError) err = NULL;
    gssize n = g_socket_send_message(fake.server_end, NULL, &vec, 1, fds ? &fds : NULL,
                                     fds ? 1 : 0, G_SOCKET_MSG_NONE, NULL, &err);
    if (n < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
        return false;
    ck_assert_msg(n == (gssize)w->len, "send: %s", err ? err->message : "short");
    return true;
}

void stream_send(const Stream *st)
{
    for (guint i = 0; i < st->writes->len; i++)
        ck_assert(stream_send_write(st, &g_array_index(st->writes, Write, i)));
    if (st->eof)
        fake_hang_up();
}

gpointer stream_send_slowly(gpointer data)
{
    const Stream *st = data;
    for (guint i = 0; i < st->writes->len; i++) {
        const Write *w = &g_array_index(st->writes, Write, i);
        if (w->pause)
            g_usleep(200);
        if (!stream_send_write(st, w))
            break;
    }
    if (st->eof)
        g_socket_close(fake.server_end, NULL);
    return NULL;
}
