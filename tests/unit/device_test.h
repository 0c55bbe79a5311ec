/* Helpers for device tests: a probe at the far end of an interrupt line,
 * a virtual clock moved by hand as the CPU loop moves it, and register
 * accesses that must succeed. */
#ifndef MINIVM_TEST_DEVICE_TEST_H
#define MINIVM_TEST_DEVICE_TEST_H

#include <check.h>

#include "clock.h"
#include "device.h"
#include "irq.h"

/* Records the line's level, how often it was driven and its rising edges. */
typedef struct IrqProbe {
    bool level;
    unsigned calls;
    unsigned rises;
} IrqProbe;

static inline void irq_probe_handler(void *opaque, int n, bool level)
{
    IrqProbe *p = opaque;
    p->calls++;
    if (level && !p->level)
        p->rises++;
    p->level = level;
}

static inline IrqLine irq_probe_line(IrqProbe *p)
{
    *p = (IrqProbe){ 0 };
    return (IrqLine){ irq_probe_handler, p, 0 };
}

/* A virtual clock and the instructions "executed" so far. */
typedef struct TestClock {
    Clock *clock;
    uint64_t insns;
} TestClock;

static inline void test_clock_init(TestClock *tc, uint64_t cpu_hz)
{
    tc->clock = clock_new_virtual(cpu_hz);
    tc->insns = 0;
}

/* Time moves on by n instructions without running the due timers, as
 * inside a block of guest code. */
static inline void test_clock_skip(TestClock *tc, uint64_t n)
{
    tc->insns += n;
    clock_set_insns(tc->clock, tc->insns);
}

/* n instructions run, then the timers that are due (the CPU loop's
 * service point). */
static inline void test_clock_advance(TestClock *tc, uint64_t n)
{
    test_clock_skip(tc, n);
    clock_run_due(tc->clock);
}

static inline uint32_t mmio_read32(const DeviceClass *cls, void *dev, uint32_t offset)
{
    uint32_t v = 0xDEADBEEF;
    ck_assert_int_eq(cls->read(dev, offset, 4, &v), MMIO_OK);
    return v;
}

static inline void mmio_write32(const DeviceClass *cls, void *dev, uint32_t offset,
                                uint32_t value)
{
    ck_assert_int_eq(cls->write(dev, offset, value, 4), MMIO_OK);
}

#endif
