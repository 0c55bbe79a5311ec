/* A model of the ivshmem client's rules (client.c: client_greeting,
 * greeting_vectors, client_apply, client_recv), for the client sweep: what
 * the client must make of the streams a fake server writes - whether the
 * greeting is accepted (and whether it waits), the peer table after every
 * message, and the fds the client holds. */
#ifndef MINIVM_IVSHMEM_CLIENT_MODEL_H
#define MINIVM_IVSHMEM_CLIENT_MODEL_H

#include <glib.h>
#include <stdbool.h>

#include "ivshmem_fake_server.h"
#include "protocol.h"

/* A frame: 8 bytes as the client reads them, with the fds whose write
 * began inside it (the kernel hands them over with that write's first
 * byte, and the client reads no further than the frame it assembles). */
typedef struct {
    gint64 value;
    unsigned nfds;
    guint fd; /* the first */
} Frame;

typedef struct {
    unsigned n;
    guint fd[IVSHMEM_MAX_VECTORS];
} ModelPeer;

typedef struct {
    guint8 buf[8];
    size_t have;
    unsigned pending_nfds;
    guint pending_fd;
    GArray *frames; /* complete, not yet applied */
    GHashTable *peers; /* id -> ModelPeer*, own id included */
    guint16 own;
    size_t shm_size;
    bool gone;
} Model;

void model_init(Model *m);
void model_clear(Model *m);
/* The frames the stream's writes make, and its EOF. */
void model_feed(Model *m, const Stream *st);
ModelPeer *model_peer(const Model *m, guint16 id);
/* The rules of client_apply(): false if the client refuses the message. */
bool model_apply(Model *m, const Frame *f);
/* Frames the client has not seen yet are applied as later messages are:
 * anything refused is ignored. */
void model_apply_all(Model *m);

typedef enum { GREET_ACCEPTED, GREET_REFUSED, GREET_TIMES_OUT } GreetOutcome;

typedef struct {
    GreetOutcome outcome;
    bool waits;       /* for more input, until the quiet period or the limit */
    /* It reads on alone (IVSHMEM_GREETING_QUIET_MS): a slow writer could
     * end the greeting early. */
    bool reads_alone;
} GreetPrediction;

/* The rules of client_greeting() and greeting_vectors(), on the frames of
 * the whole stream the fake wrote before (or while) connecting. The frames
 * left over are the client's later messages. */
GreetPrediction model_greeting(Model *m, bool any_size);
/* fds the client must hold: every vector in its table, and the fd of a
 * message it has begun to read. */
unsigned model_client_fds(const Model *m);

#endif
