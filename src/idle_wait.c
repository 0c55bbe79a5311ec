/* The CPU thread's idle wait (idle_wait.h). */
#include "idle_wait.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"

typedef struct {
    IdleFdReady ready;
    void *opaque;
} IdleFd;

struct IdleWait {
    int wake_fd;           /* eventfd written by idle_wait_wake */
    atomic_bool blocked;   /* the CPU thread is (about to be) in ppoll */
    GArray *pollfds;       /* struct pollfd: [0] wake_fd, then the devices' */
    GArray *handlers;      /* IdleFd, parallel to pollfds[1..] */
};

IdleWait *idle_wait_new(GError **error)
{
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_INTERNAL, "eventfd: %s",
                    g_strerror(errno));
        return NULL;
    }
    IdleWait *w = g_new0(IdleWait, 1);
    w->wake_fd = fd;
    w->pollfds = g_array_new(FALSE, FALSE, sizeof(struct pollfd));
    w->handlers = g_array_new(FALSE, FALSE, sizeof(IdleFd));
    struct pollfd p = { .fd = fd, .events = POLLIN };
    g_array_append_val(w->pollfds, p);
    return w;
}

void idle_wait_free(IdleWait *w)
{
    if (w == NULL)
        return;
    close(w->wake_fd);
    g_array_free(w->pollfds, TRUE);
    g_array_free(w->handlers, TRUE);
    g_free(w);
}

void idle_wait_wake(IdleWait *w)
{
    /* Pairs with the store of blocked before idle_wait's last look at
     * done(): either that look sees the caller's work, or this load sees
     * blocked and the write ends the ppoll. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load(&w->blocked)) {
        uint64_t one = 1;
        ssize_t n G_GNUC_UNUSED = write(w->wake_fd, &one, sizeof(one));
    }
}

void idle_wait_add_fd(IdleWait *w, int fd, IdleFdReady ready, void *opaque)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    IdleFd h = { ready, opaque };
    g_array_append_val(w->pollfds, p);
    g_array_append_val(w->handlers, h);
}

unsigned idle_wait_fd_count(const IdleWait *w)
{
    return w->handlers->len;
}

static uint64_t now_ns(void)
{
    return (uint64_t)g_get_monotonic_time() * 1000;
}

/* Runs the handlers of the readable device fds; true if any was. */
static bool dispatch(IdleWait *w)
{
    struct pollfd *p = (struct pollfd *)w->pollfds->data;
    bool any = false;
    for (guint i = 1; i < w->pollfds->len; i++) {
        if (p[i].revents == 0)
            continue;
        IdleFd *h = &g_array_index(w->handlers, IdleFd, i - 1);
        h->ready(h->opaque);
        any = true;
    }
    if (p[0].revents != 0) {
        uint64_t count;
        ssize_t n G_GNUC_UNUSED = read(w->wake_fd, &count, sizeof(count));
    }
    return any;
}

/* Busy phase: only the device fds need a system call to look at. */
static bool spin(IdleWait *w, IdleDone done, void *opaque, uint64_t until_ns)
{
    struct pollfd *p = (struct pollfd *)w->pollfds->data + 1;
    nfds_t n = w->pollfds->len - 1;
    do {
        if (done(opaque))
            return true;
        if (n > 0 && poll(p, n, 0) > 0) {
            ((struct pollfd *)w->pollfds->data)[0].revents = 0;
            dispatch(w);
            return true;
        }
    } while (now_ns() < until_ns);
    return false;
}

void idle_wait(IdleWait *w, IdleDone done, void *opaque, uint64_t deadline_ns,
               uint64_t spin_ns)
{
    uint64_t start = now_ns();
    if (spin_ns > 0) {
        uint64_t until = start + spin_ns;
        if (deadline_ns != 0 && deadline_ns < until)
            until = deadline_ns;
        if (spin(w, done, opaque, until))
            return;
    }
    atomic_store(&w->blocked, true);
    if (done(opaque)) {
        atomic_store(&w->blocked, false);
        return;
    }
    struct timespec ts, *timeout = NULL;
    if (deadline_ns != 0) {
        uint64_t now = now_ns();
        uint64_t left = deadline_ns > now ? deadline_ns - now : 0;
        ts.tv_sec = (time_t)(left / 1000000000u);
        ts.tv_nsec = (long)(left % 1000000000u);
        timeout = &ts;
    }
    int n = ppoll((struct pollfd *)w->pollfds->data, w->pollfds->len, timeout, NULL);
    atomic_store(&w->blocked, false);
    if (n > 0)
        dispatch(w);
}
