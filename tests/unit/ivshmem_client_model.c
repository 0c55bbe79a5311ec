/* The model of the ivshmem client's rules (ivshmem_client_model.h). */
#include "ivshmem_client_model.h"

#include <string.h>

void model_init(Model *m)
{
    memset(m, 0, sizeof(*m));
    m->frames = g_array_new(FALSE, FALSE, sizeof(Frame));
    m->peers = g_hash_table_new_full(NULL, NULL, NULL, g_free);
}

void model_clear(Model *m)
{
    g_array_unref(m->frames);
    g_hash_table_destroy(m->peers);
}

void model_feed(Model *m, const Stream *st)
{
    for (guint i = 0; i < st->writes->len; i++) {
        const Write *w = &g_array_index(st->writes, Write, i);
        if (w->nfds > 0 && m->pending_nfds == 0)
            m->pending_fd = w->fd[0];
        m->pending_nfds += w->nfds;
        for (size_t k = 0; k < w->len; k++) {
            m->buf[m->have++] = st->bytes->data[w->start + k];
            if (m->have < 8)
                continue;
            guint64 le;
            memcpy(&le, m->buf, sizeof(le));
            Frame f = { (gint64)GUINT64_FROM_LE(le), m->pending_nfds, m->pending_fd };
            g_array_append_val(m->frames, f);
            m->have = 0;
            m->pending_nfds = 0;
        }
    }
    if (st->eof) {
        m->gone = true;
        m->have = 0;
        m->pending_nfds = 0;
    }
}

ModelPeer *model_peer(const Model *m, guint16 id)
{
    return g_hash_table_lookup(m->peers, GUINT_TO_POINTER(id));
}

bool model_apply(Model *m, const Frame *f)
{
    if (f->nfds > 1 || f->value < 0 || f->value > IVSHMEM_MAX_PEER_ID)
        return false;
    guint16 id = (guint16)f->value;
    if (f->nfds == 0) {
        if (id == m->own)
            return false;
        g_hash_table_remove(m->peers, GUINT_TO_POINTER(id));
        return true;
    }
    if (fake_fd(f->fd)->kind != FD_EVENTFD)
        return false;
    ModelPeer *p = model_peer(m, id);
    if (p == NULL) {
        p = g_new0(ModelPeer, 1);
        g_hash_table_insert(m->peers, GUINT_TO_POINTER(id), p);
    }
    if (p->n == IVSHMEM_MAX_VECTORS)
        return false;
    p->fd[p->n++] = f->fd;
    return true;
}

void model_apply_all(Model *m)
{
    for (guint i = 0; i < m->frames->len; i++)
        model_apply(m, &g_array_index(m->frames, Frame, i));
    g_array_set_size(m->frames, 0);
}

static void model_counts(const Model *m, unsigned *own, unsigned *others)
{
    GHashTableIter it;
    gpointer key, value;
    *own = *others = 0;
    g_hash_table_iter_init(&it, m->peers);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        unsigned n = ((ModelPeer *)value)->n;
        if (GPOINTER_TO_UINT(key) == m->own)
            *own = n;
        else
            *others = MAX(*others, n);
    }
}

static bool shm_acceptable(FdKind kind, bool any_size)
{
    return kind == FD_MEMFD || (any_size && kind == FD_MEMFD_SMALL);
}

GreetPrediction model_greeting(Model *m, bool any_size)
{
    GreetPrediction p = { GREET_REFUSED, false, false };
    const Frame *frames = (const Frame *)(void *)m->frames->data;
    guint n = m->frames->len, k = 0;
    /* A frame must come: no more input means an EOF or the time limit. */
#define NEXT_OR_END()                                                     \
    do {                                                                  \
        if (k == n) {                                                     \
            p.outcome = m->gone ? GREET_REFUSED : GREET_TIMES_OUT;        \
            p.waits = !m->gone;                                           \
            return p;                                                     \
        }                                                                 \
        f = &frames[k++];                                                 \
    } while (0)
    const Frame *f;
    NEXT_OR_END();
    if (f->nfds > 0 || f->value != IVSHMEM_PROTOCOL_VERSION)
        return p;
    NEXT_OR_END();
    if (f->nfds > 0 || f->value < 0 || f->value > IVSHMEM_MAX_PEER_ID)
        return p;
    m->own = (guint16)f->value;
    NEXT_OR_END();
    if (f->value != -1 || f->nfds != 1 || !shm_acceptable(fake_fd(f->fd)->kind, any_size))
        return p;
    m->shm_size = fake_fd(f->fd)->kind == FD_MEMFD ? SHM_SIZE : SMALL_SHM_SIZE;
    unsigned own = 0, others = 0;
    while (own == 0) {
        NEXT_OR_END();
        if (!model_apply(m, f))
            return p;
        model_counts(m, &own, &others);
    }
#undef NEXT_OR_END
    while (others == 0 || own < others) {
        p.reads_alone |= others == 0;
        if (k == n) {
            if (m->gone)
                return p;
            p.waits = true;
            break;
        }
        if (!model_apply(m, &frames[k++]))
            return p;
        model_counts(m, &own, &others);
    }
    g_array_remove_range(m->frames, 0, k);
    p.outcome = GREET_ACCEPTED;
    return p;
}

unsigned model_client_fds(const Model *m)
{
    unsigned n = m->pending_nfds > 0;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, m->peers);
    while (g_hash_table_iter_next(&it, NULL, &value))
        n += ((ModelPeer *)value)->n;
    return n;
}
