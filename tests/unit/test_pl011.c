/* PL011 (Luminary): registers, TX to a real pipe, RX FIFO through the
 * chardev, the interrupt line. */
#include <check.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "chardev.h"
#include "pl011.h"
#include "unit_main.h"

#define DR 0x000
#define RSR 0x004
#define ECR 0x004
#define FR 0x018
#define ILPR 0x020
#define IBRD 0x024
#define FBRD 0x028
#define LCR_H 0x02c
#define CR 0x030
#define IFLS 0x034
#define IMSC 0x038
#define RIS 0x03c
#define MIS 0x040
#define ICR 0x044
#define DMACR 0x048

#define FR_RXFE 0x10
#define FR_TXFF 0x20
#define FR_RXFF 0x40
#define FR_TXFE 0x80
#define LCR_H_FEN 0x10
#define CR_UARTEN 0x001
#define CR_LBE 0x080
#define CR_TXE 0x100
#define CR_RXE 0x200
#define INT_RX 0x010
#define INT_TX 0x020
#define INT_OE 0x400
#define RSR_OE 0x8

typedef struct {
    bool level;
    unsigned sets;
} Line;

static void line_handler(void *opaque, int n, bool level)
{
    (void)n;
    Line *l = opaque;
    l->level = level;
    l->sets++;
}

static Line line;
static int out_pipe[2];
static CharDev *chr;
static Pl011 *uart;

static void setup(void)
{
    memset(&line, 0, sizeof(line));
    ck_assert_int_eq(pipe(out_pipe), 0);
    fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
    chr = chardev_new_fds(-1, out_pipe[1]);
    Pl011Config cfg = { .name = "uart0", .chr = chr, .irq = { line_handler, &line, 5 } };
    uart = pl011_new(&cfg);
}

static void teardown(void)
{
    pl011_class.destroy(uart);
    chardev_free(chr);
    close(out_pipe[0]);
    close(out_pipe[1]);
}

static uint32_t rd(uint32_t offset)
{
    uint32_t v = 0xdeadbeef;
    ck_assert_int_eq(pl011_class.read(uart, offset, 4, &v), MMIO_OK);
    return v;
}

static void wr(uint32_t offset, uint32_t value)
{
    ck_assert_int_eq(pl011_class.write(uart, offset, value, 4), MMIO_OK);
}

static void input(const char *s)
{
    chardev_push_input(chr, (const uint8_t *)s, strlen(s));
    chardev_deliver(chr);
}

static char *sent(void)
{
    GString *s = g_string_new(NULL);
    char buf[256];
    ssize_t n;
    while ((n = read(out_pipe[0], buf, sizeof(buf))) > 0)
        g_string_append_len(s, buf, n);
    return g_string_free(s, FALSE);
}

static void enable(void)
{
    wr(CR, CR_UARTEN | CR_TXE | CR_RXE);
}

/* ---- reset ---- */

START_TEST(registers_have_their_reset_values)
{
    ck_assert_uint_eq(rd(RSR), 0);
    ck_assert_uint_eq(rd(FR), FR_TXFE | FR_RXFE);
    ck_assert_uint_eq(rd(ILPR), 0);
    ck_assert_uint_eq(rd(IBRD), 0);
    ck_assert_uint_eq(rd(FBRD), 0);
    ck_assert_uint_eq(rd(LCR_H), 0);
    ck_assert_uint_eq(rd(CR), CR_TXE | CR_RXE); /* 0x300: UARTEN clear */
    ck_assert_uint_eq(rd(IFLS), 0x12);
    ck_assert_uint_eq(rd(IMSC), 0);
    ck_assert_uint_eq(rd(RIS), 0);
    ck_assert_uint_eq(rd(MIS), 0);
    ck_assert_uint_eq(rd(DMACR), 0);
    ck_assert(!line.level);
}
END_TEST

START_TEST(reset_restores_registers_empties_the_fifo_and_lowers_the_line)
{
    wr(IBRD, 6);
    wr(FBRD, 33);
    wr(LCR_H, 0x70);
    wr(IMSC, INT_TX | INT_RX);
    wr(ILPR, 1);
    wr(IFLS, 0);
    wr(DMACR, 4);
    enable();
    input("ab");
    wr(DR, 'x');
    ck_assert(line.level);

    pl011_class.reset(uart);
    ck_assert(!line.level);
    ck_assert_uint_eq(rd(FR), FR_TXFE | FR_RXFE);
    ck_assert_uint_eq(rd(IBRD), 0);
    ck_assert_uint_eq(rd(FBRD), 0);
    ck_assert_uint_eq(rd(LCR_H), 0);
    ck_assert_uint_eq(rd(CR), 0x300);
    ck_assert_uint_eq(rd(IFLS), 0x12);
    ck_assert_uint_eq(rd(IMSC), 0);
    ck_assert_uint_eq(rd(RIS), 0);
    ck_assert_uint_eq(rd(ILPR), 0);
    ck_assert_uint_eq(rd(DMACR), 0);
}
END_TEST

/* ---- registers ---- */

/* An empty FIFO reads its stale head entry: after a reset that must be
 * what a new UART reads, not a character received before the reset. */
START_TEST(reset_forgets_received_characters)
{
    input("q");
    pl011_class.reset(uart);
    ck_assert_uint_eq(rd(DR), 0);
    ck_assert_uint_eq(rd(RSR), 0);
}
END_TEST

START_TEST(id_registers_hold_the_luminary_ids)
{
    static const uint32_t expect[] = { 0x11, 0x00, 0x18, 0x01, 0x0d, 0xf0, 0x05, 0xb1 };
    for (unsigned i = 0; i < G_N_ELEMENTS(expect); i++)
        ck_assert_uint_eq(rd(0xfe0 + 4 * i), expect[i]);
    ck_assert_str_eq(pl011_class.type, "pl011-luminary");
}
END_TEST

START_TEST(id_registers_are_read_only)
{
    wr(0xfe0, 0);
    ck_assert_uint_eq(rd(0xfe0), 0x11);
}
END_TEST

START_TEST(registers_keep_only_their_implemented_bits)
{
    static const struct { uint32_t offset, mask; } regs[] = {
        { ILPR, 0xff }, { IBRD, 0xffff }, { FBRD, 0x3f }, { LCR_H, 0xff },
        { CR, 0xffff }, { IFLS, 0x3f }, { IMSC, 0x7ff }, { DMACR, 0x7 },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(regs); i++) {
        wr(regs[i].offset, 0xffffffff);
        ck_assert_uint_eq(rd(regs[i].offset), regs[i].mask);
        wr(regs[i].offset, 0);
        ck_assert_uint_eq(rd(regs[i].offset), 0);
    }
}
END_TEST

START_TEST(status_registers_ignore_writes)
{
    wr(FR, 0);
    wr(RIS, 0x7ff);
    wr(MIS, 0x7ff);
    ck_assert_uint_eq(rd(FR), FR_TXFE | FR_RXFE);
    ck_assert_uint_eq(rd(RIS), 0);
    ck_assert_uint_eq(rd(MIS), 0);
}
END_TEST

START_TEST(icr_is_write_only_and_reads_zero)
{
    wr(DR, 'a');
    ck_assert_uint_eq(rd(ICR), 0);
    ck_assert_uint_eq(rd(RIS), INT_TX); /* reading ICR cleared nothing */
}
END_TEST

START_TEST(offsets_without_a_register_are_unassigned)
{
    static const uint32_t holes[] = { 0x008, 0x00c, 0x010, 0x014, 0x01c, 0x04c,
                                      0x100, 0xfdc };
    for (unsigned i = 0; i < G_N_ELEMENTS(holes); i++) {
        uint32_t v = 0x5a5a5a5a;
        ck_assert_int_eq(pl011_class.read(uart, holes[i], 4, &v), MMIO_UNASSIGNED);
        ck_assert_uint_eq(v, 0x5a5a5a5a);
        ck_assert_int_eq(pl011_class.write(uart, holes[i], 1, 4), MMIO_UNASSIGNED);
    }
}
END_TEST

START_TEST(narrow_reads_return_the_low_bytes_of_the_register)
{
    wr(IBRD, 0x1234);
    uint32_t v;
    ck_assert_int_eq(pl011_class.read(uart, IBRD, 1, &v), MMIO_OK);
    ck_assert_uint_eq(v, 0x34);
    ck_assert_int_eq(pl011_class.read(uart, FR, 2, &v), MMIO_OK);
    ck_assert_uint_eq(v, FR_TXFE | FR_RXFE);
}
END_TEST

START_TEST(any_access_within_a_register_word_acts_on_that_register)
{
    /* As QEMU's 4-byte-only implementation: no byte-lane shifting. */
    uint32_t v;
    ck_assert_int_eq(pl011_class.write(uart, CR + 1, 0x01, 1), MMIO_OK);
    ck_assert_uint_eq(rd(CR), CR_UARTEN);
    ck_assert_int_eq(pl011_class.read(uart, FR + 2, 1, &v), MMIO_OK);
    ck_assert_uint_eq(v, FR_TXFE | FR_RXFE);
    ck_assert_int_eq(pl011_class.write(uart, DR + 3, 'z', 1), MMIO_OK);
    g_autofree char *out = sent();
    ck_assert_str_eq(out, "z");
}
END_TEST

/* ---- transmit ---- */

START_TEST(tx_bytes_reach_the_chardev_exactly)
{
    enable();
    const uint8_t bytes[] = { 'o', 'k', '\r', '\n', 0x00, 0xff };
    for (unsigned i = 0; i < sizeof(bytes); i++)
        wr(DR, 0xf00u | bytes[i]); /* bits above 7 are not data */
    uint8_t got[16];
    ck_assert_int_eq(read(out_pipe[0], got, sizeof(got)), (ssize_t)sizeof(bytes));
    ck_assert(memcmp(got, bytes, sizeof(bytes)) == 0);
}
END_TEST

START_TEST(tx_fifo_is_always_empty)
{
    enable();
    for (int i = 0; i < 40; i++) {
        wr(DR, 'a');
        ck_assert_uint_eq(rd(FR) & (FR_TXFE | FR_TXFF | 0x8 /* BUSY */), FR_TXFE);
    }
}
END_TEST

START_TEST(tx_works_with_the_uart_disabled_as_in_qemu)
{
    /* reset CR has UARTEN clear; firmware that never enables still talks */
    wr(DR, 'h');
    wr(CR, 0);
    wr(DR, 'i');
    g_autofree char *out = sent();
    ck_assert_str_eq(out, "hi");
}
END_TEST

START_TEST(tx_without_a_chardev_is_harmless)
{
    Pl011Config cfg = { 0 };
    Pl011 *u = pl011_new(&cfg);
    ck_assert_int_eq(pl011_class.write(u, DR, 'x', 4), MMIO_OK);
    uint32_t v;
    ck_assert_int_eq(pl011_class.read(u, DR, 4, &v), MMIO_OK);
    pl011_class.destroy(u);
}
END_TEST

/* ---- receive FIFO ---- */

START_TEST(without_fifo_one_byte_is_held_and_the_rest_waits)
{
    enable();
    input("abc");
    ck_assert_uint_eq(rd(FR), FR_TXFE | FR_RXFF);
    ck_assert_uint_eq(rd(DR), 'a');
    ck_assert_uint_eq(rd(FR), FR_TXFE | FR_RXFF); /* 'b' arrived */
    ck_assert_uint_eq(rd(DR), 'b');
    ck_assert_uint_eq(rd(DR), 'c');
    ck_assert_uint_eq(rd(FR), FR_TXFE | FR_RXFE);
}
END_TEST

START_TEST(with_fifo_sixteen_bytes_are_held_in_order)
{
    enable();
    wr(LCR_H, LCR_H_FEN | 0x60);
    input("0123456789abcdefXY");
    ck_assert_uint_eq(rd(FR) & (FR_RXFF | FR_RXFE), FR_RXFF);
    ck_assert_uint_eq(rd(DR), '0');
    ck_assert_uint_eq(rd(FR) & (FR_RXFF | FR_RXFE), FR_RXFF); /* 'X' moved in */
    const char *rest = "123456789abcdefXY";
    for (const char *p = rest; *p; p++)
        ck_assert_uint_eq(rd(DR), (uint8_t)*p);
    ck_assert_uint_eq(rd(FR) & (FR_RXFF | FR_RXFE), FR_RXFE);
}
END_TEST

START_TEST(a_partly_filled_fifo_is_neither_empty_nor_full)
{
    wr(LCR_H, LCR_H_FEN);
    input("ab");
    ck_assert_uint_eq(rd(FR) & (FR_RXFF | FR_RXFE), 0);
}
END_TEST

START_TEST(switching_the_fifo_flushes_it)
{
    wr(LCR_H, LCR_H_FEN);
    chardev_push_input(chr, (const uint8_t *)"abc", 3);
    chardev_deliver(chr);
    wr(LCR_H, 0);
    ck_assert_uint_eq(rd(FR), FR_TXFE | FR_RXFE);
    input("d");
    wr(LCR_H, 0x60); /* FEN unchanged: no flush */
    ck_assert_uint_eq(rd(DR), 'd');
}
END_TEST

START_TEST(rx_works_with_the_receiver_disabled_as_in_qemu)
{
    wr(CR, 0);
    input("r");
    ck_assert_uint_eq(rd(DR), 'r');
}
END_TEST

START_TEST(reading_an_empty_fifo_leaves_it_empty)
{
    rd(DR);
    ck_assert_uint_eq(rd(FR), FR_TXFE | FR_RXFE);
    input("k");
    ck_assert_uint_eq(rd(DR), 'k');
}
END_TEST

/* ---- interrupts ---- */

START_TEST(tx_interrupt_is_set_by_each_write_and_cleared_by_icr)
{
    enable();
    wr(DR, 'a');
    ck_assert_uint_eq(rd(RIS), INT_TX);
    ck_assert_uint_eq(rd(MIS), 0);
    ck_assert(!line.level);
    wr(IMSC, INT_TX);
    ck_assert_uint_eq(rd(MIS), INT_TX);
    ck_assert(line.level);
    wr(ICR, INT_TX);
    ck_assert_uint_eq(rd(RIS), 0);
    ck_assert(!line.level);
    wr(DR, 'b');
    ck_assert(line.level);
}
END_TEST

START_TEST(rx_interrupt_follows_a_non_empty_fifo)
{
    wr(LCR_H, LCR_H_FEN);
    wr(IMSC, INT_RX);
    input("ab");
    ck_assert_uint_eq(rd(RIS), INT_RX);
    ck_assert(line.level);
    rd(DR);
    ck_assert(line.level); /* 'b' still there */
    rd(DR);
    ck_assert_uint_eq(rd(RIS), 0);
    ck_assert(!line.level);
}
END_TEST

START_TEST(rx_interrupt_can_be_cleared_by_icr)
{
    wr(IMSC, INT_RX);
    input("a");
    wr(ICR, INT_RX);
    ck_assert_uint_eq(rd(RIS), 0);
    ck_assert(!line.level);
    ck_assert_uint_eq(rd(DR), 'a');
}
END_TEST

START_TEST(masking_lowers_the_line_but_keeps_the_raw_status)
{
    wr(IMSC, INT_RX | INT_TX);
    input("a");
    wr(DR, 'b');
    ck_assert_uint_eq(rd(MIS), INT_RX | INT_TX);
    wr(IMSC, INT_TX);
    ck_assert(line.level);
    wr(ICR, INT_TX);
    ck_assert(!line.level);
    ck_assert_uint_eq(rd(RIS), INT_RX);
    ck_assert_uint_eq(rd(MIS), 0);
    wr(IMSC, INT_RX);
    ck_assert(line.level);
}
END_TEST

/* ---- loopback ---- */

START_TEST(loopback_feeds_tx_into_the_rx_fifo)
{
    wr(CR, CR_UARTEN | CR_TXE | CR_RXE | CR_LBE);
    wr(DR, 'L');
    ck_assert_uint_eq(rd(DR), 'L');
    g_autofree char *out = sent();
    ck_assert_str_eq(out, "L"); /* still reaches the chardev, as in QEMU */
}
END_TEST

START_TEST(loopback_holds_host_input_back)
{
    wr(CR, CR_UARTEN | CR_TXE | CR_RXE | CR_LBE);
    input("h");
    ck_assert_uint_eq(rd(FR) & FR_RXFE, FR_RXFE);
    wr(CR, CR_UARTEN | CR_TXE | CR_RXE); /* leaving loopback lets it in */
    ck_assert_uint_eq(rd(DR), 'h');
}
END_TEST

START_TEST(overrun_loses_the_byte_and_flags_oe)
{
    wr(IMSC, INT_OE);
    wr(CR, CR_UARTEN | CR_TXE | CR_RXE | CR_LBE);
    wr(DR, '1');
    wr(DR, '2'); /* one-entry FIFO already full */
    ck_assert_uint_eq(rd(RIS) & INT_OE, INT_OE);
    ck_assert_uint_eq(rd(RSR), RSR_OE);
    ck_assert(line.level);
    wr(ECR, 0);
    ck_assert_uint_eq(rd(RSR), 0);
    wr(ICR, INT_OE);
    ck_assert(!line.level);
    ck_assert_uint_eq(rd(DR), '1');
}
END_TEST

static Suite *pl011_suite(void)
{
    Suite *s = suite_create("pl011");
    TCase *tc;

#define TCASE(name)                                                            \
    tc = tcase_create(name);                                                   \
    tcase_add_checked_fixture(tc, setup, teardown);                            \
    suite_add_tcase(s, tc)

    TCASE("reset");
    tcase_add_test(tc, registers_have_their_reset_values);
    tcase_add_test(tc, reset_restores_registers_empties_the_fifo_and_lowers_the_line);
    tcase_add_test(tc, reset_forgets_received_characters);

    TCASE("registers");
    tcase_add_test(tc, id_registers_hold_the_luminary_ids);
    tcase_add_test(tc, id_registers_are_read_only);
    tcase_add_test(tc, registers_keep_only_their_implemented_bits);
    tcase_add_test(tc, status_registers_ignore_writes);
    tcase_add_test(tc, icr_is_write_only_and_reads_zero);

    TCASE("access rules");
    tcase_add_test(tc, offsets_without_a_register_are_unassigned);
    tcase_add_test(tc, narrow_reads_return_the_low_bytes_of_the_register);
    tcase_add_test(tc, any_access_within_a_register_word_acts_on_that_register);

    TCASE("transmit");
    tcase_add_test(tc, tx_bytes_reach_the_chardev_exactly);
    tcase_add_test(tc, tx_fifo_is_always_empty);
    tcase_add_test(tc, tx_works_with_the_uart_disabled_as_in_qemu);
    tcase_add_test(tc, tx_without_a_chardev_is_harmless);

    TCASE("receive fifo");
    tcase_add_test(tc, without_fifo_one_byte_is_held_and_the_rest_waits);
    tcase_add_test(tc, with_fifo_sixteen_bytes_are_held_in_order);
    tcase_add_test(tc, a_partly_filled_fifo_is_neither_empty_nor_full);
    tcase_add_test(tc, switching_the_fifo_flushes_it);
    tcase_add_test(tc, rx_works_with_the_receiver_disabled_as_in_qemu);
    tcase_add_test(tc, reading_an_empty_fifo_leaves_it_empty);

    TCASE("interrupts");
    tcase_add_test(tc, tx_interrupt_is_set_by_each_write_and_cleared_by_icr);
    tcase_add_test(tc, rx_interrupt_follows_a_non_empty_fifo);
    tcase_add_test(tc, rx_interrupt_can_be_cleared_by_icr);
    tcase_add_test(tc, masking_lowers_the_line_but_keeps_the_raw_status);

    TCASE("loopback");
    tcase_add_test(tc, loopback_feeds_tx_into_the_rx_fifo);
    tcase_add_test(tc, loopback_holds_host_input_back);
    tcase_add_test(tc, overrun_loses_the_byte_and_flags_oe);
#undef TCASE
    return s;
}

int main(void)
{
    return run_suite(pl011_suite());
}
