/* The device sweep (test_device_sweep.c): what a device fixture is, and
 * what the fixtures (device_sweep_fixtures.c) and the engine share. */
#ifndef MINIVM_TEST_DEVICE_SWEEP_H
#define MINIVM_TEST_DEVICE_SWEEP_H

#include <check.h>
#include <stddef.h>

#include "chardev.h"
#include "device_test.h"
#include "dwt.h"
#include "mpu.h"
#include "nvic.h"
#include "systick.h"

/* ck_assert marks a checkpoint through a pipe each time it passes: too
 * slow for millions of checks. These only call into Check on failure. */
#define SWEEP_ASSERT(expr)                                                  \
    do {                                                                    \
        if (!(expr))                                                        \
            ck_abort_msg("assertion '%s' failed", #expr);                   \
    } while (0)
#define SWEEP_ASSERT_MSG(expr, ...)                                         \
    do {                                                                    \
        if (!(expr))                                                        \
            ck_abort_msg(__VA_ARGS__);                                      \
    } while (0)

#define CPU_HZ 25000000u
#define MAX_PROBES 4

/* The sweep's random numbers: xorshift32, seeded per test. */
static inline uint32_t rng_next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static inline uint32_t rng_below(uint32_t *s, uint32_t n)
{
    return n == 0 ? 0 : rng_next(s) % n;
}

typedef struct Range {
    uint32_t start, end; /* register offsets worth aiming at, [start, end) */
} Range;

typedef struct Fixture Fixture;
typedef struct IvshmemFake IvshmemFake; /* the ivshmem fixture's fake server */

typedef struct DeviceKind {
    const char *name;
    uint32_t window;
    const Range *ranges;
    size_t n_ranges;
    bool may_bus_error;
    void (*create)(Fixture *f);
    void (*destroy)(Fixture *f);
    /* device-specific invariants, after every operation */
    void (*check)(Fixture *f);
    /* a host-side event (input bytes, line levels, the CPU taking an
     * exception...), NULL if none */
    void (*poke)(Fixture *f, uint32_t *rng);
} DeviceKind;

struct Fixture {
    const DeviceKind *kind;
    Clock *clock; /* shared with the reference instance */
    const DeviceClass *cls;
    void *dev;
    IrqProbe probe[MAX_PROBES];
    CharDev *chr;
    Nvic *nvic;
    SysTick *systick;
    Dwt *dwt;
    Mpu *mpu;
    IvshmemFake *iv;
    bool in_window; /* the access under way is inside the window */
    unsigned notified;
    uint64_t hash; /* of everything observed, for the determinism check */
};

/* A register that must answer (device_test.h's mmio_read32, unmarked). */
static inline uint32_t read32(const Fixture *f, uint32_t offset)
{
    uint32_t v = 0;
    MmioResult r = f->cls->read(f->dev, offset, 4, &v);
    SWEEP_ASSERT_MSG(r == MMIO_OK, "%s: read of %#x failed (%d)", f->kind->name, offset, r);
    return v;
}

static inline void observe(Fixture *f, uint64_t v)
{
    f->hash = (f->hash ^ v) * 0x100000001b3ull;
}

/* Every device kind the sweep knows. */
extern const DeviceKind sweep_kinds[];
extern const size_t sweep_num_kinds;

/* What the CPU loop would take from the NVIC under a few mask settings,
 * packed; what the MPU allows at sample addresses, hashed. */
uint64_t sweep_nvic_deliverable(const Nvic *nvic);
uint64_t sweep_mpu_snapshot(const Mpu *mpu);
/* What a random range may do is what every byte of it may do. */
void sweep_mpu_check_range(const Mpu *mpu, uint32_t *rng);

#endif
