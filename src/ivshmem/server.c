/* ivshmem server (server.h). */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixfdmessage.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"

#define WHO "ivshmem-server"
#define LISTEN_BACKLOG 64
#define ACCEPTS_PER_DISPATCH 64
/* An accept() that fails for another reason than an empty backlog (no free
 * fd, which peers that stay connected can bring about) leaves the
 * connection queued and the listener readable: rather than spin on it, the
 * server stops watching the listener this long before trying again. */
#define ACCEPT_RETRY_MS 100
/* A peer with this many unsent messages is not reading: it is dropped. */
#define MAX_QUEUED 65536
/* Sends failing for another reason than a full socket (e.g. too many fds
 * in flight) are retried this often, this far apart, before giving up. */
#define SEND_RETRY_MS 20
#define SEND_RETRIES 250
/* QEMU's server also caps the size at what ftruncate can reach; far more
 * than a guest can map. */
#define MAX_SHM_SIZE (G_GUINT64_CONSTANT(1) << 40)

/* A peer's eventfds. Queued announcements hold references, so the fds stay
 * open until every message carrying them was sent, even if the peer left. */
typedef struct {
    unsigned n;
    int fd[IVSHMEM_MAX_VECTORS];
} VectorSet;

typedef struct {
    gint64 value;
    int fd;         /* borrowed from hold (or the shm fd); -1 for none */
    VectorSet *hold;
    size_t sent;    /* bytes of value already sent (the fd goes with the first) */
} OutMsg;

typedef struct ServerPeer {
    IvshmemServer *server;
    guint16 id;
    GSocket *sock;
    VectorSet *vs;
    GQueue out;          /* OutMsg* */
    GSource *in_source;  /* any input or a hang-up: the peer leaves */
    GSource *out_source; /* armed while the socket is full */
    GSource *retry_source;
    unsigned retries;
    bool failed;         /* being dropped; nothing more is queued */
} ServerPeer;

struct IvshmemServer {
    GMainContext *context;
    char *socket_path;
    dev_t sock_dev;
    ino_t sock_ino;
    GSocket *listener;
    GSource *listen_source;       /* NULL while accepting is paused */
    GSource *accept_retry_source; /* armed while accepting is paused */
    bool accept_failing;          /* warned of it; cleared by the next accept */
    int shm_fd;
    char *shm_name; /* to shm_unlink, or NULL */
    guint64 shm_size;
    unsigned vectors;
    GQueue peers;      /* ServerPeer*, in joining order */
    GHashTable *by_id; /* id -> ServerPeer* */
    guint16 next_id;
};

static void peer_flush(ServerPeer *p);
static void server_remove_peer(IvshmemServer *s, ServerPeer *p);

/* ---- eventfd sets ---- */

static void vector_set_clear(gpointer data)
{
    VectorSet *vs = data;
    for (unsigned v = 0; v < vs->n; v++)
        close(vs->fd[v]);
}

static VectorSet *vector_set_new(unsigned n, GError **errp)
{
    VectorSet *vs = g_rc_box_new0(VectorSet);
    for (; vs->n < n; vs->n++) {
        /* Non-blocking, as QEMU's event notifiers: the flag lives in the
         * file description every peer shares. */
        vs->fd[vs->n] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (vs->fd[vs->n] < 0) {
            g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE, "cannot create eventfd: %s",
                        g_strerror(errno));
            g_rc_box_release_full(vs, vector_set_clear);
            return NULL;
        }
    }
    return vs;
}

/* ---- sending ---- */

static void out_msg_free(gpointer data)
{
    OutMsg *m = data;
    if (m->hold != NULL)
        g_rc_box_release_full(m->hold, vector_set_clear);
    g_free(m);
}

static void peer_queue(ServerPeer *p, gint64 value, int fd, VectorSet *hold)
{
    if (p->failed)
        return;
    OutMsg *m = g_new0(OutMsg, 1);
    m->value = value;
    m->fd = fd;
    m->hold = hold ? g_rc_box_acquire(hold) : NULL;
    g_queue_push_tail(&p->out, m);
}

static void peer_queue_vectors(ServerPeer *to, const ServerPeer *of)
{
    for (unsigned v = 0; v < of->vs->n; v++)
        peer_queue(to, of->id, of->vs->fd[v], of->vs);
}

static gboolean peer_drop_cb(gpointer data)
{
    ServerPeer *p = data;
    server_remove_peer(p->server, p);
    return G_SOURCE_REMOVE;
}

/* Called where the peer list may be being walked: the removal itself
 * happens from a source of its own. */
static void peer_fail(ServerPeer *p, const char *why)
{
    if (p->failed)
        return;
    log_warning(WHO, "dropping peer %u: %s", p->id, why);
    p->failed = true;
    g_queue_clear_full(&p->out, out_msg_free);
    if (p->retry_source != NULL) {
        g_source_destroy(p->retry_source);
        g_source_unref(p->retry_source);
    }
    p->retry_source = g_timeout_source_new(0);
    g_source_set_callback(p->retry_source, peer_drop_cb, p, NULL);
    g_source_attach(p->retry_source, p->server->context);
}

static gboolean peer_writable_cb(GSocket *sock, GIOCondition cond, gpointer data)
{
    ServerPeer *p = data;
    g_source_unref(p->out_source);
    p->out_source = NULL;
    peer_flush(p);
    return G_SOURCE_REMOVE;
}

static gboolean peer_retry_cb(gpointer data)
{
    ServerPeer *p = data;
    g_source_unref(p->retry_source);
    p->retry_source = NULL;
    if (++p->retries > SEND_RETRIES)
        peer_fail(p, "its socket refuses messages");
    else
        peer_flush(p);
    return G_SOURCE_REMOVE;
}

static void peer_wait(ServerPeer *p, bool socket_full)
{
    if (p->out_source != NULL || p->retry_source != NULL)
        return;
    if (socket_full) {
        p->out_source = g_socket_create_source(p->sock, G_IO_OUT, NULL);
        g_source_set_callback(p->out_source, G_SOURCE_FUNC(peer_writable_cb), p, NULL);
        g_source_attach(p->out_source, p->server->context);
    } else {
        p->retry_source = g_timeout_source_new(SEND_RETRY_MS);
        g_source_set_callback(p->retry_source, peer_retry_cb, p, NULL);
        g_source_attach(p->retry_source, p->server->context);
    }
}

/* Sends what it can of one message: >0 done, 0 try later, -1 failed. */
static int peer_send_one(ServerPeer *p, OutMsg *m, GError **errp)
{
    guint64 le = GUINT64_TO_LE((guint64)m->value);
    GOutputVector vec = { (const guint8 *)&le + m->sent, sizeof(le) - m->sent };
    g_autoptr(GSocketControlMessage) fdmsg = NULL;
    if (m->fd >= 0 && m->sent == 0) {
        fdmsg = g_unix_fd_message_new();
        if (!g_unix_fd_message_append_fd(G_UNIX_FD_MESSAGE(fdmsg), m->fd, errp))
            return -1;
    }
    gssize n = g_socket_send_message(p->sock, NULL, &vec, 1, fdmsg ? &fdmsg : NULL,
                                     fdmsg ? 1 : 0, G_SOCKET_MSG_NONE, NULL, errp);
    if (n < 0)
        return -1;
    m->sent += (size_t)n;
    return m->sent == sizeof(le);
}

static void peer_flush(ServerPeer *p)
{
    while (!p->failed && !g_queue_is_empty(&p->out)) {
        g_autoptr(GError) err = NULL;
        int r = peer_send_one(p, g_queue_peek_head(&p->out), &err);
        if (r > 0) {
            out_msg_free(g_queue_pop_head(&p->out));
            p->retries = 0;
            continue;
        }
        if (r < 0 && !g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
            log_trace(WHO, "peer %u: send failed (%s), will retry", p->id, err->message);
            peer_wait(p, false);
        } else {
            peer_wait(p, true);
        }
        return;
    }
}

static void peer_flush_checked(ServerPeer *p)
{
    if (g_queue_get_length(&p->out) > MAX_QUEUED)
        peer_fail(p, "it does not read its messages");
    else
        peer_flush(p);
}

/* ---- peers ---- */

static void peer_free(ServerPeer *p)
{
    GSource **sources[] = { &p->in_source, &p->out_source, &p->retry_source };
    for (size_t i = 0; i < G_N_ELEMENTS(sources); i++) {
        if (*sources[i] != NULL) {
            g_source_destroy(*sources[i]);
            g_source_unref(*sources[i]);
        }
    }
    g_queue_clear_full(&p->out, out_msg_free);
    g_socket_close(p->sock, NULL);
    g_object_unref(p->sock);
    g_rc_box_release_full(p->vs, vector_set_clear);
    g_free(p);
}

/* Drops the unsent announcements of a departed peer from to's queue, so
 * that a peer that reads slowly (or never) does not keep every departed
 * peer's eventfds open. Returns how many were dropped. */
static unsigned peer_purge(ServerPeer *to, const VectorSet *gone)
{
    unsigned dropped = 0;
    GList *l = to->out.head;
    if (l != NULL && ((OutMsg *)l->data)->sent > 0)
        l = l->next; /* half sent: must be finished */
    while (l != NULL) {
        GList *next = l->next;
        if (((OutMsg *)l->data)->hold == gone) {
            out_msg_free(l->data);
            g_queue_delete_link(&to->out, l);
            dropped++;
        }
        l = next;
    }
    return dropped;
}

static void server_remove_peer(IvshmemServer *s, ServerPeer *p)
{
    log_trace(WHO, "peer %u left", p->id);
    g_queue_remove(&s->peers, p);
    g_hash_table_remove(s->by_id, GUINT_TO_POINTER(p->id));
    for (GList *l = s->peers.head; l != NULL; l = l->next) {
        /* A peer that was never told of p is not told it left either. */
        if (peer_purge(l->data, p->vs) < p->vs->n)
            peer_queue(l->data, p->id, -1, NULL);
        peer_flush_checked(l->data);
    }
    peer_free(p);
}

/* QEMU's server closes a peer on any input: peers never talk to it. */
static gboolean peer_input_cb(GSocket *sock, GIOCondition cond, gpointer data)
{
    ServerPeer *p = data;
    server_remove_peer(p->server, p);
    return G_SOURCE_REMOVE;
}

/* The next id not in use, counting on from the last one given. */
static bool server_next_id(IvshmemServer *s, guint16 *id)
{
    for (unsigned i = 0; i <= IVSHMEM_MAX_PEER_ID; i++, s->next_id++) {
        if (!g_hash_table_contains(s->by_id, GUINT_TO_POINTER(s->next_id))) {
            *id = s->next_id++;
            return true;
        }
    }
    return false;
}

static void server_greet(IvshmemServer *s, ServerPeer *p)
{
    peer_queue(p, IVSHMEM_PROTOCOL_VERSION, -1, NULL);
    peer_queue(p, p->id, -1, NULL);
    peer_queue(p, -1, s->shm_fd, NULL);
    for (GList *l = s->peers.head; l != NULL; l = l->next) {
        peer_queue_vectors(l->data, p);
        peer_flush_checked(l->data);
    }
    for (GList *l = s->peers.head; l != NULL; l = l->next)
        peer_queue_vectors(p, l->data);
    peer_queue_vectors(p, p);
}

static void server_add_peer(IvshmemServer *s, GSocket *sock)
{
    g_autoptr(GError) err = NULL;
    guint16 id;
    if (!server_next_id(s, &id)) {
        log_warning(WHO, "all %d peer ids are in use; connection refused",
                    IVSHMEM_MAX_PEER_ID + 1);
        return;
    }
    VectorSet *vs = vector_set_new(s->vectors, &err);
    if (vs == NULL) {
        log_warning(WHO, "connection refused: %s", err->message);
        return;
    }
    ServerPeer *p = g_new0(ServerPeer, 1);
    p->server = s;
    p->id = id;
    p->sock = g_object_ref(sock);
    p->vs = vs;
    g_socket_set_blocking(sock, FALSE);
    p->in_source = g_socket_create_source(sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
    g_source_set_callback(p->in_source, G_SOURCE_FUNC(peer_input_cb), p, NULL);
    g_source_attach(p->in_source, s->context);
    server_greet(s, p);
    g_queue_push_tail(&s->peers, p);
    g_hash_table_insert(s->by_id, GUINT_TO_POINTER(id), p);
    log_trace(WHO, "peer %u joined", id);
    peer_flush_checked(p);
}

static gboolean server_accept_cb(GSocket *listener, GIOCondition cond, gpointer data);

static void server_watch_listener(IvshmemServer *s)
{
    s->listen_source = g_socket_create_source(s->listener, G_IO_IN, NULL);
    g_source_set_callback(s->listen_source, G_SOURCE_FUNC(server_accept_cb), s, NULL);
    g_source_attach(s->listen_source, s->context);
}

static gboolean server_accept_retry_cb(gpointer data)
{
    IvshmemServer *s = data;
    g_source_unref(s->accept_retry_source);
    s->accept_retry_source = NULL;
    server_watch_listener(s);
    return G_SOURCE_REMOVE;
}

/* Called from the listener's source, which the caller then removes. One
 * warning for a whole stretch of failures. */
static void server_pause_accepting(IvshmemServer *s, const GError *err)
{
    if (!s->accept_failing)
        log_warning(WHO, "accept on %s: %s; new peers wait (retrying every %d ms)",
                    s->socket_path, err->message, ACCEPT_RETRY_MS);
    s->accept_failing = true;
    g_source_unref(s->listen_source);
    s->listen_source = NULL;
    s->accept_retry_source = g_timeout_source_new(ACCEPT_RETRY_MS);
    g_source_set_callback(s->accept_retry_source, server_accept_retry_cb, s, NULL);
    g_source_attach(s->accept_retry_source, s->context);
}

static gboolean server_accept_cb(GSocket *listener, GIOCondition cond, gpointer data)
{
    IvshmemServer *s = data;
    for (unsigned i = 0; i < ACCEPTS_PER_DISPATCH; i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(GSocket) sock = g_socket_accept(listener, NULL, &err);
        if (sock != NULL) {
            s->accept_failing = false;
            server_add_peer(s, sock);
            continue;
        }
        if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
        server_pause_accepting(s, err);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

/* ---- shared memory ---- */

static guint64 pow2ceil(guint64 n)
{
    guint64 p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

static int server_open_shm(IvshmemServer *s, const IvshmemServerConfig *cfg, const char **what)
{
    if (cfg->memfd) {
        *what = "memfd";
        return memfd_create("ivshmem", MFD_CLOEXEC);
    }
    if (cfg->shm_dir != NULL) {
        /* As QEMU's -m: a private file, unlinked at once. */
        *what = cfg->shm_dir;
        g_autofree char *tmpl = g_build_filename(cfg->shm_dir, "ivshmem.XXXXXX", NULL);
        int fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC, 0600);
        if (fd >= 0)
            unlink(tmpl);
        return fd;
    }
    s->shm_name = g_strdup(cfg->shm_name ? cfg->shm_name : IVSHMEM_DEFAULT_SHM_NAME);
    *what = s->shm_name;
    return shm_open(s->shm_name, O_CREAT | O_RDWR, S_IRWXU);
}

static bool server_create_shm(IvshmemServer *s, const IvshmemServerConfig *cfg, GError **errp)
{
    const char *what = NULL;
    s->shm_fd = server_open_shm(s, cfg, &what);
    if (s->shm_fd < 0) {
        g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE,
                    "cannot create shared memory %s: %s", what, g_strerror(errno));
        g_clear_pointer(&s->shm_name, g_free);
        return false;
    }
    /* As QEMU's server: a power of two; an object of that size is reused. */
    struct stat st;
    if (fstat(s->shm_fd, &st) == 0 && (guint64)st.st_size == s->shm_size)
        return true;
    if (ftruncate(s->shm_fd, (off_t)s->shm_size) != 0) {
        g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE,
                    "cannot size shared memory %s to %" G_GUINT64_FORMAT " bytes: %s", what,
                    s->shm_size, g_strerror(errno));
        return false;
    }
    return true;
}

/* ---- the listening socket ---- */

/* A socket file nobody listens on is left over from a server that died:
 * replace it. Anything else at the path is refused, never deleted. */
static bool server_clear_path(const char *path, GError **errp)
{
    GStatBuf st;
    if (g_lstat(path, &st) != 0)
        return true;
    if (!S_ISSOCK(st.st_mode)) {
        g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE,
                    "%s exists and is not a socket; remove it or choose another socket path",
                    path);
        return false;
    }
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocket) probe = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_DEFAULT, &err);
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    if (probe != NULL && g_socket_connect(probe, addr, NULL, &err)) {
        g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE,
                    "a server is already listening on %s; stop it or choose another "
                    "socket path", path);
        return false;
    }
    if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)) {
        g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE, "cannot check %s: %s", path,
                    err->message);
        return false;
    }
    log_trace(WHO, "replacing stale socket %s", path);
    return g_unlink(path) == 0 || errno == ENOENT;
}

/* Errors here are wrapped by server_listen(), which names the path. */
static bool server_bind(IvshmemServer *s, unsigned mode, GError **errp)
{
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(s->socket_path);
    if (!g_socket_bind(s->listener, addr, FALSE, errp))
        return false;
    /* Before listen(): nobody can connect while the mode is still wrong. */
    GStatBuf st;
    if (g_chmod(s->socket_path, mode) != 0 || g_stat(s->socket_path, &st) != 0) {
        g_set_error(errp, G_IO_ERROR, g_io_error_from_errno(errno), "cannot set its mode: %s",
                    g_strerror(errno));
        g_unlink(s->socket_path);
        return false;
    }
    s->sock_dev = st.st_dev;
    s->sock_ino = st.st_ino;
    g_socket_set_listen_backlog(s->listener, LISTEN_BACKLOG);
    if (!g_socket_listen(s->listener, errp)) {
        g_unlink(s->socket_path);
        return false;
    }
    return true;
}

static bool server_listen(IvshmemServer *s, unsigned mode, GError **errp)
{
    g_autoptr(GError) err = NULL;
    s->listener = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                               G_SOCKET_PROTOCOL_DEFAULT, &err);
    if (s->listener == NULL || !server_bind(s, mode, &err)) {
        g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE, "cannot listen on %s: %s",
                    s->socket_path, err->message);
        return false;
    }
    g_socket_set_blocking(s->listener, FALSE);
    server_watch_listener(s);
    return true;
}

/* ---- lifetime ---- */

static bool server_check_config(const IvshmemServerConfig *cfg, const char *path,
                                GError **errp)
{
    const char *problem = NULL;
    if ((cfg->shm_name != NULL) + (cfg->shm_dir != NULL) + cfg->memfd > 1)
        problem = "give at most one of a shm name (-M), a directory (-m) and --memfd";
    else if (cfg->vectors > IVSHMEM_MAX_VECTORS)
        problem = "too many vectors (at most 64)";
    else if (cfg->no_vectors && cfg->vectors != 0)
        problem = "no_vectors with a number of vectors";
    else if (cfg->shm_size > MAX_SHM_SIZE)
        problem = "shared memory size too large";
    else if (cfg->socket_mode > 07777)
        problem = "socket mode must be octal permission bits, e.g. 0600";
    else if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
        problem = "socket path too long for a UNIX socket";
    if (problem != NULL)
        g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_USAGE, "ivshmem server %s: %s", path,
                    problem);
    return problem == NULL;
}

IvshmemServer *ivshmem_server_new(const IvshmemServerConfig *cfg, GMainContext *context,
                                  GError **errp)
{
    const char *path = cfg->socket_path ? cfg->socket_path : IVSHMEM_DEFAULT_SOCKET;
    if (!server_check_config(cfg, path, errp))
        return NULL;
    IvshmemServer *s = g_new0(IvshmemServer, 1);
    s->context = g_main_context_ref(context ? context : g_main_context_default());
    s->socket_path = g_strdup(path);
    s->shm_fd = -1;
    s->shm_size = pow2ceil(cfg->shm_size ? cfg->shm_size : IVSHMEM_DEFAULT_SIZE);
    s->vectors = cfg->no_vectors ? 0 : cfg->vectors ? cfg->vectors : IVSHMEM_DEFAULT_VECTORS;
    s->by_id = g_hash_table_new(NULL, NULL);
    /* The path first: a refused start must not touch a live server's memory. */
    if (!server_clear_path(s->socket_path, errp) || !server_create_shm(s, cfg, errp) ||
        !server_listen(s, cfg->socket_mode ? cfg->socket_mode : IVSHMEM_DEFAULT_SOCKET_MODE,
                       errp)) {
        ivshmem_server_free(s);
        return NULL;
    }
    log_trace(WHO, "listening on %s: %" G_GUINT64_FORMAT " bytes, %u vectors per peer",
              s->socket_path, s->shm_size, s->vectors);
    return s;
}

/* Remove the socket file only if it is still the one we bound: a server
 * started after us on the same path keeps its socket. */
static void server_unlink_socket(IvshmemServer *s)
{
    GStatBuf st;
    if (s->sock_ino != 0 && g_lstat(s->socket_path, &st) == 0 && st.st_dev == s->sock_dev &&
        st.st_ino == s->sock_ino)
        g_unlink(s->socket_path);
}

void ivshmem_server_free(IvshmemServer *s)
{
    if (s == NULL)
        return;
    ServerPeer *p;
    while ((p = g_queue_pop_head(&s->peers)) != NULL)
        peer_free(p);
    g_hash_table_destroy(s->by_id);
    GSource *sources[] = { s->listen_source, s->accept_retry_source };
    for (size_t i = 0; i < G_N_ELEMENTS(sources); i++) {
        if (sources[i] != NULL) {
            g_source_destroy(sources[i]);
            g_source_unref(sources[i]);
        }
    }
    if (s->listener != NULL) {
        server_unlink_socket(s);
        g_socket_close(s->listener, NULL);
        g_object_unref(s->listener);
    }
    if (s->shm_fd >= 0)
        close(s->shm_fd);
    if (s->shm_name != NULL)
        shm_unlink(s->shm_name);
    g_main_context_unref(s->context);
    g_free(s->shm_name);
    g_free(s->socket_path);
    g_free(s);
}

guint64 ivshmem_server_shm_size(const IvshmemServer *s) { return s->shm_size; }
const char *ivshmem_server_socket_path(const IvshmemServer *s) { return s->socket_path; }
