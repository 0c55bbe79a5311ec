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
#include <gio/gio.h>
#include <gio/gunixfdmessage.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bitband.h"
#include "chardev.h"
#include "cmsdk_dualtimer.h"
#include "cmsdk_timer.h"
#include "cmsdk_uart.h"
#include "device_test.h"
#include "dwt.h"
#include "ivshmem_flat.h"
#include "ivshmem_test_fds.h"
#include "mpu.h"
#include "nvic.h"
#include "pl011.h"
#include "scs.h"
#include "stellaris_sysctl.h"
#include "systick.h"
#include "unimplemented.h"
#include "unit_main.h"

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

#define DEFAULT_SEED 20261125u
#define DEFAULT_ITERS 100000u
#define CPU_HZ 25000000u
#define MAX_PROBES 4
/* A timer callback runs at most once per clock_run_due() here: every
 * device re-arms in the future. More means a deadline stuck in the past. */
#define MAX_TIMERS_PER_FIXTURE 3
/* Reset equivalence compares the first words of the window. */
#define COMPARE_WINDOW 0x1000u

/* ---- random numbers ---- */

static uint32_t rng_next(uint32_t *s)
{
    /* xorshift32 */
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static uint32_t rng_below(uint32_t *s, uint32_t n)
{
    return n == 0 ? 0 : rng_next(s) % n;
}

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

/* ---- fixtures ---- */

typedef struct Range {
    uint32_t start, end; /* register offsets worth aiming at, [start, end) */
} Range;

typedef struct Fixture Fixture;
typedef struct IvshmemFake IvshmemFake;

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
    unsigned notified;
    uint64_t hash; /* of everything observed, for the determinism check */
};

/* A register that must answer (device_test.h's mmio_read32, unmarked). */
static uint32_t read32(const Fixture *f, uint32_t offset)
{
    uint32_t v = 0;
    MmioResult r = f->cls->read(f->dev, offset, 4, &v);
    SWEEP_ASSERT_MSG(r == MMIO_OK, "%s: read of %#x failed (%d)", f->kind->name, offset, r);
    return v;
}

static void count_notify(void *opaque)
{
    ((Fixture *)opaque)->notified++;
}

static void observe(Fixture *f, uint64_t v)
{
    f->hash = (f->hash ^ v) * 0x100000001b3ull;
}

/* cmsdk-apb-uart: four lines; INTSTATUS says which must be high. */
static const Range uart_ranges[] = { { 0x00, 0x14 }, { 0xfd0, 0x1000 } };

static void uart_create(Fixture *f)
{
    f->chr = chardev_new_fds(-1, -1);
    CmsdkUartConfig cfg = {
        .name = "uart",
        .chr = f->chr,
        .tx_irq = irq_probe_line(&f->probe[0]),
        .rx_irq = irq_probe_line(&f->probe[1]),
        .overflow_irq = irq_probe_line(&f->probe[2]),
        .combined_irq = irq_probe_line(&f->probe[3]),
        .pclk_hz = CPU_HZ,
        .clock = f->clock,
    };
    f->cls = &cmsdk_uart_class;
    f->dev = cmsdk_uart_new(&cfg);
}

static void chr_destroy(Fixture *f)
{
    f->cls->destroy(f->dev);
    chardev_free(f->chr);
}

static void uart_check(Fixture *f)
{
    uint32_t st = read32(f, 0x0c);
    SWEEP_ASSERT((st & ~0xfu) == 0);
    SWEEP_ASSERT(f->probe[0].level == ((st & 1) != 0));
    SWEEP_ASSERT(f->probe[1].level == ((st & 2) != 0));
    SWEEP_ASSERT(f->probe[2].level == ((st & 0xc) != 0));
    SWEEP_ASSERT(f->probe[3].level == (st != 0));
}

static void chr_poke(Fixture *f, uint32_t *rng)
{
    uint8_t buf[24];
    size_t n = 1 + rng_below(rng, sizeof(buf));
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)rng_next(rng);
    chardev_push_input(f->chr, buf, n);
    chardev_deliver(f->chr);
}

/* The chardev only offers a byte when RX has room: a byte straight onto
 * the line is what can overrun. */
static void uart_poke(Fixture *f, uint32_t *rng)
{
    if (rng_next(rng) & 1)
        cmsdk_uart_receive(f->dev, (uint8_t)rng_next(rng));
    else
        chr_poke(f, rng);
}

/* pl011-luminary: one line, MIS says its level. */
static const Range pl011_ranges[] = { { 0x00, 0x08 }, { 0x18, 0x4c }, { 0xfe0, 0x1000 } };

static void pl011_create(Fixture *f)
{
    f->chr = chardev_new_fds(-1, -1);
    Pl011Config cfg = { .name = "pl011", .chr = f->chr, .irq = irq_probe_line(&f->probe[0]) };
    f->cls = &pl011_class;
    f->dev = pl011_new(&cfg);
}

static void pl011_check(Fixture *f)
{
    uint32_t mis = read32(f, 0x40);
    SWEEP_ASSERT(f->probe[0].level == (mis != 0));
}

/* cmsdk-apb-timer: TIMERINT follows INTSTATUS. */
static const Range apbtimer_ranges[] = { { 0x00, 0x10 }, { 0xfd0, 0x1000 } };

static void apbtimer_create(Fixture *f)
{
    f->cls = &cmsdk_timer_class;
    f->dev = cmsdk_timer_new("timer", f->clock, CPU_HZ, irq_probe_line(&f->probe[0]));
}

static void plain_destroy(Fixture *f)
{
    f->cls->destroy(f->dev);
}

static void apbtimer_check(Fixture *f)
{
    uint32_t st = read32(f, 0x0c);
    SWEEP_ASSERT(st <= 1);
    SWEEP_ASSERT(f->probe[0].level == (st != 0));
}

/* cmsdk-apb-dualtimer: TIMINTC is MIS1 | MIS2, or TIMERITOP in
 * integration test mode (TIMERITOP is write-only: then only check that
 * MIS alone does not explain a low line). */
static const Range dualtimer_ranges[] = { { 0x00, 0x40 }, { 0xf00, 0xf08 }, { 0xfd0, 0x1000 } };

static void dualtimer_create(Fixture *f)
{
    f->cls = &cmsdk_dualtimer_class;
    f->dev = cmsdk_dualtimer_new("dualtimer", f->clock, CPU_HZ, irq_probe_line(&f->probe[0]));
}

static void dualtimer_check(Fixture *f)
{
    uint32_t mis = read32(f, 0x14) | read32(f, 0x34);
    SWEEP_ASSERT(mis <= 1);
    if (!(read32(f, 0xf00) & 1))
        SWEEP_ASSERT(f->probe[0].level == (mis != 0));
}

/* unimplemented: nothing ever answers. */
static const Range unimp_ranges[] = { { 0x00, 0x1000 } };

static void unimp_create(Fixture *f)
{
    f->cls = &unimplemented_class;
    f->dev = unimplemented_new("unimp", 0x1000);
}

/* armv7m-bitband over a fake bus: 64 bytes of memory at the target's
 * base and a register at +0x100 that refuses writes; nothing else
 * answers. Every access must stay in the 1 MiB target region. */
#define BB_TARGET 0x40000000u
#define BB_MEM 64u
#define BB_REG 0x100u
static uint8_t bb_memory[BB_MEM];
static uint32_t bb_reg;
static bool bb_in_window;

static bool bb_addr_ok(uint32_t addr, unsigned size)
{
    if (bb_in_window)
        SWEEP_ASSERT_MSG(addr >= BB_TARGET && addr - BB_TARGET + size <= 0x100000u,
                      "bit-band access to %#x outside its target region", addr);
    return addr >= BB_TARGET && addr - BB_TARGET + size <= BB_MEM;
}

static bool bb_read(void *opaque, uint32_t addr, unsigned size, uint32_t *value)
{
    (void)opaque;
    if (addr == BB_TARGET + BB_REG && size == 4) {
        *value = bb_reg;
        return true;
    }
    if (!bb_addr_ok(addr, size))
        return false;
    *value = 0;
    memcpy(value, &bb_memory[addr - BB_TARGET], size);
    return true;
}

static bool bb_write(void *opaque, uint32_t addr, uint32_t value, unsigned size)
{
    (void)opaque;
    if (!bb_addr_ok(addr, size))
        return false;
    memcpy(&bb_memory[addr - BB_TARGET], &value, size);
    return true;
}

static const Range bitband_ranges[] = { { 0x00, BB_MEM * 32 }, { BB_REG * 32, BB_REG * 32 + 128 } };

static void bitband_create(Fixture *f)
{
    memset(bb_memory, 0, sizeof(bb_memory));
    bb_reg = 0x80000001u;
    f->cls = &bitband_class;
    f->dev = bitband_new("bb", BB_TARGET, (BusAccess){ bb_read, bb_write, NULL });
}

/* stellaris-sysctl: the line is MISC != 0. */
static const Range sysctl_ranges[] = { { 0x00, 0x80 }, { 0x100, 0x12c }, { 0x150, 0x164 },
                                       { 0x1e0, 0x1e8 } };

static void sysctl_create(Fixture *f)
{
    f->cls = &stellaris_sysctl_class;
    f->dev = stellaris_sysctl_new("sysctl", irq_probe_line(&f->probe[0]));
}

static void sysctl_check(Fixture *f)
{
    uint32_t misc = read32(f, 0x58);
    SWEEP_ASSERT(f->probe[0].level == (misc != 0));
}

/* armv7m-systick alone: its exception line only ever pulses. */
static const Range systick_ranges[] = { { 0x00, 0x10 } };

static void systick_create(Fixture *f)
{
    f->cls = &systick_class;
    f->dev = systick_new(f->clock, irq_probe_line(&f->probe[0]), 1000000);
}

static void systick_check(Fixture *f)
{
    SWEEP_ASSERT(!f->probe[0].level);
    SWEEP_ASSERT((read32(f, 0x4) & ~0x00ffffffu) == 0);
    SWEEP_ASSERT((read32(f, 0x8) & ~0x00ffffffu) == 0);
}

/* armv7m-dwt alone; DEMCR.TRCENA comes from the host side. */
static const Range dwt_ranges[] = { { 0x00, 0x20 }, { 0xfb0, 0xfb8 }, { 0xfd0, 0x1000 } };

static void dwt_create(Fixture *f)
{
    f->cls = &dwt_class;
    f->dev = f->dwt = dwt_new(f->clock);
}

static void dwt_poke(Fixture *f, uint32_t *rng)
{
    dwt_set_trcena(f->dwt, rng_next(rng) & 1);
}

/* The MPU's registers through a DeviceClass, as the SCS reaches them. */
static MmioResult mpu_class_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    return mpu_read(dev, offset, size, value);
}

static MmioResult mpu_class_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    return mpu_write(dev, offset, value, size);
}

static void mpu_class_reset(void *dev) { mpu_reset(dev); }
static void mpu_class_destroy(void *dev) { mpu_free(dev); }

static const DeviceClass mpu_test_class = {
    .type = "mpu (test adapter)",
    .read = mpu_class_read,
    .write = mpu_class_write,
    .reset = mpu_class_reset,
    .destroy = mpu_class_destroy,
};

static const Range mpu_ranges[] = { { 0x00, MPU_SIZE } };

static void mpu_create(Fixture *f)
{
    f->cls = &mpu_test_class;
    f->dev = f->mpu = mpu_new();
    mpu_set_change_notify(f->mpu, count_notify, f);
}

/* Addresses where region verdicts change: region bases and ends are
 * multiples of 32, subregions too; sample around the default map's
 * boundaries and in RAM and code. */
static const uint32_t mpu_sample_addrs[] = {
    0x00000000, 0x0000001f, 0x00000020, 0x00000100, 0x000003ff, 0x00000400, 0x00001000,
    0x00010000, 0x00100000, 0x1fffffe0, 0x20000000, 0x20000020, 0x20000400, 0x20001000,
    0x3fffffff, 0x40000000, 0x40004000, 0x5fffffff, 0x60000000, 0x9fffffff, 0xa0000000,
    0xdfffffff, 0xe0000000, 0xe000ed00, 0xe00fffff, 0xe0100000, 0xfffffffc, 0xffffffff,
};

static uint64_t mpu_snapshot(const Mpu *mpu)
{
    uint64_t h = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(mpu_sample_addrs); i++) {
        for (unsigned c = 0; c < 4; c++) {
            MpuContext ctx = { .privileged = c & 1, .negative_priority = c & 2 };
            unsigned p = mpu_permissions(mpu, mpu_sample_addrs[i], ctx);
            SWEEP_ASSERT((p & ~MPU_ALL) == 0);
            h = (h ^ p) * 0x100000001b3ull + i;
        }
    }
    return h;
}

/* What a range may do is what every byte of it may do. */
static void mpu_check_range(const Mpu *mpu, uint32_t *rng)
{
    uint32_t addr = mpu_sample_addrs[rng_below(rng, G_N_ELEMENTS(mpu_sample_addrs))] -
                    rng_below(rng, 64);
    uint32_t len = 1 + rng_below(rng, 2048);
    if ((uint64_t)addr + len > 0x100000000ull)
        len = (uint32_t)(0x100000000ull - addr);
    MpuContext ctx = { .privileged = rng_next(rng) & 1, .negative_priority = rng_next(rng) & 1 };
    unsigned range = mpu_range_permissions(mpu, addr, len, ctx);
    unsigned every = MPU_ALL;
    for (uint64_t a = addr; a < (uint64_t)addr + len; a += 1 + rng_below(rng, 16))
        every &= mpu_permissions(mpu, (uint32_t)a, ctx);
    every &= mpu_permissions(mpu, addr + len - 1, ctx);
    SWEEP_ASSERT_MSG((range & ~every) == 0, "range %#x+%u allows %#x, a byte of it only %#x",
                  addr, len, range, every);
    SWEEP_ASSERT(mpu_range_permissions(mpu, addr, 1, ctx) == mpu_permissions(mpu, addr, ctx));
}

/* armv7m-scs with its NVIC (32 lines, like mps2-an385), SysTick on the
 * NVIC's SysTick line, DWT and MPU. */
static const Range scs_ranges[] = {
    { 0x000, 0x020 }, { 0x100, 0x140 }, { 0x180, 0x1c0 }, { 0x200, 0x240 }, { 0x280, 0x2c0 },
    { 0x300, 0x340 }, { 0x400, 0x420 }, { 0x5e0, 0x5f4 }, { 0xd00, 0xd90 }, { 0xd90, 0xdc0 },
    { 0xdf0, 0xe00 }, { 0xf00, 0xf04 }, { 0xfd0, 0x1000 },
};
#define SCS_IRQS 32

static void scs_create(Fixture *f)
{
    f->nvic = nvic_new(SCS_IRQS, 8);
    nvic_set_change_notify(f->nvic, count_notify, f);
    f->systick = systick_new(f->clock, nvic_exception_line(f->nvic, EXC_SYSTICK), 1000000);
    f->dwt = dwt_new(f->clock);
    f->mpu = mpu_new();
    mpu_set_change_notify(f->mpu, count_notify, f);
    Scs *scs = scs_new(f->nvic, f->systick, f->dwt, SCS_CPUID_CORTEX_M3_R2P1);
    scs_set_mpu(scs, f->mpu);
    f->cls = &scs_class;
    f->dev = scs;
}

static void scs_destroy(Fixture *f)
{
    scs_free(f->dev);
    mpu_free(f->mpu);
    dwt_free(f->dwt);
    systick_free(f->systick);
    nvic_free(f->nvic);
}

/* The NVIC's counters against its per-exception state, and ICSR. */
static void scs_check(Fixture *f)
{
    Nvic *nvic = f->nvic;
    unsigned max = nvic_max_exception(nvic), active = 0, best = 0;
    int best_prio = NVIC_NO_PRIORITY;
    bool irq_pending = false;
    for (unsigned exc = 1; exc <= max; exc++) {
        active += nvic_is_active(nvic, exc);
        if (nvic_is_pending(nvic, exc) && nvic_is_enabled(nvic, exc) &&
            nvic_get_priority(nvic, exc) < best_prio) {
            best = exc;
            best_prio = nvic_get_priority(nvic, exc);
        }
        irq_pending |= exc >= EXC_IRQ0 && nvic_is_pending(nvic, exc);
    }
    SWEEP_ASSERT(nvic_active_count(nvic) == active);
    SWEEP_ASSERT(nvic_highest_pending(nvic) == best);
    uint32_t icsr = read32(f, 0xd04);
    SWEEP_ASSERT(((icsr >> 12) & 0x1ff) == best);
    SWEEP_ASSERT(((icsr >> 11) & 1) == (active <= 1));
    SWEEP_ASSERT(((icsr >> 22) & 1) == irq_pending);
}

static const NvicMasks scs_masks[] = {
    { false, false, 0 }, { false, false, 0x40 }, { true, false, 0 }, { false, true, 0 },
};

/* What the CPU loop would take under each mask setting. */
static uint64_t scs_deliverable(const Nvic *nvic)
{
    uint64_t v = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(scs_masks); i++)
        v = v << 16 | nvic_deliverable(nvic, scs_masks[i]);
    return v;
}

/* The host side of the NVIC: device lines moving, and the CPU taking
 * and returning from exceptions. */
static void scs_poke(Fixture *f, uint32_t *rng)
{
    Nvic *nvic = f->nvic;
    switch (rng_below(rng, 4)) {
    case 0: {
        IrqLine line = nvic_irq_line(nvic, rng_below(rng, SCS_IRQS + 2));
        irq_set(&line, rng_next(rng) & 1);
        break;
    }
    case 1: {
        unsigned exc = nvic_deliverable(nvic, scs_masks[rng_below(rng, 4)]);
        if (exc != 0)
            nvic_acknowledge(nvic, exc);
        break;
    }
    case 2: {
        unsigned exc = nvic_vectactive(nvic);
        if (exc != 0 && nvic_complete(nvic, exc))
            nvic_set_vectactive(nvic, 0);
        break;
    }
    default: {
        NvicMasks m = scs_masks[rng_below(rng, 4)];
        unsigned exc = nvic_route_fault(nvic, (unsigned[]){ 3, 4, 5, 6, 11, 12 }[rng_below(rng, 6)],
                                        m);
        observe(f, exc);
        break;
    }
    }
}

/* ivshmem-flat, against a fake server on a socketpair (as
 * test_ivshmem_flat.c): peer 1 and us (peer 3) with two vectors each. */
#define IV_OWN_ID 3
#define IV_PEER 1
#define IV_VECTORS 2
#define IV_SHM_SIZE 4096

struct IvshmemFake {
    GSocket *client_end, *server_end;
    int shm_fd;
    int efd[2][IV_VECTORS]; /* [0]: the peer's, [1]: our own */
    GMainContext *ctx;
    DeferQueue *defer;
    IvshmemClient *client;
};

static void iv_send(IvshmemFake *iv, gint64 value, int fd)
{
    guint64 le = GUINT64_TO_LE((guint64)value);
    GOutputVector vec = { &le, sizeof(le) };
    g_autoptr(GSocketControlMessage) fds = NULL;
    if (fd >= 0) {
        fds = g_unix_fd_message_new();
        ck_assert(g_unix_fd_message_append_fd(G_UNIX_FD_MESSAGE(fds), fd, NULL));
    }
    gssize n = g_socket_send_message(iv->server_end, NULL, &vec, 1, fds ? &fds : NULL,
                                     fds ? 1 : 0, G_SOCKET_MSG_NONE, NULL, NULL);
    ck_assert_int_eq(n, (gssize)sizeof(le));
}

static void ivshmem_create(Fixture *f)
{
    IvshmemFake *iv = f->iv = g_new0(IvshmemFake, 1);
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    iv->client_end = g_socket_new_from_fd(sv[0], NULL);
    iv->server_end = g_socket_new_from_fd(sv[1], NULL);
    iv->shm_fd = memfd_create("sweep-ivshmem", MFD_CLOEXEC);
    ck_assert_int_eq(ftruncate(iv->shm_fd, IV_SHM_SIZE), 0);
    iv->ctx = g_main_context_new();
    iv->defer = defer_queue_new(NULL, NULL);
    iv_send(iv, IVSHMEM_PROTOCOL_VERSION, -1);
    iv_send(iv, IV_OWN_ID, -1);
    iv_send(iv, -1, iv->shm_fd);
    for (unsigned who = 0; who < 2; who++) {
        for (unsigned v = 0; v < IV_VECTORS; v++) {
            iv->efd[who][v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
            iv_send(iv, who == 0 ? IV_PEER : IV_OWN_ID, iv->efd[who][v]);
        }
    }
    IvshmemClientConfig cfg = { .shm_size = IV_SHM_SIZE, .context = iv->ctx,
                                .greeting_timeout_ms = 1000 };
    g_autoptr(GError) err = NULL;
    iv->client = ivshmem_client_new_for_socket(iv->client_end, "fake", &cfg, &err);
    ck_assert_msg(iv->client != NULL, "connect: %s", err ? err->message : "?");
    f->cls = &ivshmem_flat_class;
    f->dev = ivshmem_flat_new(iv->client, iv->defer, irq_probe_line(&f->probe[0]));
}

static void ivshmem_destroy(Fixture *f)
{
    IvshmemFake *iv = f->iv;
    f->cls->destroy(f->dev);
    defer_run(iv->defer);
    ivshmem_client_free(iv->client);
    defer_queue_free(iv->defer);
    g_main_context_unref(iv->ctx);
    g_object_unref(iv->client_end);
    g_object_unref(iv->server_end);
    close(iv->shm_fd);
    for (unsigned who = 0; who < 2; who++)
        for (unsigned v = 0; v < IV_VECTORS; v++)
            close(iv->efd[who][v]);
    g_free(iv);
}

static void ivshmem_check(Fixture *f)
{
    SWEEP_ASSERT(read32(f, 0x8) == IV_OWN_ID);
    SWEEP_ASSERT(!f->probe[0].level); /* pulses only */
}

/* A peer kicks one of our vectors, or the I/O and CPU sides run; the
 * peer's eventfds are drained now and then so doorbells never fill them. */
static void ivshmem_poke(Fixture *f, uint32_t *rng)
{
    IvshmemFake *iv = f->iv;
    uint64_t one = 1, drained;
    switch (rng_below(rng, 3)) {
    case 0:
        SWEEP_ASSERT(write(iv->efd[1][rng_below(rng, IV_VECTORS)], &one, sizeof(one)) ==
                     sizeof(one));
        break;
    case 1:
        for (unsigned v = 0; v < IV_VECTORS; v++)
            if (read(iv->efd[0][v], &drained, sizeof(drained)) == sizeof(drained))
                observe(f, drained);
        break;
    default:
        for (int i = 0; i < 4; i++)
            while (g_main_context_iteration(iv->ctx, FALSE))
                ;
        defer_run(iv->defer);
        break;
    }
}

static const Range ivshmem_ranges[] = { { 0x0, 0x10 } };

static const DeviceKind kinds[] = {
    { "cmsdk-apb-uart", 0x1000, uart_ranges, G_N_ELEMENTS(uart_ranges), false, uart_create,
      chr_destroy, uart_check, uart_poke },
    { "pl011-luminary", 0x1000, pl011_ranges, G_N_ELEMENTS(pl011_ranges), false, pl011_create,
      chr_destroy, pl011_check, chr_poke },
    { "cmsdk-apb-timer", 0x1000, apbtimer_ranges, G_N_ELEMENTS(apbtimer_ranges), false, apbtimer_create,
      plain_destroy, apbtimer_check, NULL },
    { "cmsdk-apb-dualtimer", 0x1000, dualtimer_ranges, G_N_ELEMENTS(dualtimer_ranges), false,
      dualtimer_create, plain_destroy, dualtimer_check, NULL },
    { "unimplemented", 0x1000, unimp_ranges, G_N_ELEMENTS(unimp_ranges), false, unimp_create,
      plain_destroy, NULL, NULL },
    { "armv7m-bitband", BITBAND_ALIAS_SIZE, bitband_ranges, G_N_ELEMENTS(bitband_ranges), true,
      bitband_create, plain_destroy, NULL, NULL },
    { "stellaris-sysctl", 0x1000, sysctl_ranges, G_N_ELEMENTS(sysctl_ranges), false,
      sysctl_create, plain_destroy, sysctl_check, NULL },
    { "armv7m-systick", SYSTICK_SIZE, systick_ranges, G_N_ELEMENTS(systick_ranges), false,
      systick_create, plain_destroy, systick_check, NULL },
    { "armv7m-dwt", DWT_SIZE, dwt_ranges, G_N_ELEMENTS(dwt_ranges), false, dwt_create,
      plain_destroy, NULL, dwt_poke },
    { "armv7m-mpu", MPU_SIZE, mpu_ranges, G_N_ELEMENTS(mpu_ranges), false, mpu_create,
      plain_destroy, NULL, NULL },
    { "ivshmem-flat", IVSHMEM_FLAT_WINDOW_SIZE, ivshmem_ranges, G_N_ELEMENTS(ivshmem_ranges),
      false, ivshmem_create, ivshmem_destroy, ivshmem_check, ivshmem_poke },
    { "armv7m-scs", SCS_SIZE, scs_ranges, G_N_ELEMENTS(scs_ranges), false, scs_create,
      scs_destroy, scs_check, scs_poke },
};

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
        uint64_t before_deliverable = f.nvic ? scs_deliverable(f.nvic) : 0;
        uint64_t before_mpu = f.mpu ? mpu_snapshot(f.mpu) : 0;
        if (op < 420) {
            uint32_t off = pick_offset(k, &rng);
            do_read(&f, off, pick_size(&rng));
        } else if (op < 900) {
            uint32_t off = pick_offset(k, &rng);
            bb_in_window = off < k->window;
            MmioResult r = f.cls->write(f.dev, off, pick_value(&rng), pick_size(&rng));
            bb_in_window = false;
            check_access(&f, r);
            observe(&f, r);
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
            mpu_check_range(f.mpu, &rng);
        }
        if (f.nvic != NULL) {
            uint64_t now = scs_deliverable(f.nvic);
            SWEEP_ASSERT_MSG(now == before_deliverable || (now & 0xffff) == 0 ||
                              f.notified != notified,
                          "op %u made exception %u deliverable without telling the CPU", i,
                          (unsigned)(now & 0xffff));
        }
        if (f.mpu != NULL)
            SWEEP_ASSERT_MSG(mpu_snapshot(f.mpu) == before_mpu || f.notified != notified,
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
    const DeviceKind *k = &kinds[_i];
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
                        (int)G_N_ELEMENTS(kinds));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(device_sweep_suite());
}
