/* ivshmem-rtt: the doorbell round trip through a minivm guest, timed from
 * a host peer: ring the guest (firmware/ivshmem-bounce), whose interrupt
 * handler rings this peer right back; CLOCK_MONOTONIC from before the
 * eventfd write to the start of our interrupt handler. One doorbell is in
 * flight at a time. Prints min, median, p90, p99, p99.9 and max in µs.
 * Uses the client minivm itself uses (src/ivshmem/client.h), so the host
 * side costs what any GLib peer pays: poll() wake-up, eventfd read, dispatch.
 * --loopback rings our own id instead: that host-side floor alone.
 * Run by bench/ivshmem-rtt.sh. */
#include <glib.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "client.h"
#include "errors.h"

#define PROG "ivshmem-rtt"
/* firmware/ivshmem-bounce/ivshmem-bounce.c */
#define BOUNCE_QUIT 0x51554954u
typedef struct {
    volatile uint32_t reply_to, quit, bounces;
} BounceShm;

/* A round with no answer after this long is lost (the run fails). */
#define ROUND_TIMEOUT_MS 2000
/* The guest answers the first doorbell only once it enabled its interrupt:
 * ring every HANDSHAKE_MS until it does. */
#define HANDSHAKE_MS 20
#define SETTLE_MS 100

static struct {
    char *socket_path;
    char *size_text;
    gint rounds;
    gint warmup;
    gint peer;
    gboolean loopback;
    gdouble wait_s;
    char *raw_path;
} opt = { .rounds = 20000, .warmup = 1000, .peer = -1, .wait_s = 10 };

static const GOptionEntry entries[] = {
    { "socket", 'S', 0, G_OPTION_ARG_FILENAME, &opt.socket_path, "server socket", "PATH" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &opt.size_text,
      "expected shared memory size (default: the server's)", "SIZE" },
    { "rounds", 'n', 0, G_OPTION_ARG_INT, &opt.rounds, "timed round trips (default 20000)", "N" },
    { "warmup", 'w', 0, G_OPTION_ARG_INT, &opt.warmup, "untimed round trips first (default 1000)",
      "N" },
    { "peer", 'p', 0, G_OPTION_ARG_INT, &opt.peer,
      "the bouncing guest's peer id (default: the first other peer)", "ID" },
    { "loopback", 0, 0, G_OPTION_ARG_NONE, &opt.loopback,
      "ring our own id: the host side alone, no guest", NULL },
    { "wait", 0, 0, G_OPTION_ARG_DOUBLE, &opt.wait_s,
      "how long to wait for the guest to appear and answer (default 10 s)", "S" },
    { "raw", 0, 0, G_OPTION_ARG_FILENAME, &opt.raw_path,
      "also write every round trip (ns, in order) to FILE", "FILE" },
    { NULL },
};

static struct {
    GMainContext *ctx;
    IvshmemClient *client;
    uint16_t target;
    guint64 answers;  /* interrupts received */
    gint64 answer_ns; /* when the last one arrived */
    bool stalled;     /* set by watchdog() */
} bench;

static gint64 now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Runs on our context's thread (this one), inside g_main_context_iteration. */
static void on_interrupt(void *opaque, unsigned vector)
{
    bench.answer_ns = now_ns();
    bench.answers++;
}

static gboolean set_flag(gpointer flag)
{
    *(gboolean *)flag = TRUE;
    return G_SOURCE_REMOVE;
}

/* Iterates the context until done() or ms milliseconds passed. */
static bool run_until(bool (*done)(void), unsigned ms)
{
    gboolean expired = FALSE;
    GSource *timer = g_timeout_source_new(ms);
    g_source_set_callback(timer, set_flag, &expired, NULL);
    g_source_attach(timer, bench.ctx);
    while (!(done && done()) && !expired)
        g_main_context_iteration(bench.ctx, TRUE);
    g_source_destroy(timer);
    g_source_unref(timer);
    return done && done();
}

static bool has_peer(void)
{
    g_autoptr(GArray) ids = ivshmem_client_peers(bench.client);
    for (guint i = 0; i < ids->len; i++) {
        guint16 id = g_array_index(ids, guint16, i);
        if (opt.peer < 0 || id == opt.peer) {
            bench.target = id;
            return true;
        }
    }
    return false;
}

static guint64 answers_before;

static bool answered(void)
{
    return bench.answers != answers_before;
}

static bool ring(void)
{
    IvshmemNotifyResult r = ivshmem_client_notify(bench.client, bench.target, 0);
    if (r != IVSHMEM_NOTIFY_OK)
        fprintf(stderr, PROG ": cannot ring peer %u (%d)\n", bench.target, r);
    return r == IVSHMEM_NOTIFY_OK;
}

/* Until the guest answers once; then lets late answers to the extra
 * handshake doorbells arrive and be counted before timing starts. */
static bool handshake(void)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)(opt.wait_s * G_USEC_PER_SEC);
    answers_before = bench.answers;
    while (!answered()) {
        if (g_get_monotonic_time() > deadline || !ring())
            return false;
        run_until(answered, HANDSHAKE_MS);
    }
    run_until(NULL, SETTLE_MS);
    return true;
}

/* Every ROUND_TIMEOUT_MS while timing: no answer since the last time
 * means one was lost. One source for the whole run keeps the rounds free
 * of timer set-up. */
static gboolean watchdog(gpointer data)
{
    static guint64 last = G_MAXUINT64;
    if (bench.answers == last)
        bench.stalled = true;
    last = bench.answers;
    return G_SOURCE_CONTINUE;
}

/* One timed round trip in ns, or -1 if the answer did not come. */
static gint64 round_trip(void)
{
    answers_before = bench.answers;
    gint64 start = now_ns();
    if (!ring())
        return -1;
    while (!answered() && !bench.stalled)
        g_main_context_iteration(bench.ctx, TRUE);
    return answered() ? bench.answer_ns - start : -1;
}

static int compare_i64(const void *a, const void *b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples. */
static double percentile_us(const gint64 *sorted, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    return (double)sorted[rank > 0 ? rank - 1 : 0] / 1000.0;
}

static void report(gint64 *samples, size_t n)
{
    if (opt.raw_path != NULL) {
        FILE *f = fopen(opt.raw_path, "w");
        for (size_t i = 0; f != NULL && i < n; i++)
            fprintf(f, "%" PRId64 "\n", samples[i]);
        if (f == NULL || fclose(f) != 0)
            fprintf(stderr, PROG ": cannot write %s\n", opt.raw_path);
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)samples[i];
    qsort(samples, n, sizeof(*samples), compare_i64);
    printf("%-8s %9s %9s %9s %9s %9s %9s %9s\n", "us", "min", "median", "p90", "p99", "p99.9",
           "max", "mean");
    printf("%-8s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f\n", "rtt", samples[0] / 1000.0,
           percentile_us(samples, n, 50), percentile_us(samples, n, 90),
           percentile_us(samples, n, 99), percentile_us(samples, n, 99.9),
           samples[n - 1] / 1000.0, sum / (double)n / 1000.0);
}

static int run(GError **errp)
{
    guint64 size = 0;
    if (opt.size_text != NULL && !ivshmem_parse_size(opt.size_text, &size, errp))
        return MINIVM_EXIT_USAGE;
    bench.ctx = g_main_context_new();
    IvshmemClientConfig cfg = { .socket_path = opt.socket_path, .shm_size = size,
                                .context = bench.ctx };
    bench.client = ivshmem_client_connect(&cfg, errp);
    if (bench.client == NULL)
        return MINIVM_EXIT_UNAVAILABLE;
    ivshmem_client_set_interrupt_handler(bench.client, on_interrupt, NULL);
    uint16_t own = ivshmem_client_own_id(bench.client);
    BounceShm *shm = ivshmem_client_shm(bench.client);

    if (opt.loopback) {
        bench.target = own;
    } else if (!run_until(has_peer, (unsigned)(opt.wait_s * 1000))) {
        fprintf(stderr, PROG ": no guest peer joined within %g s\n", opt.wait_s);
        return MINIVM_EXIT_UNAVAILABLE;
    }
    shm->reply_to = own;
    shm->quit = 0;
    if (!handshake()) {
        fprintf(stderr, PROG ": peer %u does not bounce doorbells (is it running "
                "ivshmem-bounce?)\n", bench.target);
        return MINIVM_EXIT_UNAVAILABLE;
    }
    printf("doorbell round trip: peer %u -> %s -> peer %u, %d rounds after %d warm-up\n", own,
           opt.loopback ? "itself (loopback, no guest)" : "guest ISR", own, opt.rounds,
           opt.warmup);
    gint64 *samples = g_new(gint64, opt.rounds);
    int status = 0;
    GSource *dog = g_timeout_source_new(ROUND_TIMEOUT_MS);
    g_source_set_callback(dog, watchdog, NULL, NULL);
    g_source_attach(dog, bench.ctx);
    for (int i = -opt.warmup; i < opt.rounds; i++) {
        gint64 rtt = round_trip();
        if (rtt < 0) {
            fprintf(stderr, PROG ": round %d: no answer (lost doorbell?)\n", i);
            status = 1;
            break;
        }
        if (i >= 0)
            samples[i] = rtt;
    }
    g_source_destroy(dog);
    g_source_unref(dog);
    if (status == 0)
        report(samples, (size_t)opt.rounds);
    g_free(samples);
    if (!opt.loopback) {
        shm->quit = BOUNCE_QUIT;
        ring();
    }
    return status;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    g_autoptr(GOptionContext) octx = g_option_context_new("- time ivshmem doorbell round trips");
    g_option_context_add_main_entries(octx, entries, NULL);
    GError *err = NULL;
    int status;
    if (!g_option_context_parse(octx, &argc, &argv, &err)) {
        status = MINIVM_EXIT_USAGE;
    } else if (opt.rounds <= 0 || opt.warmup < 0 || opt.wait_s <= 0) {
        fprintf(stderr, PROG ": --rounds and --wait must be positive\n");
        status = MINIVM_EXIT_USAGE;
    } else {
        status = run(&err);
    }
    if (err != NULL)
        fprintf(stderr, PROG ": %s\n", err->message);
    g_clear_error(&err);
    ivshmem_client_free(bench.client);
    if (bench.ctx != NULL)
        g_main_context_unref(bench.ctx);
    return status;
}
