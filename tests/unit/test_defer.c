/* The CPU-thread work queue: functions posted from any thread run on the
 * thread that calls defer_run(), in posting order, exactly once, and every
 * post kicks the CPU thread. */
#include <check.h>
#include <glib.h>
#include <stdatomic.h>

#include "defer.h"
#include "unit_main.h"

static atomic_int kicks;

static void count_kick(void *opaque)
{
    (void)opaque;
    atomic_fetch_add(&kicks, 1);
}

typedef struct {
    GArray *log;
    int value;
} Entry;

static void record(void *data)
{
    Entry *e = data;
    g_array_append_val(e->log, e->value);
}

START_TEST(posted_functions_run_in_order_once)
{
    atomic_store(&kicks, 0);
    DeferQueue *q = defer_queue_new(count_kick, NULL);
    g_autoptr(GArray) log = g_array_new(FALSE, FALSE, sizeof(int));
    Entry entries[5];
    ck_assert(!defer_has_work(q));
    for (int i = 0; i < 5; i++) {
        entries[i] = (Entry){ log, i };
        defer_post(q, record, &entries[i]);
    }
    ck_assert(defer_has_work(q));
    ck_assert_int_eq(atomic_load(&kicks), 5);
    ck_assert_uint_eq(defer_run(q), 5);
    ck_assert(!defer_has_work(q));
    ck_assert_uint_eq(log->len, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(g_array_index(log, int, i), i);
    ck_assert_uint_eq(defer_run(q), 0); /* nothing runs twice */
    defer_queue_free(q);
}
END_TEST

typedef struct {
    DeferQueue *q;
    atomic_int *counter;
    int posts;
} Poster;

static void bump(void *data)
{
    atomic_fetch_add((atomic_int *)data, 1);
}

static gpointer post_many(gpointer data)
{
    Poster *p = data;
    for (int i = 0; i < p->posts; i++)
        defer_post(p->q, bump, p->counter);
    return NULL;
}

START_TEST(posts_from_other_threads_are_never_lost)
{
    atomic_int counter = 0;
    DeferQueue *q = defer_queue_new(NULL, NULL);
    Poster p = { q, &counter, 20000 };
    GThread *a = g_thread_new("a", post_many, &p);
    GThread *b = g_thread_new("b", post_many, &p);
    unsigned ran = 0;
    /* run concurrently with the posters, as the CPU thread does */
    while (atomic_load(&counter) < 2 * p.posts)
        ran += defer_run(q);
    g_thread_join(a);
    g_thread_join(b);
    ran += defer_run(q);
    ck_assert_uint_eq(ran, 2 * p.posts);
    ck_assert_int_eq(atomic_load(&counter), 2 * p.posts);
    defer_queue_free(q);
}
END_TEST

typedef struct {
    DeferQueue *q;
    atomic_int *counter;
} Chain;

/* a deferred function that posts more work, as a device callback may */
static void post_more(void *data)
{
    Chain *c = data;
    atomic_fetch_add(c->counter, 1);
    defer_post(c->q, bump, c->counter);
}

START_TEST(work_posted_while_running_waits_for_the_next_run)
{
    DeferQueue *q = defer_queue_new(NULL, NULL);
    atomic_int counter = 0;
    Chain c = { q, &counter };
    defer_post(q, post_more, &c);
    ck_assert_uint_eq(defer_run(q), 1);
    ck_assert_int_eq(atomic_load(&counter), 1);
    ck_assert(defer_has_work(q));
    ck_assert_uint_eq(defer_run(q), 1);
    ck_assert_int_eq(atomic_load(&counter), 2);
    defer_queue_free(q);
}
END_TEST

static void count_discard(void *data)
{
    atomic_fetch_add((atomic_int *)data, 100);
}

/* An item still queued when the machine stops must release what it holds
 * (the ivshmem device reference) rather than leak it; an item that ran is
 * not discarded. */
START_TEST(items_never_run_are_discarded_when_the_queue_is_freed)
{
    DeferQueue *q = defer_queue_new(NULL, NULL);
    atomic_int ran = 0, dropped = 0;
    defer_post_full(q, bump, &ran, count_discard);
    ck_assert_uint_eq(defer_run(q), 1);
    defer_post_full(q, bump, &dropped, count_discard);
    defer_post(q, bump, &dropped);
    defer_queue_free(q);
    ck_assert_int_eq(atomic_load(&ran), 1);
    ck_assert_int_eq(atomic_load(&dropped), 100);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("defer");
    TCase *tc = tcase_create("queue");
    tcase_add_test(tc, posted_functions_run_in_order_once);
    tcase_add_test(tc, posts_from_other_threads_are_never_lost);
    tcase_add_test(tc, work_posted_while_running_waits_for_the_next_run);
    tcase_add_test(tc, items_never_run_are_discarded_when_the_queue_is_freed);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
