/* Board wiring: creates each device a board file lists, hands it its
 * interrupt lines, serial backend and clock, and maps its window. The
 * architectural devices (SCS with NVIC/SCB/SysTick, DWT) are added for
 * every board. Device types are named here and nowhere else. */
#include "machine_internal.h"

#include <string.h>

#include "bitband.h"
#include "cmsdk_dualtimer.h"
#include "cmsdk_timer.h"
#include "cmsdk_uart.h"
#include "cmsdk_watchdog.h"
#include "dwt.h"
#include "errors.h"
#include "mpu_tlb.h"
#include "mps2_fpgaio.h"
#include "mps2_scc.h"
#include "pl011.h"
#include "scs.h"
#include "stellaris_sysctl.h"
#include "systick.h"
#include "unimplemented.h"

#define SCS_BASE 0xE000E000u
#define SCS_SIZE 0x1000u
#define DWT_BASE 0xE0001000u
#define DWT_SIZE 0x1000u
#define CORTEX_M3_R2P1_CPUID 0x412FC231u
#define PPB_BASE 0xE0000000u
#define PPB_END 0xE0100000u

typedef struct DeviceFactory {
    const char *type;
    uint32_t default_size;
    /* Returns the device state and its class, or NULL with an error. */
    void *(*create)(Machine *m, const BoardDevice *d, const DeviceClass **cls, GError **error);
} DeviceFactory;

/* An output wired to NVIC line "irq-NAME" (or "irq"), or to the NMI;
 * unwired if the key is absent. */
static bool wire_irq(Machine *m, const BoardDevice *d, const char *name, IrqLine *line,
                     GError **error)
{
    int n;
    memset(line, 0, sizeof(*line));
    if (!board_device_irq(m->board, d, name, &n, error))
        return false;
    if (n == BOARD_IRQ_NMI)
        *line = nvic_exception_line(m->nvic, EXC_NMI);
    else if (n >= 0)
        *line = machine_nvic_input(m, (unsigned)n);
    return true;
}

/* A reset request output: "reset=system" wires it to the system reset
 * (what AIRCR.SYSRESETREQ does); unwired if the key is absent. */
static bool wire_reset(Machine *m, const BoardDevice *d, IrqLine *line, GError **error)
{
    g_autofree char *target = board_device_string(m->board, d, "reset");
    memset(line, 0, sizeof(*line));
    if (target == NULL)
        return true;
    if (strcmp(target, "system") != 0) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_BAD_BOARD,
                    "%s: [%s] reset: '%s' is not a reset target (the one known: system)",
                    m->board->path, d->group, target);
        return false;
    }
    *line = machine_reset_input(m);
    return true;
}

static void serial_input_arrived(void *opaque);

typedef struct SerialInput {
    Machine *machine;
    CharDev *chardev;
} SerialInput;

static void deliver_serial_input(void *opaque)
{
    SerialInput *in = opaque;
    chardev_deliver(in->chardev);
}

static void serial_input_arrived(void *opaque)
{
    SerialInput *in = opaque;
    defer_post(in->machine->defer, deliver_serial_input, in);
}

/* The chardev behind "serial=N": --serial options in order, UART0 on
 * stdio by default. Input is read on the I/O thread and delivered on the
 * CPU thread. */
static bool serial_backend(Machine *m, const BoardDevice *d, CharDev **out, GError **error)
{
    uint32_t index = UINT32_MAX;
    *out = NULL;
    if (!board_device_u32(m->board, d, "serial", UINT32_MAX, &index, error))
        return false;
    if (index == UINT32_MAX)
        return true;
    if (index >= MACHINE_MAX_SERIALS) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_BAD_BOARD, "%s: [%s] serial: must be 0..%d",
                    m->board->path, d->group, MACHINE_MAX_SERIALS - 1);
        return false;
    }
    if (m->serial[index] == NULL) {
        const char *spec = m->config.serial[index];
        if (spec == NULL)
            spec = index == 0 ? "stdio" : "null";
        m->serial[index] = chardev_new(spec, error);
        if (m->serial[index] == NULL)
            return false;
        SerialInput *in = g_new0(SerialInput, 1);
        in->machine = m;
        in->chardev = m->serial[index];
        g_ptr_array_add(m->owned, in);
        chardev_set_input_notify(m->serial[index], serial_input_arrived, in);
    }
    *out = m->serial[index];
    return true;
}

static void *create_cmsdk_uart(Machine *m, const BoardDevice *d, const DeviceClass **cls,
                               GError **error)
{
    CmsdkUartConfig cfg = { .name = d->name, .pclk_hz = (uint32_t)m->board->cpu_hz,
                            .clock = m->clock };
    if (!serial_backend(m, d, &cfg.chr, error) || !wire_irq(m, d, "tx", &cfg.tx_irq, error) ||
        !wire_irq(m, d, "rx", &cfg.rx_irq, error) ||
        !wire_irq(m, d, "overflow", &cfg.overflow_irq, error) ||
        !wire_irq(m, d, "combined", &cfg.combined_irq, error))
        return NULL;
    *cls = &cmsdk_uart_class;
    return cmsdk_uart_new(&cfg);
}

static void *create_pl011(Machine *m, const BoardDevice *d, const DeviceClass **cls,
                          GError **error)
{
    Pl011Config cfg = { .name = d->name };
    if (!serial_backend(m, d, &cfg.chr, error) || !wire_irq(m, d, NULL, &cfg.irq, error))
        return NULL;
    *cls = &pl011_class;
    return pl011_new(&cfg);
}

static void *create_cmsdk_timer(Machine *m, const BoardDevice *d, const DeviceClass **cls,
                                GError **error)
{
    IrqLine irq;
    if (!wire_irq(m, d, NULL, &irq, error))
        return NULL;
    *cls = &cmsdk_timer_class;
    return cmsdk_timer_new(d->name, m->clock, m->board->cpu_hz, irq);
}

static void *create_cmsdk_dualtimer(Machine *m, const BoardDevice *d, const DeviceClass **cls,
                                    GError **error)
{
    IrqLine irq;
    if (!wire_irq(m, d, NULL, &irq, error))
        return NULL;
    *cls = &cmsdk_dualtimer_class;
    return cmsdk_dualtimer_new(d->name, m->clock, m->board->cpu_hz, irq);
}

static void *create_cmsdk_watchdog(Machine *m, const BoardDevice *d, const DeviceClass **cls,
                                   GError **error)
{
    IrqLine wdogint, wdogres;
    if (!wire_irq(m, d, NULL, &wdogint, error) || !wire_reset(m, d, &wdogres, error))
        return NULL;
    *cls = &cmsdk_watchdog_class;
    return cmsdk_watchdog_new(d->name, m->clock, m->board->cpu_hz, wdogint, wdogres);
}

static void *create_mps2_fpgaio(Machine *m, const BoardDevice *d, const DeviceClass **cls,
                                GError **error)
{
    uint32_t prescale_hz = 0;
    if (!board_device_u32(m->board, d, "prescale-clock", (uint32_t)m->board->cpu_hz,
                          &prescale_hz, error))
        return NULL;
    if (prescale_hz == 0) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_BAD_BOARD,
                    "%s: [%s] prescale-clock: must not be 0", m->board->path, d->group);
        return NULL;
    }
    *cls = &mps2_fpgaio_class;
    return mps2_fpgaio_new(d->name, m->clock, prescale_hz);
}

static void *create_mps2_scc(Machine *m, const BoardDevice *d, const DeviceClass **cls,
                             GError **error)
{
    Mps2SccConfig cfg = { .name = d->name };
    if (!board_device_u32(m->board, d, "id", 0, &cfg.id, error) ||
        !board_device_u32(m->board, d, "aid", 0, &cfg.aid, error) ||
        !board_device_u32(m->board, d, "cfg4", 0, &cfg.cfg4, error))
        return NULL;
    *cls = &mps2_scc_class;
    return mps2_scc_new(&cfg);
}

static void *create_unimplemented(Machine *m, const BoardDevice *d, const DeviceClass **cls,
                                  GError **error)
{
    if (d->size == 0) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_BAD_BOARD,
                    "%s: [%s] size: required for unimplemented devices", m->board->path,
                    d->group);
        return NULL;
    }
    *cls = &unimplemented_class;
    return unimplemented_new(d->name, d->size);
}

static void *create_bitband(Machine *m, const BoardDevice *d, const DeviceClass **cls,
                            GError **error)
{
    uint32_t target = 0;
    if (!board_device_u32(m->board, d, "target", UINT32_MAX, &target, error))
        return NULL;
    if (target == UINT32_MAX) {
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_BAD_BOARD,
                    "%s: [%s] target: required for bit-band aliases", m->board->path, d->group);
        return NULL;
    }
    *cls = &bitband_class;
    return bitband_new(d->name, target, machine_bus(m));
}

static void sysclk_changed(void *opaque, uint64_t hz) { machine_set_cpu_hz(opaque, hz); }

/* Its system clock output drives the CPU clock, as in QEMU's stellaris.c. */
static void *create_stellaris_sysctl(Machine *m, const BoardDevice *d,
                                     const DeviceClass **cls, GError **error)
{
    IrqLine irq;
    if (!wire_irq(m, d, NULL, &irq, error))
        return NULL;
    *cls = &stellaris_sysctl_class;
    return stellaris_sysctl_new(d->name, irq, (SysclkOut){ sysclk_changed, m });
}

static const DeviceFactory factories[] = {
    { "stellaris-sysctl", 0x1000, create_stellaris_sysctl },
    { "armv7m-bitband", BITBAND_ALIAS_SIZE, create_bitband },
    { "cmsdk-apb-uart", 0x1000, create_cmsdk_uart },
    { "pl011-luminary", 0x1000, create_pl011 },
    { "cmsdk-apb-timer", 0x1000, create_cmsdk_timer },
    { "cmsdk-apb-dualtimer", 0x1000, create_cmsdk_dualtimer },
    { "cmsdk-apb-watchdog", 0x1000, create_cmsdk_watchdog },
    { "mps2-fpgaio", 0x1000, create_mps2_fpgaio },
    { "mps2-scc", 0x1000, create_mps2_scc },
    { "unimplemented", 0, create_unimplemented },
};

static const DeviceFactory *find_factory(const char *type)
{
    for (size_t i = 0; i < G_N_ELEMENTS(factories); i++)
        if (strcmp(factories[i].type, type) == 0)
            return &factories[i];
    return NULL;
}

static bool create_board_device(Machine *m, const BoardDevice *d, GError **error)
{
    const DeviceFactory *f = find_factory(d->type);
    if (f == NULL) {
        GString *known = g_string_new(NULL);
        for (size_t i = 0; i < G_N_ELEMENTS(factories); i++)
            g_string_append_printf(known, "%s%s", i ? ", " : "", factories[i].type);
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_BAD_BOARD,
                    "%s: [%s] type: unknown device type '%s' (known: %s)", m->board->path,
                    d->group, d->type, known->str);
        g_string_free(known, TRUE);
        return false;
    }
    const DeviceClass *cls = NULL;
    void *state = f->create(m, d, &cls, error);
    if (state == NULL)
        return false;
    uint32_t size = d->size != 0 ? d->size : f->default_size;
    return machine_map_device(m, d->name, cls, state, d->base, size, error) != NULL;
}

void devices_free_core(Machine *m)
{
    systick_free(m->systick);
    if (m->mpu != NULL)
        mpu_free(m->mpu);
}

/* The rest of the Private Peripheral Bus (B3.1: ITM, FPB, TPIU, ROM
 * table...), as QEMU 7.2 fills it: read as zero, writes ignored, and
 * unprivileged accesses refused. */
static bool map_ppb_gap(Machine *m, const char *name, uint32_t start, uint32_t end,
                        GError **error)
{
    Unimplemented *u = unimplemented_new(name, end - start);
    return machine_map_device(m, name, &unimplemented_ppb_class, u, start, end - start,
                              error) != NULL;
}

/* The System Control Space, DWT and the rest of the PPB: part of every
 * ARMv7-M core. */
static bool create_core_devices(Machine *m, GError **error)
{
    SysTick *systick = systick_new(m->clock, nvic_exception_line(m->nvic, EXC_SYSTICK),
                                   m->board->systick_ref_hz);
    m->systick = systick;
    Dwt *dwt = dwt_new(m->clock); /* mapped below: freed with its window */
    Scs *scs = scs_new(m->nvic, systick, dwt, CORTEX_M3_R2P1_CPUID);
    m->mpu = mpu_new();
    scs_set_mpu(scs, m->mpu);
    return mpu_tlb_init(m, m->mpu, error) &&
           machine_map_device(m, "scs", &scs_class, scs, SCS_BASE, SCS_SIZE, error) != NULL &&
           machine_map_device(m, "dwt", &dwt_class, dwt, DWT_BASE, DWT_SIZE, error) != NULL &&
           map_ppb_gap(m, "itm", PPB_BASE, DWT_BASE, error) &&
           map_ppb_gap(m, "ppb", DWT_BASE + DWT_SIZE, SCS_BASE, error) &&
           map_ppb_gap(m, "ppb-debug", SCS_BASE + SCS_SIZE, PPB_END, error);
}

bool devices_create(Machine *m, GError **error)
{
    if (!create_core_devices(m, error))
        return false;
    for (guint i = 0; i < m->board->devices->len; i++)
        if (!create_board_device(m, g_ptr_array_index(m->board->devices, i), error))
            return false;
    return true;
}
