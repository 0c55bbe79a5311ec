/* ivshmem server as a library (QEMU contrib/ivshmem-server compatible), run
 * by minivm-ivshmem-server and in-process by `minivm --ivshmem-serve`.
 *
 * Protocol (QEMU docs/specs/ivshmem-spec, DESIGN.md §5), as QEMU's server
 * sends it: to a new peer its version 0, its id, -1 with the shared-memory
 * fd, every existing peer's eventfds (one message per vector, in order), and
 * last its own eventfds; every other peer is sent the new peer's eventfds;
 * when a peer leaves (hangs up or sends anything at all) the others are sent
 * its id without an fd and its eventfds are closed. Ids are the next unused
 * one counting on from the last given (0, 1, 2...; a freed id comes back
 * only after the counter wraps at 65536, as QEMU's 16-bit cur_id does).
 *
 * Everything runs on the GMainContext given to ivshmem_server_new(). Messages
 * are queued per peer and sent without blocking, so a peer that stops
 * reading can never stall the server (or minivm's I/O thread); unsent
 * announcements of a peer that left are dropped with it (a peer never told
 * of it is not told it left), and a peer whose queue still grows past a
 * bound is disconnected.
 *
 * Checking for a live server on the socket path connects to it: a live
 * ivshmem server sees that probe as a peer that joins and leaves at once. */
#ifndef MINIVM_IVSHMEM_SERVER_H
#define MINIVM_IVSHMEM_SERVER_H

#include <glib.h>
#include <stdbool.h>

#include "protocol.h"

#define IVSHMEM_DEFAULT_SHM_NAME "ivshmem"
#define IVSHMEM_DEFAULT_VECTORS 1
#define IVSHMEM_DEFAULT_SOCKET_MODE 0600

typedef struct IvshmemServer IvshmemServer;

typedef struct IvshmemServerConfig {
    const char *socket_path; /* default IVSHMEM_DEFAULT_SOCKET */
    /* Where the shared memory lives; at most one of the three. With none,
     * the POSIX object IVSHMEM_DEFAULT_SHM_NAME, as QEMU's server does. */
    const char *shm_name;    /* POSIX shm_open() object, unlinked on exit (-M) */
    const char *shm_dir;     /* an unlinked temporary file in this directory (-m) */
    bool memfd;              /* an anonymous memfd (--memfd) */
    /* Bytes, rounded up to a power of two as QEMU's server does; 0 means
     * IVSHMEM_DEFAULT_SIZE. */
    guint64 shm_size;
    unsigned vectors;        /* per peer, 1..IVSHMEM_MAX_VECTORS; 0 means 1 */
    /* QEMU's -n 0: peers get no vectors (shared memory only), so joins are
     * never announced, and neither are departures (unlike QEMU's server,
     * whose departures then name peers the others never heard of). */
    bool no_vectors;
    /* Permission bits of the socket file; 0 means 0600 (owner only). */
    unsigned socket_mode;
} IvshmemServerConfig;

/* Creates the shared memory and starts listening. A stale socket file (no
 * one answers on it) is replaced; a live one, or a path that is not a
 * socket, is refused. Errors are MINIVM_ERROR: MINIVM_EXIT_USAGE for a bad
 * configuration, MINIVM_EXIT_UNAVAILABLE otherwise. */
IvshmemServer *ivshmem_server_new(const IvshmemServerConfig *cfg, GMainContext *context,
                                  GError **errp);
/* Disconnects every peer, closes every fd, removes the socket file (if it
 * is still ours) and a POSIX shm object. Call on the context's thread, or
 * after that thread stopped running the context. */
void ivshmem_server_free(IvshmemServer *s);

/* The size actually created (after rounding). */
guint64 ivshmem_server_shm_size(const IvshmemServer *s);
const char *ivshmem_server_socket_path(const IvshmemServer *s);

#endif
