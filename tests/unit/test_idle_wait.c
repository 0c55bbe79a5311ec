/* The CPU thread's idle wait: a wake from another thread is never lost
 * (with and without the busy-poll phase), a readable device fd runs its
 * handler on the waiting thread, and a deadline ends the wait no earlier
 * than asked. Real threads and real eventfds. */
#include <check.h>
#include <glib.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "idle_wait.h"
#include "unit_main.h"

typedef struct {
    IdleWait *w;
    atomic_uint posted;   /* work items made visible to done() */
    atomic_uint taken;    /* work items the waiter consumed */
    unsigned rounds;
} PingPong;

static bool work_posted(void *opaque)
{
    PingPong *p = opaque;
    return atomic_load(&p->posted) != atomic_load(&p->taken);
}

/* Posts one item at a time, each once the waiter took the previous one,
 * so that many posts land exactly while the waiter goes to sleep. */
static gpointer poster(gpointer data)
{
    PingPong *p = data;
    for (unsigned i = 1; i <= p->rounds; i++) {
        while (atomic_load(&p->taken) != i - 1)
            g_thread_yield();
        atomic_store(&p->posted, i);
        idle_wait_wake(p->w);
    }
    return NULL;
}

static void ping_pong(uint64_t spin_ns, unsigned rounds)
{
    GError *error = NULL;
    PingPong p = { .w = idle_wait_new(&error), .rounds = rounds };
    ck_assert_ptr_nonnull(p.w);
    GThread *t = g_thread_new("poster", poster, &p);
    for (unsigned i = 1; i <= rounds; i++) {
        /* no deadline: a lost wake-up hangs here and the test times out */
        while (!work_posted(&p))
            idle_wait(p.w, work_posted, &p, 0, spin_ns);
        ck_assert_uint_eq(atomic_load(&p.posted), i);
        atomic_store(&p.taken, i);
    }
    g_thread_join(t);
    idle_wait_free(p.w);
}

START_TEST(wakes_from_another_thread_are_never_lost_when_blocking)
{
    ping_pong(0, 20000);
}
END_TEST

START_TEST(wakes_from_another_thread_are_never_lost_when_polling)
{
    ping_pong(20000, 20000);
}
END_TEST

typedef struct {
    int fd;
    unsigned calls;
    GThread *thread; /* where the handler ran */
    uint64_t drained;
} FdProbe;

static void drain(void *opaque)
{
    FdProbe *f = opaque;
    f->calls++;
    f->thread = g_thread_self();
    uint64_t count;
    if (read(f->fd, &count, sizeof(count)) == sizeof(count))
        f->drained += count;
}

static bool never(void *opaque)
{
    (void)opaque;
    return false;
}

static gpointer ring_later(gpointer data)
{
    FdProbe *f = data;
    g_usleep(2000);
    uint64_t one = 1;
    ck_assert_int_eq(write(f->fd, &one, sizeof(one)), sizeof(one));
    return NULL;
}

static void device_fd_wakes_the_waiter(uint64_t spin_ns)
{
    IdleWait *w = idle_wait_new(NULL);
    FdProbe a = { .fd = eventfd(0, EFD_NONBLOCK) }, b = { .fd = eventfd(0, EFD_NONBLOCK) };
    idle_wait_add_fd(w, a.fd, drain, &a);
    idle_wait_add_fd(w, b.fd, drain, &b);
    ck_assert_uint_eq(idle_wait_fd_count(w), 2);

    GThread *t = g_thread_new("ring", ring_later, &b);
    idle_wait(w, never, NULL, 0, spin_ns); /* only the fd can end it */
    g_thread_join(t);
    ck_assert_uint_eq(b.calls, 1);
    ck_assert_uint_eq(b.drained, 1);
    ck_assert_ptr_eq(b.thread, g_thread_self());
    ck_assert_uint_eq(a.calls, 0);

    /* already readable: handled without blocking */
    uint64_t three = 3;
    ck_assert_int_eq(write(a.fd, &three, sizeof(three)), sizeof(three));
    idle_wait(w, never, NULL, 0, spin_ns);
    ck_assert_uint_eq(a.calls, 1);
    ck_assert_uint_eq(a.drained, 3);
    idle_wait_free(w);
    close(a.fd);
    close(b.fd);
}

START_TEST(a_readable_device_fd_runs_its_handler_on_the_waiting_thread)
{
    device_fd_wakes_the_waiter(0);
}
END_TEST

START_TEST(a_readable_device_fd_is_seen_while_polling)
{
    device_fd_wakes_the_waiter(50 * 1000 * 1000);
}
END_TEST

START_TEST(a_deadline_ends_the_wait_not_before_it)
{
    IdleWait *w = idle_wait_new(NULL);
    for (int spin = 0; spin < 2; spin++) {
        uint64_t start = (uint64_t)g_get_monotonic_time() * 1000;
        uint64_t deadline = start + 3 * 1000 * 1000;
        idle_wait(w, never, NULL, deadline, spin ? 10 * 1000 * 1000 : 0);
        ck_assert_uint_ge((uint64_t)g_get_monotonic_time() * 1000 + 1000, deadline);
    }
    idle_wait_free(w);
}
END_TEST

START_TEST(done_ends_the_wait_at_once)
{
    IdleWait *w = idle_wait_new(NULL);
    PingPong p = { .w = w };
    atomic_store(&p.posted, 1);
    idle_wait(w, work_posted, &p, 0, 0); /* would block for ever otherwise */
    idle_wait(w, work_posted, &p, 0, 1000 * 1000);
    /* a wake with nobody waiting leaves nothing that breaks a later wait */
    idle_wait_wake(w);
    idle_wait(w, work_posted, &p, 0, 0);
    idle_wait_free(w);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("idle_wait");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, wakes_from_another_thread_are_never_lost_when_blocking);
    tcase_add_test(tc, wakes_from_another_thread_are_never_lost_when_polling);
    tcase_add_test(tc, a_readable_device_fd_runs_its_handler_on_the_waiting_thread);
    tcase_add_test(tc, a_readable_device_fd_is_seen_while_polling);
    tcase_add_test(tc, a_deadline_ends_the_wait_not_before_it);
    tcase_add_test(tc, done_ends_the_wait_at_once);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
