/* Building the machine: Unicorn with a true Cortex-M3, the board's RAM and
 * ROM, device windows, the firmware image; and the glue the devices and
 * the CPU loop share (guest memory access, kicks, NVIC inputs). */
#include "machine_internal.h"

#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "errors.h"
#include "exclusive_monitor.h"
#include "ivshmem_flat.h"
#include "log.h"
#include "server.h"
#include "systick.h"

/* The default TCG buffer reserves 1 GiB; a smaller one starts faster
 * (UNICORN.md "Start-up") without slowing firmware down. */
#define TCG_BUFFER_SIZE (8u << 20)
#define UC_PAGE 0x400u

static void set_uc_error(GError **error, const char *what, uc_err err)
{
    g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_INTERNAL, "%s: %s", what, uc_strerror(err));
}

void machine_kick(Machine *m)
{
    cpu_attention(m, ATTN_KICK);
    idle_wait_wake(m->cpu.idle);
}

static void machine_kick_cb(void *opaque) { machine_kick(opaque); }

/* Guest memory through the host pointers of RAM/ROM (and their aliases):
 * semihosting and exception frames never go through MMIO. */
static uint8_t *guest_ptr(Machine *m, uint32_t addr, size_t len)
{
    for (guint i = 0; i < m->ram->len; i++) {
        RamBlock *b = g_ptr_array_index(m->ram, i);
        for (guint k = 0; k <= b->aliases->len; k++) {
            uint32_t base = k == 0 ? b->base : g_array_index(b->aliases, uint32_t, k - 1);
            if (addr >= base && (uint64_t)addr - base + len <= b->size)
                return b->host + (addr - base);
        }
    }
    return NULL;
}

bool machine_read_guest(Machine *m, uint32_t addr, void *buf, size_t len)
{
    uint8_t *p = guest_ptr(m, addr, len);
    if (p != NULL) {
        memcpy(buf, p, len);
        return true;
    }
    /* shared memory and anything else Unicorn maps as memory */
    m->cpu.host_access++;
    bool ok = uc_mem_read(m->uc, addr, buf, len) == UC_ERR_OK;
    m->cpu.host_access--;
    return ok;
}

bool machine_read_ram(Machine *m, uint32_t addr, void *buf, size_t len)
{
    uint8_t *p = guest_ptr(m, addr, len);
    if (p != NULL)
        memcpy(buf, p, len);
    return p != NULL;
}

bool machine_write_guest(Machine *m, uint32_t addr, const void *buf, size_t len)
{
    uint8_t *p = guest_ptr(m, addr, len);
    if (p != NULL) {
        memcpy(p, buf, len);
        return true;
    }
    m->cpu.host_access++;
    bool ok = uc_mem_write(m->uc, addr, buf, len) == UC_ERR_OK;
    m->cpu.host_access--;
    return ok;
}

static void ram_block_free(gpointer p)
{
    RamBlock *b = p;
    if (b->host != NULL)
        munmap(b->host, b->size);
    g_array_free(b->aliases, TRUE);
    g_free(b->name);
    g_free(b);
}

static bool map_memory(Machine *m, GError **error)
{
    for (guint i = 0; i < m->board->memories->len; i++) {
        BoardMemory *bm = g_ptr_array_index(m->board->memories, i);
        RamBlock *b = g_new0(RamBlock, 1);
        b->name = g_strdup(bm->name);
        b->base = bm->base;
        b->size = bm->size;
        b->rom = bm->kind == BOARD_MEM_ROM;
        b->aliases = g_array_copy(bm->aliases);
        g_ptr_array_add(m->ram, b);
        /* anonymous mappings are zero and only become resident when used */
        b->host = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (b->host == MAP_FAILED) {
            b->host = NULL;
            g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_INTERNAL,
                        "cannot allocate %u bytes for memory '%s'", b->size, b->name);
            return false;
        }
        uint32_t perms = b->rom ? (UC_PROT_READ | UC_PROT_EXEC) : UC_PROT_ALL;
        for (guint k = 0; k <= b->aliases->len; k++) {
            uint32_t base = k == 0 ? b->base : g_array_index(b->aliases, uint32_t, k - 1);
            uc_err err = uc_mem_map_ptr(m->uc, base, b->size, perms, b->host);
            if (err != UC_ERR_OK) {
                g_autofree char *what = g_strdup_printf("mapping memory '%s' at %#x", b->name, base);
                set_uc_error(error, what, err);
                return false;
            }
        }
    }
    return true;
}

/* --- MMIO dispatch --------------------------------------------------- */

/* A faulting CPU access to a device: a precise BusFault (as QEMU gives
 * for a bus error from a device, B3.2.15 PRECISERR with BFAR), recorded
 * with its instruction while the registers are exact; the access is not
 * made, and emulation stops right after it (UNICORN.md "MMIO and
 * memory": the instruction's effect is then undone by taking the fault
 * on the recorded registers). Accesses the emulator itself makes (frames,
 * vectors, semihosting) only report it. */
static void mmio_fault(MappedDevice *d, uint32_t addr, unsigned size, bool is_write,
                       const char *what)
{
    Machine *m = d->machine;
    log_guest_error(d->name, "bus error: %s %s of %u bytes at %#x", what,
                    is_write ? "write" : "read", size, addr);
    if (m->cpu.host_access != 0 || m->cpu.fault.exc != 0 || m->cpu.stop != STOP_NONE)
        return;
    cpu_record_data_fault(m, EXC_BUSFAULT, CFSR_PRECISERR | CFSR_BFARVALID, addr, size,
                          is_write, is_write ? "bus error on a device write"
                                            : "bus error on a device read");
    uc_emu_stop(m->uc);
}

/* B3.1: the device may refuse unprivileged accesses (the PPB). Only its
 * windows pay for looking at the core's mode. */
static bool refused_unprivileged(MappedDevice *d, uint32_t offset, bool is_write)
{
    return d->cls->unprivileged_ok != NULL && d->machine->cpu.host_access == 0 &&
           !cpu_privileged(d->machine) && !d->cls->unprivileged_ok(d->state, offset, is_write);
}

static void mmio_bad_access(MappedDevice *d, uint64_t offset, unsigned size, bool is_write,
                            MmioResult r)
{
    uint32_t addr = d->base + (uint32_t)offset;
    if (r == MMIO_UNASSIGNED && !d->machine->config.strict) {
        log_trace(d->name, "%s of %u bytes at %#x (offset %#x) hits no register: %s",
                  is_write ? "write" : "read", size, addr, (uint32_t)offset,
                  is_write ? "ignored" : "reads as 0");
        return;
    }
    mmio_fault(d, addr, size, is_write, r == MMIO_UNASSIGNED ? "unmodelled register" : "refused");
}

/* A hook or a device found the access faulting: it, and the pieces
 * Unicorn may split it into, never reach the device. */
static bool access_faulted(const Machine *m)
{
    return m->cpu.fault.exc != 0;
}

static uint64_t mmio_read(uc_engine *uc, uint64_t offset, unsigned size, void *opaque)
{
    MappedDevice *d = opaque;
    uint32_t value = 0;
    if (access_faulted(d->machine))
        return 0;
    if (refused_unprivileged(d, (uint32_t)offset, false)) {
        mmio_fault(d, d->base + (uint32_t)offset, size, false, "unprivileged");
        return 0;
    }
    clock_set_insns(d->machine->clock, d->machine->cpu.insns);
    MmioResult r = offset + size <= d->size ? d->cls->read(d->state, (uint32_t)offset, size, &value)
                                            : MMIO_UNASSIGNED;
    if (r != MMIO_OK) {
        mmio_bad_access(d, offset, size, false, r);
        value = 0;
    }
    return value;
}

static void mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                       void *opaque)
{
    MappedDevice *d = opaque;
    if (access_faulted(d->machine))
        return;
    if (refused_unprivileged(d, (uint32_t)offset, true)) {
        mmio_fault(d, d->base + (uint32_t)offset, size, true, "unprivileged");
        return;
    }
    clock_set_insns(d->machine->clock, d->machine->cpu.insns);
    MmioResult r = offset + size <= d->size
                       ? d->cls->write(d->state, (uint32_t)offset, (uint32_t)value, size)
                       : MMIO_UNASSIGNED;
    if (r != MMIO_OK)
        mmio_bad_access(d, offset, size, true, r);
}

static void mapped_device_free(gpointer p)
{
    MappedDevice *d = p;
    if (d->cls->destroy != NULL)
        d->cls->destroy(d->state);
    g_free(d->name);
    g_free(d);
}

MappedDevice *machine_map_device(Machine *m, const char *name, const DeviceClass *cls,
                                 void *state, uint32_t base, uint32_t size, GError **error)
{
    MappedDevice *d = g_new0(MappedDevice, 1);
    d->machine = m;
    d->name = g_strdup(name);
    d->cls = cls;
    d->state = state;
    d->base = base;
    d->size = size;
    g_ptr_array_add(m->devices, d);
    /* Unicorn maps MMIO in whole 1 KiB pages: map the pages, dispatch by
     * offset, and treat offsets past the device's size as unassigned. */
    uint64_t map_size = ((uint64_t)size + UC_PAGE - 1) & ~(uint64_t)(UC_PAGE - 1);
    uc_err err = uc_mmio_map(m->uc, base, map_size, mmio_read, d, mmio_write, d);
    if (err != UC_ERR_OK) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_BAD_BOARD,
                    "%s: device '%s' at %#x (%u bytes) cannot be mapped: %s",
                    m->board->path, name, base, size,
                    err == UC_ERR_MAP ? "it overlaps memory or another device" : uc_strerror(err));
        return NULL;
    }
    return d;
}

/* The address space as bus masters other than the CPU see it (bit-band
 * aliases): RAM through its host pointers, else the device there. */
static MappedDevice *device_at(Machine *m, uint32_t addr, unsigned size)
{
    for (guint i = 0; i < m->devices->len; i++) {
        MappedDevice *d = g_ptr_array_index(m->devices, i);
        if (addr >= d->base && (uint64_t)addr - d->base + size <= d->size)
            return d;
    }
    return NULL;
}

static bool bus_read(void *opaque, uint32_t addr, unsigned size, uint32_t *value)
{
    Machine *m = opaque;
    uint8_t *p = guest_ptr(m, addr, size);
    if (p != NULL) {
        *value = 0;
        memcpy(value, p, size); /* little-endian host and guest */
        return true;
    }
    MappedDevice *d = device_at(m, addr, size);
    return d != NULL && d->cls->read(d->state, addr - d->base, size, value) == MMIO_OK;
}

static bool bus_write(void *opaque, uint32_t addr, uint32_t value, unsigned size)
{
    Machine *m = opaque;
    uint8_t *p = guest_ptr(m, addr, size);
    if (p != NULL) {
        memcpy(p, &value, size);
        return true;
    }
    MappedDevice *d = device_at(m, addr, size);
    return d != NULL && d->cls->write(d->state, addr - d->base, value, size) == MMIO_OK;
}

BusAccess machine_bus(Machine *m)
{
    BusAccess bus = { bus_read, bus_write, m };
    return bus;
}

void machine_reset_devices(Machine *m)
{
    for (guint i = 0; i < m->devices->len; i++) {
        MappedDevice *d = g_ptr_array_index(m->devices, i);
        if (d->cls->reset != NULL)
            d->cls->reset(d->state);
    }
}

/* DWT CYCCNT needs nothing: it reads the Clock's cycle count, which runs
 * on without a jump. The CMSDK UART, timers and watchdog count at the
 * board's fixed PCLK (mps2-an385, where nothing reclocks the CPU), not
 * at this rate. */
void machine_set_cpu_hz(Machine *m, uint64_t hz)
{
    if (hz == clock_cpu_hz(m->clock))
        return;
    log_trace("machine", "CPU clock %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " Hz",
              clock_cpu_hz(m->clock), hz);
    clock_set_cpu_hz(m->clock, hz);
    if (m->systick != NULL)
        systick_cpu_clock_changed(m->systick);
}

IrqLine machine_nvic_input(Machine *m, unsigned n)
{
    IrqOr *gate = g_ptr_array_index(m->owned_irq_or, n);
    if (gate == NULL) {
        gate = irq_or_new(nvic_irq_line(m->nvic, n));
        m->owned_irq_or->pdata[n] = gate;
    }
    return irq_or_add_input(gate);
}

/* --- the firmware image -------------------------------------------- */

static GArray *load_regions(Machine *m)
{
    GArray *regions = g_array_new(FALSE, FALSE, sizeof(LoadRegion));
    for (guint i = 0; i < m->ram->len; i++) {
        RamBlock *b = g_ptr_array_index(m->ram, i);
        for (guint k = 0; k <= b->aliases->len; k++) {
            LoadRegion r = { b->name, k == 0 ? b->base : g_array_index(b->aliases, uint32_t, k - 1),
                             b->size };
            g_array_append_val(regions, r);
        }
    }
    return regions;
}

/* (Re)writes the image's segments into guest memory: at start and on
 * SYSRESETREQ, as a debugger-less board would boot from its flash. The
 * caller flushes translated code after a reset: at start there is none,
 * and Unicorn 2.1.1's flush memsets the whole TCG buffer (~4 ms, +6 MiB
 * RSS with 8 MiB). */
bool machine_load_image(Machine *m, GError **error)
{
    for (guint i = 0; i < m->image->segments->len; i++) {
        ImageSegment *s = &g_array_index(m->image->segments, ImageSegment, i);
        uint8_t *p = guest_ptr(m, s->addr, s->memsz);
        if (p == NULL) {
            g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_BAD_IMAGE,
                        "%s: segment at %#x (%u bytes) does not fit the board's memory",
                        m->image->path, s->addr, s->memsz);
            return false;
        }
        memcpy(p, s->data, s->filesz);
        memset(p + s->filesz, 0, s->memsz - s->filesz);
    }
    return true;
}

/* --- semihosting environment ------------------------------------------ */

static bool semihost_read(void *opaque, uint32_t addr, void *buf, size_t len)
{
    return machine_read_guest(opaque, addr, buf, len);
}

static bool semihost_write(void *opaque, uint32_t addr, const void *buf, size_t len)
{
    return machine_write_guest(opaque, addr, buf, len);
}

/* HEAPINFO as QEMU answers it: the board's system RAM (the board key
 * "semihosting-ram", else the largest RAM) is the heap, and the stack
 * grows down from its top. Firmware with a linker-script heap ignores it. */
static void heap_info(Machine *m, SemihostEnv *env)
{
    RamBlock *ram = NULL;
    for (guint i = 0; i < m->ram->len; i++) {
        RamBlock *b = g_ptr_array_index(m->ram, i);
        if (b->rom)
            continue;
        if (m->board->semihosting_ram != NULL) {
            if (strcmp(b->name, m->board->semihosting_ram) == 0)
                ram = b;
        } else if (ram == NULL || b->size > ram->size) {
            ram = b;
        }
    }
    if (ram == NULL)
        return;
    env->heap_base = ram->base;
    env->heap_limit = ram->base + ram->size;
    env->stack_base = ram->base + ram->size;
    env->stack_limit = ram->base;
}

static bool create_semihosting(Machine *m, GError **error)
{
    /* QEMU prints WRITEC/WRITE0 on stderr and ":tt" writes on stdout */
    m->semihost_stderr = chardev_new_fds(-1, STDERR_FILENO);
    m->semihost_stdout = m->serial[0] != NULL ? NULL : chardev_new_fds(-1, STDOUT_FILENO);
    /* like QEMU: the image name, then the user's arguments */
    m->semihost_cmdline = m->config.cmdline != NULL
                              ? g_strdup_printf("%s %s", m->config.firmware, m->config.cmdline)
                              : g_strdup(m->config.firmware);
    SemihostEnv env = {
        .read_mem = semihost_read,
        .write_mem = semihost_write,
        .opaque = m,
        .console = m->serial[0] != NULL ? m->serial[0] : m->semihost_stdout,
        .debug_console = m->semihost_stderr,
        .clock = m->clock,
        .cmdline = m->semihost_cmdline,
        .root_dir = m->config.semihosting_root,
    };
    heap_info(m, &env);
    m->semihost = semihost_new(&env);
    return m->semihost != NULL;
}

/* --- construction -------------------------------------------------------- */

static bool open_unicorn(Machine *m, GError **error)
{
    uc_err err = uc_open(UC_ARCH_ARM, UC_MODE_THUMB, &m->uc);
    if (err != UC_ERR_OK) {
        set_uc_error(error, "starting Unicorn", err);
        return false;
    }
    /* UC_MODE_MCLASS would give a Cortex-M33; the model must be set first
     * (only the TCG buffer size may precede it), or the CPU silently
     * stays a Cortex-A15 (UNICORN.md "Choosing the core"). */
    uc_ctl_set_tcg_buffer_size(m->uc, TCG_BUFFER_SIZE);
    err = uc_ctl_set_cpu_model(m->uc, UC_CPU_ARM_CORTEX_M3);
    if (err != UC_ERR_OK) {
        set_uc_error(error, "selecting the Cortex-M3 core", err);
        return false;
    }
    return true;
}

static void free_irq_or(gpointer p)
{
    if (p != NULL)
        irq_or_free(p);
}

static void nvic_changed(void *opaque)
{
    Machine *m = opaque;
    cpu_attention(m, ATTN_EXCEPTION);
}

static void nvic_reset_requested(void *opaque)
{
    Machine *m = opaque;
    m->cpu.reset_requested = true;
    cpu_attention(m, ATTN_STOP);
}

static void reset_line_set(void *opaque, int n, bool level)
{
    (void)n;
    if (level)
        nvic_reset_requested(opaque);
}

IrqLine machine_reset_input(Machine *m)
{
    return (IrqLine){ reset_line_set, m, 0 };
}

/* ivshmem-flat (DESIGN.md §5): connect to the server (or start one in
 * this process first), map its shared memory straight into guest memory,
 * and place the register window and interrupt line. */
static bool connect_ivshmem(Machine *m, GError **error)
{
    const MachineConfig *c = &m->config;
    const char *socket = c->ivshmem_serve != NULL ? c->ivshmem_serve : c->ivshmem_socket;
    if (socket == NULL)
        return true;
    unsigned irq = c->ivshmem_irq >= 0 ? (unsigned)c->ivshmem_irq : m->board->ivshmem.irq;
    if (irq >= m->board->nvic_irqs) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_USAGE,
                    "--ivshmem-irq %u: the board has NVIC lines 0..%u", irq,
                    m->board->nvic_irqs - 1);
        return false;
    }
    uint32_t mmio = c->has_ivshmem_mmio ? c->ivshmem_mmio : m->board->ivshmem.mmio;
    uint32_t shm = c->has_ivshmem_shm ? c->ivshmem_shm : m->board->ivshmem.shm;
    /* Unicorn maps whole 1 KiB pages */
    if (mmio & (UC_PAGE - 1)) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_USAGE,
                    "ivshmem registers at %#x (--ivshmem-mmio or the board's [ivshmem] mmio) "
                    "must be 1 KiB aligned", mmio);
        return false;
    }
    if (shm & (UC_PAGE - 1)) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_USAGE,
                    "ivshmem shared memory at %#x (--ivshmem-shm or the board's [ivshmem] shm) "
                    "must be 1 KiB aligned", shm);
        return false;
    }
    if (c->ivshmem_serve != NULL) {
        IvshmemServerConfig sc = { .socket_path = socket, .memfd = true,
                                   .shm_size = c->ivshmem_size, .vectors = c->ivshmem_vectors };
        m->ivshmem_server = ivshmem_server_new(&sc, iothread_context(m->io), error);
        if (m->ivshmem_server == NULL)
            return false;
    }
    IvshmemClientConfig cc = { .socket_path = socket, .shm_size = c->ivshmem_size,
                               .context = iothread_context(m->io) };
    IvshmemClient *client = ivshmem_client_connect(&cc, error);
    if (client == NULL)
        return false;
    m->ivshmem_client = client;

    IvshmemFlat *dev = ivshmem_flat_new(client, m->defer, machine_nvic_input(m, irq));
    if (machine_map_device(m, "ivshmem", &ivshmem_flat_class, dev, mmio,
                           IVSHMEM_FLAT_WINDOW_SIZE, error) == NULL)
        return false;
    size_t size = ivshmem_client_shm_size(client);
    uc_err err = uc_mem_map_ptr(m->uc, shm, size, UC_PROT_ALL, ivshmem_client_shm(client));
    if (err != UC_ERR_OK) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_USAGE,
                    "ivshmem shared memory at %#x (%zu bytes) cannot be mapped: %s", shm, size,
                    err == UC_ERR_MAP ? "it overlaps the board's memory or a device"
                                      : uc_strerror(err));
        return false;
    }
    /* peers can wake the guest: idle time follows the host (DESIGN.md §3),
     * and the sleeping CPU thread watches the doorbells itself */
    m->external_events = true;
    ivshmem_flat_wake_idle_cpu(dev, m->cpu.idle);
    log_trace("ivshmem", "peer id %u, registers %#x, %zu bytes of shared memory at %#x, IRQ %u",
              ivshmem_client_own_id(client), mmio, size, shm, irq);
    return true;
}

static bool load_firmware(Machine *m, GError **error)
{
    g_autoptr(GArray) regions = load_regions(m);
    m->image = loader_load(m->config.firmware, m->config.has_load_addr, m->config.load_addr,
                           (LoadRegion *)regions->data, regions->len, error);
    return m->image != NULL && machine_load_image(m, error);
}

Machine *machine_new(const MachineConfig *config, GError **error)
{
    Machine *m = g_new0(Machine, 1);
    m->config = *config;
    m->ram = g_ptr_array_new_with_free_func(ram_block_free);
    m->devices = g_ptr_array_new_with_free_func(mapped_device_free);
    m->owned = g_ptr_array_new_with_free_func(g_free);
    m->cpu.idle = idle_wait_new(error);
    if (m->cpu.idle == NULL)
        goto fail;

    m->board = board_load(config->board, error);
    if (m->board == NULL)
        goto fail;
    m->owned_irq_or = g_ptr_array_new_with_free_func(free_irq_or);
    g_ptr_array_set_size(m->owned_irq_or, m->board->nvic_irqs);

    if (!open_unicorn(m, error) || !map_memory(m, error))
        goto fail;

    m->clock = config->virtual_clock ? clock_new_virtual(m->board->cpu_hz)
                                     : clock_new_host(m->board->cpu_hz);
    m->io = iothread_new();
    m->defer = defer_queue_new(machine_kick_cb, m);

    m->nvic = nvic_new(m->board->nvic_irqs, m->board->nvic_prio_bits);
    nvic_set_change_notify(m->nvic, nvic_changed, m);
    nvic_set_reset_request(m->nvic, nvic_reset_requested, m);

    if (!devices_create(m, error) || !connect_ivshmem(m, error) || !load_firmware(m, error) ||
        !create_semihosting(m, error) || !cpu_init(m, error) ||
        !exception_reset_core(m, error))
        goto fail;
    return m;

fail:
    machine_free(m);
    return NULL;
}

/* Console input is read on the I/O thread from the start; an input
 * source that can wake the guest makes idle time follow the host clock
 * (DESIGN.md §3). */
static void start_io(Machine *m)
{
    for (int i = 0; i < MACHINE_MAX_SERIALS; i++) {
        if (m->serial[i] == NULL)
            continue;
        chardev_attach(m->serial[i], iothread_context(m->io));
        if (chardev_has_input(m->serial[i]))
            m->external_events = true;
    }
}

int machine_run(Machine *m)
{
    start_io(m);
    return cpu_run(m);
}

void machine_free(Machine *m)
{
    if (m == NULL)
        return;
    /* the I/O thread goes first: nothing may call into devices after this */
    iothread_free(m->io);
    if (m->devices != NULL)
        g_ptr_array_free(m->devices, TRUE);
    devices_free_core(m);
    if (m->owned_irq_or != NULL)
        g_ptr_array_free(m->owned_irq_or, TRUE);
    for (int i = 0; i < MACHINE_MAX_SERIALS; i++)
        chardev_free(m->serial[i]);
    semihost_free(m->semihost);
    chardev_free(m->semihost_stderr);
    chardev_free(m->semihost_stdout);
    g_free(m->semihost_cmdline);
    g_ptr_array_free(m->owned, TRUE);
    nvic_free(m->nvic);
    defer_queue_free(m->defer);
    exclusive_monitor_free(m);
    if (m->uc != NULL)
        uc_close(m->uc);
    g_ptr_array_free(m->ram, TRUE);
    /* the shared memory outlives the guest mapping, the server its client */
    if (m->ivshmem_client != NULL)
        ivshmem_client_free(m->ivshmem_client);
    if (m->ivshmem_server != NULL)
        ivshmem_server_free(m->ivshmem_server);
    clock_free(m->clock);
    if (m->image != NULL)
        firmware_image_free(m->image);
    board_free(m->board);
    idle_wait_free(m->cpu.idle);
    g_free(m);
}
