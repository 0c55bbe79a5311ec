/* Robustness sweeps of every device model in src/periph/: firmware is
 * untrusted, so no sequence of register accesses (any offset, in the
 * window or beyond it, any size, any value, any order), interleaved with
 * resets, time passing and host-side events, may crash, hang, read or
 * write out of bounds (run under ASan/UBSan to see those), or break what
 * the rest of minivm relies on:
 *
 * - a result is MMIO_OK, MMIO_UNASSIGNED, or MMIO_BUS_ERROR for devices
 *   that refuse accesses; a read writes *value only on MMIO_OK, and never
 *   more bits than the access size;
 * - an interrupt line is driven to the level the device's own status
 *   registers show, and is low after reset;
 * - running the due timers terminates, runs each timer at most once, and
 *   leaves no deadline in the past;
 * - a reset device reads like a new one;
 * - no file descriptor outlives its device (ivshmem-flat's eventfds);
 * - the NVIC's counters agree with its per-exception state, and whatever
 *   makes an exception deliverable, or changes what the MPU allows, calls
 *   the change notifier the CPU loop depends on;
 * - the same seed gives the same run.
 *
 * The operations are random from a seed printed at the start of each
 * test; MINIVM_SWEEP_SEED=N repeats a run, MINIVM_SWEEP_ITERS=N changes
 * its length. */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "device_sweep.h"
#include "ivshmem_test_fds.h"
#include "unit_main.h"

#define DEFAULT_SEED 20261125u
#define DEFAULT_ITERS 100000u
/* A timer callback runs at most once per clock_run_due() here: every
 * device re-arms in the future. More means a deadline stuck in the past. */
#define MAX_TIMERS_PER_FIXTURE 3
/* Reset equivalence compares the first words of the window. */
#define COMPARE_WINDOW 0x1000u

static uint32_t env_u32(const char *name, uint32_t fallback)
{
    const char *v = g_getenv(name);
    return v != NULL && *v != '\0' ? (uint32_t)strtoul(v, NULL, 0) : fallback;
}

static uint32_t sweep_seed(const char *what)
{
    uint32_t seed = env_u32("MINIVM_SWEEP_SEED", DEFAULT_SEED);
    fprintf(stderr, "device sweep %s: seed %u (MINIVM_SWEEP_SEED=%u repeats it)\n", what, seed,
            seed);
    return seed != 0 ? seed : 1; /* xorshift's one fixed point */
}

/* ---- the operations ---- */

static uint32_t pick_offset(const DeviceKind *k, uint32_t *rng)
{
    uint32_t r = rng_below(rng, 100);
    if (r < 50) {
        const Range *range = &k->ranges[rng_below(rng, (uint32_t)k->n_ranges)];
        uint32_t off = range->start + rng_below(rng, range->end - range->start);
        return rng_below(rng, 4) == 0 ? off : off & ~3u;
    }
    uint32_t span = MIN(k->window, COMPARE_WINDOW * 16);
    if (r < 75)
        return rng_below(rng, span) & ~3u;
    if (r < 88)
        return rng_below(rng, span);
    if (r < 95)
        return k->window - 4 + rng_below(rng, 16); /* straddling the end */
    static const uint32_t wild[] = { 0x7ffffffc, 0x80000000, 0xfffffffc, 0xffffffff, 0xfffffffe,
                                     0x00010000, 0x01fffffc, 0x02000000 };
    return rng_below(rng, 2) ? wild[rng_below(rng, G_N_ELEMENTS(wild))] : rng_next(rng);
}

static uint32_t pick_value(uint32_t *rng)
{
    static const uint32_t boundary[] = {
        0,          1,          2,          3,          0x7f,       0x80,       0xff,
        0x100,      0xffff,     0x10000,    0x00ffffff, 0x01000000, 0x7fffffff, 0x80000000,
        0xfffffffe, 0xffffffff, 0x05fa0000, 0x05fa0300, 0x05fa0700, 0xa05f0000, 0x10000001,
    };
    switch (rng_below(rng, 6)) {
    case 0: return boundary[rng_below(rng, G_N_ELEMENTS(boundary))];
    case 1: return 1u << rng_below(rng, 32);
    case 2: return ~(1u << rng_below(rng, 32));
    case 3: return rng_below(rng, 0x100);
    default: return rng_next(rng);
    }
}

static unsigned pick_size(uint32_t *rng)
{
    static const unsigned sizes[] = { 4, 4, 2, 1 };
    return sizes[rng_below(rng, G_N_ELEMENTS(sizes))];
}

static void check_lines_low(const Fixture *f)
{
    for (unsigned i = 0; i < MAX_PROBES; i++)
        SWEEP_ASSERT_MSG(!f->probe[i].level, "%s: line %u still high after reset", f->kind->name,
                      i);
}

/* A reset device reads like a new one, register by register; resets of
 * the whole machine (AIRCR.SYSRESETREQ) rely on it. */
static void check_reset_equivalence(Fixture *f)
{
    Fixture fresh = { .kind = f->kind, .clock = f->clock };
    f->kind->create(&fresh);
    uint32_t end = MIN(f->kind->window, COMPARE_WINDOW);
    for (uint32_t off = 0; off < end; off += 4) {
        uint32_t a = 0x5a5a5a5a, b = 0x5a5a5a5a;
        MmioResult ra = f->cls->read(f->dev, off, 4, &a);
        MmioResult rb = fresh.cls->read(fresh.dev, off, 4, &b);
        SWEEP_ASSERT_MSG(ra == rb && a == b,
                      "%s offset %#x after reset: %d/%#x, new device: %d/%#x", f->kind->name,
                      off, ra, a, rb, b);
    }
    f->kind->destroy(&fresh);
}

static void check_access(const Fixture *f, MmioResult r)
{
    SWEEP_ASSERT_MSG(r == MMIO_OK || r == MMIO_UNASSIGNED ||
                      (r == MMIO_BUS_ERROR && f->kind->may_bus_error),
                  "%s: result %d", f->kind->name, r);
}

static void do_read(Fixture *f, uint32_t off, unsigned size)
{
    uint32_t v = 0xa5a5a5a5;
    MmioResult r = f->cls->read(f->dev, off, size, &v);
    check_access(f, r);
    if (r != MMIO_OK)
        SWEEP_ASSERT_MSG(v == 0xa5a5a5a5, "%s: failed read of %#x/%u wrote the value",
                      f->kind->name, off, size);
    else if (size < 4)
        SWEEP_ASSERT_MSG(v >> (8 * size) == 0, "%s: read of %#x/%u gave %#x", f->kind->name, off,
                      size, v);
    observe(f, (uint64_t)r << 32 | v);
}

static void run_due(Fixture *f)
{
    unsigned ran = clock_run_due(f->clock);
    SWEEP_ASSERT_MSG(ran <= MAX_TIMERS_PER_FIXTURE, "%s: %u timer callbacks in one run",
                  f->kind->name, ran);
    SWEEP_ASSERT_MSG(clock_next_deadline(f->clock) > clock_ns(f->clock),
                  "%s: a timer is still due after running the due timers", f->kind->name);
    observe(f, ran);
}

static void advance(Fixture *f, TestClock *tc, uint32_t *rng)
{
    static const uint64_t scales[] = { 1, 16, 1000, 100000, 30000000 };
    uint64_t n = rng_below(rng, (uint32_t)scales[rng_below(rng, G_N_ELEMENTS(scales))]) + 1;
    switch (rng_below(rng, 4)) {
    case 0:
        test_clock_skip(tc, n); /* inside a block: accesses see late expiries */
        break;
    case 1:
        clock_warp_to(tc->clock, clock_ns(tc->clock) + n * 40); /* idle skip */
        run_due(f);
        break;
    default:
        test_clock_skip(tc, n);
        run_due(f);
        break;
    }
}

/* One run of `iters` random operations; returns the hash of what it saw. */
static uint64_t sweep_once(const DeviceKind *k, uint32_t seed, unsigned iters)
{
    TestClock tc;
    test_clock_init(&tc, CPU_HZ);
    Fixture f = { .kind = k, .clock = tc.clock, .hash = 0xcbf29ce484222325ull };
    k->create(&f);
    uint32_t rng = seed;
    for (unsigned i = 0; i < iters; i++) {
        uint32_t op = rng_below(&rng, 1000);
        unsigned notified = f.notified;
        uint64_t before_deliverable = f.nvic ? sweep_nvic_deliverable(f.nvic) : 0;
        uint64_t before_mpu = f.mpu ? sweep_mpu_snapshot(f.mpu) : 0;
        if (op < 900) {
            uint32_t off = pick_offset(k, &rng);
            unsigned size = pick_size(&rng);
            /* what the machine guarantees; fixtures check more in it */
            f.in_window = (uint64_t)off + size <= k->window;
            if (op < 420) {
                do_read(&f, off, size);
            } else {
                MmioResult r = f.cls->write(f.dev, off, pick_value(&rng), size);
                check_access(&f, r);
                observe(&f, r);
            }
            f.in_window = false;
        } else if (op < 960) {
            advance(&f, &tc, &rng);
        } else if (op < 985) {
            if (k->poke != NULL)
                k->poke(&f, &rng);
        } else if (op < 988 && f.cls->reset != NULL) {
            /* Host input still queued would reach the reset UART and not
             * the new one: drop it (an unattached chardev never blocks). */
            while (chardev_read_byte_blocking(f.chr) >= 0)
                ;
            f.cls->reset(f.dev);
            run_due(&f);
            check_lines_low(&f);
            check_reset_equivalence(&f);
        } else if (f.mpu != NULL) {
            sweep_mpu_check_range(f.mpu, &rng);
        }
        if (f.nvic != NULL) {
            uint64_t now = sweep_nvic_deliverable(f.nvic);
            SWEEP_ASSERT_MSG(now == before_deliverable || (now & 0xffff) == 0 ||
                              f.notified != notified,
                          "op %u made exception %u deliverable without telling the CPU", i,
                          (unsigned)(now & 0xffff));
        }
        if (f.mpu != NULL)
            SWEEP_ASSERT_MSG(sweep_mpu_snapshot(f.mpu) == before_mpu || f.notified != notified,
                          "op %u changed what the MPU allows without telling the CPU", i);
        if (k->check != NULL)
            k->check(&f);
    }
    k->destroy(&f);
    clock_free(tc.clock);
    return f.hash;
}

START_TEST(test_random_accesses_keep_every_invariant)
{
    const DeviceKind *k = &sweep_kinds[_i];
    uint32_t seed = sweep_seed(k->name);
    unsigned iters = env_u32("MINIVM_SWEEP_ITERS", DEFAULT_ITERS);
    unsigned fds = count_fds();
    sweep_once(k, seed, iters);
    ck_assert_uint_eq(count_fds(), fds);
    /* Same seed, same run: no dependence on addresses or stale memory. */
    SWEEP_ASSERT_MSG(sweep_once(k, seed, iters / 4) == sweep_once(k, seed, iters / 4),
                  "%s: two runs of seed %u differ", k->name, seed);
}
END_TEST

static Suite *device_sweep_suite(void)
{
    Suite *s = suite_create("device sweep");
    TCase *tc = tcase_create("no register access sequence breaks a device");
    tcase_add_loop_test(tc, test_random_accesses_keep_every_invariant, 0,
                        (int)sweep_num_kinds);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(device_sweep_suite());
}
