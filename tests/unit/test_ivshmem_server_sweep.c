/* Robustness sweep of the ivshmem server (issue 4: peers are untrusted).
 *
 * Each episode starts a server with a random number of vectors and lets a
 * random crowd at it: QEMU-like watchers that read everything and check it
 * against the rules QEMU's clients impose (ivshmem_server_harness.h), our
 * own client, peers that never read (so announcements queue up, and with
 * 64 vectors fill their sockets), peers that read a few bytes and stop,
 * peers that hang up in the middle of their greeting, peers that send
 * random bytes with random fds (pipes, memfds, /dev/null, their own
 * socket) or shut down their writing side. At checkpoints the well-behaved
 * peers must see exactly the peers still connected, each with every
 * vector, under the ids the server gave in connection order, and doorbells
 * between them must arrive at the right vector of the right peer. After
 * everyone hung up the server must hold no fd beyond its own and still
 * serve the next peer with the next id. */
#include <check.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixfdmessage.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "ivshmem_server_harness.h"
#include "ivshmem_test_fds.h"
#include "sweep.h"
#include "unit_main.h"

SweepState sweep; /* iter counts episodes */

/* The episode under way. */
static struct {
    unsigned vectors;
    guint16 next_id;
    GPtrArray *peers; /* Peer* */
    /* What happened, for the summary. */
    unsigned watchers, ours, silent, hung_up, talked, doorbells, checkpoints;
} crowd;

typedef enum {
    PEER_WATCHER, /* QemuLike: reads everything, checks the rules */
    PEER_OURS,    /* IvshmemClient */
    PEER_RAW,     /* reads a little or nothing, may talk */
} PeerKind;

typedef struct {
    PeerKind kind;
    guint16 id;        /* the id the server must have given it */
    bool live;         /* the server should keep it: connected and silent */
    QemuLike *q;
    IvshmemClient *c;
    Hits hits;
    GSocket *raw;
} Peer;

static void peer_close(Peer *p)
{
    if (p->q != NULL)
        qemu_like_free(p->q);
    if (p->c != NULL)
        ivshmem_client_free(p->c);
    if (p->raw != NULL)
        g_object_unref(p->raw);
    p->q = NULL;
    p->c = NULL;
    p->raw = NULL;
    p->live = false;
}

static void peer_free(gpointer data)
{
    peer_close(data);
    g_free(data);
}

static Peer *peer_add(PeerKind kind)
{
    Peer *p = g_new0(Peer, 1);
    p->kind = kind;
    p->id = crowd.next_id++;
    p->live = true;
    g_ptr_array_add(crowd.peers, p);
    return p;
}

static unsigned count_live(PeerKind kind)
{
    unsigned n = 0;
    for (guint i = 0; i < crowd.peers->len; i++) {
        const Peer *p = g_ptr_array_index(crowd.peers, i);
        n += p->live && p->kind == kind;
    }
    return n;
}

/* A random live peer of that kind, or NULL. */
static Peer *pick_live(GRand *r, PeerKind kind)
{
    unsigned n = count_live(kind);
    if (n == 0)
        return NULL;
    unsigned k = (unsigned)g_rand_int_range(r, 0, (gint32)n);
    for (guint i = 0; i < crowd.peers->len; i++) {
        Peer *p = g_ptr_array_index(crowd.peers, i);
        if (p->live && p->kind == kind && k-- == 0)
            return p;
    }
    g_assert_not_reached();
}

/* ---- what the peers do ---- */

static void connect_watcher(void)
{
    Peer *p = peer_add(PEER_WATCHER);
    crowd.watchers++;
    p->q = qemu_like_connect();
    SWEEP_ASSERT(p->q->own == p->id, "watcher got id %" G_GINT64_FORMAT ", expected %u",
                 p->q->own, p->id);
}

/* Only beside another live peer: alone, our client waits for the quiet
 * period to end its greeting, which would only slow the sweep. */
static void connect_ours(void)
{
    Peer *p = peer_add(PEER_OURS);
    crowd.ours++;
    p->c = peer_connect();
    SWEEP_ASSERT(ivshmem_client_own_id(p->c) == p->id, "our client got id %u, expected %u",
                 ivshmem_client_own_id(p->c), p->id);
    ivshmem_client_set_interrupt_handler(p->c, count_interrupt, &p->hits);
}

/* An fd of a random kind to send the server, and what to close after. */
static int random_fd(GRand *r, GSocket *own, int *extra)
{
    int fds[2];
    *extra = -1;
    switch (g_rand_int_range(r, 0, 5)) {
    case 0:
        return eventfd(0, EFD_CLOEXEC);
    case 1:
        ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
        *extra = fds[1];
        return fds[0];
    case 2:
        return memfd_create("sweep", MFD_CLOEXEC);
    case 3:
        return open("/dev/null", O_RDWR | O_CLOEXEC);
    default:
        return dup(g_socket_get_fd(own));
    }
}

/* Random bytes, maybe with fds, or a shutdown of the writing side: the
 * server must drop the peer either way. */
static void raw_talk(GRand *r, GSocket *s)
{
    if (g_rand_int_range(r, 0, 5) == 0) {
        ck_assert(g_socket_shutdown(s, FALSE, TRUE, NULL));
        return;
    }
    guint8 bytes[16];
    size_t len = (size_t)g_rand_int_range(r, 1, sizeof(bytes) + 1);
    for (size_t i = 0; i < len; i++)
        bytes[i] = (guint8)g_rand_int(r);
    int fds[3], extra[3];
    int nfds = g_rand_int_range(r, 0, 4);
    g_autoptr(GSocketControlMessage) msg = nfds > 0 ? g_unix_fd_message_new() : NULL;
    for (int i = 0; i < nfds; i++) {
        fds[i] = random_fd(r, s, &extra[i]);
        ck_assert_int_ge(fds[i], 0);
        ck_assert(g_unix_fd_message_append_fd(G_UNIX_FD_MESSAGE(msg), fds[i], NULL));
    }
    GOutputVector vec = { bytes, len };
    /* The server may have hung up already (it drops a peer whose socket
     * misbehaves): any outcome but a crash will do. */
    g_socket_send_message(s, NULL, &vec, 1, msg ? &msg : NULL, msg ? 1 : 0, G_SOCKET_MSG_NONE,
                          NULL, NULL);
    for (int i = 0; i < nfds; i++) {
        close(fds[i]);
        if (extra[i] >= 0)
            close(extra[i]);
    }
}

/* A raw peer: reads part of its greeting (which is at least 32 bytes:
 * version, id, memory, one own vector) or none, then may talk or hang up. */
static void connect_raw(GRand *r)
{
    Peer *p = peer_add(PEER_RAW);
    p->raw = raw_connect();
    if (g_rand_boolean(r))
        raw_take(p->raw, (size_t)g_rand_int_range(r, 1, 33));
    switch (g_rand_int_range(r, 0, 4)) {
    case 0: /* hangs up in the middle of its greeting */
        peer_close(p);
        crowd.hung_up++;
        break;
    case 1:
        raw_talk(r, p->raw);
        p->live = false;
        crowd.talked++;
        break;
    default: /* stays, never reading again */
        crowd.silent++;
        break;
    }
}

static void hang_up_random(GRand *r)
{
    Peer *p = pick_live(r, (PeerKind)g_rand_int_range(r, 0, 3));
    if (p != NULL)
        peer_close(p);
}

static void pump_all(void)
{
    for (guint i = 0; i < crowd.peers->len; i++) {
        Peer *p = g_ptr_array_index(crowd.peers, i);
        if (p->q != NULL)
            qemu_like_pump(p->q, 0);
    }
    pump();
}

/* ---- checkpoints ---- */

/* Does this well-behaved peer know exactly the live peers, each with every
 * vector? If not, why not (in why). */
static bool peer_settled(Peer *w, char *why, size_t size)
{
    unsigned known = 0;
    for (guint i = 0; i < crowd.peers->len; i++) {
        const Peer *p = g_ptr_array_index(crowd.peers, i);
        unsigned n = w->q ? qemu_like_vectors(w->q, p->id) : ivshmem_client_peer_vectors(w->c,
                                                                                       p->id);
        unsigned want = p->live ? crowd.vectors : 0;
        if (n != want) {
            g_snprintf(why, size, "peer %u sees %u vectors of peer %u, expected %u", w->id, n,
                       p->id, want);
            return false;
        }
        known += n > 0;
    }
    unsigned total;
    if (w->q != NULL) {
        total = g_hash_table_size(w->q->vectors);
    } else {
        g_autoptr(GArray) ids = ivshmem_client_peers(w->c);
        total = ids->len + 1;
    }
    if (total != known) {
        g_snprintf(why, size, "peer %u knows %u peers, expected %u", w->id, total, known);
        return false;
    }
    return true;
}

static bool all_settled(char *why, size_t size)
{
    pump_all();
    for (guint i = 0; i < crowd.peers->len; i++) {
        Peer *p = g_ptr_array_index(crowd.peers, i);
        if (p->live && p->kind != PEER_RAW && !peer_settled(p, why, size))
            return false;
    }
    return true;
}

static void wait_settled(void)
{
    char why[128] = "";
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!all_settled(why, sizeof(why))) {
        SWEEP_ASSERT(g_get_monotonic_time() < end, "not settled: %s", why);
        g_usleep(200);
    }
}

static void expect_kick(int fd, guint64 want, const char *what, unsigned from, unsigned to,
                        unsigned v)
{
    guint64 got = 0;
    if (read(fd, &got, sizeof(got)) != sizeof(got))
        got = 0;
    SWEEP_ASSERT(got == want, "%s: %u -> %u vector %u: got %" G_GUINT64_FORMAT, what, from, to,
                 v, got);
}

/* from rings vector v of to, which must see it there and nowhere else. */
static void doorbell(Peer *from, Peer *to, unsigned v)
{
    static const guint64 one = 1;
    crowd.doorbells++;
    if (from->q != NULL)
        ck_assert_int_eq(write(qemu_like_vector(from->q, to->id, v), &one, sizeof(one)),
                         sizeof(one));
    else
        SWEEP_ASSERT(ivshmem_client_notify(from->c, to->id, v) == IVSHMEM_NOTIFY_OK,
                     "our client cannot ring %u vector %u", to->id, v);
    if (to->q != NULL) {
        for (unsigned k = 0; k < crowd.vectors; k++)
            expect_kick(qemu_like_vector(to->q, to->id, k), k == v, "doorbell", from->id,
                        to->id, k);
        return;
    }
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (to->hits.hits[v] == 0 && g_get_monotonic_time() < end) {
        pump();
        g_usleep(100);
    }
    for (unsigned k = 0; k < crowd.vectors; k++)
        SWEEP_ASSERT(to->hits.hits[k] == (k == v), "doorbell %u -> %u vector %u: %u interrupts",
                     from->id, to->id, k, to->hits.hits[k]);
    memset(&to->hits, 0, sizeof(to->hits));
}

static void checkpoint(GRand *r)
{
    wait_settled();
    crowd.checkpoints++;
    g_autoptr(GPtrArray) good = g_ptr_array_new();
    for (guint i = 0; i < crowd.peers->len; i++) {
        Peer *p = g_ptr_array_index(crowd.peers, i);
        if (p->live && p->kind != PEER_RAW)
            g_ptr_array_add(good, p);
    }
    for (int n = good->len ? g_rand_int_range(r, 0, 4) : 0; n > 0; n--)
        doorbell(g_ptr_array_index(good, g_rand_int_range(r, 0, (gint32)good->len)),
                 g_ptr_array_index(good, g_rand_int_range(r, 0, (gint32)good->len)),
                 (unsigned)g_rand_int_range(r, 0, (gint32)crowd.vectors));
}

/* ---- episodes ---- */

static void episode(GRand *r)
{
    static const unsigned vectors[] = { 1, 1, 2, 3, 8, IVSHMEM_MAX_VECTORS };
    crowd.vectors = vectors[g_rand_int_range(r, 0, G_N_ELEMENTS(vectors))];
    crowd.next_id = 0;
    crowd.peers = g_ptr_array_new_with_free_func(peer_free);
    server_start((IvshmemServerConfig){ .vectors = crowd.vectors, .shm_size = 4096 });
    unsigned serving = count_fds();
    for (int n = g_rand_int_range(r, 5, 30); n > 0; n--) {
        switch (g_rand_int_range(r, 0, 10)) {
        case 0:
            if (count_live(PEER_WATCHER) < 4)
                connect_watcher();
            break;
        case 1:
            if (count_live(PEER_OURS) < 2 && crowd.peers->len > 0 &&
                count_live(PEER_WATCHER) + count_live(PEER_RAW) > 0)
                connect_ours();
            break;
        case 2:
        case 3:
        case 4:
            connect_raw(r);
            break;
        case 5:
        case 6:
            hang_up_random(r);
            break;
        case 7:
            pump_all();
            break;
        case 8:
            checkpoint(r);
            break;
        default: /* the server runs on while nobody reads */
            g_usleep((gulong)g_rand_int_range(r, 0, 300));
            break;
        }
    }
    checkpoint(r);
    g_ptr_array_unref(crowd.peers);
    crowd.peers = NULL;
    /* Everyone hung up: the server keeps only what it had before. */
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (count_fds() != serving) {
        SWEEP_ASSERT(g_get_monotonic_time() < end, "the server holds %u fds, %u when started",
                     count_fds(), serving);
        g_usleep(200);
    }
    QemuLike *next = qemu_like_connect();
    SWEEP_ASSERT(next->own == crowd.next_id, "next peer got id %" G_GINT64_FORMAT
                 ", expected %u", next->own, crowd.next_id);
    qemu_like_pump(next, 0);
    qemu_like_free(next);
    server_stop(&server);
}

START_TEST(test_no_peer_behaviour_crashes_leaks_or_confuses_the_server)
{
    sweep.seed = sweep_seed("ivshmem server sweep", 20250402);
    unsigned n = sweep_iterations(150, 120);
    GRand *r = g_rand_new_with_seed(sweep.seed);
    gint64 start = g_get_monotonic_time();
    FILE *saved = sweep_mute();
    for (sweep.iter = 0; sweep.iter < n; sweep.iter++)
        episode(r);
    sweep_unmute(saved);
    fprintf(stderr, "ivshmem server sweep: %u episodes in %.2f s: %u QEMU-like watchers, %u "
            "of our clients, %u silent peers, %u hung up mid-greeting, %u talked; %u "
            "checkpoints, %u doorbells\n", n,
            (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC, crowd.watchers,
            crowd.ours, crowd.silent, crowd.hung_up, crowd.talked, crowd.checkpoints,
            crowd.doorbells);
    g_rand_free(r);
}
END_TEST

static Suite *ivshmem_server_sweep_suite(void)
{
    Suite *s = suite_create("ivshmem_server_sweep");
    TCase *tc = tcase_create("no peer crashes, leaks or confuses the server");
    tcase_add_unchecked_fixture(tc, server_test_warm_up, NULL);
    tcase_add_checked_fixture(tc, server_test_setup, server_test_teardown);
    tcase_set_timeout(tc, 55);
    tcase_add_test(tc, test_no_peer_behaviour_crashes_leaks_or_confuses_the_server);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(ivshmem_server_sweep_suite());
}
