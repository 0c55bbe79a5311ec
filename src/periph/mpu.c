/* ARMv7-M PMSAv7 MPU with 8 regions (ARMv7-M ARM B3.5, ARM DDI 0403E),
 * following QEMU's armv7m_nvic.c and get_phys_addr_pmsav7() in what the
 * architecture leaves open: a region with SIZE 0 or a base not aligned to
 * its size never matches; AP 0b100 grants nothing; RNR and RBAR.REGION
 * values of 8 and above are ignored. */
#include "mpu.h"

#include <glib.h>

#include "log.h"

#define WHO "mpu"

/* B3.5.5 MPU_TYPE: DREGION [15:8], no separate instruction regions */
#define R_TYPE 0x00
#define TYPE_DREGION_SHIFT 8
/* B3.5.6 MPU_CTRL */
#define R_CTRL 0x04
#define CTRL_ENABLE (1u << 0)
#define CTRL_HFNMIENA (1u << 1)
#define CTRL_PRIVDEFENA (1u << 2)
#define CTRL_WRITABLE (CTRL_ENABLE | CTRL_HFNMIENA | CTRL_PRIVDEFENA)
/* B3.5.7 MPU_RNR */
#define R_RNR 0x08
/* B3.5.8 MPU_RBAR, B3.5.9 MPU_RASR, then the aliases RBAR_A1/RASR_A1 ..
 * RBAR_A3/RASR_A3 (B3.5.10), which behave exactly like them */
#define R_RBAR 0x0c
#define R_ALIAS_STRIDE 0x08
#define RBAR_ADDR_MASK 0xffffffe0u
#define RBAR_VALID (1u << 4)
#define RBAR_REGION_MASK 0xfu
#define RASR_ENABLE (1u << 0)
#define RASR_SIZE_SHIFT 1
#define RASR_SIZE_MASK 0x1fu
#define RASR_SRD_SHIFT 8
#define RASR_AP_SHIFT 24
#define RASR_AP_MASK 0x7u
#define RASR_XN (1u << 28)
/* XN, AP, TEX/S/C/B, SRD, SIZE, ENABLE; the rest is reserved (RAZ) */
#define RASR_WRITABLE 0x173fff3fu

/* Subregions exist in regions of 256 bytes and more (B3.5.9). */
#define SUBREGION_MIN_SIZE 256u
#define SUBREGIONS 8u

/* B3.1 default memory map */
#define PERIPHERAL_BASE 0x40000000u
#define RAM_BASE 0x60000000u /* after the peripheral region */
#define DEVICE_BASE 0xa0000000u
#define SYSTEM_BASE 0xe0000000u
#define PPB_END 0xe0100000u
#define DEFAULT_MAP_STEP 0x100000u /* every boundary above is a multiple */

#define RW (MPU_READ | MPU_WRITE)

/* B3.5.9 Table B3-15: access permissions by AP value. AP 0b111 is read-only
 * for both, as 0b110 (ARMv7-M); 0b100 is reserved: no access. */
static const uint8_t ap_privileged[8] = { 0, RW, RW, RW, 0, MPU_READ, MPU_READ, MPU_READ };
static const uint8_t ap_unprivileged[8] = { 0, 0, MPU_READ, RW, 0, 0, MPU_READ, MPU_READ };

struct Mpu {
    uint32_t ctrl;
    uint32_t rnr;
    uint32_t rbar[MPU_NUM_REGIONS]; /* ADDR bits only */
    uint32_t rasr[MPU_NUM_REGIONS];
    void (*notify)(void *opaque);
    void *notify_opaque;
};

static void changed(Mpu *mpu)
{
    if (mpu->notify != NULL)
        mpu->notify(mpu->notify_opaque);
}

/* ---- access rules ------------------------------------------------------ */

/* B3.1: RW everywhere; execute-never in the Peripheral, Device and System
 * regions. */
static unsigned default_map(uint32_t addr)
{
    bool xn = (addr >= PERIPHERAL_BASE && addr < RAM_BASE) || addr >= DEVICE_BASE;
    return xn ? RW : RW | MPU_EXEC;
}

/* An enabled region's base and size, false if it can never match. */
static bool region_geometry(const Mpu *mpu, unsigned n, uint32_t *base, uint64_t *size)
{
    uint32_t rasr = mpu->rasr[n];
    unsigned size_field = (rasr >> RASR_SIZE_SHIFT) & RASR_SIZE_MASK;
    if (!(rasr & RASR_ENABLE) || size_field == 0)
        return false;
    *size = 2ull << size_field;
    *base = mpu->rbar[n];
    return (*base & (*size - 1)) == 0;
}

/* The smallest block within which region n's verdict cannot change:
 * its subregion, or the whole region. */
static uint64_t region_granule(uint64_t size)
{
    return size >= SUBREGION_MIN_SIZE ? size / SUBREGIONS : size;
}

/* B3.5.3: the highest-numbered enabled region holding addr in one of its
 * enabled subregions, or -1. A disabled subregion does not match: a lower
 * region or the background applies there. */
static int matching_region(const Mpu *mpu, uint32_t addr)
{
    for (int n = MPU_NUM_REGIONS - 1; n >= 0; n--) {
        uint32_t base;
        uint64_t size;
        if (!region_geometry(mpu, (unsigned)n, &base, &size) || addr < base ||
            addr - base >= size)
            continue;
        if (size >= SUBREGION_MIN_SIZE) {
            unsigned sub = (unsigned)((addr - base) / (size / SUBREGIONS));
            if (mpu->rasr[n] & (1u << (RASR_SRD_SHIFT + sub)))
                continue;
        }
        return n;
    }
    return -1;
}

/* Instruction fetches need read access and no XN; the System region is
 * always execute-never (B3.5.9, B3.1). */
static unsigned region_permissions(const Mpu *mpu, unsigned n, uint32_t addr, MpuContext ctx)
{
    uint32_t rasr = mpu->rasr[n];
    unsigned ap = (rasr >> RASR_AP_SHIFT) & RASR_AP_MASK;
    unsigned perms = ctx.privileged ? ap_privileged[ap] : ap_unprivileged[ap];
    if ((perms & MPU_READ) && !(rasr & RASR_XN) && addr < SYSTEM_BASE)
        perms |= MPU_EXEC;
    return perms;
}

bool mpu_enabled(const Mpu *mpu)
{
    return mpu->ctrl & CTRL_ENABLE;
}

bool mpu_applies(const Mpu *mpu, MpuContext ctx)
{
    return mpu_enabled(mpu) && (!ctx.negative_priority || (mpu->ctrl & CTRL_HFNMIENA));
}

unsigned mpu_permissions(const Mpu *mpu, uint32_t addr, MpuContext ctx)
{
    /* B3.5.1: the PPB always uses the default map */
    if (!mpu_applies(mpu, ctx) || (addr >= SYSTEM_BASE && addr < PPB_END))
        return default_map(addr);
    int n = matching_region(mpu, addr);
    if (n >= 0)
        return region_permissions(mpu, (unsigned)n, addr, ctx);
    /* the background region: privileged accesses with PRIVDEFENA only */
    if (ctx.privileged && (mpu->ctrl & CTRL_PRIVDEFENA))
        return default_map(addr);
    return 0;
}

/* The verdict can only change at a multiple of the smallest granule of a
 * region overlapping the range (regions are aligned to their size) or of
 * the default map's boundaries: look once per such block. */
unsigned mpu_range_permissions(const Mpu *mpu, uint32_t addr, uint32_t len, MpuContext ctx)
{
    uint64_t end = (uint64_t)addr + len;
    uint64_t step = DEFAULT_MAP_STEP;
    for (unsigned n = 0; n < MPU_NUM_REGIONS; n++) {
        uint32_t base;
        uint64_t size;
        if (region_geometry(mpu, n, &base, &size) && base < end && base + size > addr)
            step = MIN(step, region_granule(size));
    }
    unsigned perms = MPU_ALL;
    for (uint64_t p = addr; p < end && perms != 0; p = (p & ~(step - 1)) + step)
        perms &= mpu_permissions(mpu, (uint32_t)p, ctx);
    return perms;
}

/* ---- registers --------------------------------------------------------- */

static void rbar_write(Mpu *mpu, uint32_t value)
{
    unsigned region = mpu->rnr;
    if (value & RBAR_VALID) {
        /* VALID: the region field selects the region and updates RNR */
        region = value & RBAR_REGION_MASK;
        if (region >= MPU_NUM_REGIONS) {
            log_guest_error(WHO, "MPU_RBAR write 0x%08x: region %u out of range", value, region);
            return;
        }
        mpu->rnr = region;
    }
    mpu->rbar[region] = value & RBAR_ADDR_MASK;
    changed(mpu);
}

static void rasr_write(Mpu *mpu, uint32_t value)
{
    if ((value & RASR_ENABLE) && ((value >> RASR_SIZE_SHIFT) & RASR_SIZE_MASK) == 0)
        log_guest_error(WHO, "MPU_RASR write 0x%08x: SIZE 0 is reserved, region ignored", value);
    mpu->rasr[mpu->rnr] = value & RASR_WRITABLE;
    changed(mpu);
}

static void ctrl_write(Mpu *mpu, uint32_t value)
{
    if ((value & (CTRL_ENABLE | CTRL_HFNMIENA)) == CTRL_HFNMIENA)
        log_guest_error(WHO, "MPU_CTRL write 0x%08x: HFNMIENA without ENABLE is UNPREDICTABLE",
                        value);
    mpu->ctrl = value & CTRL_WRITABLE;
    log_trace(WHO, "MPU_CTRL = 0x%x", mpu->ctrl);
    changed(mpu);
}

MmioResult mpu_read(Mpu *mpu, uint32_t offset, unsigned size, uint32_t *value)
{
    if (size != 4 || offset >= MPU_SIZE || offset % 4 != 0)
        return MMIO_UNASSIGNED;
    switch (offset) {
    case R_TYPE: *value = MPU_NUM_REGIONS << TYPE_DREGION_SHIFT; return MMIO_OK;
    case R_CTRL: *value = mpu->ctrl; return MMIO_OK;
    case R_RNR: *value = mpu->rnr; return MMIO_OK;
    default: break;
    }
    /* VALID reads 0, REGION reads RNR */
    if ((offset - R_RBAR) % R_ALIAS_STRIDE == 0)
        *value = mpu->rbar[mpu->rnr] | (mpu->rnr & RBAR_REGION_MASK);
    else
        *value = mpu->rasr[mpu->rnr];
    return MMIO_OK;
}

MmioResult mpu_write(Mpu *mpu, uint32_t offset, uint32_t value, unsigned size)
{
    if (size != 4 || offset >= MPU_SIZE || offset % 4 != 0)
        return MMIO_UNASSIGNED;
    switch (offset) {
    case R_TYPE:
        log_guest_error(WHO, "write to read-only MPU_TYPE ignored");
        return MMIO_OK;
    case R_CTRL:
        ctrl_write(mpu, value);
        return MMIO_OK;
    case R_RNR:
        if (value >= MPU_NUM_REGIONS)
            log_guest_error(WHO, "MPU_RNR write %u: region out of range, ignored", value);
        else
            mpu->rnr = value;
        return MMIO_OK;
    default: break;
    }
    if ((offset - R_RBAR) % R_ALIAS_STRIDE == 0)
        rbar_write(mpu, value);
    else
        rasr_write(mpu, value);
    return MMIO_OK;
}

void mpu_reset(Mpu *mpu)
{
    mpu->ctrl = 0;
    mpu->rnr = 0;
    for (unsigned n = 0; n < MPU_NUM_REGIONS; n++) {
        mpu->rbar[n] = 0;
        mpu->rasr[n] = 0;
    }
    changed(mpu);
}

Mpu *mpu_new(void)
{
    return g_new0(Mpu, 1);
}

void mpu_free(Mpu *mpu)
{
    g_free(mpu);
}

void mpu_set_change_notify(Mpu *mpu, void (*fn)(void *opaque), void *opaque)
{
    mpu->notify = fn;
    mpu->notify_opaque = opaque;
}
