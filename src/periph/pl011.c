/* ARM PrimeCell UART PL011 (TRM ARM DDI 0183), Luminary variant,
 * following QEMU's hw/char/pl011.c in behaviour:
 *
 * - TX is infinitely fast: a DR write goes to the chardev at once, the TX
 *   FIFO is always empty (TXFE set, TXFF and BUSY clear) and TXRIS is set
 *   by every DR write, cleared only through ICR.
 * - The RX FIFO holds 16 entries with LCR_H.FEN, else 1. RXRIS is set
 *   when the FIFO gets its first byte and cleared when a DR read empties
 *   it: IFLS is stored but not used, and there is no receive timeout
 *   interrupt. QEMU simplifies the same way (with one-byte triggering an
 *   interrupt-driven driver always hears about a lone byte, which a
 *   trigger level without the timeout interrupt would leave unseen).
 * - Like QEMU, which deliberately keeps "hello world" firmware that never
 *   enables the UART working, TX and RX do not require CR.UARTEN/TXE/
 *   RXE; writing DR to a disabled transmitter is reported as a guest
 *   error.
 * - CR.LBE loops TX back into the RX FIFO; host input waits in the
 *   chardev meanwhile (hardware would lose it; the host need not).
 *
 * Access sizes: registers are 32 bits. As with QEMU's 4-byte-only
 * implementation, an access of any size anywhere in a register's word
 * acts on the whole register with the value as given; narrow reads
 * return the register's low bytes. */
#include "pl011.h"

#include <glib.h>
#include <string.h>

/* Register offsets and fields (TRM 3.2, 3.3). */
#define UARTDR 0x000
#define DR_DATA 0xffu
#define DR_OE (1u << 11) /* error bits 11:8 mirror RSR bits 3:0 */
#define UARTRSR 0x004    /* read: RSR; write: ECR (clears errors) */
#define RSR_OE (1u << 3)
#define UARTFR 0x018
#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_RXFF (1u << 6)
#define FR_TXFE (1u << 7)
#define UARTILPR 0x020
#define ILPR_MASK 0xffu
#define UARTIBRD 0x024
#define IBRD_MASK 0xffffu
#define UARTFBRD 0x028
#define FBRD_MASK 0x3fu
#define UARTLCR_H 0x02c
#define LCR_H_FEN (1u << 4)
#define LCR_H_MASK 0xffu
#define UARTCR 0x030
#define CR_UARTEN (1u << 0)
#define CR_LBE (1u << 7)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)
#define CR_MASK 0xffffu
#define CR_RESET (CR_TXE | CR_RXE)
#define UARTIFLS 0x034
#define IFLS_MASK 0x3fu
#define IFLS_RESET 0x12u /* both FIFOs at half full */
#define UARTIMSC 0x038
#define UARTRIS 0x03c
#define UARTMIS 0x040
#define UARTICR 0x044
#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_OE (1u << 10)
#define INT_MASK 0x7ffu
#define UARTDMACR 0x048
#define DMACR_MASK 0x7u
#define DMACR_RXDMAE (1u << 0)
#define DMACR_TXDMAE (1u << 1)
#define UARTPERIPHID0 0xfe0
#define UARTPCELLID3 0xffc

#define FIFO_DEPTH 16
#define TYPE_NAME "pl011-luminary"

/* UARTPeriphID0..3, UARTPCellID0..3 of the Stellaris UART. */
static const uint8_t pl011_luminary_id[] = {
    0x11, 0x00, 0x18, 0x01, 0x0d, 0xf0, 0x05, 0xb1,
};

struct Pl011 {
    char *name;
    CharDev *chr;
    IrqLine irq;

    uint16_t rx_fifo[FIFO_DEPTH]; /* data with error bits 11:8, as DR reads */
    unsigned rx_pos;
    unsigned rx_count;
    uint32_t rsr;
    uint32_t ilpr, ibrd, fbrd, lcr_h, cr, ifls, imsc, ris, dmacr;
    bool warned_tx_disabled; /* once per reset: drivers write DR a lot */
};

static void pl011_update(Pl011 *s)
{
    irq_set(&s->irq, (s->ris & s->imsc) != 0);
}

static unsigned pl011_fifo_depth(const Pl011 *s)
{
    return (s->lcr_h & LCR_H_FEN) ? FIFO_DEPTH : 1;
}

static uint32_t pl011_flags(const Pl011 *s)
{
    uint32_t fr = FR_TXFE;
    if (s->rx_count == 0)
        fr |= FR_RXFE;
    if (s->rx_count == pl011_fifo_depth(s))
        fr |= FR_RXFF;
    return fr;
}

/* A character arrives in the RX FIFO. A full FIFO overruns: the FIFO
 * keeps its contents and the character is lost (TRM 3.3.2). */
static void pl011_put_fifo(Pl011 *s, uint8_t byte)
{
    if (s->rx_count == pl011_fifo_depth(s)) {
        log_trace(s->name, "rx 0x%02x lost: overrun", byte);
        s->rsr |= RSR_OE;
        s->ris |= INT_OE;
        pl011_update(s);
        return;
    }
    log_trace(s->name, "rx 0x%02x", byte);
    s->rx_fifo[(s->rx_pos + s->rx_count) % FIFO_DEPTH] = byte;
    s->rx_count++;
    if (s->rx_count == 1) {
        s->ris |= INT_RX;
        pl011_update(s);
    }
}

static void pl011_reset_rx_fifo(Pl011 *s)
{
    s->rx_pos = 0;
    s->rx_count = 0;
    s->ris &= ~INT_RX; /* below the (one-byte) trigger level now */
}

static size_t pl011_can_receive(void *opaque)
{
    Pl011 *s = opaque;
    if (s->cr & CR_LBE)
        return 0;
    return pl011_fifo_depth(s) - s->rx_count;
}

static void pl011_chr_receive(void *opaque, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        pl011_put_fifo(opaque, buf[i]);
}

static uint32_t pl011_read_dr(Pl011 *s)
{
    /* An empty FIFO reads its stale head entry, as in QEMU. */
    uint32_t c = s->rx_fifo[s->rx_pos];
    if (s->rx_count > 0) {
        s->rx_count--;
        s->rx_pos = (s->rx_pos + 1) % FIFO_DEPTH;
    }
    if (s->rx_count == 0)
        s->ris &= ~INT_RX;
    s->rsr = c >> 8; /* RSR holds the errors of the character just read */
    pl011_update(s);
    chardev_deliver(s->chr); /* room again */
    return c;
}

static void pl011_write_dr(Pl011 *s, uint8_t byte)
{
    if ((s->cr & (CR_UARTEN | CR_TXE)) != (CR_UARTEN | CR_TXE) && !s->warned_tx_disabled) {
        log_guest_error(s->name, "DR written with UARTEN or TXE clear (CR 0x%04x); "
                        "transmitting anyway", s->cr);
        s->warned_tx_disabled = true;
    }
    log_trace(s->name, "tx 0x%02x", byte);
    chardev_write(s->chr, &byte, 1);
    if (s->cr & CR_LBE)
        pl011_put_fifo(s, byte);
    s->ris |= INT_TX;
    pl011_update(s);
}

static void pl011_write_lcr_h(Pl011 *s, uint32_t value)
{
    /* Switching the FIFOs on or off flushes them (as QEMU does). */
    bool flush = (s->lcr_h ^ value) & LCR_H_FEN;
    s->lcr_h = value & LCR_H_MASK;
    if (flush) {
        pl011_reset_rx_fifo(s);
        pl011_update(s);
        chardev_deliver(s->chr);
    }
}

static void pl011_write_cr(Pl011 *s, uint32_t value)
{
    s->cr = value & CR_MASK;
    chardev_deliver(s->chr); /* leaving loopback reconnects the input */
}

static void pl011_write_dmacr(Pl011 *s, uint32_t value)
{
    s->dmacr = value & DMACR_MASK;
    if (s->dmacr & (DMACR_RXDMAE | DMACR_TXDMAE))
        log_unimp(s->name, "DMA requests (DMACR 0x%x)", s->dmacr);
}

static bool is_id_register(uint32_t reg)
{
    return reg >= UARTPERIPHID0 && reg <= UARTPCELLID3;
}

static uint32_t size_mask(unsigned size)
{
    return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static MmioResult pl011_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    Pl011 *s = dev;
    uint32_t reg = offset & ~3u;
    uint32_t r;

    switch (reg) {
    case UARTDR:    r = pl011_read_dr(s); break;
    case UARTRSR:   r = s->rsr; break;
    case UARTFR:    r = pl011_flags(s); break;
    case UARTILPR:  r = s->ilpr; break;
    case UARTIBRD:  r = s->ibrd; break;
    case UARTFBRD:  r = s->fbrd; break;
    case UARTLCR_H: r = s->lcr_h; break;
    case UARTCR:    r = s->cr; break;
    case UARTIFLS:  r = s->ifls; break;
    case UARTIMSC:  r = s->imsc; break;
    case UARTRIS:   r = s->ris; break;
    case UARTMIS:   r = s->ris & s->imsc; break;
    case UARTDMACR: r = s->dmacr; break;
    case UARTICR:
        log_guest_error(s->name, "read of write-only ICR");
        r = 0;
        break;
    default:
        if (!is_id_register(reg))
            return MMIO_UNASSIGNED;
        r = pl011_luminary_id[(reg - UARTPERIPHID0) / 4];
        break;
    }
    *value = r & size_mask(size);
    return MMIO_OK;
}

static MmioResult pl011_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    Pl011 *s = dev;
    uint32_t reg = offset & ~3u;

    value &= size_mask(size);
    switch (reg) {
    case UARTDR:    pl011_write_dr(s, value & DR_DATA); break;
    case UARTRSR:   s->rsr = 0; break; /* ECR: any value clears */
    case UARTFR:    break; /* read-only; QEMU ignores writes silently */
    case UARTILPR:  s->ilpr = value & ILPR_MASK; break;
    case UARTIBRD:  s->ibrd = value & IBRD_MASK; break;
    case UARTFBRD:  s->fbrd = value & FBRD_MASK; break;
    case UARTLCR_H: pl011_write_lcr_h(s, value); break;
    case UARTCR:    pl011_write_cr(s, value); break;
    case UARTIFLS:  s->ifls = value & IFLS_MASK; break;
    case UARTIMSC:
        s->imsc = value & INT_MASK;
        pl011_update(s);
        break;
    case UARTICR:
        s->ris &= ~value;
        pl011_update(s);
        break;
    case UARTDMACR: pl011_write_dmacr(s, value); break;
    case UARTRIS:
    case UARTMIS:
        log_guest_error(s->name, "write 0x%x to read-only register 0x%03x", value, reg);
        break;
    default:
        if (!is_id_register(reg))
            return MMIO_UNASSIGNED;
        log_guest_error(s->name, "write 0x%x to read-only ID register 0x%03x", value, reg);
        break;
    }
    return MMIO_OK;
}

/* TRM 3.2 reset values; FR resets to TXFE | RXFE, which pl011_flags()
 * derives from the empty FIFOs. */
static void pl011_reset_registers(Pl011 *s)
{
    pl011_reset_rx_fifo(s);
    /* an empty FIFO reads its stale head: a reset one reads like a new one */
    memset(s->rx_fifo, 0, sizeof(s->rx_fifo));
    s->rsr = 0;
    s->ilpr = 0;
    s->ibrd = 0;
    s->fbrd = 0;
    s->lcr_h = 0;
    s->cr = CR_RESET;
    s->ifls = IFLS_RESET;
    s->imsc = 0;
    s->ris = 0;
    s->dmacr = 0;
    s->warned_tx_disabled = false;
}

static void pl011_reset(void *dev)
{
    Pl011 *s = dev;
    log_trace(s->name, "reset");
    pl011_reset_registers(s);
    pl011_update(s);
}

static void pl011_destroy(void *dev)
{
    Pl011 *s = dev;
    if (s == NULL)
        return;
    chardev_set_frontend(s->chr, NULL); /* the machine owns the chardev */
    g_free(s->name);
    g_free(s);
}

Pl011 *pl011_new(const Pl011Config *cfg)
{
    Pl011 *s = g_new0(Pl011, 1);
    s->name = g_strdup(cfg->name != NULL ? cfg->name : TYPE_NAME);
    s->chr = cfg->chr;
    s->irq = cfg->irq;
    pl011_reset_registers(s);

    const CharFrontend fe = {
        .can_receive = pl011_can_receive,
        .receive = pl011_chr_receive,
        .opaque = s,
    };
    chardev_set_frontend(s->chr, &fe);
    return s;
}

const DeviceClass pl011_class = {
    .type = TYPE_NAME,
    .read = pl011_read,
    .write = pl011_write,
    .reset = pl011_reset,
    .destroy = pl011_destroy,
};
