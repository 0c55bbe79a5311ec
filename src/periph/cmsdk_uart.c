/* ARM CMSDK APB UART (Cortex-M System Design Kit TRM, ARM DDI 0479C,
 * 4.3), following QEMU's hw/char/cmsdk-apb-uart.c in behaviour.
 *
 * One-byte TX and RX buffers, no FIFOs. The model transmits infinitely
 * fast: a byte written to DATA goes to the chardev at once, so TXFULL is
 * never seen set and TX overrun cannot happen; the "TX buffer emptied"
 * event that drives the TX interrupt happens inside the DATA write.
 *
 * Access sizes: the UART is an APB slave without byte strobes. As in
 * QEMU, an access of any size at a register's word offset acts on the
 * whole register (a narrow read returns its low bytes, a narrow write
 * zero-extends the value); any other offset has no register. */
#include "cmsdk_uart.h"

#include <glib.h>

/* Register offsets and fields (TRM table 4-5 and following). */
#define R_DATA 0x00
#define R_STATE 0x04
#define STATE_TXFULL (1u << 0)
#define STATE_RXFULL (1u << 1)
#define STATE_TXOVERRUN (1u << 2) /* write 1 to clear */
#define STATE_RXOVERRUN (1u << 3) /* write 1 to clear */
#define STATE_OVERRUN (STATE_TXOVERRUN | STATE_RXOVERRUN)
#define R_CTRL 0x08
#define CTRL_TXEN (1u << 0)
#define CTRL_RXEN (1u << 1)
#define CTRL_TXINTEN (1u << 2)
#define CTRL_RXINTEN (1u << 3)
#define CTRL_TXOVRINTEN (1u << 4)
#define CTRL_RXOVRINTEN (1u << 5)
#define CTRL_HSTEST (1u << 6) /* high-speed test mode: baud timing only */
#define CTRL_MASK 0x7fu
#define R_INTSTATUS 0x0c /* read: INTSTATUS; write: INTCLEAR (1 clears) */
#define INT_TX (1u << 0)
#define INT_RX (1u << 1)
#define INT_TXOVR (1u << 2)
#define INT_RXOVR (1u << 3)
#define INT_OVR (INT_TXOVR | INT_RXOVR)
#define R_BAUDDIV 0x10
#define BAUDDIV_MASK 0xfffffu
#define BAUDDIV_MIN 16
#define R_PID4 0xfd0
#define R_CID3 0xffc

#define TYPE_NAME "cmsdk-apb-uart"

/* PID4..PID7, PID0..PID3, CID0..CID3: the CMSDK UART's identification. */
static const uint8_t cmsdk_uart_id[] = {
    0x04, 0x00, 0x00, 0x00,
    0x21, 0xb8, 0x1b, 0x00,
    0x0d, 0xf0, 0x05, 0xb1,
};

struct CmsdkUart {
    char *name;
    CharDev *chr;
    IrqLine tx_irq, rx_irq, overflow_irq, combined_irq;
    uint32_t pclk_hz;

    uint32_t state;
    uint32_t ctrl;
    uint32_t intstatus;
    uint32_t bauddiv;
    uint8_t rxbuf;
    Clock *clock;
    Timer *rx_refill; /* NULL without a clock: refill at once */
};

/* The overrun interrupt bits are not latched: they are STATE's overrun
 * bits ANDed with their CTRL enables (CTRL bits 5:4 line up with
 * INTSTATUS bits 3:2). TX and RX are latched until INTCLEAR. */
static void cmsdk_uart_update(CmsdkUart *u)
{
    u->intstatus &= ~INT_OVR;
    u->intstatus |= u->state & (u->ctrl >> 2) & INT_OVR;

    irq_set(&u->tx_irq, u->intstatus & INT_TX);
    irq_set(&u->rx_irq, u->intstatus & INT_RX);
    irq_set(&u->overflow_irq, u->intstatus & INT_OVR);
    irq_set(&u->combined_irq, u->intstatus != 0);
}

void cmsdk_uart_receive(CmsdkUart *u, uint8_t byte)
{
    if (!(u->ctrl & CTRL_RXEN)) {
        log_trace(u->name, "rx 0x%02x dropped: RX disabled", byte);
        return;
    }
    log_trace(u->name, "rx 0x%02x", byte);
    if (u->state & STATE_RXFULL) {
        /* The unread byte is replaced, as in QEMU. */
        log_trace(u->name, "rx overrun");
        u->state |= STATE_RXOVERRUN;
    }
    u->rxbuf = byte;
    u->state |= STATE_RXFULL;
    if (u->ctrl & CTRL_RXINTEN)
        u->intstatus |= INT_RX;
    cmsdk_uart_update(u);
}

/* The chardev only offers a byte when one fits. While RX is disabled the
 * input waits in the chardev instead of being dropped (QEMU does the
 * same); enabling RX fetches it. */
static size_t cmsdk_uart_can_receive(void *opaque)
{
    CmsdkUart *u = opaque;
    return (u->ctrl & CTRL_RXEN) && !(u->state & STATE_RXFULL) ? 1 : 0;
}

static void cmsdk_uart_chr_receive(void *opaque, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        cmsdk_uart_receive(opaque, buf[i]);
}

static void cmsdk_uart_refill(void *opaque)
{
    CmsdkUart *u = opaque;
    chardev_deliver(u->chr);
}

/* The next queued byte arrives one character time (10 bits at the baud
 * rate) after the guest emptied the buffer, as on the wire. Handing it
 * over inside the DATA read would let a driver that reads DATA and then
 * writes INTCLEAR clear the new byte's interrupt and stall. */
static void cmsdk_uart_schedule_refill(CmsdkUart *u)
{
    if (u->rx_refill == NULL || u->pclk_hz == 0) {
        chardev_deliver(u->chr);
        return;
    }
    uint64_t ticks = 10ull * MAX(u->bauddiv, BAUDDIV_MIN);
    timer_mod(u->rx_refill, clock_ns(u->clock) + clock_ticks_to_ns(ticks, u->pclk_hz));
}

static uint32_t cmsdk_uart_read_data(CmsdkUart *u)
{
    uint32_t r = u->rxbuf;
    u->state &= ~STATE_RXFULL;
    cmsdk_uart_update(u);
    cmsdk_uart_schedule_refill(u); /* room again: next queued byte */
    return r;
}

static void cmsdk_uart_write_data(CmsdkUart *u, uint8_t byte)
{
    if (!(u->ctrl & CTRL_TXEN)) {
        log_guest_error(u->name, "DATA write 0x%02x with TX disabled: dropped", byte);
        return;
    }
    log_trace(u->name, "tx 0x%02x", byte);
    chardev_write(u->chr, &byte, 1);
    /* TXFULL rose and fell within this write: its falling edge is the
     * TX interrupt event ("TX buffer has become empty"). */
    if (u->ctrl & CTRL_TXINTEN)
        u->intstatus |= INT_TX;
    cmsdk_uart_update(u);
}

static bool cmsdk_uart_baud_ok(const CmsdkUart *u)
{
    return u->bauddiv >= BAUDDIV_MIN;
}

static void cmsdk_uart_write_ctrl(CmsdkUart *u, uint32_t value)
{
    u->ctrl = value & CTRL_MASK;
    if ((u->ctrl & CTRL_TXEN) && !cmsdk_uart_baud_ok(u))
        log_guest_error(u->name, "TX enabled with BAUDDIV %u (minimum %u)",
                        u->bauddiv, BAUDDIV_MIN);
    cmsdk_uart_update(u);
    chardev_deliver(u->chr); /* RX may have been enabled */
}

static void cmsdk_uart_write_bauddiv(CmsdkUart *u, uint32_t value)
{
    u->bauddiv = value & BAUDDIV_MASK;
    if (!cmsdk_uart_baud_ok(u))
        log_guest_error(u->name, "BAUDDIV %u below the minimum %u",
                        u->bauddiv, BAUDDIV_MIN);
    else if (u->pclk_hz != 0)
        log_trace(u->name, "baud rate %u", u->pclk_hz / u->bauddiv);
}

static uint32_t size_mask(unsigned size)
{
    return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static bool is_id_register(uint32_t offset)
{
    return offset >= R_PID4 && offset <= R_CID3;
}

static MmioResult cmsdk_uart_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    CmsdkUart *u = dev;
    uint32_t r;

    if (offset & 3)
        return MMIO_UNASSIGNED;
    switch (offset) {
    case R_DATA:
        r = cmsdk_uart_read_data(u);
        break;
    case R_STATE:
        r = u->state;
        break;
    case R_CTRL:
        r = u->ctrl;
        break;
    case R_INTSTATUS:
        r = u->intstatus;
        break;
    case R_BAUDDIV:
        r = u->bauddiv;
        break;
    default:
        if (!is_id_register(offset))
            return MMIO_UNASSIGNED;
        r = cmsdk_uart_id[(offset - R_PID4) / 4];
        break;
    }
    *value = r & size_mask(size);
    return MMIO_OK;
}

static MmioResult cmsdk_uart_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    CmsdkUart *u = dev;

    if (offset & 3)
        return MMIO_UNASSIGNED;
    value &= size_mask(size);
    switch (offset) {
    case R_DATA:
        cmsdk_uart_write_data(u, (uint8_t)value);
        break;
    case R_STATE:
        /* TXFULL and RXFULL are read-only */
        u->state &= ~(value & STATE_OVERRUN);
        cmsdk_uart_update(u);
        break;
    case R_CTRL:
        cmsdk_uart_write_ctrl(u, value);
        break;
    case R_INTSTATUS:
        /* INTCLEAR: clearing an overrun interrupt clears the STATE bit it
         * mirrors. */
        u->state &= ~(value & STATE_OVERRUN);
        u->intstatus &= ~value;
        cmsdk_uart_update(u);
        break;
    case R_BAUDDIV:
        cmsdk_uart_write_bauddiv(u, value);
        break;
    default:
        if (!is_id_register(offset))
            return MMIO_UNASSIGNED;
        log_guest_error(u->name, "write 0x%x to read-only ID register 0x%03x",
                        value, offset);
        break;
    }
    return MMIO_OK;
}

/* TRM: every register resets to 0. */
static void cmsdk_uart_reset_registers(CmsdkUart *u)
{
    u->state = 0;
    u->ctrl = 0;
    u->intstatus = 0;
    u->bauddiv = 0;
    u->rxbuf = 0;
}

static void cmsdk_uart_reset(void *dev)
{
    CmsdkUart *u = dev;
    log_trace(u->name, "reset");
    cmsdk_uart_reset_registers(u);
    cmsdk_uart_update(u);
}

static void cmsdk_uart_destroy(void *dev)
{
    CmsdkUart *u = dev;
    if (u == NULL)
        return;
    chardev_set_frontend(u->chr, NULL); /* the machine owns the chardev */
    timer_free(u->rx_refill);
    g_free(u->name);
    g_free(u);
}

CmsdkUart *cmsdk_uart_new(const CmsdkUartConfig *cfg)
{
    CmsdkUart *u = g_new0(CmsdkUart, 1);
    u->name = g_strdup(cfg->name != NULL ? cfg->name : TYPE_NAME);
    u->chr = cfg->chr;
    u->tx_irq = cfg->tx_irq;
    u->rx_irq = cfg->rx_irq;
    u->overflow_irq = cfg->overflow_irq;
    u->combined_irq = cfg->combined_irq;
    u->pclk_hz = cfg->pclk_hz;
    u->clock = cfg->clock;
    if (cfg->clock != NULL)
        u->rx_refill = timer_new(cfg->clock, cmsdk_uart_refill, u);
    cmsdk_uart_reset_registers(u);

    const CharFrontend fe = {
        .can_receive = cmsdk_uart_can_receive,
        .receive = cmsdk_uart_chr_receive,
        .opaque = u,
    };
    chardev_set_frontend(u->chr, &fe);
    return u;
}

const DeviceClass cmsdk_uart_class = {
    .type = TYPE_NAME,
    .read = cmsdk_uart_read,
    .write = cmsdk_uart_write,
    .reset = cmsdk_uart_reset,
    .destroy = cmsdk_uart_destroy,
};
