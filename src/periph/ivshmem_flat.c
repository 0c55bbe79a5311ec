/* ivshmem-flat device model (ivshmem_flat.h). */
#include "ivshmem_flat.h"

#define WHO "ivshmem-flat"

#define INTRMASK   0x0
#define INTRSTATUS 0x4
#define IVPOSITION 0x8
#define DOORBELL   0xC
#define DOORBELL_PEER_SHIFT 16
#define DOORBELL_VECTOR_MASK 0xFFFFu

typedef struct {
    IvshmemFlat *device;
    unsigned vector;
} IdleVector;

struct IvshmemFlat {
    IvshmemClient *client; /* borrowed */
    DeferQueue *defer;
    IrqLine irq;
    IdleVector idle[IVSHMEM_MAX_VECTORS];
    /* Destroyed: pulses still queued in the DeferQueue do nothing. The
     * device is reference-counted (g_atomic_rc_box) so that they can run
     * after destruction without touching freed memory. CPU thread only. */
    bool dead;
};

/* CPU thread. */
static void ivshmem_flat_pulse(void *data)
{
    IvshmemFlat *s = data;
    if (!s->dead)
        irq_pulse(&s->irq);
    g_atomic_rc_box_release(s);
}

/* A pulse that never ran: the machine stopped first. */
static void ivshmem_flat_pulse_discard(void *data)
{
    g_atomic_rc_box_release(data);
}

/* I/O thread: device state belongs to the CPU thread, so only post. */
static void ivshmem_flat_interrupt(void *opaque, unsigned vector)
{
    IvshmemFlat *s = opaque;
    log_trace(WHO, "interrupt on vector %u", vector);
    defer_post_full(s->defer, ivshmem_flat_pulse, g_atomic_rc_box_acquire(s),
                    ivshmem_flat_pulse_discard);
}

/* CPU thread, while it waits for the guest to wake: an own eventfd is
 * readable. Draining it here saves the hop through the I/O thread; if the
 * I/O thread drained it first, its posted pulse does the work. */
static void ivshmem_flat_idle_vector_ready(void *opaque)
{
    IdleVector *iv = opaque;
    IvshmemFlat *s = iv->device;
    if (!s->dead && ivshmem_client_drain_own_vector(s->client, iv->vector))
        irq_pulse(&s->irq);
}

void ivshmem_flat_wake_idle_cpu(IvshmemFlat *s, IdleWait *w)
{
    unsigned n = ivshmem_client_own_vectors(s->client);
    for (unsigned v = 0; v < n && v < IVSHMEM_MAX_VECTORS; v++) {
        s->idle[v] = (IdleVector){ s, v };
        idle_wait_add_fd(w, ivshmem_client_own_vector_fd(s->client, v),
                         ivshmem_flat_idle_vector_ready, &s->idle[v]);
    }
}

static MmioResult ivshmem_flat_bad(const char *what, uint32_t offset, unsigned size)
{
    log_guest_error(WHO, "%s at offset 0x%x (size %u) ignored", what, offset, size);
    return MMIO_UNASSIGNED;
}

static MmioResult ivshmem_flat_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    IvshmemFlat *s = dev;
    if (size != 4 || (offset & 3) != 0)
        return ivshmem_flat_bad("read of other than an aligned word", offset, size);
    switch (offset) {
    case INTRMASK:
    case INTRSTATUS:
        *value = 0;
        return MMIO_OK;
    case IVPOSITION:
        *value = ivshmem_client_own_id(s->client);
        return MMIO_OK;
    case DOORBELL:
        return ivshmem_flat_bad("read of write-only DOORBELL", offset, size);
    default:
        return ivshmem_flat_bad("read of no register", offset, size);
    }
}

static void ivshmem_flat_doorbell(IvshmemFlat *s, uint32_t value)
{
    uint16_t peer = (uint16_t)(value >> DOORBELL_PEER_SHIFT);
    unsigned vector = value & DOORBELL_VECTOR_MASK;
    switch (ivshmem_client_notify(s->client, peer, vector)) {
    case IVSHMEM_NOTIFY_OK:
        log_trace(WHO, "doorbell: peer %u vector %u", peer, vector);
        break;
    case IVSHMEM_NOTIFY_NO_PEER:
        log_guest_error(WHO, "doorbell to unknown peer %u (vector %u) ignored", peer, vector);
        break;
    case IVSHMEM_NOTIFY_NO_VECTOR:
        log_guest_error(WHO, "doorbell to peer %u vector %u, which it does not have, ignored",
                        peer, vector);
        break;
    case IVSHMEM_NOTIFY_FAILED:
        log_warning(WHO, "doorbell to peer %u vector %u: its eventfd cannot be written",
                    peer, vector);
        break;
    }
}

static MmioResult ivshmem_flat_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    IvshmemFlat *s = dev;
    if (size != 4 || (offset & 3) != 0)
        return ivshmem_flat_bad("write of other than an aligned word", offset, size);
    switch (offset) {
    case INTRMASK:
    case INTRSTATUS:
        return MMIO_OK;
    case DOORBELL:
        ivshmem_flat_doorbell(s, value);
        return MMIO_OK;
    case IVPOSITION:
        return ivshmem_flat_bad("write to read-only IVPOSITION", offset, size);
    default:
        return ivshmem_flat_bad("write to no register", offset, size);
    }
}

/* No guest-writable state: INTRMASK is reserved and interrupts are pulses. */
static void ivshmem_flat_reset(void *dev)
{
}

static void ivshmem_flat_destroy(void *dev)
{
    IvshmemFlat *s = dev;
    if (s == NULL)
        return;
    /* After this returns no handler runs, so nothing new is posted. */
    ivshmem_client_set_interrupt_handler(s->client, NULL, NULL);
    s->dead = true;
    g_atomic_rc_box_release(s);
}

IvshmemFlat *ivshmem_flat_new(IvshmemClient *client, DeferQueue *defer, IrqLine irq)
{
    IvshmemFlat *s = g_atomic_rc_box_new0(IvshmemFlat);
    s->client = client;
    s->defer = defer;
    s->irq = irq;
    ivshmem_client_set_interrupt_handler(client, ivshmem_flat_interrupt, s);
    return s;
}

const DeviceClass ivshmem_flat_class = {
    .type = "ivshmem-flat",
    .read = ivshmem_flat_read,
    .write = ivshmem_flat_write,
    .reset = ivshmem_flat_reset,
    .destroy = ivshmem_flat_destroy,
};
