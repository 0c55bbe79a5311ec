/* ARMv7-M DWT (ARMv7-M ARM C1.8): CTRL and the cycle counter; the
 * profiling counters read as zero, there are no comparators. QEMU has no
 * DWT model at all (its CYCCNT reads 0); this one counts CPU cycles of
 * the machine's Clock.
 *
 * CYCCNT is computed when read: while counting it is `base` plus the
 * cycles since `anchor`; when counting stops it freezes in `base`. */
#include "dwt.h"

#include <glib.h>

/* C1.8.7 DWT_CTRL */
#define R_CTRL 0x000
#define CTRL_CYCCNTENA (1u << 0)
#define CTRL_NOPRFCNT (1u << 24)
#define CTRL_NOCYCCNT (1u << 25)
#define CTRL_NOEXTTRIG (1u << 26)
#define CTRL_NOTRCPKT (1u << 27)
#define CTRL_NUMCOMP_SHIFT 28
/* POSTPRESET/POSTINIT/CYCTAP/SYNCTAP/PCSAMPLENA [12:0], EXCTRCENA [16],
 * CYCEVTENA [22]: stored, without effect beyond CYCCNTENA. The event
 * enables of the absent profiling counters [21:17] are RAZ/WI. */
#define CTRL_WRITABLE (0x00001fffu | (1u << 16) | (1u << 22))
/* No comparators, no trace packets, no external triggers, no profiling
 * counters; CYCCNT present. */
#define CTRL_ID (CTRL_NOTRCPKT | CTRL_NOEXTTRIG | CTRL_NOPRFCNT | (0u << CTRL_NUMCOMP_SHIFT))
#define R_CYCCNT 0x004
#define R_CPICNT 0x008 /* then EXCCNT, SLEEPCNT, LSUCNT, FOLDCNT */
#define R_PCSR 0x01c
/* CoreSight lock registers: not implemented for software on the M3 */
#define R_LAR 0xfb0
#define R_LSR 0xfb4
#define R_PID4 0xfd0
#define R_CID3 0xffc

/* PID4..PID7, PID0..PID3, CID0..CID3: Cortex-M3 DWT (ARM part 0x002). */
static const uint8_t dwt_id[] = {
    0x04, 0x00, 0x00, 0x00,
    0x02, 0xb0, 0x3b, 0x00,
    0x0d, 0xe0, 0x05, 0xb1,
};

struct Dwt {
    Clock *clock;
    bool trcena;
    uint32_t ctrl;
    uint32_t base;   /* CYCCNT at `anchor` */
    uint64_t anchor; /* CPU cycle count when counting last (re)started */
};

static bool counting(const Dwt *dwt)
{
    return dwt->trcena && (dwt->ctrl & CTRL_CYCCNTENA);
}

static uint32_t cyccnt(const Dwt *dwt)
{
    if (!counting(dwt))
        return dwt->base;
    return dwt->base + (uint32_t)(clock_cycles(dwt->clock) - dwt->anchor);
}

/* Call around any change of the counting condition. */
static void freeze(Dwt *dwt)
{
    dwt->base = cyccnt(dwt);
    dwt->anchor = clock_cycles(dwt->clock);
}

void dwt_set_trcena(Dwt *dwt, bool trcena)
{
    freeze(dwt);
    dwt->trcena = trcena;
}

/* CPICNT..FOLDCNT (CTRL.NOPRFCNT), PCSR, and the lock registers, which the
 * M3 does not implement for software: RAZ/WI. */
static bool raz_wi(uint32_t offset)
{
    return (offset >= R_CPICNT && offset <= R_PCSR) || offset == R_LAR || offset == R_LSR;
}

static MmioResult dwt_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    Dwt *dwt = dev;
    if (size != 4)
        return MMIO_UNASSIGNED;
    if (offset == R_CTRL)
        *value = CTRL_ID | dwt->ctrl;
    else if (offset == R_CYCCNT)
        *value = cyccnt(dwt);
    else if (raz_wi(offset))
        *value = 0;
    else if (offset >= R_PID4 && offset <= R_CID3 && offset % 4 == 0)
        *value = dwt_id[(offset - R_PID4) / 4];
    else
        return MMIO_UNASSIGNED;
    return MMIO_OK;
}

static MmioResult dwt_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    Dwt *dwt = dev;
    if (size != 4)
        return MMIO_UNASSIGNED;
    if (offset == R_CTRL) {
        freeze(dwt);
        dwt->ctrl = value & CTRL_WRITABLE;
    } else if (offset == R_CYCCNT) {
        dwt->base = value;
        dwt->anchor = clock_cycles(dwt->clock);
    } else if (!raz_wi(offset)) {
        return MMIO_UNASSIGNED;
    }
    return MMIO_OK;
}

/* C1.8.7/C1.8.8: CTRL's enables and CYCCNT reset to 0. */
static void dwt_reset(void *dev)
{
    Dwt *dwt = dev;
    dwt->ctrl = 0;
    dwt->base = 0;
    dwt->anchor = clock_cycles(dwt->clock);
}

Dwt *dwt_new(Clock *clock)
{
    Dwt *dwt = g_new0(Dwt, 1);
    dwt->clock = clock;
    dwt_reset(dwt);
    return dwt;
}

void dwt_free(Dwt *dwt) { g_free(dwt); }

static void dwt_destroy(void *dev) { dwt_free(dev); }

/* In the PPB: privileged-only (B3.1). */
static bool dwt_unprivileged_ok(void *dev, uint32_t offset, bool is_write) { return false; }

const DeviceClass dwt_class = {
    .type = "armv7m-dwt",
    .read = dwt_read,
    .write = dwt_write,
    .reset = dwt_reset,
    .destroy = dwt_destroy,
    .unprivileged_ok = dwt_unprivileged_ok,
};
