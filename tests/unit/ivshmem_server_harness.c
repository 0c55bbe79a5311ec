/* The ivshmem server tests' harness (ivshmem_server_harness.h). */
#include "ivshmem_server_harness.h"

#include <errno.h>
#include <gio/gunixfdmessage.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ivshmem_test_fds.h"

static unsigned fds_at_start;
char *dir;
char *path;
GMainContext *cctx;
Running server;

static gpointer server_thread(gpointer data)
{
    Running *r = data;
    g_main_context_push_thread_default(r->ctx);
    g_main_loop_run(r->loop);
    g_main_context_pop_thread_default(r->ctx);
    return NULL;
}

IvshmemServer *server_try(Running *r, IvshmemServerConfig cfg, GError **err)
{
    if (cfg.socket_path == NULL)
        cfg.socket_path = path;
    if (cfg.shm_name == NULL && cfg.shm_dir == NULL)
        cfg.memfd = true;
    r->ctx = g_main_context_new();
    r->srv = ivshmem_server_new(&cfg, r->ctx, err);
    if (r->srv == NULL) {
        g_main_context_unref(r->ctx);
        r->ctx = NULL;
        return NULL;
    }
    r->loop = g_main_loop_new(r->ctx, FALSE);
    r->thread = g_thread_new("ivshmem-server", server_thread, r);
    return r->srv;
}

void server_start(IvshmemServerConfig cfg)
{
    g_autoptr(GError) err = NULL;
    ck_assert_msg(server_try(&server, cfg, &err) != NULL, "server: %s", err ? err->message : "");
}

static gboolean quit_cb(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

void server_stop(Running *r)
{
    if (r->srv == NULL)
        return;
    GSource *quit = g_idle_source_new();
    g_source_set_callback(quit, quit_cb, r->loop, NULL);
    g_source_attach(quit, r->ctx);
    g_source_unref(quit);
    g_thread_join(r->thread);
    ivshmem_server_free(r->srv);
    g_main_loop_unref(r->loop);
    g_main_context_unref(r->ctx);
    memset(r, 0, sizeof(*r));
}

void pump(void)
{
    while (g_main_context_iteration(cctx, FALSE))
        ;
}

IvshmemClient *peer_connect(void)
{
    IvshmemClientConfig cfg = { .socket_path = path, .context = cctx };
    g_autoptr(GError) err = NULL;
    IvshmemClient *c = ivshmem_client_connect(&cfg, &err);
    ck_assert_msg(c != NULL, "connect: %s", err ? err->message : "");
    return c;
}

unsigned npeers(IvshmemClient *c)
{
    g_autoptr(GArray) ids = ivshmem_client_peers(c);
    return ids->len;
}

GSocket *raw_connect(void)
{
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    GSocket *s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                              G_SOCKET_PROTOCOL_DEFAULT, NULL);
    ck_assert(g_socket_connect(s, addr, NULL, NULL));
    g_socket_set_timeout(s, 5);
    return s;
}

/* One receive into buf; true if fds came with it (all closed). */
static bool raw_receive(GSocket *s, void *buf, size_t len, gssize *n)
{
    GInputVector vec = { buf, len };
    GSocketControlMessage **cmsgs = NULL;
    gint ncmsg = 0, flags = 0;
    *n = g_socket_receive_message(s, NULL, &vec, 1, &cmsgs, &ncmsg, &flags, NULL, NULL);
    bool had_fd = false;
    for (gint i = 0; i < ncmsg; i++) {
        gint nfds = 0;
        g_autofree gint *fds = g_unix_fd_message_steal_fds(G_UNIX_FD_MESSAGE(cmsgs[i]), &nfds);
        for (gint k = 0; k < nfds; k++)
            close(fds[k]);
        had_fd = had_fd || nfds > 0;
        g_object_unref(cmsgs[i]);
    }
    g_free(cmsgs);
    return had_fd;
}

bool raw_read(GSocket *s, gint64 *value)
{
    guint64 le;
    gssize n;
    bool had_fd = raw_receive(s, &le, sizeof(le), &n);
    ck_assert_int_eq(n, sizeof(le));
    *value = (gint64)GUINT64_FROM_LE(le);
    return had_fd;
}

void raw_take(GSocket *s, size_t len)
{
    guint8 buf[64];
    while (len > 0) {
        gssize n;
        raw_receive(s, buf, MIN(len, sizeof(buf)), &n);
        ck_assert_int_gt(n, 0);
        len -= (size_t)n;
    }
}

void raw_expect(GSocket *s, gint64 value, bool with_fd)
{
    gint64 got;
    bool fd = raw_read(s, &got);
    ck_assert_int_eq(got, value);
    ck_assert_int_eq(fd, with_fd);
}

void count_interrupt(void *opaque, unsigned vector)
{
    ((Hits *)opaque)->hits[vector]++;
}

void server_test_setup(void)
{
    fds_at_start = count_fds();
    dir = g_dir_make_tmp("ivshmem-server-XXXXXX", NULL);
    path = g_build_filename(dir, "sock", NULL);
    cctx = g_main_context_new();
}

void server_test_teardown(void)
{
    server_stop(&server);
    g_main_context_unref(cctx);
    g_unlink(path);
    ck_assert_int_eq(g_rmdir(dir), 0); /* nothing left behind in it */
    g_free(path);
    g_free(dir);
    ck_assert_uint_eq(count_fds(), fds_at_start);
}

void server_test_warm_up(void)
{
    server_test_setup();
    server_start((IvshmemServerConfig){ 0 });
    ivshmem_client_free(peer_connect());
    server_stop(&server);
    g_main_context_unref(cctx);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
}

static void fd_array_free(gpointer data)
{
    GArray *a = data;
    for (guint i = 0; i < a->len; i++)
        close(g_array_index(a, int, i));
    g_array_unref(a);
}

/* false: nothing came within wait_ms. */
static bool qemu_like_read(QemuLike *q, int wait_ms, gint64 *value, int *fd)
{
    struct pollfd pfd = { q->fd, POLLIN, 0 };
    if (poll(&pfd, 1, wait_ms) != 1)
        return false;
    guint64 le = 0;
    struct iovec iov = { &le, sizeof(le) };
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                          .msg_controllen = sizeof(control) };
    ssize_t n = recvmsg(q->fd, &msg, MSG_CMSG_CLOEXEC);
    ck_assert_int_eq(n, sizeof(le));
    ck_assert_int_eq(msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC), 0);
    *fd = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        ck_assert_int_eq(c->cmsg_level, SOL_SOCKET);
        ck_assert_int_eq(c->cmsg_type, SCM_RIGHTS);
        ck_assert_uint_eq(c->cmsg_len, CMSG_LEN(sizeof(int)));
        ck_assert_int_eq(*fd, -1);
        memcpy(fd, CMSG_DATA(c), sizeof(*fd));
    }
    *value = (gint64)GUINT64_FROM_LE(le);
    return true;
}

static void qemu_like_greeting(QemuLike *q)
{
    gint64 v;
    int fd;
    ck_assert(qemu_like_read(q, 5000, &v, &fd));
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(fd, -1);
    ck_assert(qemu_like_read(q, 5000, &q->own, &fd));
    ck_assert(q->own >= 0 && q->own <= IVSHMEM_MAX_PEER_ID);
    ck_assert_int_eq(fd, -1);
    ck_assert(qemu_like_read(q, 5000, &v, &fd));
    ck_assert_int_eq(v, -1);
    ck_assert_int_ge(fd, 0);
    close(fd);
}

QemuLike *qemu_like_connect(void)
{
    QemuLike *q = g_new0(QemuLike, 1);
    q->sock = raw_connect();
    q->fd = g_socket_get_fd(q->sock);
    q->vectors = g_hash_table_new_full(NULL, NULL, NULL, fd_array_free);
    qemu_like_greeting(q);
    return q;
}

void qemu_like_pump(QemuLike *q, int wait_ms)
{
    gint64 id;
    int fd;
    while (qemu_like_read(q, wait_ms, &id, &fd)) {
        ck_assert(id >= 0 && id <= IVSHMEM_MAX_PEER_ID);
        gpointer key = GINT_TO_POINTER((int)id);
        GArray *vs = g_hash_table_lookup(q->vectors, key);
        if (fd < 0) {
            ck_assert_msg(id != q->own, "server announced our own departure");
            ck_assert_msg(vs != NULL, "departure of peer %d, never announced", (int)id);
            g_hash_table_remove(q->vectors, key);
            continue;
        }
        if (vs == NULL) {
            vs = g_array_new(FALSE, FALSE, sizeof(int));
            g_hash_table_insert(q->vectors, key, vs);
        }
        ck_assert_uint_lt(vs->len, IVSHMEM_MAX_VECTORS);
        g_array_append_val(vs, fd);
    }
}

unsigned qemu_like_vectors(QemuLike *q, int id)
{
    GArray *vs = g_hash_table_lookup(q->vectors, GINT_TO_POINTER(id));
    return vs ? vs->len : 0;
}

int qemu_like_vector(QemuLike *q, int id, unsigned v)
{
    GArray *vs = g_hash_table_lookup(q->vectors, GINT_TO_POINTER(id));
    return g_array_index(vs, int, v);
}

void qemu_like_free(QemuLike *q)
{
    g_hash_table_destroy(q->vectors);
    g_object_unref(q->sock);
    g_free(q);
}
