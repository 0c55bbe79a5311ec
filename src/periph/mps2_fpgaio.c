/* MPS2 FPGAIO: user LEDs and buttons, free-running 1 Hz and 100 Hz
 * counters, a prescaled counter (PSCNTR counts down at the prescaler
 * clock and reloads from PRESCALE; COUNTER counts the reloads) and MISC
 * control bits. Nothing ticks: every count is computed from guest time
 * when read, so under --clock virtual they are deterministic. Behaviour
 * follows QEMU 7.2's hw/misc/mps2-fpgaio.c. */
#include "mps2_fpgaio.h"

#include <glib.h>

#define A_LED0 0x00
#define A_BUTTON 0x08
#define A_CLK1HZ 0x10
#define A_CLK100HZ 0x14
#define A_COUNTER 0x18
#define A_PRESCALE 0x1C
#define A_PSCNTR 0x20
#define A_MISC 0x4C

#define NUM_LEDS 2
#define LED0_MASK ((1u << NUM_LEDS) - 1)
#define NS_PER_SEC 1000000000

struct Mps2Fpgaio {
    char *name;
    Clock *clock;
    uint64_t prescale_hz;
    uint32_t led0;
    uint32_t misc;
    uint32_t prescale;
    /* CLKnHZ read (now - offset) in ticks of n Hz; an offset may lie
     * before time 0 (a large value written) */
    int64_t clk1hz_offset;
    int64_t clk100hz_offset;
    /* PSCNTR and COUNTER as they were at prescaler tick synced_tick */
    uint32_t pscntr;
    uint32_t counter;
    uint64_t synced_tick;
};

static int64_t fpgaio_now(Mps2Fpgaio *f) { return (int64_t)clock_ns(f->clock); }

static uint32_t clk_read(Mps2Fpgaio *f, int64_t offset, uint32_t hz)
{
    __int128 ns = (__int128)fpgaio_now(f) - offset;
    return (uint32_t)(ns * hz / NS_PER_SEC);
}

/* The offset at which a counter of hz reads value now */
static int64_t clk_offset_for(Mps2Fpgaio *f, uint32_t value, uint32_t hz)
{
    return fpgaio_now(f) - (int64_t)((uint64_t)value * NS_PER_SEC / hz);
}

/* Brings PSCNTR and COUNTER up to the current prescaler tick. PSCNTR
 * decrements once a tick; one tick after reaching zero it reloads from
 * PRESCALE and COUNTER increments. With PRESCALE 0 it stays at zero and
 * COUNTER increments every tick. */
static void prescaler_sync(Mps2Fpgaio *f)
{
    uint64_t now = clock_ns_to_ticks(clock_ns(f->clock), f->prescale_hz);
    uint64_t ticks = now - f->synced_tick;
    f->synced_tick = now;
    if (ticks < f->pscntr) {
        f->pscntr -= (uint32_t)ticks;
    } else if (f->prescale == 0) {
        f->counter += (uint32_t)(ticks - f->pscntr);
        f->pscntr = 0;
    } else {
        /* ticks since the count would have been PRESCALE, one period of
         * PRESCALE + 1 ticks per reload */
        uint64_t period = (uint64_t)f->prescale + 1;
        uint64_t since = ticks - f->pscntr + f->prescale;
        f->pscntr = f->prescale - (uint32_t)(since % period);
        f->counter += (uint32_t)(since / period);
    }
}

static bool fpgaio_read_reg(Mps2Fpgaio *f, uint32_t offset, uint32_t *value)
{
    switch (offset) {
    case A_LED0: *value = f->led0; return true;
    case A_BUTTON: *value = 0; return true; /* buttons are never pressed */
    case A_CLK1HZ: *value = clk_read(f, f->clk1hz_offset, 1); return true;
    case A_CLK100HZ: *value = clk_read(f, f->clk100hz_offset, 100); return true;
    case A_COUNTER:
        prescaler_sync(f);
        *value = f->counter;
        return true;
    case A_PRESCALE: *value = f->prescale; return true;
    case A_PSCNTR:
        prescaler_sync(f);
        *value = f->pscntr;
        return true;
    case A_MISC: *value = f->misc; return true;
    default: return false;
    }
}

static MmioResult mps2_fpgaio_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    Mps2Fpgaio *f = dev;
    uint32_t r;
    if ((offset & 3) != 0 || !fpgaio_read_reg(f, offset, &r))
        return MMIO_UNASSIGNED;
    *value = size == 4 ? r : r & ((1u << (8 * size)) - 1);
    return MMIO_OK;
}

static MmioResult mps2_fpgaio_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    Mps2Fpgaio *f = dev;
    (void)size; /* narrower writes are zero-extended, as QEMU does */
    switch (offset) {
    case A_LED0:
        if ((value & LED0_MASK) != f->led0)
            log_trace(f->name, "LEDs %u%u", (value >> 1) & 1, value & 1);
        f->led0 = value & LED0_MASK;
        break;
    case A_CLK1HZ: f->clk1hz_offset = clk_offset_for(f, value, 1); break;
    case A_CLK100HZ: f->clk100hz_offset = clk_offset_for(f, value, 100); break;
    case A_COUNTER:
        prescaler_sync(f);
        f->counter = value;
        break;
    case A_PRESCALE:
        prescaler_sync(f);
        f->prescale = value;
        break;
    case A_PSCNTR:
        prescaler_sync(f);
        f->pscntr = value;
        break;
    case A_MISC:
        /* SPI, CLCD and shield controls: no device here reads them */
        log_unimp(f->name, "MISC control bits (0x%08x) have no effect", value);
        f->misc = value;
        break;
    default:
        return MMIO_UNASSIGNED;
    }
    log_trace(f->name, "write 0x%03x <- 0x%08x", offset, value);
    return MMIO_OK;
}

static void mps2_fpgaio_reset(void *dev)
{
    Mps2Fpgaio *f = dev;
    f->led0 = 0;
    f->misc = 0;
    f->prescale = 0;
    f->clk1hz_offset = clk_offset_for(f, 0, 1);
    f->clk100hz_offset = clk_offset_for(f, 0, 100);
    f->pscntr = 0;
    f->counter = 0;
    f->synced_tick = clock_ns_to_ticks(clock_ns(f->clock), f->prescale_hz);
}

static void mps2_fpgaio_destroy(void *dev)
{
    Mps2Fpgaio *f = dev;
    g_free(f->name);
    g_free(f);
}

const DeviceClass mps2_fpgaio_class = {
    .type = "mps2-fpgaio",
    .read = mps2_fpgaio_read,
    .write = mps2_fpgaio_write,
    .reset = mps2_fpgaio_reset,
    .destroy = mps2_fpgaio_destroy,
};

Mps2Fpgaio *mps2_fpgaio_new(const char *name, Clock *clock, uint64_t prescale_hz)
{
    g_assert(prescale_hz > 0);
    Mps2Fpgaio *f = g_new0(Mps2Fpgaio, 1);
    f->name = g_strdup(name != NULL ? name : mps2_fpgaio_class.type);
    f->clock = clock;
    f->prescale_hz = prescale_hz;
    mps2_fpgaio_reset(f);
    return f;
}
