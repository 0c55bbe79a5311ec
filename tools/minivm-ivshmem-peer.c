/* minivm-ivshmem-peer: a host-side ivshmem peer for scripts and tests, on
 * the same client as minivm's device (src/ivshmem/client.h). It connects,
 * then runs its actions in command-line order. */
#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "errors.h"
#include "log.h"

#define PROG "minivm-ivshmem-peer"
#define DUMP_LINE 16

typedef enum { ACT_LIST, ACT_WAIT_PEER, ACT_NOTIFY, ACT_WAIT_IRQ, ACT_WRITE, ACT_READ, ACT_DUMP } ActionKind;

typedef struct {
    ActionKind kind;
    char *arg; /* NULL when none */
} Action;

typedef struct {
    GArray *actions; /* Action, in command-line order */
    char *socket_path;
    char *size_text;
    double timeout;  /* seconds for each wait; 0 waits for ever */
    gboolean verbose;
    IvshmemClient *client;
    GQueue irqs;     /* vectors that fired, not yet waited for (vector + 1) */
    bool expired;
} Peer;

static Peer peer;

/* ---- command line ---- */

static const struct {
    const char *name;
    ActionKind kind;
} action_names[] = {
    { "--list", ACT_LIST },         { "--wait-peer", ACT_WAIT_PEER }, { "--notify", ACT_NOTIFY },
    { "--wait-irq", ACT_WAIT_IRQ }, { "--write", ACT_WRITE },         { "--read", ACT_READ },
    { "--dump", ACT_DUMP },
};

static gboolean add_action(const gchar *name, const gchar *value, gpointer data, GError **errp)
{
    for (size_t i = 0; i < G_N_ELEMENTS(action_names); i++) {
        if (g_str_equal(name, action_names[i].name)) {
            Action a = { action_names[i].kind, g_strdup(value) };
            g_array_append_val(peer.actions, a);
            return TRUE;
        }
    }
    g_set_error(errp, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION, "unknown action %s", name);
    return FALSE;
}

static const GOptionEntry entries[] = {
    { "socket", 'S', 0, G_OPTION_ARG_FILENAME, &peer.socket_path,
      "server socket (default " IVSHMEM_DEFAULT_SOCKET ")", "PATH" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &peer.size_text,
      "expected shared memory size, suffixes K, M, G, T (as QEMU -l); 0 takes the server's (default 4M)",
      "SIZE" },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &peer.timeout,
      "give up each wait after S seconds (default: wait for ever)", "S" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &peer.verbose, "trace protocol events on stderr",
      NULL },
    { "list", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, add_action,
      "print 'own ID vectors N size BYTES', then 'peer ID vectors N' for each peer", NULL },
    { "wait-peer", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, add_action,
      "wait until peer ID (or any other peer) is there with all its vectors; print "
      "'peer ID'", "[ID]" },
    { "notify", 0, 0, G_OPTION_ARG_CALLBACK, add_action,
      "ring vector VECTOR (default 0) of peer PEER", "PEER[:VECTOR]" },
    { "wait-irq", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, add_action,
      "wait for an interrupt from a peer; print 'irq VECTOR'", NULL },
    { "write", 0, 0, G_OPTION_ARG_CALLBACK, add_action,
      "write bytes (hex digits, or the contents of a file) at OFFSET", "OFFSET HEX|@FILE" },
    { "read", 0, 0, G_OPTION_ARG_CALLBACK, add_action,
      "print LEN bytes from OFFSET in hex", "OFFSET LEN" },
    { "dump", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, add_action,
      "print all the shared memory as a hex dump ('*' for repeated lines)", NULL },
    { NULL },
};

static const char description[] =
    "Actions run in the order given; without any, --list. --write and --read\n"
    "take two words (--write 0x10 deadbeef). Numbers may be decimal or\n"
    "0x-prefixed hex.\n"
    "\n"
    "Exit status:\n"
    "  0    every action succeeded\n"
    "  64   bad command line, or an offset/length outside the shared memory\n"
    "  66   the file given to --write @FILE cannot be read\n"
    "  69   no server, a protocol error, the server went away during a wait,\n"
    "       or --notify named a peer or vector that does not exist\n"
    "  124  a wait reached --timeout\n";

/* GOption takes one value per option: fold "--write A B" and "--read A B"
 * into "--write" "A B" before it parses. */
static char **fold_two_value_options(int argc, char **argv)
{
    GPtrArray *out = g_ptr_array_new();
    for (int i = 0; i < argc; i++) {
        bool two = (g_str_equal(argv[i], "--write") || g_str_equal(argv[i], "--read")) &&
                   i + 2 < argc;
        g_ptr_array_add(out, g_strdup(argv[i]));
        if (g_str_equal(argv[i], "--")) {
            for (i++; i < argc; i++)
                g_ptr_array_add(out, g_strdup(argv[i]));
            break;
        }
        if (two) {
            g_ptr_array_add(out, g_strdup_printf("%s %s", argv[i + 1], argv[i + 2]));
            i += 2;
        }
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

static bool parse_options(char **args, GError **errp)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("- an ivshmem peer on the host");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, description);
    if (!g_option_context_parse_strv(ctx, &args, errp))
        return false;
    if (args[1] != NULL) {
        g_set_error(errp, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "unexpected argument '%s'",
                    args[1]);
        return false;
    }
    if (peer.timeout < 0) {
        g_set_error(errp, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--timeout must not be negative");
        return false;
    }
    return true;
}

/* ---- helpers for actions ---- */

static bool usage_error(GError **errp, const char *fmt, const char *what)
{
    g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_USAGE, fmt, what);
    return false;
}

static bool parse_number(const char *text, guint64 max, const char *what, guint64 *out,
                         GError **errp)
{
    char *end = NULL;
    errno = 0;
    guint64 n = g_ascii_strtoull(text, &end, 0);
    if (text[0] == '\0' || !g_ascii_isdigit(text[0]) || *end != '\0' || errno != 0 || n > max)
        return usage_error(errp, "invalid %s", what);
    *out = n;
    return true;
}

/* "A B" (folded by fold_two_value_options) into its two halves. */
static bool split_pair(const char *arg, const char *option, char **first, char **second,
                       GError **errp)
{
    const char *space = arg ? strchr(arg, ' ') : NULL;
    if (space == NULL)
        return usage_error(errp, "%s needs two values", option);
    *first = g_strndup(arg, (gsize)(space - arg));
    *second = g_strdup(space + 1);
    return true;
}

static bool check_range(guint64 offset, guint64 len, GError **errp)
{
    size_t size = ivshmem_client_shm_size(peer.client);
    if (offset > size || len > size - offset) {
        g_autofree char *what = g_strdup_printf("%zu", size);
        return usage_error(errp, "range beyond the shared memory (%s bytes)", what);
    }
    return true;
}

static void on_interrupt(void *opaque, unsigned vector)
{
    g_queue_push_tail(&peer.irqs, GUINT_TO_POINTER(vector + 1));
}

static gboolean on_timeout(gpointer data)
{
    peer.expired = true;
    return G_SOURCE_REMOVE;
}

/* Runs the client's sources until done() or --timeout. */
static bool wait_for(bool (*done)(const char *arg), const char *arg, bool needs_server,
                     const char *what, GError **errp)
{
    GSource *timer = NULL;
    peer.expired = false;
    if (peer.timeout > 0) {
        timer = g_timeout_source_new((guint)(peer.timeout * 1000));
        g_source_set_callback(timer, on_timeout, NULL, NULL);
        g_source_attach(timer, NULL);
    }
    bool ok = true;
    while (ok && !done(arg)) {
        if (peer.expired) {
            g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_TIMEOUT, "timed out waiting for %s", what);
            ok = false;
        } else if (needs_server && ivshmem_client_server_gone(peer.client)) {
            g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE,
                        "the server went away while waiting for %s", what);
            ok = false;
        } else {
            g_main_context_iteration(NULL, TRUE);
        }
    }
    if (timer != NULL) {
        g_source_destroy(timer);
        g_source_unref(timer);
    }
    return ok;
}

/* ---- actions ---- */

static bool do_list(const char *arg, GError **errp)
{
    uint16_t own = ivshmem_client_own_id(peer.client);
    printf("own %u vectors %u size %zu\n", own, ivshmem_client_peer_vectors(peer.client, own),
           ivshmem_client_shm_size(peer.client));
    g_autoptr(GArray) ids = ivshmem_client_peers(peer.client);
    for (guint i = 0; i < ids->len; i++) {
        guint16 id = g_array_index(ids, guint16, i);
        printf("peer %u vectors %u\n", id, ivshmem_client_peer_vectors(peer.client, id));
    }
    return true;
}

/* A peer is there once it has as many vectors as we do (the server gives
 * every peer the same number). */
static bool peer_complete(guint16 id)
{
    uint16_t own = ivshmem_client_own_id(peer.client);
    return id != own &&
           ivshmem_client_peer_vectors(peer.client, id) >= ivshmem_client_peer_vectors(peer.client, own);
}

static int found_peer = -1;

static bool peer_arrived(const char *arg)
{
    if (arg != NULL) {
        found_peer = (int)g_ascii_strtoull(arg, NULL, 0);
        return peer_complete((guint16)found_peer);
    }
    g_autoptr(GArray) ids = ivshmem_client_peers(peer.client);
    for (guint i = 0; i < ids->len; i++) {
        found_peer = g_array_index(ids, guint16, i);
        if (peer_complete((guint16)found_peer))
            return true;
    }
    return false;
}

static bool do_wait_peer(const char *arg, GError **errp)
{
    guint64 id;
    if (arg != NULL && !parse_number(arg, IVSHMEM_MAX_PEER_ID, "peer id for --wait-peer", &id, errp))
        return false;
    g_autofree char *what = arg ? g_strdup_printf("peer %s", arg) : g_strdup("a peer");
    if (!wait_for(peer_arrived, arg, true, what, errp))
        return false;
    printf("peer %d\n", found_peer);
    return true;
}

static bool do_notify(const char *arg, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(arg, ":", 2);
    guint64 id, vector = 0;
    if (!parse_number(parts[0], IVSHMEM_MAX_PEER_ID, "peer id for --notify", &id, errp) ||
        (parts[1] != NULL && !parse_number(parts[1], G_MAXUINT16, "vector for --notify", &vector, errp)))
        return false;
    const char *why = NULL;
    switch (ivshmem_client_notify(peer.client, (uint16_t)id, (unsigned)vector)) {
    case IVSHMEM_NOTIFY_OK: return true;
    case IVSHMEM_NOTIFY_NO_PEER: why = "there is no such peer"; break;
    case IVSHMEM_NOTIFY_NO_VECTOR: why = "the peer has no such vector"; break;
    case IVSHMEM_NOTIFY_FAILED: why = g_strerror(errno); break;
    }
    g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE, "cannot notify peer %u vector %u: %s",
                (unsigned)id, (unsigned)vector, why);
    return false;
}

static bool irq_pending(const char *arg)
{
    return !g_queue_is_empty(&peer.irqs);
}

static bool do_wait_irq(const char *arg, GError **errp)
{
    if (!wait_for(irq_pending, NULL, false, "an interrupt", errp))
        return false;
    printf("irq %u\n", GPOINTER_TO_UINT(g_queue_pop_head(&peer.irqs)) - 1);
    return true;
}

static GBytes *write_data(const char *spec, GError **errp)
{
    if (spec[0] == '@') {
        char *text = NULL;
        gsize len = 0;
        if (!g_file_get_contents(spec + 1, &text, &len, NULL)) {
            g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_NO_FILE, "cannot read %s", spec + 1);
            return NULL;
        }
        return g_bytes_new_take(text, len);
    }
    if (g_str_has_prefix(spec, "0x"))
        spec += 2;
    size_t n = strlen(spec);
    if (n % 2 != 0) {
        usage_error(errp, "--write: '%s' is not an even number of hex digits", spec);
        return NULL;
    }
    GByteArray *bytes = g_byte_array_sized_new((guint)(n / 2));
    for (size_t i = 0; i < n; i += 2) {
        int hi = g_ascii_xdigit_value(spec[i]), lo = g_ascii_xdigit_value(spec[i + 1]);
        if (hi < 0 || lo < 0) {
            g_byte_array_unref(bytes);
            usage_error(errp, "--write: '%s' is not hex", spec);
            return NULL;
        }
        guint8 b = (guint8)(hi << 4 | lo);
        g_byte_array_append(bytes, &b, 1);
    }
    return g_byte_array_free_to_bytes(bytes);
}

static bool do_write(const char *arg, GError **errp)
{
    g_autofree char *off_text = NULL, *spec = NULL;
    guint64 offset;
    if (!split_pair(arg, "--write", &off_text, &spec, errp) ||
        !parse_number(off_text, G_MAXUINT64, "offset for --write", &offset, errp))
        return false;
    g_autoptr(GBytes) data = write_data(spec, errp);
    gsize len = 0;
    const guint8 *bytes = data ? g_bytes_get_data(data, &len) : NULL;
    if (data == NULL || !check_range(offset, len, errp))
        return false;
    memcpy((guint8 *)ivshmem_client_shm(peer.client) + offset, bytes, len);
    return true;
}

static bool do_read(const char *arg, GError **errp)
{
    g_autofree char *off_text = NULL, *len_text = NULL;
    guint64 offset, len;
    if (!split_pair(arg, "--read", &off_text, &len_text, errp) ||
        !parse_number(off_text, G_MAXUINT64, "offset for --read", &offset, errp) ||
        !parse_number(len_text, G_MAXUINT64, "length for --read", &len, errp) ||
        !check_range(offset, len, errp))
        return false;
    const guint8 *p = (const guint8 *)ivshmem_client_shm(peer.client) + offset;
    for (guint64 i = 0; i < len; i++)
        printf("%02x", p[i]);
    printf("\n");
    return true;
}

static void dump_line(const guint8 *p, size_t offset, size_t n)
{
    printf("%08zx ", offset);
    for (size_t i = 0; i < DUMP_LINE; i++)
        printf(i < n ? " %02x" : "   ", p[i]);
    printf("  |");
    for (size_t i = 0; i < n; i++)
        putchar(g_ascii_isprint(p[i]) ? p[i] : '.');
    printf("|\n");
}

static bool do_dump(const char *arg, GError **errp)
{
    const guint8 *base = ivshmem_client_shm(peer.client);
    size_t size = ivshmem_client_shm_size(peer.client);
    bool starred = false;
    for (size_t off = 0; off < size; off += DUMP_LINE) {
        size_t n = MIN((size_t)DUMP_LINE, size - off);
        bool same = off > 0 && n == DUMP_LINE && memcmp(base + off, base + off - DUMP_LINE, n) == 0;
        if (same) {
            if (!starred)
                printf("*\n");
            starred = true;
            continue;
        }
        starred = false;
        dump_line(base + off, off, n);
    }
    printf("%08zx\n", size);
    return true;
}

static bool (*const action_fns[])(const char *, GError **) = {
    [ACT_LIST] = do_list,   [ACT_WAIT_PEER] = do_wait_peer, [ACT_NOTIFY] = do_notify,
    [ACT_WAIT_IRQ] = do_wait_irq, [ACT_WRITE] = do_write,   [ACT_READ] = do_read,
    [ACT_DUMP] = do_dump,
};

/* ---- main ---- */

static bool peer_connect(GError **errp)
{
    guint64 size = IVSHMEM_DEFAULT_SIZE;
    if (peer.size_text != NULL && !ivshmem_parse_size(peer.size_text, &size, errp))
        return false;
    IvshmemClientConfig cfg = { .socket_path = peer.socket_path, .shm_size = (size_t)size };
    peer.client = ivshmem_client_connect(&cfg, errp);
    if (peer.client == NULL)
        return false;
    ivshmem_client_set_interrupt_handler(peer.client, on_interrupt, NULL);
    return true;
}

static int run(GError **errp)
{
    if (!peer_connect(errp))
        return (*errp)->code;
    if (peer.actions->len == 0)
        add_action("--list", NULL, NULL, NULL);
    for (guint i = 0; i < peer.actions->len; i++) {
        Action *a = &g_array_index(peer.actions, Action, i);
        bool ok = action_fns[a->kind](a->arg, errp);
        fflush(stdout);
        if (!ok)
            return (*errp)->code;
    }
    return 0;
}

static void clear_action(gpointer data)
{
    g_free(((Action *)data)->arg);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    peer.actions = g_array_new(FALSE, FALSE, sizeof(Action));
    g_array_set_clear_func(peer.actions, clear_action);
    g_auto(GStrv) args = fold_two_value_options(argc, argv);
    GError *err = NULL;
    int status;
    if (!parse_options(args, &err)) {
        fprintf(stderr, PROG ": %s\nTry '" PROG " --help' for more information.\n", err->message);
        status = MINIVM_EXIT_USAGE;
    } else {
        log_set_trace(peer.verbose);
        status = run(&err);
        if (err != NULL)
            fprintf(stderr, PROG ": %s\n", err->message);
    }
    g_clear_error(&err);
    ivshmem_client_free(peer.client);
    g_array_unref(peer.actions);
    g_queue_clear(&peer.irqs);
    g_free(peer.socket_path);
    g_free(peer.size_text);
    return status;
}
