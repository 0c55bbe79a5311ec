/* CMSDK APB timer: a 32-bit down-counter clocked by PCLK that interrupts
 * when it reaches zero and reloads from RELOAD (DDI 0479C 4.4). Behaviour
 * follows QEMU's hw/timer/cmsdk-apb-timer.c. The EXTIN input (as enable
 * or as clock) is not modelled: the bits read back but change nothing.
 *
 * The down-counter comes first; the dual timer uses it too. */
#include "cmsdk_timer.h"

#include <glib.h>

/* ---- the down-counter ---------------------------------------------- */

#define NO_EVENT UINT64_MAX

struct CmsdkCounter {
    Clock *clock;
    Timer *timer;
    uint64_t hz;        /* input clock */
    unsigned divisor;   /* input ticks per decrement */
    bool running;
    bool oneshot;
    uint32_t limit;     /* reloaded after the tick spent at zero */
    /* The count was `start` at input tick `anchor`; a running count is a
     * function of the decrements since (counter_value_at). */
    uint64_t anchor;
    uint32_t start;
    void (*expired)(void *opaque);
    void *opaque;
};

static uint64_t counter_now_tick(const CmsdkCounter *c)
{
    return clock_ns_to_ticks(clock_ns(c->clock), c->hz);
}

static uint64_t counter_elapsed(const CmsdkCounter *c)
{
    uint64_t now = counter_now_tick(c);
    return now > c->anchor ? (now - c->anchor) / c->divisor : 0;
}

static bool counter_stops_at_zero(const CmsdkCounter *c)
{
    return c->oneshot || c->limit == 0;
}

/* The count k decrements after the anchor: start, start-1 .. 0, then
 * (periodic) limit, limit-1 .. 0 with period limit + 1. */
static uint32_t counter_value_at(const CmsdkCounter *c, uint64_t k)
{
    if (k < c->start)
        return c->start - (uint32_t)k;
    if (counter_stops_at_zero(c))
        return 0;
    uint64_t period = (uint64_t)c->limit + 1;
    uint64_t phase = (k - c->start) % period;
    return phase == 0 ? 0 : (uint32_t)(period - phase);
}

/* The first decrement to zero at or after k decrements, or NO_EVENT. */
static uint64_t counter_event_from(const CmsdkCounter *c, uint64_t k)
{
    if (c->start > 0 && k <= c->start)
        return c->start;
    if (counter_stops_at_zero(c))
        return NO_EVENT;
    uint64_t period = (uint64_t)c->limit + 1;
    uint64_t periods = k <= c->start ? 1 : (k - c->start + period - 1) / period;
    return c->start + periods * period;
}

static void counter_arm(CmsdkCounter *c, uint64_t from_k)
{
    uint64_t k = c->running ? counter_event_from(c, from_k) : NO_EVENT;
    if (k == NO_EVENT) {
        timer_del(c->timer);
        return;
    }
    timer_mod(c->timer, clock_ticks_to_ns(c->anchor + k * c->divisor, c->hz));
}

/* Moves the anchor to the start of the current decrement, keeping the
 * count and its phase, so a parameter can change from here on. */
static void counter_rebase(CmsdkCounter *c)
{
    if (!c->running)
        return;
    uint64_t k = counter_elapsed(c);
    c->start = counter_value_at(c, k);
    c->anchor += k * c->divisor;
}

static void counter_expire(void *opaque)
{
    CmsdkCounter *c = opaque;
    if (!c->running)
        return;
    uint64_t k = counter_elapsed(c);
    if (counter_stops_at_zero(c) && k >= c->start) {
        c->running = false;
        c->start = 0;
        timer_del(c->timer);
    } else {
        counter_arm(c, k + 1);
    }
    c->expired(c->opaque);
}

CmsdkCounter *cmsdk_counter_new(Clock *clock, uint64_t hz, void (*expired)(void *opaque),
                                void *opaque)
{
    g_assert(hz > 0);
    CmsdkCounter *c = g_new0(CmsdkCounter, 1);
    c->clock = clock;
    c->timer = timer_new(clock, counter_expire, c);
    c->hz = hz;
    c->divisor = 1;
    c->expired = expired;
    c->opaque = opaque;
    return c;
}

void cmsdk_counter_free(CmsdkCounter *c)
{
    if (c == NULL)
        return;
    timer_free(c->timer);
    g_free(c);
}

void cmsdk_counter_sync(CmsdkCounter *c)
{
    if (timer_pending(c->timer) && timer_deadline(c->timer) <= clock_ns(c->clock))
        counter_expire(c);
}

void cmsdk_counter_run(CmsdkCounter *c)
{
    if (c->running)
        return;
    c->running = true;
    c->anchor = counter_now_tick(c);
    counter_arm(c, 0);
}

void cmsdk_counter_stop(CmsdkCounter *c)
{
    counter_rebase(c);
    c->running = false;
    timer_del(c->timer);
}

void cmsdk_counter_set_wakes_cpu(CmsdkCounter *c, bool wakes)
{
    timer_set_wakes_cpu(c->timer, wakes);
}

bool cmsdk_counter_running(const CmsdkCounter *c) { return c->running; }

uint32_t cmsdk_counter_value(CmsdkCounter *c)
{
    return c->running ? counter_value_at(c, counter_elapsed(c)) : c->start;
}

void cmsdk_counter_set_value(CmsdkCounter *c, uint32_t value)
{
    c->start = value;
    if (c->running) {
        c->anchor = counter_now_tick(c);
        counter_arm(c, 0);
    }
}

uint32_t cmsdk_counter_limit(const CmsdkCounter *c) { return c->limit; }

void cmsdk_counter_set_limit(CmsdkCounter *c, uint32_t limit)
{
    counter_rebase(c);
    c->limit = limit;
    counter_arm(c, 1);
}

void cmsdk_counter_set_oneshot(CmsdkCounter *c, bool oneshot)
{
    counter_rebase(c);
    c->oneshot = oneshot;
    counter_arm(c, 1);
}

void cmsdk_counter_set_divisor(CmsdkCounter *c, unsigned divisor)
{
    g_assert(divisor > 0);
    uint32_t value = cmsdk_counter_value(c);
    c->divisor = divisor;
    cmsdk_counter_set_value(c, value);
}

/* ---- the APB timer ------------------------------------------------- */

#define A_CTRL 0x00
#define A_VALUE 0x04
#define A_RELOAD 0x08
#define A_INTSTATUS 0x0C /* INTCLEAR on writes */
#define A_PID4 0xFD0
#define A_CID3 0xFFC

#define CTRL_EN (1u << 0)
#define CTRL_SELEXTEN (1u << 1)  /* EXTIN as enable */
#define CTRL_SELEXTCLK (1u << 2) /* EXTIN as clock */
#define CTRL_IRQEN (1u << 3)
#define CTRL_MASK 0xFu
#define INTSTATUS_IRQ (1u << 0)

/* PID4..PID7, PID0..PID3, CID0..CID3 (part 0x822, ARM JEP106) */
static const uint8_t cmsdk_timer_id[] = {
    0x04, 0x00, 0x00, 0x00, 0x22, 0xb8, 0x1b, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
};

struct CmsdkTimer {
    char *name;
    CmsdkCounter *counter;
    IrqLine irq;
    bool irq_level;
    uint32_t ctrl;
    uint32_t intstatus;
};

/* TIMERINT follows INTSTATUS; INTSTATUS is only set by an expiry while
 * IRQEN is set (QEMU, and the TRM's "interrupt enable" semantics), so
 * clearing IRQEN later does not drop a pending interrupt. */
static void timer_update_irq(CmsdkTimer *t)
{
    bool level = t->intstatus & INTSTATUS_IRQ;
    if (level != t->irq_level) {
        t->irq_level = level;
        irq_set(&t->irq, level);
    }
}

static void timer_expired(void *opaque)
{
    CmsdkTimer *t = opaque;
    log_trace(t->name, "expired, reload 0x%08x", cmsdk_counter_limit(t->counter));
    if (t->ctrl & CTRL_IRQEN) {
        t->intstatus |= INTSTATUS_IRQ;
        timer_update_irq(t);
    }
}

static bool timer_read_reg(CmsdkTimer *t, uint32_t offset, uint32_t *value)
{
    switch (offset) {
    case A_CTRL: *value = t->ctrl; return true;
    case A_VALUE: *value = cmsdk_counter_value(t->counter); return true;
    case A_RELOAD: *value = cmsdk_counter_limit(t->counter); return true;
    case A_INTSTATUS: *value = t->intstatus; return true;
    default:
        if (offset < A_PID4 || offset > A_CID3)
            return false;
        *value = cmsdk_timer_id[(offset - A_PID4) / 4];
        return true;
    }
}

static MmioResult cmsdk_timer_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    CmsdkTimer *t = dev;
    uint32_t r;
    cmsdk_counter_sync(t->counter);
    if ((offset & 3) != 0 || !timer_read_reg(t, offset, &r))
        return MMIO_UNASSIGNED;
    *value = size == 4 ? r : r & ((1u << (8 * size)) - 1);
    return MMIO_OK;
}

static void timer_write_ctrl(CmsdkTimer *t, uint32_t value)
{
    if (value & (CTRL_SELEXTEN | CTRL_SELEXTCLK))
        log_unimp(t->name, "EXTIN as timer enable or clock (CTRL 0x%x)", value);
    t->ctrl = value & CTRL_MASK;
    if (t->ctrl & CTRL_EN)
        cmsdk_counter_run(t->counter);
    else
        cmsdk_counter_stop(t->counter);
}

/* A zero count with a zero reload has nothing left to do: stop. */
static void timer_write_value(CmsdkTimer *t, uint32_t value)
{
    if (value == 0 && cmsdk_counter_limit(t->counter) == 0)
        cmsdk_counter_stop(t->counter);
    cmsdk_counter_set_value(t->counter, value);
    if (value != 0 && (t->ctrl & CTRL_EN))
        cmsdk_counter_run(t->counter);
}

/* Writing RELOAD also loads the count, and restarts a timer that stopped
 * at zero (QEMU). */
static void timer_write_reload(CmsdkTimer *t, uint32_t value)
{
    if (value == 0)
        cmsdk_counter_stop(t->counter);
    cmsdk_counter_set_limit(t->counter, value);
    cmsdk_counter_set_value(t->counter, value);
    if (value != 0 && (t->ctrl & CTRL_EN))
        cmsdk_counter_run(t->counter);
}

static MmioResult cmsdk_timer_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    CmsdkTimer *t = dev;
    cmsdk_counter_sync(t->counter);
    switch (offset) {
    case A_CTRL: timer_write_ctrl(t, value); break;
    case A_VALUE: timer_write_value(t, value); break;
    case A_RELOAD: timer_write_reload(t, value); break;
    case A_INTSTATUS:
        t->intstatus &= ~(value & INTSTATUS_IRQ); /* write one to clear */
        timer_update_irq(t);
        break;
    default:
        return MMIO_UNASSIGNED;
    }
    log_trace(t->name, "write 0x%03x <- 0x%08x", offset, value);
    return MMIO_OK;
}

static void cmsdk_timer_reset(void *dev)
{
    CmsdkTimer *t = dev;
    t->ctrl = 0;
    t->intstatus = 0;
    cmsdk_counter_stop(t->counter);
    cmsdk_counter_set_limit(t->counter, 0);
    cmsdk_counter_set_value(t->counter, 0);
    timer_update_irq(t);
}

static void cmsdk_timer_destroy(void *dev)
{
    CmsdkTimer *t = dev;
    cmsdk_counter_free(t->counter);
    g_free(t->name);
    g_free(t);
}

const DeviceClass cmsdk_timer_class = {
    .type = "cmsdk-apb-timer",
    .read = cmsdk_timer_read,
    .write = cmsdk_timer_write,
    .reset = cmsdk_timer_reset,
    .destroy = cmsdk_timer_destroy,
};

CmsdkTimer *cmsdk_timer_new(const char *name, Clock *clock, uint64_t pclk_hz, IrqLine irq)
{
    CmsdkTimer *t = g_new0(CmsdkTimer, 1);
    t->name = g_strdup(name != NULL ? name : cmsdk_timer_class.type);
    t->counter = cmsdk_counter_new(clock, pclk_hz, timer_expired, t);
    t->irq = irq;
    cmsdk_timer_reset(t);
    return t;
}
