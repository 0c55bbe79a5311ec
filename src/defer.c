#include "defer.h"

#include <glib.h>
#include <stdatomic.h>

typedef struct {
    DeferFn fn;
    void *data;
    DeferFn discard; /* NULL: nothing to release if fn never runs */
} DeferItem;

struct DeferQueue {
    GMutex lock;
    GArray *items;   /* DeferItem, guarded by lock */
    GArray *running; /* swapped in by defer_run, CPU thread only */
    atomic_bool has_work;
    void (*kick)(void *opaque);
    void *kick_opaque;
};

DeferQueue *defer_queue_new(void (*kick)(void *opaque), void *kick_opaque)
{
    DeferQueue *q = g_new0(DeferQueue, 1);
    g_mutex_init(&q->lock);
    q->items = g_array_new(FALSE, FALSE, sizeof(DeferItem));
    q->running = g_array_new(FALSE, FALSE, sizeof(DeferItem));
    q->kick = kick;
    q->kick_opaque = kick_opaque;
    return q;
}

void defer_queue_free(DeferQueue *q)
{
    if (q == NULL)
        return;
    for (guint i = 0; i < q->items->len; i++) {
        DeferItem *item = &g_array_index(q->items, DeferItem, i);
        if (item->discard != NULL)
            item->discard(item->data);
    }
    g_array_free(q->items, TRUE);
    g_array_free(q->running, TRUE);
    g_mutex_clear(&q->lock);
    g_free(q);
}

void defer_post(DeferQueue *q, DeferFn fn, void *data)
{
    defer_post_full(q, fn, data, NULL);
}

void defer_post_full(DeferQueue *q, DeferFn fn, void *data, DeferFn discard)
{
    DeferItem item = { fn, data, discard };
    g_mutex_lock(&q->lock);
    g_array_append_val(q->items, item);
    atomic_store_explicit(&q->has_work, true, memory_order_release);
    g_mutex_unlock(&q->lock);
    if (q->kick != NULL)
        q->kick(q->kick_opaque);
}

bool defer_has_work(DeferQueue *q)
{
    return atomic_load_explicit(&q->has_work, memory_order_relaxed);
}

unsigned defer_run(DeferQueue *q)
{
    g_mutex_lock(&q->lock);
    GArray *batch = q->items;
    q->items = q->running;
    q->running = batch;
    atomic_store_explicit(&q->has_work, false, memory_order_relaxed);
    g_mutex_unlock(&q->lock);

    unsigned n = batch->len;
    for (unsigned i = 0; i < n; i++) {
        DeferItem *item = &g_array_index(batch, DeferItem, i);
        item->fn(item->data);
    }
    g_array_set_size(batch, 0);
    return n;
}
