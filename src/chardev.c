/* Character backends: where a UART's TX bytes go and its RX bytes come
 * from (see chardev.h for the threading contract).
 *
 * Input path: the I/O thread watches the input fd and reads what is
 * available only when poll() says it is readable (the fd stays blocking:
 * stdin is shared with the parent shell, and O_NONBLOCK would leak to it).
 * Bytes are queued under a mutex; the CPU thread hands them to the
 * frontend in chardev_deliver(), or semihosting takes them one at a time
 * in chardev_read_byte_blocking().
 *
 * Output path: synchronous write() on the CPU thread until every byte is
 * out; a non-blocking output fd is waited for with poll(). */
#include "chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"

#define READ_CHUNK 4096
/* Bytes handed to the frontend per receive() call at most. */
#define DELIVER_CHUNK 64

struct CharDev {
    /* The I/O thread's watch holds a reference too, so a callback that is
     * running while the owner frees the chardev finishes safely. */
    gatomicrefcount refs;
    char *label; /* for messages */
    int in_fd;   /* -1: no input */
    int out_fd;  /* -1: output dropped */
    bool owns_out_fd;
    bool out_broken; /* EPIPE or a hard error: drop further output */

    CharFrontend fe; /* CPU thread only */
    bool has_fe;

    GMutex lock;
    GCond cond;      /* signalled when input is queued or ends */
    GByteArray *queue; /* input not yet consumed; guarded by lock */
    bool eof;          /* input ended; guarded by lock */
    void (*notify)(void *opaque); /* guarded by lock */
    void *notify_opaque;

    GSource *watch; /* our reference to the I/O thread's fd source */
};

static CharDev *chardev_alloc(const char *label, int in_fd, int out_fd)
{
    CharDev *cd = g_new0(CharDev, 1);
    g_atomic_ref_count_init(&cd->refs);
    cd->label = g_strdup(label);
    cd->in_fd = in_fd;
    cd->out_fd = out_fd;
    g_mutex_init(&cd->lock);
    g_cond_init(&cd->cond);
    cd->queue = g_byte_array_new();
    return cd;
}

static void chardev_unref(CharDev *cd)
{
    if (!g_atomic_ref_count_dec(&cd->refs))
        return;
    if (cd->owns_out_fd)
        close(cd->out_fd);
    g_byte_array_unref(cd->queue);
    g_cond_clear(&cd->cond);
    g_mutex_clear(&cd->lock);
    g_free(cd->label);
    g_free(cd);
}

/* Whether reading fd now could only ever report end of input: closed,
 * /dev/null, a regular file read to its end, or a pipe whose writers are
 * gone with nothing left in it. Such stdin is not an input source. */
static bool fd_at_eof(int fd)
{
    struct stat st, null_st;

    if (fcntl(fd, F_GETFD) < 0 || fstat(fd, &st) < 0)
        return true;
    if (S_ISCHR(st.st_mode) && stat("/dev/null", &null_st) == 0 &&
        st.st_rdev == null_st.st_rdev)
        return true;
    if (S_ISREG(st.st_mode)) {
        off_t pos = lseek(fd, 0, SEEK_CUR);
        return pos >= 0 && pos >= st.st_size;
    }
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP) && !(pfd.revents & POLLIN))
        return true;
    return false;
}

static CharDev *chardev_new_file(const char *path, GError **error)
{
    if (*path == '\0') {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_USAGE,
                    "character device 'file:' needs a path, e.g. file:uart0.log");
        return NULL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_NO_FILE,
                    "cannot open character device output file '%s': %s",
                    path, g_strerror(errno));
        return NULL;
    }
    g_autofree char *label = g_strdup_printf("file:%s", path);
    CharDev *cd = chardev_alloc(label, -1, fd);
    cd->owns_out_fd = true;
    return cd;
}

CharDev *chardev_new(const char *spec, GError **error)
{
    g_return_val_if_fail(spec != NULL, NULL);

    if (strcmp(spec, "null") == 0)
        return chardev_alloc("null", -1, -1);
    if (strcmp(spec, "stdio") == 0)
        return chardev_alloc("stdio", fd_at_eof(STDIN_FILENO) ? -1 : STDIN_FILENO,
                             STDOUT_FILENO);
    if (g_str_has_prefix(spec, "file:"))
        return chardev_new_file(spec + strlen("file:"), error);

    g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_USAGE,
                "unknown character device '%s' (valid kinds: null, stdio, file:PATH)",
                spec);
    return NULL;
}

CharDev *chardev_new_fds(int in_fd, int out_fd)
{
    g_autofree char *label = g_strdup_printf("fds:%d,%d", in_fd, out_fd);
    return chardev_alloc(label, in_fd, out_fd);
}

void chardev_free(CharDev *cd)
{
    if (cd == NULL)
        return;
    if (cd->watch != NULL) {
        /* Safe even if the context is already gone; the watch's own
         * reference is dropped once any running callback has returned. */
        g_source_destroy(cd->watch);
        g_source_unref(cd->watch);
        cd->watch = NULL;
    }
    chardev_unref(cd);
}

/* ---- output ---- */

static void chardev_write_failed(CharDev *cd, int err)
{
    cd->out_broken = true;
    /* A closed reader (e.g. `minivm ... | head`) is not worth a warning. */
    if (err != EPIPE)
        log_warning("chardev", "%s: output failed, dropping further output: %s",
                    cd->label, g_strerror(err));
}

void chardev_write(CharDev *cd, const uint8_t *buf, size_t len)
{
    if (cd == NULL || cd->out_fd < 0 || cd->out_broken)
        return;
    while (len > 0) {
        ssize_t n = write(cd->out_fd, buf, len);
        if (n >= 0) {
            buf += n;
            len -= (size_t)n;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            struct pollfd pfd = { .fd = cd->out_fd, .events = POLLOUT };
            poll(&pfd, 1, -1);
        } else if (errno != EINTR) {
            chardev_write_failed(cd, errno);
            return;
        }
    }
}

/* ---- input ---- */

void chardev_set_frontend(CharDev *cd, const CharFrontend *fe)
{
    if (cd == NULL)
        return;
    cd->has_fe = fe != NULL;
    if (fe != NULL)
        cd->fe = *fe;
    else
        memset(&cd->fe, 0, sizeof(cd->fe));
}

void chardev_set_input_notify(CharDev *cd, void (*fn)(void *opaque), void *opaque)
{
    if (cd == NULL)
        return;
    g_mutex_lock(&cd->lock);
    cd->notify = fn;
    cd->notify_opaque = opaque;
    g_mutex_unlock(&cd->lock);
}

/* Call with cd->lock held; releases it, then tells the machine. */
static void chardev_unlock_and_notify(CharDev *cd)
{
    void (*fn)(void *) = cd->notify;
    void *opaque = cd->notify_opaque;

    g_cond_broadcast(&cd->cond);
    g_mutex_unlock(&cd->lock);
    if (fn != NULL)
        fn(opaque);
}

void chardev_push_input(CharDev *cd, const uint8_t *buf, size_t len)
{
    if (cd == NULL || len == 0)
        return;
    g_mutex_lock(&cd->lock);
    g_byte_array_append(cd->queue, buf, (guint)len);
    chardev_unlock_and_notify(cd);
}

static void chardev_set_eof(CharDev *cd)
{
    g_mutex_lock(&cd->lock);
    cd->eof = true;
    chardev_unlock_and_notify(cd);
}

/* I/O thread: the input fd is readable (or hung up). One read() of what
 * is there, so a blocking fd never blocks the loop. */
static gboolean chardev_fd_readable(gint fd, GIOCondition cond, gpointer data)
{
    CharDev *cd = data;
    uint8_t buf[READ_CHUNK];
    ssize_t n;

    if (!(cond & G_IO_IN) && (cond & (G_IO_HUP | G_IO_ERR | G_IO_NVAL))) {
        chardev_set_eof(cd);
        return G_SOURCE_REMOVE;
    }
    do {
        n = read(fd, buf, sizeof(buf));
    } while (n < 0 && errno == EINTR);

    if (n > 0) {
        chardev_push_input(cd, buf, (size_t)n);
        return G_SOURCE_CONTINUE;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return G_SOURCE_CONTINUE;
    if (n < 0)
        log_warning("chardev", "%s: reading input failed, input ends: %s",
                    cd->label, g_strerror(errno));
    chardev_set_eof(cd);
    return G_SOURCE_REMOVE;
}

static void chardev_watch_released(gpointer data)
{
    chardev_unref(data);
}

void chardev_attach(CharDev *cd, GMainContext *context)
{
    if (cd == NULL || cd->in_fd < 0 || cd->watch != NULL)
        return;
    cd->watch = g_unix_fd_source_new(cd->in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_atomic_ref_count_inc(&cd->refs);
    g_source_set_callback(cd->watch, G_SOURCE_FUNC(chardev_fd_readable), cd,
                          chardev_watch_released);
    g_source_attach(cd->watch, context);
}

/* Takes up to max queued bytes into buf; returns how many. */
static size_t chardev_take(CharDev *cd, uint8_t *buf, size_t max)
{
    g_mutex_lock(&cd->lock);
    size_t n = MIN(max, (size_t)cd->queue->len);
    if (n > 0) {
        memcpy(buf, cd->queue->data, n);
        g_byte_array_remove_range(cd->queue, 0, (guint)n);
    }
    g_mutex_unlock(&cd->lock);
    return n;
}

static size_t chardev_queued(CharDev *cd)
{
    g_mutex_lock(&cd->lock);
    size_t n = cd->queue->len;
    g_mutex_unlock(&cd->lock);
    return n;
}

void chardev_deliver(CharDev *cd)
{
    if (cd == NULL || !cd->has_fe)
        return;
    /* The lock is not held across receive(): the frontend may raise
     * interrupts and run arbitrary device code. */
    while (chardev_queued(cd) > 0) {
        size_t room = cd->fe.can_receive(cd->fe.opaque);
        if (room == 0)
            return;
        uint8_t buf[DELIVER_CHUNK];
        size_t n = chardev_take(cd, buf, MIN(room, sizeof(buf)));
        if (n == 0)
            return;
        cd->fe.receive(cd->fe.opaque, buf, n);
    }
}

/* Never attached: nobody else reads the fd, so read it directly. */
static int chardev_read_fd_byte(CharDev *cd)
{
    uint8_t byte;
    ssize_t n;

    for (;;) {
        n = read(cd->in_fd, &byte, 1);
        if (n == 1)
            return byte;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = { .fd = cd->in_fd, .events = POLLIN };
            poll(&pfd, 1, -1);
            continue;
        }
        return -1;
    }
}

int chardev_read_byte_blocking(CharDev *cd)
{
    if (cd == NULL)
        return -1;
    g_mutex_lock(&cd->lock);
    bool attached = cd->watch != NULL;
    while (cd->queue->len == 0 && attached && !cd->eof)
        g_cond_wait(&cd->cond, &cd->lock);
    int byte = -1;
    if (cd->queue->len > 0) {
        byte = cd->queue->data[0];
        g_byte_array_remove_index(cd->queue, 0);
    }
    g_mutex_unlock(&cd->lock);

    if (byte < 0 && !attached && cd->in_fd >= 0) {
        byte = chardev_read_fd_byte(cd);
        if (byte < 0)
            chardev_set_eof(cd);
    }
    return byte;
}

gboolean chardev_has_input(const CharDev *cd)
{
    if (cd == NULL || cd->in_fd < 0)
        return FALSE;
    CharDev *mut = (CharDev *)cd; /* the lock is not part of the value */
    g_mutex_lock(&mut->lock);
    bool eof = mut->eof;
    g_mutex_unlock(&mut->lock);
    return !eof;
}

int chardev_input_fd(const CharDev *cd)
{
    return cd != NULL ? cd->in_fd : -1;
}
