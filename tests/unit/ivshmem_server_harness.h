/* The ivshmem server tests' harness (test_ivshmem_server.c and the
 * sweep, test_ivshmem_server_sweep.c): the server library run on its own
 * GMainContext in a thread, real clients (the ivshmem client, or a raw
 * socket where the exact bytes matter) connecting over a real UNIX socket
 * in a temporary directory, and a reader that holds the server to the
 * rules QEMU's clients impose. */
#ifndef MINIVM_IVSHMEM_SERVER_HARNESS_H
#define MINIVM_IVSHMEM_SERVER_HARNESS_H

#include <check.h>
#include <gio/gio.h>
#include <stdbool.h>

#include "client.h"
#include "server.h"

typedef struct {
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
    IvshmemServer *srv;
} Running;

/* Set up for each test by server_test_setup(). */
extern char *dir;
extern char *path;
extern GMainContext *cctx; /* the clients' context, iterated by the test */
extern Running server;

void server_test_setup(void);
/* Checks that every fd opened since the setup was closed. */
void server_test_teardown(void);
/* Unchecked fixture: one whole cycle, so that GLib's one-time lazy fds
 * do not count as leaks. */
void server_test_warm_up(void);

IvshmemServer *server_try(Running *r, IvshmemServerConfig cfg, GError **err);
void server_start(IvshmemServerConfig cfg);
void server_stop(Running *r);

/* Runs the clients' context until it has nothing to do. */
void pump(void);

#define WAIT_UNTIL(cond)                                                              \
    do {                                                                              \
        gint64 end_ = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;                   \
        while (!(cond)) {                                                             \
            ck_assert_msg(g_get_monotonic_time() < end_, "timed out waiting: " #cond); \
            pump();                                                                   \
            g_usleep(500);                                                            \
        }                                                                             \
    } while (0)

IvshmemClient *peer_connect(void);
unsigned npeers(IvshmemClient *c);

/* A raw connection, to see exactly what the server sends. */
GSocket *raw_connect(void);
/* Reads one message; returns whether an fd came with it (closing it). */
bool raw_read(GSocket *s, gint64 *value);
void raw_expect(GSocket *s, gint64 value, bool with_fd);
/* Reads len bytes, however they are split into messages, closing the fds
 * that come with them. */
void raw_take(GSocket *s, size_t len);

typedef struct {
    unsigned hits[IVSHMEM_MAX_VECTORS];
} Hits;

void count_interrupt(void *opaque, unsigned vector);

/* A reader that holds the server to what contrib/ivshmem-client
 * (ivshmem_client_read_one_msg, ivshmem_client_connect,
 * ivshmem_client_handle_server_msg) and the QEMU devices accept: every
 * message is exactly 8 bytes from one recvmsg with at most one SCM_RIGHTS
 * fd in a control message of exactly CMSG_LEN(sizeof(int)); the greeting
 * is version 0, the id (0..65535), -1 with the memory, all without stray
 * fds; a departure names a peer it was told of and never itself (QEMU's
 * client drops the connection on either); no peer gets over 64 vectors. */
typedef struct {
    int fd;                         /* borrowed from sock */
    GSocket *sock;
    gint64 own;
    GHashTable *vectors;            /* id -> GArray of eventfds, own id included */
} QemuLike;

/* Connects and reads the greeting up to the memory. */
QemuLike *qemu_like_connect(void);
/* Applies what comes within wait_ms of each message, checking the rules. */
void qemu_like_pump(QemuLike *q, int wait_ms);
unsigned qemu_like_vectors(QemuLike *q, int id);
int qemu_like_vector(QemuLike *q, int id, unsigned v);
void qemu_like_free(QemuLike *q);

#endif
