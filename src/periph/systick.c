/* ARMv7-M SysTick (ARMv7-M ARM B3.3), following QEMU's
 * hw/timer/armv7m_systick.c in behaviour.
 *
 * The counter decrements on every tick of the selected clock. The tick
 * on which it goes from 1 to 0 sets COUNTFLAG and, with TICKINT, pends
 * the SysTick exception; the tick after that reloads it from RVR (with
 * RVR 0 it stays at 0 and never fires again). Writing CVR sets it to 0
 * without an event, so the next tick reloads: a period is RVR + 1 ticks.
 *
 * Model: while enabled, the counter held `count` at tick `anchor` of the
 * selected clock; everything later follows from RVR. catch_up() moves the
 * anchor to now, latching any wrap in between (COUNTFLAG, exception), and
 * is called before every change and every read, so the state is exact at
 * any instant without per-tick work. A Timer is armed for the next wrap
 * only while TICKINT is set: COUNTFLAG alone needs no deadline. */
#include "systick.h"

#include <glib.h>

#include "log.h"

#define WHO "systick"

/* B3.3.3 SYST_CSR */
#define R_CSR 0x0
#define CSR_ENABLE (1u << 0)
#define CSR_TICKINT (1u << 1)
#define CSR_CLKSOURCE (1u << 2) /* 1 = processor clock, 0 = reference */
#define CSR_COUNTFLAG (1u << 16)
#define CSR_WRITABLE (CSR_ENABLE | CSR_TICKINT | CSR_CLKSOURCE)
/* B3.3.4 SYST_RVR, B3.3.5 SYST_CVR */
#define R_RVR 0x4
#define R_CVR 0x8
#define COUNTER_MASK 0x00ffffffu
/* B3.3.6 SYST_CALIB */
#define R_CALIB 0xc
#define CALIB_NOREF (1u << 31)
#define CALIB_SKEW (1u << 30)
#define CALIB_TENMS_MASK 0x00ffffffu

#define TICKS_PER_10MS_DIVISOR 100

struct SysTick {
    Clock *clock;
    Timer *timer;
    IrqLine irq;
    uint64_t ref_hz; /* 0: no reference clock */
    uint32_t calib;
    uint32_t csr;
    uint32_t rvr;
    uint32_t count;  /* the counter at tick `anchor` */
    uint64_t anchor; /* in ticks of the clock CSR.CLKSOURCE selects */
    uint64_t zeroed; /* the tick of the last CVR write or start, or NO_TICK */
};

#define NO_TICK UINT64_MAX

static bool has_ref(const SysTick *st) { return st->ref_hz != 0; }

/* The guest time at which the selected clock reaches `tick`. */
static uint64_t tick_to_ns(const SysTick *st, uint64_t tick)
{
    if (st->csr & CSR_CLKSOURCE)
        return clock_cycles_to_ns(st->clock, tick);
    return clock_ticks_to_ns(tick, st->ref_hz);
}

static uint64_t now_ticks(const SysTick *st)
{
    if (st->csr & CSR_CLKSOURCE)
        return clock_cycles(st->clock);
    return clock_ns_to_ticks(clock_ns(st->clock), st->ref_hz);
}

/* B3.3.6: TENMS is the reference clock's tick count in 10 ms, minus one;
 * SKEW says that count is not exact; NOREF says there is no reference
 * clock. Computed from the board's clock, as QEMU does. */
static uint32_t calib_value(uint64_t ref_hz)
{
    if (ref_hz == 0)
        return CALIB_NOREF;
    uint64_t ticks = ref_hz / TICKS_PER_10MS_DIVISOR;
    uint32_t calib = ref_hz % TICKS_PER_10MS_DIVISOR ? CALIB_SKEW : 0;
    if (ticks == 0 || ticks - 1 > CALIB_TENMS_MASK)
        return calib | CALIB_SKEW; /* TENMS 0: calibration value unknown */
    return calib | (uint32_t)(ticks - 1);
}

/* The counter `n` ticks after it held `c0`; *wrapped tells whether it
 * went from 1 to 0 on one of those ticks. */
static uint32_t count_after(uint32_t c0, uint32_t rvr, uint64_t n, bool *wrapped)
{
    if (n <= c0) {
        *wrapped = c0 != 0 && n == c0;
        return c0 - (uint32_t)n;
    }
    /* at 0 after c0 ticks; each later tick reloads or decrements */
    *wrapped = c0 != 0;
    if (rvr == 0)
        return 0;
    uint64_t since_reload = n - c0 - 1;
    if (since_reload >= rvr)
        *wrapped = true;
    return rvr - (uint32_t)(since_reload % ((uint64_t)rvr + 1));
}

/* Ticks from the anchor to the next 1 -> 0 transition, 0 if none. */
static uint64_t ticks_to_wrap(const SysTick *st)
{
    if (st->count != 0)
        return st->count;
    return st->rvr != 0 ? (uint64_t)st->rvr + 1 : 0;
}

static void rearm(SysTick *st)
{
    uint64_t ticks = ticks_to_wrap(st);
    if ((st->csr & (CSR_ENABLE | CSR_TICKINT)) != (CSR_ENABLE | CSR_TICKINT) || ticks == 0) {
        timer_del(st->timer);
        return;
    }
    timer_mod(st->timer, tick_to_ns(st, st->anchor + ticks));
}

static void catch_up(SysTick *st)
{
    if (!(st->csr & CSR_ENABLE))
        return;
    uint64_t now = now_ticks(st);
    if (now <= st->anchor)
        return;
    bool wrapped;
    st->count = count_after(st->count, st->rvr, now - st->anchor, &wrapped);
    st->anchor = now;
    if (!wrapped)
        return;
    st->csr |= CSR_COUNTFLAG;
    if (st->csr & CSR_TICKINT) {
        log_trace(WHO, "counter reached 0: SysTick exception pended");
        irq_pulse(&st->irq);
    }
    rearm(st); /* the armed deadline, if any, has passed */
}

static void systick_expired(void *opaque)
{
    SysTick *st = opaque;
    catch_up(st);
    rearm(st);
}

/* ---- registers ----------------------------------------------------------- */

static uint32_t read_csr(SysTick *st)
{
    catch_up(st);
    uint32_t value = st->csr;
    st->csr &= ~CSR_COUNTFLAG; /* B3.3.3: COUNTFLAG clears on read */
    return value;
}

/* B3.3.5: a write to CVR (or enabling with CVR 0) leaves 0 in the
 * counter until the next tick reloads it from RVR. On the processor clock
 * that tick is the next cycle, so no later instruction sees the 0; but
 * guest time advances per translated block, and a read in the same block
 * as the write comes at the same instant: it gets the value of the next
 * cycle. (On the reference clock a read can see the 0 on hardware, for up
 * to one reference tick, and does here.) */
static uint32_t read_cvr(const SysTick *st)
{
    bool processor_clock = (st->csr & (CSR_ENABLE | CSR_CLKSOURCE)) == (CSR_ENABLE | CSR_CLKSOURCE);
    if (processor_clock && st->count == 0 && now_ticks(st) == st->zeroed)
        return st->rvr;
    return st->count;
}

static void write_csr(SysTick *st, uint32_t value)
{
    catch_up(st);
    if (!has_ref(st))
        value |= CSR_CLKSOURCE; /* RAO/WI without a reference clock */
    uint32_t old = st->csr;
    st->csr = (old & ~CSR_WRITABLE) | (value & CSR_WRITABLE);
    bool started = (st->csr & CSR_ENABLE) && !(old & CSR_ENABLE);
    bool reclocked = (st->csr ^ old) & CSR_CLKSOURCE;
    if (started || reclocked)
        st->anchor = now_ticks(st); /* count on from here, in this clock */
    if (reclocked)
        st->zeroed = NO_TICK;
    if (started && st->count == 0)
        st->zeroed = st->anchor;
    rearm(st);
}

static void write_rvr(SysTick *st, uint32_t value)
{
    catch_up(st); /* the new value is used from the next reload on */
    st->rvr = value & COUNTER_MASK;
    rearm(st);
}

/* B3.3.5: any write clears the counter and COUNTFLAG, without an event. */
static void write_cvr(SysTick *st)
{
    catch_up(st);
    st->count = 0;
    st->anchor = now_ticks(st);
    st->zeroed = st->anchor;
    st->csr &= ~CSR_COUNTFLAG;
    rearm(st);
}

MmioResult systick_read(SysTick *st, uint32_t offset, unsigned size, uint32_t *value)
{
    if (size != 4)
        return MMIO_UNASSIGNED; /* word access only (B3.3.2) */
    switch (offset) {
    case R_CSR:
        *value = read_csr(st);
        return MMIO_OK;
    case R_RVR:
        *value = st->rvr;
        return MMIO_OK;
    case R_CVR:
        catch_up(st);
        *value = read_cvr(st);
        return MMIO_OK;
    case R_CALIB:
        *value = st->calib;
        return MMIO_OK;
    default:
        return MMIO_UNASSIGNED;
    }
}

MmioResult systick_write(SysTick *st, uint32_t offset, uint32_t value, unsigned size)
{
    if (size != 4)
        return MMIO_UNASSIGNED;
    switch (offset) {
    case R_CSR:
        write_csr(st, value);
        return MMIO_OK;
    case R_RVR:
        write_rvr(st, value);
        return MMIO_OK;
    case R_CVR:
        write_cvr(st);
        return MMIO_OK;
    case R_CALIB:
        log_guest_error(WHO, "write to read-only SYST_CALIB ignored");
        return MMIO_OK;
    default:
        return MMIO_UNASSIGNED;
    }
}

/* The CPU cycle count runs on without a jump across a rate change
 * (clock_set_cpu_hz), so the count and anchor stay valid: only the time
 * of the next wrap moves. */
void systick_cpu_clock_changed(SysTick *st)
{
    if (!(st->csr & CSR_CLKSOURCE))
        return;
    catch_up(st);
    rearm(st);
}

/* RVR and CVR are UNKNOWN at reset (B3.3.4, B3.3.5); 0 as in QEMU. */
void systick_reset(SysTick *st)
{
    st->csr = has_ref(st) ? 0 : CSR_CLKSOURCE;
    st->rvr = 0;
    st->count = 0;
    st->anchor = 0;
    st->zeroed = NO_TICK;
    timer_del(st->timer);
}

SysTick *systick_new(Clock *clock, IrqLine exc_line, uint64_t ref_hz)
{
    SysTick *st = g_new0(SysTick, 1);
    st->clock = clock;
    st->irq = exc_line;
    st->ref_hz = ref_hz;
    st->calib = calib_value(ref_hz);
    st->timer = timer_new(clock, systick_expired, st);
    systick_reset(st);
    return st;
}

void systick_free(SysTick *st)
{
    if (st == NULL)
        return;
    timer_free(st->timer);
    g_free(st);
}

static MmioResult class_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    return systick_read(dev, offset, size, value);
}

static MmioResult class_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    return systick_write(dev, offset, value, size);
}

static void class_reset(void *dev) { systick_reset(dev); }
static void class_destroy(void *dev) { systick_free(dev); }

const DeviceClass systick_class = {
    .type = "armv7m-systick",
    .read = class_read,
    .write = class_write,
    .reset = class_reset,
    .destroy = class_destroy,
};
