/* minivm-ivshmem-server: an ivshmem server with the options of QEMU's
 * contrib/ivshmem-server, on the server library (src/ivshmem/server.h). */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "client.h"
#include "errors.h"
#include "log.h"
#include "server.h"

#define PROG "minivm-ivshmem-server"
/* QEMU's server writes its pid here when it becomes a daemon without -p. */
#define QEMU_DEFAULT_PIDFILE "/var/run/ivshmem-server.pid"

typedef struct {
    IvshmemServerConfig cfg;
    char *socket_path;
    char *backend_arg; /* -M name or -m dir, whichever came last (as QEMU) */
    char backend;      /* 'M', 'm' or 'f' (--memfd) */
    char *size_text;
    gint vectors;
    char *mode_text;
    gboolean foreground;
    gboolean verbose;
    char *pidfile;
} Options;

static Options opt = { .backend = 'M', .vectors = IVSHMEM_DEFAULT_VECTORS };

static gboolean set_backend(const gchar *name, const gchar *value, gpointer data, GError **errp)
{
    g_free(opt.backend_arg);
    opt.backend_arg = g_strdup(value);
    opt.backend = g_str_equal(name, "--memfd") ? 'f'
                  : (g_str_equal(name, "-m") || g_str_equal(name, "--shm-dir")) ? 'm' : 'M';
    return TRUE;
}

static const GOptionEntry entries[] = {
    { "socket", 'S', 0, G_OPTION_ARG_FILENAME, &opt.socket_path,
      "UNIX socket to listen on (default " IVSHMEM_DEFAULT_SOCKET ")", "PATH" },
    { "shm-name", 'M', 0, G_OPTION_ARG_CALLBACK, set_backend,
      "POSIX shared memory object to use (default " IVSHMEM_DEFAULT_SHM_NAME ")", "NAME" },
    { "shm-dir", 'm', 0, G_OPTION_ARG_CALLBACK, set_backend,
      "create the shared memory as an unlinked file in DIR", "DIR" },
    { "memfd", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, set_backend,
      "use anonymous memory (memfd), no name anywhere", NULL },
    { "size", 'l', 0, G_OPTION_ARG_STRING, &opt.size_text,
      "shared memory size in bytes, suffixes K, M, G, T, P, E as QEMU takes them; rounded up to a power of two (default 4M)",
      "SIZE" },
    { "vectors", 'n', 0, G_OPTION_ARG_INT, &opt.vectors,
      "interrupt vectors per peer, 0 to 64 (default 1; 0: shared memory only, "
      "which minivm itself does not accept)", "N" },
    { "foreground", 'F', 0, G_OPTION_ARG_NONE, &opt.foreground,
      "stay in the foreground (default: become a daemon once listening)", NULL },
    { "pidfile", 'p', 0, G_OPTION_ARG_FILENAME, &opt.pidfile,
      "write the server's pid to FILE, removed on exit (default for a daemon: "
      QEMU_DEFAULT_PIDFILE " if it can be written)", "FILE" },
    { "socket-mode", 0, 0, G_OPTION_ARG_STRING, &opt.mode_text,
      "permission bits of the socket, octal (default 0600: owner only)", "MODE" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt.verbose,
      "report peers joining and leaving on stderr (needs -F)", NULL },
    { NULL },
};

static const char description[] =
    "Compatible with QEMU's contrib/ivshmem-server: same protocol, ids from 0\n"
    "upward, same options and defaults. Differences: --memfd and --socket-mode;\n"
    "the socket is owner-only unless --socket-mode says otherwise; a stale\n"
    "socket file is replaced but a live one is refused; -p also works in the\n"
    "foreground; a daemon that cannot write the default pid file warns and\n"
    "serves on; -n 0 serves shared memory only (minivm itself needs a vector).\n"
    "\n"
    "Exit status: 0 stopped by SIGINT/SIGTERM, 64 bad command line,\n"
    "69 cannot serve (socket in use, shared memory or socket cannot be made).\n";

static void options_clear(void)
{
    g_free(opt.socket_path);
    g_free(opt.backend_arg);
    g_free(opt.size_text);
    g_free(opt.mode_text);
    g_free(opt.pidfile);
}

/* QEMU's server reads its options with getopt(3) ("hvFp:S:m:M:l:n:"): a
 * value may be glued to its letter (-l4M, -S/tmp/sock) and letters may be
 * grouped, a value-taking one last (-Fv, -Fl 4M, -FS/tmp/sock). GOption
 * takes neither glued values nor value-taking letters in a group, so such
 * words are split first. Anything else is left for GOption to judge. */
static const char getopt_flags[] = "hvF";
static const char getopt_with_value[] = "pSmMln";

static bool is_getopt_group(const char *word)
{
    if (word[0] != '-' || word[1] == '-' || word[1] == '\0')
        return false;
    for (const char *c = word + 1; *c != '\0'; c++) {
        if (strchr(getopt_with_value, *c) != NULL)
            return true;
        if (strchr(getopt_flags, *c) == NULL)
            return false;
    }
    return true;
}

static char **split_getopt_words(int argc, char **argv)
{
    GPtrArray *out = g_ptr_array_new();
    g_ptr_array_add(out, g_strdup(argv[0]));
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        if (g_str_equal(w, "--")) {
            for (; i < argc; i++)
                g_ptr_array_add(out, g_strdup(argv[i]));
            break;
        }
        if (!is_getopt_group(w)) {
            g_ptr_array_add(out, g_strdup(w));
            continue;
        }
        for (const char *c = w + 1; *c != '\0'; c++) {
            g_ptr_array_add(out, g_strdup_printf("-%c", *c));
            if (strchr(getopt_with_value, *c) == NULL)
                continue;
            if (c[1] != '\0')
                g_ptr_array_add(out, g_strdup(c + 1));
            else if (i + 1 < argc)
                g_ptr_array_add(out, g_strdup(argv[++i])); /* the value, as it is */
            break;
        }
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

static bool parse_options(int argc, char **argv, GError **errp)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("- serve ivshmem shared memory and "
                                                         "interrupts to minivm and QEMU peers");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, description);
    g_auto(GStrv) words = split_getopt_words(argc, argv);
    if (!g_option_context_parse_strv(ctx, &words, errp))
        return false;
    const char *problem = NULL;
    if (g_strv_length(words) > 1)
        problem = "unexpected argument";
    else if (opt.vectors < 0 || opt.vectors > IVSHMEM_MAX_VECTORS)
        problem = "-n: vectors must be 0 to 64";
    else if (opt.verbose && !opt.foreground)
        problem = "-v needs -F (a daemon has no terminal to report on)";
    if (problem != NULL) {
        g_set_error(errp, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s", problem);
        return false;
    }
    return true;
}

/* Into a config; errors are MINIVM_EXIT_USAGE. */
static bool options_to_config(IvshmemServerConfig *cfg, GError **errp)
{
    cfg->socket_path = opt.socket_path;
    cfg->vectors = (unsigned)opt.vectors;
    cfg->no_vectors = opt.vectors == 0;
    cfg->memfd = opt.backend == 'f';
    if (opt.backend == 'm')
        cfg->shm_dir = opt.backend_arg;
    else if (opt.backend == 'M')
        cfg->shm_name = opt.backend_arg; /* NULL: the default name */
    if (opt.size_text != NULL && !ivshmem_parse_size(opt.size_text, &cfg->shm_size, errp))
        return false;
    if (opt.size_text != NULL && cfg->shm_size == 0) {
        g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_USAGE, "-l: the size must not be 0");
        return false;
    }
    if (opt.mode_text != NULL) {
        char *end = NULL;
        guint64 mode = g_ascii_strtoull(opt.mode_text, &end, 8);
        if (end == opt.mode_text || *end != '\0' || mode == 0 || mode > 0777) {
            g_set_error(errp, MINIVM_ERROR, MINIVM_EXIT_USAGE,
                        "--socket-mode: give octal permission bits such as 0660");
            return false;
        }
        cfg->socket_mode = (unsigned)mode;
    }
    return true;
}

/* Each peer costs the server one fd per vector plus its socket. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static gboolean quit_on_signal(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_CONTINUE;
}

/* As QEMU's server, a daemon without -p writes QEMU_DEFAULT_PIDFILE (so
 * scripts that read it work unchanged); unlike QEMU's, it serves on with a
 * warning when that is not writable (QEMU's exits, as any non-root user's
 * does). Sets opt.pidfile to the file written, if any. */
static bool write_pidfile(GError **errp)
{
    g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
    if (opt.pidfile == NULL && !opt.foreground) {
        g_autoptr(GError) err = NULL;
        if (g_file_set_contents(QEMU_DEFAULT_PIDFILE, text, -1, &err))
            opt.pidfile = g_strdup(QEMU_DEFAULT_PIDFILE);
        else
            fprintf(stderr, PROG ": warning: no pid file (%s); give one with -p\n",
                    err->message);
        return true;
    }
    if (opt.pidfile == NULL || g_file_set_contents(opt.pidfile, text, -1, errp))
        return true;
    g_prefix_error(errp, "cannot write pid file: ");
    return false;
}

static int fail(GError *err, int status)
{
    fprintf(stderr, PROG ": %s\n", err->message);
    g_error_free(err);
    return status;
}

/* As daemon(3), but the parent exits only once the child is ready (pid
 * file written), with the child's status: a script that starts the server
 * finds the socket and the pid file as soon as the command returns. The
 * socket already listens: whoever started us may connect at once. */
static int daemonize(void)
{
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0) {
        close(ready[1]);
        unsigned char status = MINIVM_EXIT_UNAVAILABLE; /* the child died */
        if (read(ready[0], &status, 1) != 1)
            status = MINIVM_EXIT_UNAVAILABLE;
        _exit(status); /* the socket and memory now belong to the child */
    }
    close(ready[0]);
    setsid();
    return ready[1];
}

static void daemon_ready(int ready_fd, unsigned char status)
{
    if (ready_fd < 0)
        return;
    if (status == 0) {
        int null = open("/dev/null", O_RDWR);
        for (int fd = 0; fd <= 2 && null >= 0; fd++)
            dup2(null, fd);
        if (null > 2)
            close(null);
    }
    if (write(ready_fd, &status, 1) != 1)
        status = 0; /* the parent is gone; nothing to tell */
    close(ready_fd);
}

static int serve(void)
{
    GError *err = NULL;
    int ready_fd = -1;
    if (!opt.foreground && (ready_fd = daemonize()) < 0) {
        fprintf(stderr, PROG ": cannot become a daemon: %s\n", g_strerror(errno));
        return MINIVM_EXIT_UNAVAILABLE;
    }
    /* After forking (GLib's signal handling starts a helper thread), but
     * before the pid file tells the world the server is up: a SIGTERM
     * sent as soon as it appears must stop the server cleanly. */
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    guint sigint = g_unix_signal_add(SIGINT, quit_on_signal, loop);
    guint sigterm = g_unix_signal_add(SIGTERM, quit_on_signal, loop);
    if (!write_pidfile(&err)) {
        daemon_ready(ready_fd, MINIVM_EXIT_UNAVAILABLE);
        g_source_remove(sigint);
        g_source_remove(sigterm);
        return fail(err, MINIVM_EXIT_UNAVAILABLE);
    }
    daemon_ready(ready_fd, 0);
    g_main_loop_run(loop);
    g_source_remove(sigint);
    g_source_remove(sigterm);
    if (opt.pidfile != NULL)
        g_unlink(opt.pidfile);
    return 0;
}

int main(int argc, char **argv)
{
    GError *err = NULL;
    if (!parse_options(argc, argv, &err)) {
        fprintf(stderr, PROG ": %s\nTry '" PROG " --help' for more information.\n",
                err->message);
        g_error_free(err);
        return MINIVM_EXIT_USAGE;
    }
    IvshmemServerConfig cfg = { 0 };
    if (!options_to_config(&cfg, &err))
        return fail(err, MINIVM_EXIT_USAGE);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    log_set_trace(opt.verbose);
    IvshmemServer *server = ivshmem_server_new(&cfg, NULL, &err);
    if (server == NULL) {
        int status = err->code;
        return fail(err, status);
    }
    if (opt.verbose)
        fprintf(stderr, PROG ": listening on %s, %" G_GUINT64_FORMAT " bytes, %d vectors\n",
                ivshmem_server_socket_path(server), ivshmem_server_shm_size(server),
                opt.vectors);
    int status = serve();
    ivshmem_server_free(server);
    options_clear();
    return status;
}
