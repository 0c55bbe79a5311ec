/* ivshmem client: greeting, peer table, own-vector eventfds (client.h).
 *
 * Everything the server sends is untrusted: every message is checked before
 * it changes the table, every fd received is either kept in the table or
 * closed at once, and a peer never holds more than IVSHMEM_MAX_VECTORS fds. */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <gio/gunixfdmessage.h>
#include <gio/gunixsocketaddress.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"

#define WHO "ivshmem"
/* Messages handled in one dispatch before the eventfds get a turn. */
#define MAX_MSGS_PER_DISPATCH 1024

typedef struct IvshmemPeer {
    uint16_t id;
    unsigned nvec;
    int fd[IVSHMEM_MAX_VECTORS];
    GSource *watch[IVSHMEM_MAX_VECTORS]; /* own peer only */
} IvshmemPeer;

/* One protocol message: a little-endian int64, maybe one fd. */
typedef struct {
    int64_t value;
    int fd;                /* -1 when none came */
    const char *fd_error;  /* why the fds that came are unusable (closed) */
} IvshmemMsg;

typedef enum { RECV_MSG, RECV_AGAIN, RECV_EOF, RECV_ERROR } RecvStatus;

struct IvshmemClient {
    char *name; /* the socket path, for messages */
    GSocket *sock;
    GMainContext *context;
    GSource *sock_source;
    uint16_t own_id;
    void *shm;
    size_t shm_size;

    GMutex lock;       /* guards peers, watching and server_gone */
    GHashTable *peers; /* id -> IvshmemPeer*, the own id included */
    /* Own eventfds are watched only while a handler is set:
     * until then kicks wait in the eventfds instead of being drained. */
    bool watching;
    bool server_gone;

    GMutex handler_lock; /* held while the handler runs */
    IvshmemInterruptFn handler;
    void *opaque;

    /* A stream socket may split a message; the fd comes with its first byte. */
    guint8 buf[8];
    size_t have;
    int pending_fd;
    const char *fd_error;
};

typedef struct {
    IvshmemClient *c;
    unsigned vector;
} OwnVector;

G_GNUC_PRINTF(3, 4)
static void client_error(IvshmemClient *c, GError **errp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE, "ivshmem server %s: %s",
                c->name, what);
}

/* ---- the peer table ---- */

static void peer_free(gpointer data)
{
    IvshmemPeer *p = data;
    for (unsigned v = 0; v < p->nvec; v++) {
        if (p->watch[v] != NULL) {
            g_source_destroy(p->watch[v]);
            g_source_unref(p->watch[v]);
        }
        close(p->fd[v]);
    }
    g_free(p);
}

static IvshmemPeer *peer_lookup(IvshmemClient *c, uint16_t id)
{
    return g_hash_table_lookup(c->peers, GUINT_TO_POINTER(id));
}

static void client_call_interrupt(IvshmemClient *c, unsigned vector)
{
    g_mutex_lock(&c->handler_lock);
    if (c->handler != NULL)
        c->handler(c->opaque, vector);
    g_mutex_unlock(&c->handler_lock);
}

/* Drains an own eventfd (non-blocking: another thread may have drained it
 * first). 1: it had kicks, 0: it was empty, -1: it cannot be read (errno). */
static int drain_own_fd(unsigned vector, int fd)
{
    uint64_t count;
    ssize_t n = read(fd, &count, sizeof(count));
    if (n == sizeof(count)) {
        log_trace(WHO, "own vector %u fired (%" PRIu64 " kicks)", vector, count);
        return 1;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n >= 0)
        errno = EIO; /* a short read: not an eventfd after all */
    return -1;
}

/* An own eventfd fired: drain it (the counter resets to 0), one interrupt. */
static gboolean own_vector_ready(gint fd, GIOCondition cond, gpointer data)
{
    OwnVector *ov = data;
    int drained = drain_own_fd(ov->vector, fd);
    if (drained > 0)
        client_call_interrupt(ov->c, ov->vector);
    if (drained >= 0)
        return G_SOURCE_CONTINUE;
    log_warning(WHO, "server %s: own vector %u is unreadable (%s); ignoring it from now on",
                ov->c->name, ov->vector, g_strerror(errno));
    return G_SOURCE_REMOVE;
}

static GSource *own_vector_watch(IvshmemClient *c, int fd, unsigned vector)
{
    OwnVector *ov = g_new(OwnVector, 1);
    ov->c = c;
    ov->vector = vector;
    GSource *src = g_unix_fd_source_new(fd, G_IO_IN);
    g_source_set_callback(src, G_SOURCE_FUNC(own_vector_ready), ov, g_free);
    g_source_attach(src, c->context);
    return src;
}

/* A peer's vector must be an eventfd: anything else (a pipe, a file) could
 * block the CPU thread when the guest rings it. Without /proc, trust it. */
static bool fd_is_eventfd(int fd)
{
    char path[64], target[64];
    g_snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n < 0)
        return true;
    target[n] = '\0';
    return strcmp(target, "anon_inode:[eventfd]") == 0;
}

/* Takes ownership of fd in every case. */
static bool peer_add_vector(IvshmemClient *c, uint16_t id, int fd, GError **errp)
{
    if (!fd_is_eventfd(fd)) {
        close(fd);
        client_error(c, errp, "sent peer %u a vector that is not an eventfd", id);
        return false;
    }
    g_mutex_lock(&c->lock);
    IvshmemPeer *p = peer_lookup(c, id);
    if (p == NULL) {
        p = g_new0(IvshmemPeer, 1);
        p->id = id;
        g_hash_table_insert(c->peers, GUINT_TO_POINTER(id), p);
    }
    bool ok = p->nvec < IVSHMEM_MAX_VECTORS;
    if (ok) {
        unsigned v = p->nvec++;
        p->fd[v] = fd;
        if (id == c->own_id) {
            /* The drain must never block the I/O thread, whoever else reads. */
            g_unix_set_fd_nonblocking(fd, TRUE, NULL);
            if (c->watching)
                p->watch[v] = own_vector_watch(c, fd, v);
        }
        log_trace(WHO, "peer %u vector %u joined", id, v);
    }
    g_mutex_unlock(&c->lock);
    if (!ok) {
        close(fd);
        client_error(c, errp, "sent more than %d vectors for peer %u", IVSHMEM_MAX_VECTORS, id);
    }
    return ok;
}

/* Called with the lock held when watching changed. */
static void own_watches_update(IvshmemClient *c)
{
    IvshmemPeer *own = peer_lookup(c, c->own_id);
    for (unsigned v = 0; own != NULL && v < own->nvec; v++) {
        if (c->watching && own->watch[v] == NULL) {
            own->watch[v] = own_vector_watch(c, own->fd[v], v);
        } else if (!c->watching && own->watch[v] != NULL) {
            g_source_destroy(own->watch[v]);
            g_source_unref(own->watch[v]);
            own->watch[v] = NULL;
        }
    }
}

static bool peer_remove(IvshmemClient *c, uint16_t id, GError **errp)
{
    if (id == c->own_id) {
        client_error(c, errp, "announced that this peer (%u) left", id);
        return false;
    }
    g_mutex_lock(&c->lock);
    bool known = g_hash_table_remove(c->peers, GUINT_TO_POINTER(id));
    g_mutex_unlock(&c->lock);
    log_trace(WHO, known ? "peer %u left" : "unknown peer %u left (ignored)", id);
    return true;
}

/* Applies one message after the shared memory arrived. Consumes msg->fd. */
static bool client_apply(IvshmemClient *c, const IvshmemMsg *msg, GError **errp)
{
    if (msg->fd_error || msg->value < 0 || msg->value > IVSHMEM_MAX_PEER_ID) {
        if (msg->fd >= 0)
            close(msg->fd);
        if (msg->fd_error)
            client_error(c, errp, "%s", msg->fd_error);
        else
            client_error(c, errp, "sent an invalid peer id %" PRId64, msg->value);
        return false;
    }
    uint16_t id = (uint16_t)msg->value;
    if (msg->fd < 0)
        return peer_remove(c, id, errp);
    return peer_add_vector(c, id, msg->fd, errp);
}

/* ---- receiving ---- */

static void client_take_fds(IvshmemClient *c, GSocketControlMessage **cmsgs, gint ncmsg,
                            gint flags)
{
    for (gint i = 0; i < ncmsg; i++) {
        if (G_IS_UNIX_FD_MESSAGE(cmsgs[i])) {
            gint nfds = 0;
            g_autofree gint *fds = g_unix_fd_message_steal_fds(G_UNIX_FD_MESSAGE(cmsgs[i]), &nfds);
            for (gint k = 0; k < nfds; k++) {
                if (c->pending_fd < 0 && c->fd_error == NULL) {
                    c->pending_fd = fds[k];
                } else {
                    close(fds[k]);
                    c->fd_error = "sent several fds in one message";
                }
            }
        }
        g_object_unref(cmsgs[i]);
    }
    /* The kernel drops fds it cannot install here (no free fd number). */
    if (flags & MSG_CTRUNC)
        c->fd_error = "sent an fd this process could not receive (out of file descriptors? "
                      "see ulimit -n)";
}

static void client_reset_partial(IvshmemClient *c)
{
    if (c->pending_fd >= 0)
        close(c->pending_fd);
    c->pending_fd = -1;
    c->fd_error = NULL;
    c->have = 0;
}

/* Reads what the socket has toward one message, without blocking. */
static RecvStatus client_recv(IvshmemClient *c, IvshmemMsg *msg, GError **errp)
{
    GInputVector vec = { c->buf + c->have, sizeof(c->buf) - c->have };
    GSocketControlMessage **cmsgs = NULL;
    gint ncmsg = 0, flags = 0;
    GError *err = NULL;
    gssize n = g_socket_receive_message(c->sock, NULL, &vec, 1, &cmsgs, &ncmsg, &flags,
                                        NULL, &err);
    client_take_fds(c, cmsgs, ncmsg, flags);
    g_free(cmsgs);
    if (n < 0) {
        if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
            g_error_free(err);
            return RECV_AGAIN;
        }
        client_error(c, errp, "%s", err->message);
        g_error_free(err);
        return RECV_ERROR;
    }
    if (n == 0) {
        client_reset_partial(c);
        return RECV_EOF;
    }
    c->have += (size_t)n;
    if (c->have < sizeof(c->buf))
        return RECV_AGAIN;
    guint64 le;
    memcpy(&le, c->buf, sizeof(le));
    msg->value = (int64_t)GUINT64_FROM_LE(le);
    msg->fd = c->pending_fd;
    msg->fd_error = c->fd_error;
    c->pending_fd = -1;
    c->fd_error = NULL;
    c->have = 0;
    return RECV_MSG;
}

/* ---- asynchronous handling ---- */

static void client_server_gone(IvshmemClient *c, const char *why)
{
    g_mutex_lock(&c->lock);
    c->server_gone = true;
    g_mutex_unlock(&c->lock);
    log_warning(WHO, "server %s %s; shared memory stays mapped, but peers can no longer "
                "join or be seen leaving", c->name, why);
}

static gboolean client_socket_ready(GSocket *sock, GIOCondition cond, gpointer data)
{
    IvshmemClient *c = data;
    for (unsigned i = 0; i < MAX_MSGS_PER_DISPATCH; i++) {
        IvshmemMsg msg;
        g_autoptr(GError) err = NULL;
        RecvStatus st = client_recv(c, &msg, &err);
        if (st == RECV_AGAIN)
            break;
        if (st != RECV_MSG) {
            client_server_gone(c, st == RECV_EOF ? "closed the connection" : err->message);
            return G_SOURCE_REMOVE;
        }
        if (!client_apply(c, &msg, &err))
            log_warning(WHO, "%s (message ignored)", err->message);
    }
    return G_SOURCE_CONTINUE;
}

/* ---- the greeting ---- */

/* The greeting's time limit, shared by all its steps. */
typedef struct {
    gint64 deadline;
    unsigned timeout_ms;
} Greeting;

typedef enum { GREET_MSG, GREET_QUIET, GREET_FAIL } GreetStatus;

/* Waits for the next message until `until` (monotonic time). */
static GreetStatus greeting_recv(IvshmemClient *c, gint64 until, IvshmemMsg *msg, GError **errp)
{
    for (;;) {
        RecvStatus st = client_recv(c, msg, errp);
        if (st == RECV_MSG)
            return GREET_MSG;
        if (st == RECV_ERROR)
            return GREET_FAIL;
        if (st == RECV_EOF) {
            client_error(c, errp, "closed the connection in the middle of its greeting");
            return GREET_FAIL;
        }
        gint64 left = until - g_get_monotonic_time();
        g_autoptr(GError) err = NULL;
        if (left <= 0 || !g_socket_condition_timed_wait(c->sock, G_IO_IN, left, NULL, &err)) {
            if (err == NULL || g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
                return GREET_QUIET;
            client_error(c, errp, "%s", err->message);
            return GREET_FAIL;
        }
    }
}

/* The next message, which must come before the greeting's deadline. */
static bool greeting_next(IvshmemClient *c, const Greeting *g, IvshmemMsg *msg, GError **errp)
{
    GreetStatus st = greeting_recv(c, g->deadline, msg, errp);
    if (st == GREET_QUIET)
        client_error(c, errp, "did not complete its greeting within %u ms "
                     "(a server with 0 vectors is not supported)", g->timeout_ms);
    return st == GREET_MSG;
}

/* A header message (version, own id) carries no fd. */
static bool greeting_header(IvshmemClient *c, const Greeting *g, const char *what,
                            int64_t *value, GError **errp)
{
    IvshmemMsg msg;
    if (!greeting_next(c, g, &msg, errp))
        return false;
    if (msg.fd >= 0 || msg.fd_error) {
        if (msg.fd >= 0)
            close(msg.fd);
        client_error(c, errp, "sent an fd with its %s (not an ivshmem server?)", what);
        return false;
    }
    *value = msg.value;
    return true;
}

static bool client_map_shm(IvshmemClient *c, int fd, size_t expected, GError **errp)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        client_error(c, errp, "sent a shared-memory fd that is not a memory object");
        return false;
    }
    if (st.st_size <= 0 || (expected != 0 && (guint64)st.st_size != expected)) {
        client_error(c, errp, "shared memory is %jd bytes, but %zu were asked for; "
                     "give the server's size (minivm-ivshmem-server -l) or start the server "
                     "with -l %zu", (intmax_t)st.st_size, expected, expected);
        return false;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        client_error(c, errp, "cannot map %jd bytes of shared memory: %s",
                     (intmax_t)st.st_size, g_strerror(errno));
        return false;
    }
    c->shm = p;
    c->shm_size = (size_t)st.st_size;
    return true;
}

static bool greeting_shm(IvshmemClient *c, const Greeting *g, size_t expected, GError **errp)
{
    IvshmemMsg msg;
    if (!greeting_next(c, g, &msg, errp))
        return false;
    if (msg.value != -1 || msg.fd < 0 || msg.fd_error) {
        if (msg.fd >= 0)
            close(msg.fd);
        client_error(c, errp, "%s", msg.fd_error ? msg.fd_error
                                                 : "sent no shared-memory fd after the peer id");
        return false;
    }
    /* The mapping keeps the memory alive; the fd is not needed any more. */
    bool ok = client_map_shm(c, msg.fd, expected, errp);
    close(msg.fd);
    return ok;
}

/* The server gives every peer the same number of vectors. */
static void greeting_vector_counts(IvshmemClient *c, unsigned *own, unsigned *others)
{
    g_mutex_lock(&c->lock);
    GHashTableIter it;
    gpointer value;
    *own = *others = 0;
    g_hash_table_iter_init(&it, c->peers);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const IvshmemPeer *p = value;
        if (p->id == c->own_id)
            *own = p->nvec;
        else
            *others = MAX(*others, p->nvec);
    }
    g_mutex_unlock(&c->lock);
}

/* Existing peers' vectors, then ours, back to back: the greeting has no
 * terminator. Our first vector must come. The rest are complete once they
 * are as many as another peer's (the server gives every peer the same
 * number; if it does not, we give up waiting at the deadline) or, when we
 * are alone, once no message came for IVSHMEM_GREETING_QUIET_MS. A vector
 * that comes later still is handled like any message, and a kick sent to
 * it before it arrives waits in its eventfd: no interrupt is lost. */
static bool greeting_vectors(IvshmemClient *c, const Greeting *g, GError **errp)
{
    unsigned own = 0, others = 0;
    while (own == 0) {
        IvshmemMsg msg;
        if (!greeting_next(c, g, &msg, errp) || !client_apply(c, &msg, errp))
            return false;
        greeting_vector_counts(c, &own, &others);
    }
    while (others == 0 || own < others) {
        IvshmemMsg msg;
        gint64 quiet = g_get_monotonic_time() + IVSHMEM_GREETING_QUIET_MS * 1000;
        GreetStatus st = greeting_recv(c, others ? g->deadline : MIN(quiet, g->deadline), &msg,
                                       errp);
        if (st == GREET_QUIET && others != 0)
            log_warning(WHO, "server %s gave peer %u %u vectors, but other peers %u",
                        c->name, c->own_id, own, others);
        if (st == GREET_QUIET)
            break;
        if (st == GREET_FAIL || !client_apply(c, &msg, errp))
            return false;
        greeting_vector_counts(c, &own, &others);
    }
    return true;
}

static unsigned greeting_timeout_ms(const IvshmemClientConfig *cfg)
{
    return cfg->greeting_timeout_ms ? cfg->greeting_timeout_ms
                                    : IVSHMEM_DEFAULT_GREETING_TIMEOUT_MS;
}

static bool client_greeting(IvshmemClient *c, const IvshmemClientConfig *cfg, GError **errp)
{
    Greeting g = { .timeout_ms = greeting_timeout_ms(cfg) };
    g.deadline = g_get_monotonic_time() + (gint64)g.timeout_ms * 1000;
    int64_t version, id;
    if (!greeting_header(c, &g, "protocol version", &version, errp))
        return false;
    if (version != IVSHMEM_PROTOCOL_VERSION) {
        client_error(c, errp, "speaks protocol version %" PRId64 "; minivm supports version %d",
                     version, IVSHMEM_PROTOCOL_VERSION);
        return false;
    }
    if (!greeting_header(c, &g, "peer id", &id, errp))
        return false;
    if (id < 0 || id > IVSHMEM_MAX_PEER_ID) {
        client_error(c, errp, "gave this peer the invalid id %" PRId64, id);
        return false;
    }
    c->own_id = (uint16_t)id;
    return greeting_shm(c, &g, cfg->shm_size, errp) && greeting_vectors(c, &g, errp);
}

/* ---- lifetime ---- */

IvshmemClient *ivshmem_client_new_for_socket(GSocket *sock, const char *name,
                                             const IvshmemClientConfig *cfg, GError **errp)
{
    IvshmemClient *c = g_new0(IvshmemClient, 1);
    c->name = g_strdup(name);
    c->sock = g_object_ref(sock);
    c->context = g_main_context_ref(cfg->context ? cfg->context : g_main_context_default());
    c->pending_fd = -1;
    g_mutex_init(&c->lock);
    g_mutex_init(&c->handler_lock);
    c->peers = g_hash_table_new_full(NULL, NULL, NULL, peer_free);
    g_socket_set_blocking(sock, FALSE);
    if (!client_greeting(c, cfg, errp)) {
        ivshmem_client_free(c);
        return NULL;
    }
    c->sock_source = g_socket_create_source(sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
    g_source_set_callback(c->sock_source, G_SOURCE_FUNC(client_socket_ready), c, NULL);
    g_source_attach(c->sock_source, c->context);
    log_trace(WHO, "connected to %s as peer %u, %zu bytes of shared memory", c->name,
              c->own_id, c->shm_size);
    return c;
}

static GSocket *client_socket_connect(const char *path, unsigned timeout_ms, GError **errp)
{
    if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
        g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE,
                    "ivshmem socket path %s is too long for a UNIX socket", path);
        return NULL;
    }
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_DEFAULT, &err);
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    if (sock != NULL)
        g_socket_set_timeout(sock, (timeout_ms + 999) / 1000);
    if (sock == NULL || !g_socket_connect(sock, addr, NULL, &err)) {
        g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE,
                    "no ivshmem server answers at %s (%s); start one with "
                    "`minivm-ivshmem-server -S %s` or `minivm --ivshmem-serve %s`",
                    path, err->message, path, path);
        return NULL;
    }
    g_socket_set_timeout(sock, 0);
    return g_steal_pointer(&sock);
}

IvshmemClient *ivshmem_client_connect(const IvshmemClientConfig *cfg, GError **errp)
{
    const char *path = cfg->socket_path ? cfg->socket_path : IVSHMEM_DEFAULT_SOCKET;
    g_autoptr(GSocket) sock = client_socket_connect(path, greeting_timeout_ms(cfg), errp);
    if (sock == NULL)
        return NULL;
    return ivshmem_client_new_for_socket(sock, path, cfg, errp);
}

void ivshmem_client_free(IvshmemClient *c)
{
    if (c == NULL)
        return;
    if (c->sock_source != NULL) {
        g_source_destroy(c->sock_source);
        g_source_unref(c->sock_source);
    }
    g_hash_table_destroy(c->peers);
    client_reset_partial(c);
    if (c->shm != NULL)
        munmap(c->shm, c->shm_size);
    g_socket_close(c->sock, NULL);
    g_object_unref(c->sock);
    g_main_context_unref(c->context);
    g_mutex_clear(&c->lock);
    g_mutex_clear(&c->handler_lock);
    g_free(c->name);
    g_free(c);
}

/* ---- queries ---- */

void ivshmem_client_set_interrupt_handler(IvshmemClient *c, IvshmemInterruptFn fn,
                                          void *opaque)
{
    g_mutex_lock(&c->handler_lock);
    c->handler = fn;
    c->opaque = opaque;
    g_mutex_lock(&c->lock);
    c->watching = fn != NULL;
    own_watches_update(c);
    g_mutex_unlock(&c->lock);
    g_mutex_unlock(&c->handler_lock);
}

uint16_t ivshmem_client_own_id(const IvshmemClient *c) { return c->own_id; }
void *ivshmem_client_shm(const IvshmemClient *c) { return c->shm; }
size_t ivshmem_client_shm_size(const IvshmemClient *c) { return c->shm_size; }

unsigned ivshmem_client_own_vectors(IvshmemClient *c)
{
    return ivshmem_client_peer_vectors(c, c->own_id);
}

int ivshmem_client_own_vector_fd(IvshmemClient *c, unsigned vector)
{
    g_mutex_lock(&c->lock);
    IvshmemPeer *own = peer_lookup(c, c->own_id);
    int fd = own != NULL && vector < own->nvec ? own->fd[vector] : -1;
    g_mutex_unlock(&c->lock);
    return fd;
}

bool ivshmem_client_drain_own_vector(IvshmemClient *c, unsigned vector)
{
    int fd = ivshmem_client_own_vector_fd(c, vector);
    return fd >= 0 && drain_own_fd(vector, fd) > 0;
}

IvshmemNotifyResult ivshmem_client_notify(IvshmemClient *c, uint16_t peer, unsigned vector)
{
    static const uint64_t one = 1;
    IvshmemNotifyResult r = IVSHMEM_NOTIFY_OK;
    /* Held across the write: a departing peer's fd cannot be closed (and its
     * number reused by an unrelated open) while it is being written. */
    g_mutex_lock(&c->lock);
    IvshmemPeer *p = peer_lookup(c, peer);
    if (p == NULL)
        r = IVSHMEM_NOTIFY_NO_PEER;
    else if (vector >= p->nvec)
        r = IVSHMEM_NOTIFY_NO_VECTOR;
    else if (write(p->fd[vector], &one, sizeof(one)) != sizeof(one))
        r = IVSHMEM_NOTIFY_FAILED;
    g_mutex_unlock(&c->lock);
    return r;
}

unsigned ivshmem_client_peer_vectors(IvshmemClient *c, uint16_t peer)
{
    g_mutex_lock(&c->lock);
    IvshmemPeer *p = peer_lookup(c, peer);
    unsigned n = p ? p->nvec : 0;
    g_mutex_unlock(&c->lock);
    return n;
}

static gint compare_u16(gconstpointer a, gconstpointer b)
{
    return (gint)*(const guint16 *)a - (gint)*(const guint16 *)b;
}

GArray *ivshmem_client_peers(IvshmemClient *c)
{
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint16));
    g_mutex_lock(&c->lock);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, c->peers);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        guint16 id = (guint16)GPOINTER_TO_UINT(key);
        if (id != c->own_id)
            g_array_append_val(ids, id);
    }
    g_mutex_unlock(&c->lock);
    g_array_sort(ids, compare_u16);
    return ids;
}

bool ivshmem_client_server_gone(IvshmemClient *c)
{
    g_mutex_lock(&c->lock);
    bool gone = c->server_gone;
    g_mutex_unlock(&c->lock);
    return gone;
}

/* ---- sizes ---- */

/* The power of 1024 a size suffix stands for (B = bytes), or -1. */
static int size_suffix_shift(char c)
{
    static const char suffixes[] = "BKMGTPE";
    const char *at = c != '\0' ? strchr(suffixes, g_ascii_toupper(c)) : NULL;
    return at != NULL ? 10 * (int)(at - suffixes) : -1;
}

/* The grammar of QEMU's size options (qemu_strtosz, which QEMU's server
 * uses for -l): decimal with an optional B/K/M/G/T/P/E suffix in either
 * case, a decimal fraction before a K..E suffix (to the nearest byte), or
 * 0x hexadecimal bytes without a suffix. No sign, no spaces. */
static bool size_parse(const char *text, guint64 *size)
{
    const char *p = text;
    if (g_ascii_strncasecmp(p, "0x", 2) == 0) {
        if (!g_ascii_isxdigit(p[2]))
            return false;
        char *end = NULL;
        errno = 0;
        *size = g_ascii_strtoull(p + 2, &end, 16);
        return errno == 0 && *end == '\0';
    }
    guint64 whole = 0, frac = 0, frac_scale = 1;
    if (!g_ascii_isdigit(*p))
        return false;
    for (; g_ascii_isdigit(*p); p++) {
        if (whole > (G_MAXUINT64 - 9) / 10)
            return false;
        whole = whole * 10 + (guint64)(*p - '0');
    }
    bool fraction = *p == '.';
    if (fraction) {
        /* Nine digits resolve a byte of a G; more only matter for T, P and
         * E, and are ignored (as if they were zeros). */
        for (p++; g_ascii_isdigit(*p); p++) {
            if (frac_scale < 1000000000) {
                frac = frac * 10 + (guint64)(*p - '0');
                frac_scale *= 10;
            }
        }
    }
    int shift = size_suffix_shift(*p);
    if (*p != '\0' && (shift < 0 || p[1] != '\0'))
        return false;
    if (shift < 0)
        shift = 0;
    if (fraction && shift == 0)
        return false;
    if (shift > 0 && whole > (G_MAXUINT64 >> shift))
        return false;
    /* frac / frac_scale of one unit, to the nearest byte as QEMU rounds,
     * in two steps that cannot overflow (frac < frac_scale <= 10^9). */
    guint64 unit = G_GUINT64_CONSTANT(1) << shift;
    guint64 part = (unit / frac_scale) * frac +
                   ((unit % frac_scale) * frac + frac_scale / 2) / frac_scale;
    if ((whole << shift) > G_MAXUINT64 - part)
        return false;
    *size = (whole << shift) + part;
    return true;
}

bool ivshmem_parse_size(const char *text, guint64 *size, GError **errp)
{
    if (size_parse(text, size))
        return true;
    g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_USAGE,
                "invalid size '%s': give bytes, optionally with a K, M, G, T, P or E suffix "
                "(e.g. 4M), or 0x hexadecimal bytes", text);
    return false;
}
