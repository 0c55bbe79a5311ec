/* Bit-band alias region (Cortex-M3 TRM 3.7, "Bit-banding").
 *
 * Alias offset o stands for bit ((o >> 2) & 7) of the byte at
 * target + (o >> 5). As in QEMU's model, the target is accessed with the
 * size of the alias access, at the containing aligned address, so word-only
 * peripheral registers can be bit-banded with word accesses: the bit index
 * within that access is ((o >> 2) & 7) + 8 * ((o >> 5) & (size - 1)).
 * Reads return 0 or 1; writes copy bit 0 of the value into the target bit
 * by read-modify-write. */
#include "bitband.h"

#include <glib.h>

#define TYPE_NAME "armv7m-bitband"

struct Bitband {
    char *name;
    uint32_t target;
    BusAccess bus;
};

/* Reads the target access the alias offset falls in; *bit is the bit it
 * stands for within that access. */
static bool read_target(const Bitband *b, uint32_t offset, unsigned size, uint32_t *addr,
                        unsigned *bit, uint32_t *word)
{
    uint32_t byte = offset >> 5;
    *addr = b->target + (byte & ~(size - 1));
    *bit = ((offset >> 2) & 7) + 8 * (byte & (size - 1));
    if (b->bus.read(b->bus.opaque, *addr, size, word))
        return true;
    log_guest_error(b->name, "bit-band access to %#x: nothing answers there", *addr);
    return false;
}

static MmioResult bitband_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    uint32_t addr, word;
    unsigned bit;
    if (!read_target(dev, offset, size, &addr, &bit, &word))
        return MMIO_BUS_ERROR;
    *value = (word >> bit) & 1;
    return MMIO_OK;
}

static MmioResult bitband_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    Bitband *b = dev;
    uint32_t addr, word;
    unsigned bit;
    if (!read_target(b, offset, size, &addr, &bit, &word))
        return MMIO_BUS_ERROR;
    word = (value & 1) ? word | (1u << bit) : word & ~(1u << bit);
    if (!b->bus.write(b->bus.opaque, addr, word, size)) {
        log_guest_error(b->name, "bit-band write to %#x refused", addr);
        return MMIO_BUS_ERROR;
    }
    return MMIO_OK;
}

static void bitband_destroy(void *dev)
{
    Bitband *b = dev;
    g_free(b->name);
    g_free(b);
}

Bitband *bitband_new(const char *name, uint32_t target, BusAccess bus)
{
    Bitband *b = g_new0(Bitband, 1);
    b->name = g_strdup(name != NULL ? name : TYPE_NAME);
    b->target = target;
    b->bus = bus;
    return b;
}

const DeviceClass bitband_class = {
    .type = TYPE_NAME,
    .read = bitband_read,
    .write = bitband_write,
    .reset = NULL,
    .destroy = bitband_destroy,
};
