/* CMSDK APB watchdog: a 32-bit down-counter clocked by WDOGCLK. The first
 * time it reaches zero it sets the interrupt (WDOGINT while INTEN is set)
 * and reloads from LOAD; if it reaches zero again before INTCLR, it
 * asserts WDOGRES while RESEN is set (DDI 0479C 4.5).
 *
 * Behaviour follows QEMU 7.2's hw/watchdog/cmsdk-apb-watchdog.c where it
 * differs from the TRM: the counter runs from reset whatever INTEN says
 * (the TRM has INTEN enable it); writing LOAD restarts it; the second
 * timeout stops it and sets a reset status that only a device reset
 * clears, so setting RESEN later still resets; WDOGINT is driven again at
 * every register write and timeout that updates it (QEMU's NMI input
 * pends at each drive while high). QEMU freezes the count where its timer
 * callback, late by host scheduling, finds it; here it stops at zero.
 * The count itself is the CMSDK timers' down-counter (QEMU uses the same
 * ptimer policy for both). */
#include "cmsdk_watchdog.h"

#include <glib.h>

#include "cmsdk_timer.h"

#define A_LOAD 0x000
#define A_VALUE 0x004
#define A_CONTROL 0x008
#define A_INTCLR 0x00C
#define A_RIS 0x010
#define A_MIS 0x014
#define A_LOCK 0xC00
#define A_ITCR 0xF00
#define A_ITOP 0xF04
#define A_PID4 0xFD0
#define A_CID3 0xFFC

#define CONTROL_INTEN (1u << 0)
#define CONTROL_RESEN (1u << 1)
#define CONTROL_MASK (CONTROL_INTEN | CONTROL_RESEN)
#define RIS_INT (1u << 0)
#define LOCK_KEY 0x1ACCE551u
#define ITCR_ENABLE (1u << 0)
#define ITOP_WDOGRES (1u << 0)
#define ITOP_WDOGINT (1u << 1)
#define ITOP_MASK (ITOP_WDOGRES | ITOP_WDOGINT)
#define LOAD_RESET 0xFFFFFFFFu

/* PID4..PID7, PID0..PID3, CID0..CID3 (part 0x824, ARM JEP106) */
static const uint8_t cmsdk_watchdog_id[] = {
    0x04, 0x00, 0x00, 0x00, 0x24, 0xb8, 0x1b, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
};

struct CmsdkWatchdog {
    char *name;
    CmsdkCounter *counter;
    IrqLine wdogint;
    IrqLine wdogres;
    uint32_t control;
    bool intstatus;
    bool resetstatus; /* the second timeout happened (cleared by reset) */
    bool locked;
    uint32_t itcr;
    uint32_t itop;
};

/* Drives both outputs from the state; in integration test mode ITOP
 * drives them instead. */
static void watchdog_update(CmsdkWatchdog *w)
{
    bool wdogint, wdogres;
    if (w->itcr & ITCR_ENABLE) {
        wdogint = w->itop & ITOP_WDOGINT;
        wdogres = w->itop & ITOP_WDOGRES;
    } else {
        wdogint = w->intstatus && (w->control & CONTROL_INTEN);
        wdogres = w->resetstatus && (w->control & CONTROL_RESEN);
    }
    /* The counter runs from reset, but a timeout with neither output
     * enabled cannot wake a sleeping CPU: such a WFI is stuck (101), not a
     * wait for a timeout that changes nothing the CPU would see */
    cmsdk_counter_set_wakes_cpu(w->counter, (w->control & CONTROL_MASK) != 0);
    irq_set(&w->wdogint, wdogint);
    if (wdogres) {
        log_trace(w->name, "WDOGRES: system reset");
        irq_pulse(&w->wdogres);
    }
}

static void watchdog_expired(void *opaque)
{
    CmsdkWatchdog *w = opaque;
    if (!w->intstatus) {
        log_trace(w->name, "timeout: interrupt%s", w->control & CONTROL_INTEN ? "" : " (masked)");
        w->intstatus = true;
    } else {
        log_trace(w->name, "second timeout: reset status, counter stopped");
        w->resetstatus = true;
        cmsdk_counter_stop(w->counter);
        cmsdk_counter_set_value(w->counter, 0);
    }
    watchdog_update(w);
}

static bool watchdog_read_reg(CmsdkWatchdog *w, uint32_t offset, uint32_t *value)
{
    switch (offset) {
    case A_LOAD: *value = cmsdk_counter_limit(w->counter); return true;
    case A_VALUE: *value = cmsdk_counter_value(w->counter); return true;
    case A_CONTROL: *value = w->control; return true;
    case A_RIS: *value = w->intstatus; return true;
    case A_MIS: *value = w->intstatus && (w->control & CONTROL_INTEN); return true;
    case A_LOCK: *value = w->locked; return true;
    case A_ITCR: *value = w->itcr; return true;
    case A_INTCLR:
    case A_ITOP:
        log_guest_error(w->name, "read of write-only offset 0x%03x", offset);
        *value = 0;
        return true;
    default:
        if (offset < A_PID4 || offset > A_CID3)
            return false;
        *value = cmsdk_watchdog_id[(offset - A_PID4) / 4];
        return true;
    }
}

static MmioResult cmsdk_watchdog_read(void *dev, uint32_t offset, unsigned size,
                                      uint32_t *value)
{
    CmsdkWatchdog *w = dev;
    uint32_t r;
    cmsdk_counter_sync(w->counter);
    if ((offset & 3) != 0 || !watchdog_read_reg(w, offset, &r))
        return MMIO_UNASSIGNED;
    *value = size == 4 ? r : r & ((1u << (8 * size)) - 1);
    return MMIO_OK;
}

/* LOAD sets the reload value and the count, and keeps the counter
 * running (QEMU 7.2) */
static void watchdog_write_load(CmsdkWatchdog *w, uint32_t value)
{
    cmsdk_counter_set_limit(w->counter, value);
    cmsdk_counter_set_value(w->counter, value);
    cmsdk_counter_run(w->counter);
}

static bool watchdog_write_reg(CmsdkWatchdog *w, uint32_t offset, uint32_t value)
{
    switch (offset) {
    case A_LOAD: watchdog_write_load(w, value); break;
    case A_CONTROL: w->control = value & CONTROL_MASK; break;
    case A_INTCLR:
        w->intstatus = false;
        cmsdk_counter_set_value(w->counter, cmsdk_counter_limit(w->counter));
        break;
    case A_ITCR: w->itcr = value & ITCR_ENABLE; break;
    case A_ITOP: w->itop = value & ITOP_MASK; break;
    case A_VALUE:
    case A_RIS:
    case A_MIS:
        log_guest_error(w->name, "write to read-only offset 0x%03x", offset);
        return true;
    default:
        if (offset < A_PID4 || offset > A_CID3)
            return false;
        log_guest_error(w->name, "write to read-only offset 0x%03x", offset);
        return true;
    }
    watchdog_update(w);
    return true;
}

static MmioResult cmsdk_watchdog_write(void *dev, uint32_t offset, uint32_t value,
                                       unsigned size)
{
    CmsdkWatchdog *w = dev;
    (void)size; /* narrower writes are zero-extended, as QEMU does */
    cmsdk_counter_sync(w->counter);
    if ((offset & 3) != 0)
        return MMIO_UNASSIGNED;
    if (offset == A_LOCK) {
        w->locked = value != LOCK_KEY;
        log_trace(w->name, "%s", w->locked ? "locked" : "unlocked");
        return MMIO_OK;
    }
    if (w->locked) {
        log_guest_error(w->name, "write to 0x%03x while locked: ignored", offset);
        return MMIO_OK;
    }
    if (!watchdog_write_reg(w, offset, value))
        return MMIO_UNASSIGNED;
    log_trace(w->name, "write 0x%03x <- 0x%08x", offset, value);
    return MMIO_OK;
}

static void cmsdk_watchdog_reset(void *dev)
{
    CmsdkWatchdog *w = dev;
    w->control = 0;
    w->intstatus = false;
    w->resetstatus = false;
    w->locked = false;
    w->itcr = 0;
    w->itop = 0;
    cmsdk_counter_stop(w->counter);
    watchdog_write_load(w, LOAD_RESET);
    irq_set(&w->wdogint, false);
    cmsdk_counter_set_wakes_cpu(w->counter, false);
}

static void cmsdk_watchdog_destroy(void *dev)
{
    CmsdkWatchdog *w = dev;
    cmsdk_counter_free(w->counter);
    g_free(w->name);
    g_free(w);
}

const DeviceClass cmsdk_watchdog_class = {
    .type = "cmsdk-apb-watchdog",
    .read = cmsdk_watchdog_read,
    .write = cmsdk_watchdog_write,
    .reset = cmsdk_watchdog_reset,
    .destroy = cmsdk_watchdog_destroy,
};

CmsdkWatchdog *cmsdk_watchdog_new(const char *name, Clock *clock, uint64_t wdogclk_hz,
                                  IrqLine wdogint, IrqLine wdogres)
{
    CmsdkWatchdog *w = g_new0(CmsdkWatchdog, 1);
    w->name = g_strdup(name != NULL ? name : cmsdk_watchdog_class.type);
    w->counter = cmsdk_counter_new(clock, wdogclk_hz, watchdog_expired, w);
    w->wdogint = wdogint;
    w->wdogres = wdogres;
    cmsdk_watchdog_reset(w);
    return w;
}
