/* Robustness sweep of the ivshmem client and the ivshmem-flat device
 * against a fake server that misbehaves at random (QEMU's server is
 * untrusted: issue 4, client.c's header comment).
 *
 * Each iteration builds a greeting from random mutations of a valid one -
 * wrong values, messages dropped, duplicated, swapped or inserted, fds
 * added, removed or of the wrong kind (pipe, socket, /dev/null, memfds of
 * the wrong size or read-only), 65 vectors for a peer, garbage, the stream
 * cut short, split across writes at random bytes, an EOF or a stall at the
 * end, sometimes written slowly by a thread - and connects. A valid client
 * is then fed rounds of random later messages (joins, departures of known,
 * unknown and own ids, invalid ids, stray fds, garbage, EOF) through its
 * GMainContext, while the test rings doorbells through the device and the
 * client API.
 *
 * A model of the protocol rules predicts every outcome: which greetings
 * are accepted (and whether they wait), the peer table after every round,
 * the fds the client holds. The client must match it exactly: refusals are
 * MINIVM_ERROR / MINIVM_EXIT_UNAVAILABLE naming the server, each doorbell
 * reaches exactly the eventfd the model names (and no pipe or socket ever
 * sees a byte), own vectors pulse the line, no fd leaks or is closed twice
 * (the fake checks close() of every fd it made). */
#include <check.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "ivshmem_client_model.h"
#include "ivshmem_fake_server.h"
#include "ivshmem_flat.h"
#include "ivshmem_test_fds.h"
#include "sweep.h"
#include "unit_main.h"

#define ID_POOL 10 /* most peer ids are 0..9, so they collide */
/* The greeting's time limit when the model says nothing makes the client
 * wait (generous: only a hang could reach it), and when it does wait (just
 * above IVSHMEM_GREETING_QUIET_MS, to keep the sweep short). */
#define QUICK_LIMIT_MS 3000
#define WAIT_LIMIT_MS (IVSHMEM_GREETING_QUIET_MS + 10)

SweepState sweep;

static GMainContext *ctx;
static DeferQueue *defer;
static IvshmemClient *client;
static IvshmemFlat *dev;
static unsigned pulses;
static bool line_level;

static void record_irq(void *opaque, int n, bool level)
{
    if (level && !line_level)
        pulses++;
    line_level = level;
}

/* ---- generating ---- */

static guint16 random_id(GRand *r)
{
    switch (g_rand_int_range(r, 0, 10)) {
    case 0:
        return (guint16)g_rand_int_range(r, 0, IVSHMEM_MAX_PEER_ID + 1);
    case 1:
        return g_rand_boolean(r) ? IVSHMEM_MAX_PEER_ID : IVSHMEM_MAX_PEER_ID - 1;
    default:
        return (guint16)g_rand_int_range(r, 0, ID_POOL);
    }
}

static gint64 interesting_value(GRand *r, guint16 own)
{
    static const gint64 values[] = { 0, 1, -1, -2, IVSHMEM_MAX_PEER_ID, IVSHMEM_MAX_PEER_ID + 1,
                                     -IVSHMEM_MAX_PEER_ID - 1, G_MAXINT64, G_MININT64,
                                     G_MAXUINT32, 1 << 16 | 3 };
    switch (g_rand_int_range(r, 0, 4)) {
    case 0:
        return own;
    case 1:
        return (gint64)((guint64)g_rand_int(r) << 32 | g_rand_int(r));
    case 2:
        return random_id(r);
    default:
        return values[g_rand_int_range(r, 0, G_N_ELEMENTS(values))];
    }
}

static FdKind random_kind(GRand *r)
{
    return (FdKind)g_rand_int_range(r, 0, FD_KINDS);
}

static void add_vectors(GArray *items, guint16 id, unsigned n)
{
    for (unsigned v = 0; v < n; v++) {
        Item it = fd_item(id, FD_EVENTFD);
        g_array_append_val(items, it);
    }
}

/* A valid greeting as QEMU's server sends it: a few peers with as many
 * vectors as ours, then ours. */
static GArray *valid_greeting(GRand *r, guint16 *own)
{
    GArray *items = g_array_new(FALSE, FALSE, sizeof(Item));
    *own = random_id(r);
    unsigned nvec = g_rand_int_range(r, 0, 12) == 0 ? IVSHMEM_MAX_VECTORS
                                                    : (unsigned)g_rand_int_range(r, 1, 5);
    unsigned npeers = nvec == IVSHMEM_MAX_VECTORS ? (unsigned)g_rand_int_range(r, 0, 2)
                                                  : (unsigned)g_rand_int_range(r, 0, 4);
    Item head[] = { msg_item(IVSHMEM_PROTOCOL_VERSION), msg_item(*own), fd_item(-1, FD_MEMFD) };
    g_array_append_vals(items, head, G_N_ELEMENTS(head));
    for (unsigned i = 0; i < npeers; i++) {
        guint16 id = random_id(r);
        if (id != *own)
            add_vectors(items, id, nvec);
    }
    add_vectors(items, *own, nvec);
    return items;
}

static Item *random_item(GRand *r, GArray *items)
{
    return &g_array_index(items, Item, g_rand_int_range(r, 0, (gint32)items->len));
}

static Item garbage_item(GRand *r)
{
    return (Item){ .raw = (unsigned)g_rand_int_range(r, 1, 17), .realign = g_rand_boolean(r) };
}

static void insert_random(GRand *r, GArray *items, Item it)
{
    g_array_insert_val(items, g_rand_int_range(r, 0, (gint32)items->len + 1), it);
}

static void mutate(GRand *r, GArray *items, guint16 own)
{
    if (items->len == 0)
        return;
    Item *it = random_item(r, items);
    switch (g_rand_int_range(r, 0, 13)) {
    case 0:
        it->value = interesting_value(r, own);
        break;
    case 1:
        g_array_remove_index(items, (guint)(it - (Item *)(void *)items->data));
        break;
    case 2: {
        Item copy = *it;
        insert_random(r, items, copy);
        break;
    }
    case 3:
        if (it->raw == 0 && it->nfds < MAX_FDS)
            it->kind[it->nfds++] = random_kind(r);
        break;
    case 4:
        it->nfds = 0;
        break;
    case 5:
        if (it->nfds > 0)
            it->kind[g_rand_int_range(r, 0, (gint32)it->nfds)] = random_kind(r);
        break;
    case 6: /* a departure: of ourselves, of anyone */
        insert_random(r, items, msg_item(g_rand_boolean(r) ? own : random_id(r)));
        break;
    case 7:
        insert_random(r, items, fd_item(random_id(r), FD_EVENTFD));
        break;
    case 8:
        insert_random(r, items, garbage_item(r));
        break;
    case 9: {
        guint j = (guint)g_rand_int_range(r, 0, (gint32)items->len);
        Item tmp = *it;
        *it = g_array_index(items, Item, j);
        g_array_index(items, Item, j) = tmp;
        break;
    }
    case 10: /* one vector too many for a peer */
        if (items->len < 80) {
            guint at = (guint)g_rand_int_range(r, 0, (gint32)items->len + 1);
            guint16 id = random_id(r);
            for (unsigned v = 0; v <= IVSHMEM_MAX_VECTORS; v++)
                g_array_insert_val(items, at, ((Item){ .value = id, .nfds = 1 }));
        }
        break;
    case 11:
        it->fd_at = (unsigned)g_rand_int_range(r, 0, 8);
        break;
    default: /* nothing but noise */
        g_array_set_size(items, 0);
        for (int i = g_rand_int_range(r, 1, 5); i > 0; i--)
            g_array_append_val(items, ((Item){ .raw = (unsigned)g_rand_int_range(r, 1, 40) }));
        break;
    }
}

/* ---- checking the client against the model ---- */

/* Own vectors rung since the last pump (each becomes one pulse, however
 * often it was rung), and the pulses owed by the pumps since the last check. */
static bool own_kicked[IVSHMEM_MAX_VECTORS];
static unsigned owed_pulses;

static void pump(void)
{
    for (int i = 0; i < 10; i++)
        while (g_main_context_iteration(ctx, FALSE))
            ;
    defer_run(defer);
    for (unsigned v = 0; v < IVSHMEM_MAX_VECTORS; v++) {
        owed_pulses += own_kicked[v];
        own_kicked[v] = false;
    }
}

static void check_fds(unsigned base, const Model *m, const char *when)
{
    unsigned want = base + fake.open + (client != NULL ? model_client_fds(m) : 0);
    unsigned got = count_fds();
    SWEEP_ASSERT(got == want, "%s: %u fds open, expected %u", when, got, want);
}

static void check_table(const Model *m)
{
    SWEEP_ASSERT(ivshmem_client_own_id(client) == m->own, "own id %u, expected %u",
                 ivshmem_client_own_id(client), m->own);
    SWEEP_ASSERT(ivshmem_client_shm_size(client) == m->shm_size, "shm size %zu",
                 ivshmem_client_shm_size(client));
    SWEEP_ASSERT(ivshmem_client_server_gone(client) == m->gone, "server gone %d",
                 ivshmem_client_server_gone(client));
    g_autoptr(GArray) ids = ivshmem_client_peers(client);
    unsigned others = g_hash_table_size(m->peers) - (model_peer(m, m->own) != NULL);
    SWEEP_ASSERT(ids->len == others, "%u peers, expected %u", ids->len, others);
    for (guint i = 0; i < ids->len; i++) {
        guint16 id = g_array_index(ids, guint16, i);
        const ModelPeer *p = model_peer(m, id);
        SWEEP_ASSERT(p != NULL && id != m->own, "unexpected peer %u", id);
        SWEEP_ASSERT(ivshmem_client_peer_vectors(client, id) == p->n, "peer %u: %u vectors, "
                     "expected %u", id, ivshmem_client_peer_vectors(client, id), p->n);
    }
    const ModelPeer *own = model_peer(m, m->own);
    SWEEP_ASSERT(ivshmem_client_own_vectors(client) == (own ? own->n : 0), "%u own vectors",
                 ivshmem_client_own_vectors(client));
}

/* A doorbell the model knows the fate of: some peer's real vector, one
 * past its last, 64 and beyond, a peer that left or never came. */
static void ring_random(GRand *r, const Model *m)
{
    g_autoptr(GArray) known = g_array_new(FALSE, FALSE, sizeof(guint16));
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, m->peers);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_array_append_val(known, ((guint16){ (guint16)GPOINTER_TO_UINT(key) }));
    guint16 peer = known->len > 0 && g_rand_int_range(r, 0, 4) != 0
                       ? g_array_index(known, guint16, g_rand_int_range(r, 0, (gint32)known->len))
                       : random_id(r);
    const ModelPeer *p = model_peer(m, peer);
    unsigned vector;
    switch (g_rand_int_range(r, 0, 8)) {
    case 0:
        vector = (unsigned)g_rand_int_range(r, IVSHMEM_MAX_VECTORS - 1, IVSHMEM_MAX_VECTORS + 2);
        break;
    case 1:
        vector = g_rand_boolean(r) ? 0xFFFF : g_rand_int(r);
        break;
    default:
        vector = (unsigned)g_rand_int_range(r, 0, p ? (gint32)p->n + 1 : 2);
        break;
    }
    IvshmemNotifyResult want = p == NULL         ? IVSHMEM_NOTIFY_NO_PEER
                               : vector >= p->n ? IVSHMEM_NOTIFY_NO_VECTOR
                                                : IVSHMEM_NOTIFY_OK;
    if (vector <= 0xFFFF && g_rand_boolean(r)) {
        ck_assert_int_eq(ivshmem_flat_class.write(dev, 0xC, (guint32)peer << 16 | vector, 4),
                         MMIO_OK);
    } else {
        IvshmemNotifyResult got = ivshmem_client_notify(client, peer, vector);
        SWEEP_ASSERT(got == want, "notify %u:%u gave %d, expected %d", peer, vector, got, want);
    }
    if (want != IVSHMEM_NOTIFY_OK)
        return;
    if (peer == m->own)
        own_kicked[vector] = true;
    else
        fake_fd(p->fd[vector])->kicks++;
}

/* After a pump: each eventfd got exactly the doorbells the model sent it
 * (own vectors were drained by the client: one pulse each). */
static void check_doorbells(void)
{
    SWEEP_ASSERT(pulses == owed_pulses, "%u pulses, expected %u", pulses, owed_pulses);
    pulses = owed_pulses = 0;
    for (guint i = 0; i < fake.fds->len; i++) {
        FakeFd *f = fake_fd(i);
        guint64 got = 0;
        if (f->kind != FD_EVENTFD)
            continue;
        if (read(f->fd, &got, sizeof(got)) != sizeof(got))
            got = 0;
        SWEEP_ASSERT(got == f->kicks, "eventfd %u rung %" G_GUINT64_FORMAT " times, expected %"
                     G_GUINT64_FORMAT, i, got, f->kicks);
        f->kicks = 0;
    }
}

static void ring_and_check(GRand *r, const Model *m, unsigned base, const char *when)
{
    for (int i = g_rand_int_range(r, 0, 8); i > 0; i--)
        ring_random(r, m);
    pump();
    check_doorbells();
    check_table(m);
    check_fds(base, m, when);
}

/* ---- later messages ---- */

static void later_items(GRand *r, GArray *items, const Model *m)
{
    for (int n = g_rand_int_range(r, 1, 7); n > 0; n--) {
        Item it = fd_item(random_id(r), FD_EVENTFD);
        switch (g_rand_int_range(r, 0, 12)) {
        case 0:
        case 1:
            add_vectors(items, g_rand_boolean(r) ? m->own : random_id(r),
                        (unsigned)g_rand_int_range(r, 1, 4));
            continue;
        case 2: /* a departure, of anyone, maybe with fds */
        case 3:
            it.nfds = (unsigned)g_rand_int_range(r, 0, 3);
            it.kind[0] = it.kind[1] = random_kind(r);
            break;
        case 4:
            it = msg_item(m->own);
            break;
        case 5:
            it.value = interesting_value(r, m->own);
            it.nfds = (unsigned)g_rand_int_range(r, 0, 2);
            break;
        case 6:
            it.kind[0] = random_kind(r);
            it.fd_at = (unsigned)g_rand_int_range(r, 0, 8);
            break;
        case 7:
            it = garbage_item(r);
            break;
        case 8:
            if (g_rand_int_range(r, 0, 8) == 0) /* 65 vectors */
                add_vectors(items, random_id(r), IVSHMEM_MAX_VECTORS + 1);
            continue;
        default:
            break;
        }
        g_array_append_val(items, it);
    }
}

/* Rounds of later messages, each written while doorbells ring, until an
 * EOF or the last round. */
static unsigned later_rounds(GRand *r, Model *m, unsigned base)
{
    unsigned rounds = 0;
    for (int left = g_rand_int_range(r, 0, 5); left > 0 && !m->gone; left--, rounds++) {
        g_autoptr(GArray) items = g_array_new(FALSE, FALSE, sizeof(Item));
        later_items(r, items, m);
        size_t cut = g_rand_int_range(r, 0, 6) == 0 ? (size_t)g_rand_int_range(r, 0, 64)
                                                    : G_MAXSIZE;
        g_autoptr(Stream) st = stream_build(r, items, m->have, cut,
                                            (unsigned)g_rand_int_range(r, 0, 4));
        st->eof = g_rand_int_range(r, 0, 6) == 0;
        stream_send(st);
        /* Rung before the client reads: the table of the last round. */
        for (int i = g_rand_int_range(r, 0, 4); i > 0; i--)
            ring_random(r, m);
        model_feed(m, st);
        pump();
        model_apply_all(m);
        ring_and_check(r, m, base, "later round");
    }
    return rounds;
}

/* ---- one iteration ---- */

typedef struct {
    unsigned accepted, refused, timed_out, slow, waited, rounds;
} Tally;

static void check_refusal(const GError *err, GreetPrediction p)
{
    SWEEP_ASSERT(err != NULL && g_error_matches(err, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE),
                 "refusal with the wrong error: %s", err ? err->message : "none");
    SWEEP_ASSERT(g_str_has_prefix(err->message, "ivshmem server sweep: ") &&
                     strchr(err->message, '\n') == NULL,
                 "refusal does not name the server on one line: %s", err->message);
    bool timed_out = strstr(err->message, "did not complete its greeting") != NULL;
    SWEEP_ASSERT(timed_out == (p.outcome == GREET_TIMES_OUT) || (timed_out && p.waits),
                 "%s (expected outcome %d)", err->message, p.outcome);
}

static void sweep_once(GRand *r, Tally *t)
{
    unsigned base = count_fds();
    fake_start();
    guint16 own;
    g_autoptr(GArray) items = valid_greeting(r, &own);
    for (int n = g_rand_int_range(r, -1, 4); n > 0; n--)
        mutate(r, items, own);
    size_t cut = g_rand_int_range(r, 0, 6) == 0 ? (size_t)g_rand_int_range(r, 0, 200) : G_MAXSIZE;
    g_autoptr(Stream) st =
        stream_build(r, items, 0, cut, (unsigned)g_rand_int_range(r, 0, 7));
    bool any_size = g_rand_int_range(r, 0, 4) == 0;
    IvshmemClientConfig cfg = { .shm_size = any_size ? 0 : SHM_SIZE, .context = ctx };

    /* Mostly without waiting: when the model says the client would wait
     * for more, the fake usually hangs up instead. */
    Model m;
    model_init(&m);
    model_feed(&m, st);
    Model probe;
    model_init(&probe);
    model_feed(&probe, st);
    GreetPrediction p = model_greeting(&probe, any_size);
    model_clear(&probe);
    if (p.waits && g_rand_int_range(r, 0, 30) != 0) {
        st->eof = true;
        m.gone = true;
        m.have = 0;
        m.pending_nfds = 0;
    }
    p = model_greeting(&m, any_size);
    cfg.greeting_timeout_ms = p.waits ? WAIT_LIMIT_MS : QUICK_LIMIT_MS;
    t->waited += p.waits;

    /* Sometimes written by a thread, with pauses, while the client reads:
     * unless it reads on alone, which ends at the first pause (a greeting
     * has no terminator), the outcome is the same. */
    GThread *writer = NULL;
    if (!p.reads_alone && g_rand_int_range(r, 0, 6) == 0) {
        for (guint i = 0; i < st->writes->len; i++) {
            Write *w = &g_array_index(st->writes, Write, i);
            w->pause = g_rand_int_range(r, 0, 4) == 0;
        }
        writer = g_thread_new("slow-server", stream_send_slowly, st);
        t->slow++;
    } else {
        stream_send(st);
    }
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();
    client = ivshmem_client_new_for_socket(fake.client_end, "sweep", &cfg, &err);
    gint64 ms = (g_get_monotonic_time() - start) / 1000;
    if (writer != NULL) {
        g_thread_join(writer);
        if (st->eof) {
            g_clear_object(&fake.server_end);
            fake.open--;
        }
    }
    SWEEP_ASSERT(ms < cfg.greeting_timeout_ms + 1000, "the greeting took %" G_GINT64_FORMAT
                 " ms", ms);
    if (client == NULL) {
        fake.open--; /* the client closed its end */
        bool timed_out = p.waits && err != NULL &&
                         strstr(err->message, "did not complete its greeting") != NULL;
        SWEEP_ASSERT(p.outcome != GREET_ACCEPTED || timed_out,
                     "a greeting the model accepts was refused: %s", err->message);
        check_refusal(err, p);
        t->refused += !timed_out;
        t->timed_out += timed_out;
        check_fds(base, &m, "after a refusal");
    } else {
        SWEEP_ASSERT(p.outcome == GREET_ACCEPTED, "a greeting the model refuses (%d) was accepted",
                     p.outcome);
        t->accepted++;
        dev = ivshmem_flat_new(client, defer, (IrqLine){ record_irq, NULL, 0 });
        pump();
        model_apply_all(&m);
        ring_and_check(r, &m, base, "after the greeting");
        t->rounds += later_rounds(r, &m, base);
        ivshmem_flat_class.destroy(dev);
        dev = NULL;
        defer_run(defer);
        ivshmem_client_free(client);
        client = NULL;
        fake.open--;
        check_fds(base, &m, "after the client was freed");
    }
    model_clear(&m);
    pulses = owed_pulses = 0;
    line_level = false;
    memset(own_kicked, 0, sizeof(own_kicked));
    fake_stop();
    SWEEP_ASSERT(count_fds() == base, "%u fds open at the end, expected %u", count_fds(), base);
}

START_TEST(test_no_server_input_crashes_leaks_or_misroutes_a_doorbell)
{
    sweep.seed = sweep_seed("ivshmem client sweep", 20250401);
    unsigned n = sweep_iterations(1500, 1200);
    GRand *r = g_rand_new_with_seed(sweep.seed);
    Tally t = { 0 };
    gint64 start = g_get_monotonic_time();
    FILE *saved = sweep_mute();
    for (sweep.iter = 0; sweep.iter < n; sweep.iter++)
        sweep_once(r, &t);
    sweep_unmute(saved);
    fprintf(stderr, "ivshmem client sweep: %u greetings in %.2f s: %u accepted, %u refused, "
            "%u timed out, %u waited, %u written slowly; %u rounds of later messages\n", n,
            (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC, t.accepted, t.refused,
            t.timed_out, t.waited, t.slow, t.rounds);
    g_rand_free(r);
}
END_TEST

/* ---- suite ---- */

static void setup(void)
{
    ctx = g_main_context_new();
    defer = defer_queue_new(NULL, NULL);
}

static void teardown(void)
{
    defer_queue_free(defer);
    g_main_context_unref(ctx);
}

static Suite *ivshmem_client_sweep_suite(void)
{
    Suite *s = suite_create("ivshmem_client_sweep");
    TCase *tc = tcase_create("no server input crashes, leaks or misroutes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 55);
    tcase_add_test(tc, test_no_server_input_crashes_leaks_or_misroutes_a_doorbell);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(ivshmem_client_sweep_suite());
}
