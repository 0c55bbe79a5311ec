/* The device sweep's fixtures: how each device kind is created with its
 * clock, lines, chardev or fake bus, which of its registers to aim at,
 * what must hold after every operation, and the host-side events it
 * takes (test_device_sweep.c runs them). */
#include <gio/gio.h>
#include <gio/gunixfdmessage.h>
#include <glib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bitband.h"
#include "cmsdk_dualtimer.h"
#include "cmsdk_timer.h"
#include "cmsdk_uart.h"
#include "device_sweep.h"
#include "ivshmem_flat.h"
#include "pl011.h"
#include "scs.h"
#include "stellaris_sysctl.h"
#include "unimplemented.h"

static void count_notify(void *opaque)
{
    ((Fixture *)opaque)->notified++;
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
static uint8_t bb_memory[BB_MEM]; /* shared by the swept and the new device */
static uint32_t bb_reg;

static bool bb_addr_ok(const Fixture *f, uint32_t addr, unsigned size)
{
    if (f->in_window)
        SWEEP_ASSERT_MSG(addr >= BB_TARGET && addr - BB_TARGET + size <= 0x100000u,
                      "bit-band access to %#x outside its target region", addr);
    return addr >= BB_TARGET && addr - BB_TARGET + size <= BB_MEM;
}

static bool bb_read(void *opaque, uint32_t addr, unsigned size, uint32_t *value)
{
    if (addr == BB_TARGET + BB_REG && size == 4) {
        *value = bb_reg;
        return true;
    }
    if (!bb_addr_ok(opaque, addr, size))
        return false;
    *value = 0;
    memcpy(value, &bb_memory[addr - BB_TARGET], size);
    return true;
}

static bool bb_write(void *opaque, uint32_t addr, uint32_t value, unsigned size)
{
    if (!bb_addr_ok(opaque, addr, size))
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
    f->dev = bitband_new("bb", BB_TARGET, (BusAccess){ bb_read, bb_write, f });
}

/* stellaris-sysctl: the line is MISC != 0. */
static const Range sysctl_ranges[] = { { 0x00, 0x80 }, { 0x100, 0x12c }, { 0x150, 0x164 },
                                       { 0x1e0, 0x1e8 } };

static void sysctl_create(Fixture *f)
{
    f->cls = &stellaris_sysctl_class;
    f->dev = stellaris_sysctl_new("sysctl", irq_probe_line(&f->probe[0]), (SysclkOut){ 0 });
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

uint64_t sweep_mpu_snapshot(const Mpu *mpu)
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

void sweep_mpu_check_range(const Mpu *mpu, uint32_t *rng)
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

uint64_t sweep_nvic_deliverable(const Nvic *nvic)
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

const DeviceKind sweep_kinds[] = {
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
const size_t sweep_num_kinds = G_N_ELEMENTS(sweep_kinds);
