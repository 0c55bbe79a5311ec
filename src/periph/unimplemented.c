/* The "unimplemented" device. Firmware often polls a register it expects
 * to change, so reporting every access would flood the trace: each
 * (offset, direction) is reported once, up to UNIMP_MAX_REPORTS of them,
 * and then one line says that further accesses go unreported. The record
 * survives reset: it is about minivm's gaps, not guest state. */
#include "unimplemented.h"

#include <glib.h>

#define UNIMP_MAX_REPORTS 32

typedef struct {
    uint32_t offset;
    bool is_write;
} UnimpAccess;

struct Unimplemented {
    char *name;
    uint32_t size;
    unsigned nreported;
    bool silenced;
    UnimpAccess reported[UNIMP_MAX_REPORTS];
};

static bool unimp_seen(const Unimplemented *u, uint32_t offset, bool is_write)
{
    for (unsigned i = 0; i < u->nreported; i++) {
        if (u->reported[i].offset == offset && u->reported[i].is_write == is_write)
            return true;
    }
    return false;
}

static void unimp_report(Unimplemented *u, uint32_t offset, unsigned size, bool is_write,
                         uint32_t value)
{
    if (u->silenced || unimp_seen(u, offset, is_write))
        return;
    if (u->nreported == UNIMP_MAX_REPORTS) {
        u->silenced = true;
        log_unimp(u->name, "more than %d different accesses, no longer reported",
                  UNIMP_MAX_REPORTS);
        return;
    }
    u->reported[u->nreported++] = (UnimpAccess){ offset, is_write };
    if (is_write)
        log_unimp(u->name, "write of size %u at offset 0x%x (window 0x%x bytes), value 0x%x",
                  size, offset, u->size, value);
    else
        log_unimp(u->name, "read of size %u at offset 0x%x (window 0x%x bytes)", size, offset,
                  u->size);
}

static MmioResult unimplemented_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    unimp_report(dev, offset, size, false, 0);
    return MMIO_UNASSIGNED;
}

static MmioResult unimplemented_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    unimp_report(dev, offset, size, true, value);
    return MMIO_UNASSIGNED;
}

static void unimplemented_reset(void *dev) {}

static void unimplemented_destroy(void *dev)
{
    Unimplemented *u = dev;
    g_free(u->name);
    g_free(u);
}

const DeviceClass unimplemented_class = {
    .type = "unimplemented",
    .read = unimplemented_read,
    .write = unimplemented_write,
    .reset = unimplemented_reset,
    .destroy = unimplemented_destroy,
};

static bool unimplemented_unprivileged_ok(void *dev, uint32_t offset, bool is_write)
{
    return false;
}

const DeviceClass unimplemented_ppb_class = {
    .type = "unimplemented-ppb",
    .read = unimplemented_read,
    .write = unimplemented_write,
    .reset = unimplemented_reset,
    .destroy = unimplemented_destroy,
    .unprivileged_ok = unimplemented_unprivileged_ok,
};

Unimplemented *unimplemented_new(const char *name, uint32_t size)
{
    Unimplemented *u = g_new0(Unimplemented, 1);
    u->name = g_strdup(name != NULL ? name : unimplemented_class.type);
    u->size = size;
    return u;
}
