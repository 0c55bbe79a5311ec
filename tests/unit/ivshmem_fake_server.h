/* A fake ivshmem server for the client sweep (test_ivshmem_client_sweep.c):
 * a socketpair whose other end the test writes into, fds of every kind a
 * server could wrongly send, and streams of messages laid out as bytes and
 * cut into writes (sendmsg calls) at chosen bytes, sent at once or by a
 * slow thread while the client reads. */
#ifndef MINIVM_IVSHMEM_FAKE_SERVER_H
#define MINIVM_IVSHMEM_FAKE_SERVER_H

#include <gio/gio.h>
#include <stdbool.h>

#define SHM_SIZE (64 * 1024)
#define SMALL_SHM_SIZE 4096
#define MAX_FDS 4 /* fds the fake puts on one message */

typedef enum {
    FD_EVENTFD,
    FD_PIPE_READ,
    FD_PIPE_WRITE,
    FD_SOCKET,
    FD_DEVNULL,
    FD_MEMFD,          /* SHM_SIZE bytes: the right shared memory */
    FD_MEMFD_SMALL,    /* SMALL_SHM_SIZE bytes */
    FD_MEMFD_EMPTY,
    FD_MEMFD_READONLY, /* SHM_SIZE bytes, opened read-only: cannot be mapped */
    FD_KINDS
} FdKind;

typedef struct {
    FdKind kind;
    int fd;          /* the one sent */
    int other;       /* the other end of a pipe or socket, the memfd itself, or -1 */
    guint64 kicks;   /* doorbells the client should have rung on it since the last check */
} FakeFd;

typedef struct {
    GSocket *client_end;
    GSocket *server_end; /* NULL once closed (EOF) */
    GArray *fds;         /* FakeFd */
    unsigned open;       /* fds the fake holds, both socket ends included */
} FakeServer;

extern FakeServer fake;

/* Makes an fd of that kind; returns its index in fake.fds. */
guint fake_fd_new(FdKind kind);
FakeFd *fake_fd(guint i);
void fake_start(void);
/* Closes the server end: the client sees an EOF. */
void fake_hang_up(void);
/* Checks that nothing the client must not use was written to and that the
 * client closed none of the fake's fds, then closes them all. */
void fake_stop(void);

/* A message to write, or raw bytes (garbage) when raw > 0. */
typedef struct {
    gint64 value;
    unsigned nfds;
    FdKind kind[MAX_FDS];
    unsigned fd_at; /* the byte of the message the write with the fds starts at */
    unsigned raw;
    bool realign;   /* raw: padded so that the next message starts a frame */
} Item;

/* One sendmsg: bytes [start, start + len) and the fds that go with them. */
typedef struct {
    size_t start, len;
    unsigned nfds;
    guint fd[MAX_FDS];
    bool pause; /* the writer thread sleeps before it */
} Write;

typedef struct {
    GByteArray *bytes;
    GArray *writes;
    bool eof; /* the fake hangs up after the last write */
} Stream;

Item msg_item(gint64 value);
Item fd_item(gint64 value, FdKind kind);
/* Lays items out as bytes (phase: how far into a frame the stream starts,
 * for realigning garbage), creates their fds, cuts the bytes at cut (if
 * shorter) and splits them into writes: at every fd attachment and at
 * `splits` random bytes. Fds beyond the cut are made but never sent. */
Stream *stream_build(GRand *r, const GArray *items, size_t phase, size_t cut, unsigned splits);
void stream_free(Stream *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Stream, stream_free)
/* Sends every write before returning (the socket must hold them all). */
void stream_send(const Stream *st);
/* A GThreadFunc: sends, pausing where the writes say, while the client
 * reads; gives up quietly if the client hung up. */
gpointer stream_send_slowly(gpointer data);

#endif
