/* The ivshmem peer protocol, client side (QEMU docs/specs/ivshmem-spec,
 * DESIGN.md §5): one implementation shared by minivm's ivshmem-flat device,
 * minivm-ivshmem-peer and the tests.
 *
 * Connecting is synchronous: it reads the greeting, maps the shared memory
 * and returns with the own peer id, the memory, every peer that existed
 * and the own vectors (all of them when other peers exist: as many as they
 * have; alone: those that came without a pause of IVSHMEM_GREETING_QUIET_MS). Everything after that (new peers,
 * departures, own eventfds firing, the server going away) is handled by
 * sources on the GMainContext given in IvshmemClientConfig; the table can
 * be queried at any time.
 *
 * Threading: the peer table is guarded by a mutex, so ivshmem_client_notify()
 * and the queries may be called from any thread (the device rings doorbells
 * on the CPU thread while the I/O thread updates the table). The interrupt
 * handler runs on the context's thread. */
#ifndef MINIVM_IVSHMEM_CLIENT_H
#define MINIVM_IVSHMEM_CLIENT_H

#include <gio/gio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

#define IVSHMEM_DEFAULT_GREETING_TIMEOUT_MS 5000
/* A peer alone on the server takes its greeting as complete after this
 * long without a message (see greeting_vectors() in client.c). */
#define IVSHMEM_GREETING_QUIET_MS 50

typedef struct IvshmemClient IvshmemClient;

typedef struct IvshmemClientConfig {
    const char *socket_path;      /* default IVSHMEM_DEFAULT_SOCKET */
    /* The size the server's memory must have (fstat); 0 accepts any size. */
    size_t shm_size;
    /* Where sources are attached; NULL means the global default context. */
    GMainContext *context;
    /* How long the whole greeting may take; 0 means the default. */
    unsigned greeting_timeout_ms;
} IvshmemClientConfig;

/* An own eventfd fired and was drained: one interrupt on vector (several
 * kicks before the drain count as one, as in QEMU). */
typedef void (*IvshmemInterruptFn)(void *opaque, unsigned vector);

typedef enum {
    IVSHMEM_NOTIFY_OK,
    IVSHMEM_NOTIFY_NO_PEER,   /* no such peer (never joined, or left) */
    IVSHMEM_NOTIFY_NO_VECTOR, /* the peer has fewer vectors */
    IVSHMEM_NOTIFY_FAILED,    /* the eventfd write failed */
} IvshmemNotifyResult;

/* Connects to the server socket and reads the greeting. Errors are
 * MINIVM_ERROR / MINIVM_EXIT_UNAVAILABLE and name the socket. */
IvshmemClient *ivshmem_client_connect(const IvshmemClientConfig *cfg, GError **errp);
/* The same over a socket that is already connected (a socketpair in tests,
 * an in-process server); takes a reference on sock. name is used in
 * messages in place of the socket path. */
IvshmemClient *ivshmem_client_new_for_socket(GSocket *sock, const char *name,
                                             const IvshmemClientConfig *cfg,
                                             GError **errp);
/* Closes every fd, unmaps the memory. Call on the context's thread or after
 * it stopped running (no handler may be running). */
void ivshmem_client_free(IvshmemClient *c);

/* Thread-safe; NULL removes the handler. Only the context's thread calls
 * it; once this returns, the previous handler is not running and will not
 * be called again. The handler must not call this itself.
 * Own eventfds are watched only while a handler is set: kicks that come
 * before (or while none is set) wait in the eventfds, so an interrupt sent
 * between connecting and creating the device is not lost. */
void ivshmem_client_set_interrupt_handler(IvshmemClient *c, IvshmemInterruptFn fn,
                                          void *opaque);

uint16_t ivshmem_client_own_id(const IvshmemClient *c);
void *ivshmem_client_shm(const IvshmemClient *c);
size_t ivshmem_client_shm_size(const IvshmemClient *c);

/* For a thread that waits on the own eventfds itself (minivm's CPU thread
 * while the guest sleeps, idle_wait.h) besides the handler's watch.
 * Thread-safe. The own vectors are those the greeting brought; an fd stays
 * open until ivshmem_client_free (-1: no such vector). Draining never
 * blocks; with the watch racing for the same kicks, each is drained once:
 * true means this call drained kicks and owes the one interrupt. */
unsigned ivshmem_client_own_vectors(IvshmemClient *c);
int ivshmem_client_own_vector_fd(IvshmemClient *c, unsigned vector);
bool ivshmem_client_drain_own_vector(IvshmemClient *c, unsigned vector);

/* Thread-safe: writes 1 to the peer's eventfd for vector (a peer may ring
 * itself). Never blocks on a full table or indexes out of bounds. */
IvshmemNotifyResult ivshmem_client_notify(IvshmemClient *c, uint16_t peer, unsigned vector);
/* Thread-safe: how many vectors a peer (or the own id) has; 0 if unknown. */
unsigned ivshmem_client_peer_vectors(IvshmemClient *c, uint16_t peer);
/* Thread-safe: the ids of all other peers, ascending. Free with g_array_unref. */
GArray *ivshmem_client_peers(IvshmemClient *c);
/* Thread-safe: the server closed the connection (peers cannot join or be
 * seen leaving any more; the memory and known eventfds keep working). */
bool ivshmem_client_server_gone(IvshmemClient *c);

/* A size as ivshmem users write it (QEMU's -l): bytes with an optional
 * B, K, M, G, T, P or E suffix (powers of 1024), a fraction before a
 * suffix, or 0x hexadecimal: the grammar of QEMU's -l. Errors are
 * MINIVM_EXIT_USAGE. */
bool ivshmem_parse_size(const char *text, guint64 *size, GError **errp);

#endif
