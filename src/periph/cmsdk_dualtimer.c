/* CMSDK APB dual timer: two counters (at 0x00 and 0x20), each 16 or 32
 * bits wide, with a /1, /16 or /256 prescaler, in free-running (wrap at
 * the width), periodic (reload from LOAD) or one-shot mode (DDI 0479C
 * 4.5, register layout of the SP804). Behaviour follows QEMU's
 * hw/timer/cmsdk-apb-dualtimer.c with one deliberate difference: writing
 * LOAD while a periodic counter runs keeps it periodic (QEMU turns it
 * into a one-shot counter, against the TRM).
 *
 * Like QEMU the registers are 32 bits wide and byte and halfword
 * accesses act on the whole register: reads return the addressed bytes
 * of it, writes store the value shifted into place with zeros around. */
#include "cmsdk_dualtimer.h"

#include <glib.h>

#include "cmsdk_timer.h"

/* per counter, at 0x00 (TIMER1...) and 0x20 (TIMER2...) */
#define A_LOAD 0x00
#define A_VALUE 0x04
#define A_CONTROL 0x08
#define A_INTCLR 0x0C
#define A_RIS 0x10
#define A_MIS 0x14
#define A_BGLOAD 0x18
#define COUNTER_STRIDE 0x20
#define NUM_COUNTERS 2

#define A_TIMERITCR 0xF00
#define A_TIMERITOP 0xF04
#define A_PID4 0xFD0
#define A_CID3 0xFFC

#define CONTROL_ONESHOT (1u << 0)
#define CONTROL_SIZE (1u << 1) /* 1: 32-bit counter, 0: 16-bit */
#define CONTROL_PRESCALE_SHIFT 2
#define CONTROL_PRESCALE (3u << CONTROL_PRESCALE_SHIFT)
#define CONTROL_INTEN (1u << 5)
#define CONTROL_MODE (1u << 6) /* 1: periodic, 0: free-running */
#define CONTROL_ENABLE (1u << 7)
#define CONTROL_MASK 0xEFu

#define TIMERITCR_ENABLE (1u << 0)
#define TIMERITOP_TIMINT1 (1u << 0)
#define TIMERITOP_TIMINT2 (1u << 1)

/* PID4..PID7, PID0..PID3, CID0..CID3 (part 0x823, ARM JEP106) */
static const uint8_t cmsdk_dualtimer_id[] = {
    0x04, 0x00, 0x00, 0x00, 0x23, 0xb8, 0x1b, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
};

typedef struct DualTimerCounter {
    struct CmsdkDualTimer *parent;
    CmsdkCounter *counter; /* holds the count, 16 or 32 bits wide */
    uint32_t control;
    uint32_t load;
    /* In 16-bit mode VALUE's top half reads from here: the top half of
     * the last LOAD, or of the count when the width went 32 -> 16. */
    uint32_t value;
    bool intstatus; /* RIS */
} DualTimerCounter;

struct CmsdkDualTimer {
    char *name;
    IrqLine irq;
    bool irq_level;
    DualTimerCounter timer[NUM_COUNTERS];
    uint32_t itcr;
    uint32_t itop;
};

static uint32_t width_mask(uint32_t control)
{
    return (control & CONTROL_SIZE) ? 0xFFFFFFFFu : 0xFFFFu;
}

/* Periodic counters reload LOAD; free-running ones wrap at their width. */
static uint32_t reload_for(const DualTimerCounter *m, uint32_t control)
{
    uint32_t mask = width_mask(control);
    return (control & CONTROL_MODE) ? (m->load & mask) : mask;
}

static unsigned prescale_divisor(uint32_t control)
{
    static const unsigned divisors[] = { 1, 16, 256, 256 }; /* 0b11: undefined */
    return divisors[(control & CONTROL_PRESCALE) >> CONTROL_PRESCALE_SHIFT];
}

static bool counter_masked_int(const DualTimerCounter *m)
{
    return m->intstatus && (m->control & CONTROL_INTEN);
}

static void dualtimer_update_irq(CmsdkDualTimer *s)
{
    bool timint1, timint2;
    if (s->itcr & TIMERITCR_ENABLE) {
        /* integration test mode: the outputs follow TIMERITOP */
        timint1 = s->itop & TIMERITOP_TIMINT1;
        timint2 = s->itop & TIMERITOP_TIMINT2;
    } else {
        timint1 = counter_masked_int(&s->timer[0]);
        timint2 = counter_masked_int(&s->timer[1]);
    }
    bool level = timint1 || timint2;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->irq, level);
    }
}

static void counter_expired(void *opaque)
{
    DualTimerCounter *m = opaque;
    m->intstatus = true;
    log_trace(m->parent->name, "timer%d expired", (int)(m - m->parent->timer) + 1);
    dualtimer_update_irq(m->parent);
}

/* 16 <-> 32 bits: the top half of the count is kept in m->value. */
static void counter_change_width(DualTimerCounter *m, uint32_t newctrl)
{
    uint32_t count = cmsdk_counter_value(m->counter);
    if (newctrl & CONTROL_SIZE) {
        count = (m->value & 0xFFFF0000u) | (count & 0xFFFFu);
    } else {
        m->value = count;
        count &= 0xFFFFu;
    }
    cmsdk_counter_set_value(m->counter, count);
}

static void counter_write_control(DualTimerCounter *m, uint32_t value)
{
    uint32_t newctrl = value & CONTROL_MASK;
    uint32_t changed = m->control ^ newctrl;
    CmsdkCounter *c = m->counter;

    if (changed & ~newctrl & CONTROL_ENABLE)
        cmsdk_counter_stop(c); /* before anything else changes */
    if (changed & CONTROL_PRESCALE) {
        if ((newctrl & CONTROL_PRESCALE) == CONTROL_PRESCALE)
            log_guest_error(m->parent->name, "CONTROL.PRESCALE 0b11 is undefined, using /256");
        cmsdk_counter_set_divisor(c, prescale_divisor(newctrl));
    }
    if (changed & CONTROL_SIZE)
        counter_change_width(m, newctrl);
    if (changed & (CONTROL_MODE | CONTROL_SIZE))
        cmsdk_counter_set_limit(c, reload_for(m, newctrl));
    cmsdk_counter_set_oneshot(c, newctrl & CONTROL_ONESHOT);
    m->control = newctrl;
    /* also when ENABLE was already set: restarts an expired one-shot
     * counter that has just been made periodic or free-running */
    if (newctrl & CONTROL_ENABLE)
        cmsdk_counter_run(c);
}

/* LOAD sets the count at once (BGLOAD only the reload value). */
static void counter_write_load(DualTimerCounter *m, uint32_t value)
{
    CmsdkCounter *c = m->counter;
    uint32_t count = value & width_mask(m->control);
    m->load = value;
    m->value = value;
    if (!(m->control & CONTROL_MODE)) {
        cmsdk_counter_set_value(c, count); /* free-running: no reload value */
        return;
    }
    if (count == 0)
        cmsdk_counter_stop(c);
    cmsdk_counter_set_limit(c, count);
    cmsdk_counter_set_value(c, count);
    if (count != 0 && (m->control & CONTROL_ENABLE))
        cmsdk_counter_run(c); /* restart an expired one-shot counter */
}

static void counter_write_bgload(DualTimerCounter *m, uint32_t value)
{
    m->load = value;
    if (m->control & CONTROL_MODE)
        cmsdk_counter_set_limit(m->counter, value & width_mask(m->control));
}

static bool counter_read(DualTimerCounter *m, uint32_t reg, uint32_t *value)
{
    switch (reg) {
    case A_LOAD:
    case A_BGLOAD:
        *value = m->load;
        return true;
    case A_VALUE:
        *value = cmsdk_counter_value(m->counter);
        if (!(m->control & CONTROL_SIZE))
            *value |= m->value & 0xFFFF0000u;
        return true;
    case A_CONTROL: *value = m->control; return true;
    case A_RIS: *value = m->intstatus; return true;
    case A_MIS: *value = counter_masked_int(m); return true;
    default: return false; /* INTCLR is write-only */
    }
}

static bool counter_write(DualTimerCounter *m, uint32_t reg, uint32_t value)
{
    switch (reg) {
    case A_LOAD: counter_write_load(m, value); break;
    case A_BGLOAD: counter_write_bgload(m, value); break;
    case A_CONTROL: counter_write_control(m, value); break;
    case A_INTCLR: m->intstatus = false; break;
    default: return false; /* VALUE, RIS, MIS are read-only */
    }
    dualtimer_update_irq(m->parent);
    return true;
}

static DualTimerCounter *counter_at(CmsdkDualTimer *s, uint32_t offset)
{
    unsigned n = offset / COUNTER_STRIDE;
    return n < NUM_COUNTERS ? &s->timer[n] : NULL;
}

static void dualtimer_sync(CmsdkDualTimer *s)
{
    for (unsigned i = 0; i < NUM_COUNTERS; i++)
        cmsdk_counter_sync(s->timer[i].counter);
}

static bool dualtimer_read_word(CmsdkDualTimer *s, uint32_t offset, uint32_t *value)
{
    DualTimerCounter *m = counter_at(s, offset);
    if (m != NULL)
        return counter_read(m, offset % COUNTER_STRIDE, value);
    if (offset == A_TIMERITCR) {
        *value = s->itcr;
        return true;
    }
    if (offset < A_PID4 || offset > A_CID3)
        return false; /* TIMERITOP is write-only */
    *value = cmsdk_dualtimer_id[(offset - A_PID4) / 4];
    return true;
}

static bool dualtimer_write_word(CmsdkDualTimer *s, uint32_t offset, uint32_t value)
{
    DualTimerCounter *m = counter_at(s, offset);
    if (m != NULL)
        return counter_write(m, offset % COUNTER_STRIDE, value);
    if (offset == A_TIMERITCR)
        s->itcr = value & TIMERITCR_ENABLE;
    else if (offset == A_TIMERITOP)
        s->itop = value & (TIMERITOP_TIMINT1 | TIMERITOP_TIMINT2);
    else
        return false;
    dualtimer_update_irq(s);
    return true;
}

static MmioResult cmsdk_dualtimer_read(void *dev, uint32_t offset, unsigned size,
                                       uint32_t *value)
{
    CmsdkDualTimer *s = dev;
    uint32_t word;
    dualtimer_sync(s);
    if (!dualtimer_read_word(s, offset & ~3u, &word))
        return MMIO_UNASSIGNED;
    word >>= 8 * (offset & 3);
    *value = size == 4 ? word : word & ((1u << (8 * size)) - 1);
    return MMIO_OK;
}

static MmioResult cmsdk_dualtimer_write(void *dev, uint32_t offset, uint32_t value,
                                        unsigned size)
{
    CmsdkDualTimer *s = dev;
    uint32_t bytes = size == 4 ? value : value & ((1u << (8 * size)) - 1);
    uint32_t word = bytes << (8 * (offset & 3));
    dualtimer_sync(s);
    if (!dualtimer_write_word(s, offset & ~3u, word))
        return MMIO_UNASSIGNED;
    log_trace(s->name, "write 0x%03x <- 0x%08x", offset & ~3u, word);
    return MMIO_OK;
}

/* Out of reset a counter is a disabled, free-running 16-bit counter with
 * interrupts enabled, VALUE 0xFFFFFFFF and LOAD 0 (QEMU, TRM). */
static void counter_reset(DualTimerCounter *m)
{
    m->control = CONTROL_INTEN;
    m->intstatus = false;
    m->load = 0;
    m->value = 0xFFFFFFFFu;
    cmsdk_counter_stop(m->counter);
    cmsdk_counter_set_oneshot(m->counter, false);
    cmsdk_counter_set_divisor(m->counter, 1);
    cmsdk_counter_set_limit(m->counter, 0xFFFF);
    cmsdk_counter_set_value(m->counter, 0xFFFF);
}

static void cmsdk_dualtimer_reset(void *dev)
{
    CmsdkDualTimer *s = dev;
    for (unsigned i = 0; i < NUM_COUNTERS; i++)
        counter_reset(&s->timer[i]);
    s->itcr = 0;
    s->itop = 0;
    dualtimer_update_irq(s);
}

static void cmsdk_dualtimer_destroy(void *dev)
{
    CmsdkDualTimer *s = dev;
    for (unsigned i = 0; i < NUM_COUNTERS; i++)
        cmsdk_counter_free(s->timer[i].counter);
    g_free(s->name);
    g_free(s);
}

const DeviceClass cmsdk_dualtimer_class = {
    .type = "cmsdk-apb-dualtimer",
    .read = cmsdk_dualtimer_read,
    .write = cmsdk_dualtimer_write,
    .reset = cmsdk_dualtimer_reset,
    .destroy = cmsdk_dualtimer_destroy,
};

CmsdkDualTimer *cmsdk_dualtimer_new(const char *name, Clock *clock, uint64_t timclk_hz,
                                    IrqLine irq)
{
    CmsdkDualTimer *s = g_new0(CmsdkDualTimer, 1);
    s->name = g_strdup(name != NULL ? name : cmsdk_dualtimer_class.type);
    s->irq = irq;
    for (unsigned i = 0; i < NUM_COUNTERS; i++) {
        DualTimerCounter *m = &s->timer[i];
        m->parent = s;
        m->counter = cmsdk_counter_new(clock, timclk_hz, counter_expired, m);
    }
    cmsdk_dualtimer_reset(s);
    return s;
}
