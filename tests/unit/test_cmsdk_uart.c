/* CMSDK APB UART: registers, TX to a real pipe, RX through the chardev,
 * interrupt lines. */
#include <check.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "chardev.h"
#include "clock.h"
#include "cmsdk_uart.h"
#include "unit_main.h"

#define DATA 0x00
#define STATE 0x04
#define CTRL 0x08
#define INTSTATUS 0x0c
#define INTCLEAR 0x0c
#define BAUDDIV 0x10

#define TXFULL 0x1
#define RXFULL 0x2
#define TXOVR 0x4
#define RXOVR 0x8

#define TX_EN 0x01
#define RX_EN 0x02
#define TX_INTEN 0x04
#define RX_INTEN 0x08
#define TXO_INTEN 0x10
#define RXO_INTEN 0x20

#define INT_TX 0x1
#define INT_RX 0x2
#define INT_TXO 0x4
#define INT_RXO 0x8

/* An interrupt line that remembers its level. */
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

static Line tx_line, rx_line, ovr_line, any_line;
static int out_pipe[2];
static CharDev *chr;
static CmsdkUart *uart;

static void setup(void)
{
    memset(&tx_line, 0, sizeof(Line));
    memset(&rx_line, 0, sizeof(Line));
    memset(&ovr_line, 0, sizeof(Line));
    memset(&any_line, 0, sizeof(Line));
    ck_assert_int_eq(pipe(out_pipe), 0);
    fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
    chr = chardev_new_fds(-1, out_pipe[1]);
    CmsdkUartConfig cfg = {
        .name = "uart0",
        .chr = chr,
        .tx_irq = { line_handler, &tx_line, 0 },
        .rx_irq = { line_handler, &rx_line, 1 },
        .overflow_irq = { line_handler, &ovr_line, 12 },
        .combined_irq = { line_handler, &any_line, 2 },
        .pclk_hz = 25000000,
    };
    uart = cmsdk_uart_new(&cfg);
}

static void teardown(void)
{
    cmsdk_uart_class.destroy(uart);
    chardev_free(chr);
    close(out_pipe[0]);
    close(out_pipe[1]);
}

static uint32_t rd(uint32_t offset)
{
    uint32_t v = 0xdeadbeef;
    ck_assert_int_eq(cmsdk_uart_class.read(uart, offset, 4, &v), MMIO_OK);
    return v;
}

static void wr(uint32_t offset, uint32_t value)
{
    ck_assert_int_eq(cmsdk_uart_class.write(uart, offset, value, 4), MMIO_OK);
}

static void input(const char *s)
{
    chardev_push_input(chr, (const uint8_t *)s, strlen(s));
    chardev_deliver(chr);
}

/* Everything the UART has sent so far, as a string. */
static char *sent(void)
{
    GString *s = g_string_new(NULL);
    char buf[256];
    ssize_t n;
    while ((n = read(out_pipe[0], buf, sizeof(buf))) > 0)
        g_string_append_len(s, buf, n);
    return g_string_free(s, FALSE);
}

/* ---- reset ---- */

START_TEST(registers_reset_to_zero)
{
    ck_assert_uint_eq(rd(STATE), 0);
    ck_assert_uint_eq(rd(CTRL), 0);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert_uint_eq(rd(BAUDDIV), 0);
    ck_assert_uint_eq(rd(DATA), 0);
}
END_TEST

START_TEST(reset_restores_registers_and_lowers_lines)
{
    wr(BAUDDIV, 16);
    wr(CTRL, 0x7f);
    wr(DATA, 'a');
    cmsdk_uart_receive(uart, 'b');
    cmsdk_uart_receive(uart, 'c');
    ck_assert(tx_line.level && rx_line.level && ovr_line.level && any_line.level);

    cmsdk_uart_class.reset(uart);
    ck_assert_uint_eq(rd(STATE), 0);
    ck_assert_uint_eq(rd(CTRL), 0);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert_uint_eq(rd(BAUDDIV), 0);
    ck_assert(!tx_line.level && !rx_line.level && !ovr_line.level && !any_line.level);
}
END_TEST

/* ---- registers ---- */

START_TEST(id_registers_hold_the_cmsdk_uart_ids)
{
    static const uint32_t expect[] = {
        0x04, 0x00, 0x00, 0x00, /* PID4..7 at 0xFD0 */
        0x21, 0xb8, 0x1b, 0x00, /* PID0..3 at 0xFE0 */
        0x0d, 0xf0, 0x05, 0xb1, /* CID0..3 at 0xFF0 */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(expect); i++)
        ck_assert_uint_eq(rd(0xfd0 + 4 * i), expect[i]);
}
END_TEST

START_TEST(id_registers_are_read_only)
{
    wr(0xfe0, 0xff);
    ck_assert_uint_eq(rd(0xfe0), 0x21);
}
END_TEST

START_TEST(ctrl_keeps_its_seven_bits)
{
    wr(CTRL, 0xffffffff);
    ck_assert_uint_eq(rd(CTRL), 0x7f);
    wr(CTRL, 0x40);
    ck_assert_uint_eq(rd(CTRL), 0x40);
}
END_TEST

START_TEST(bauddiv_keeps_twenty_bits)
{
    wr(BAUDDIV, 0xffffffff);
    ck_assert_uint_eq(rd(BAUDDIV), 0xfffff);
    wr(BAUDDIV, 217);
    ck_assert_uint_eq(rd(BAUDDIV), 217);
}
END_TEST

START_TEST(bauddiv_below_sixteen_is_kept_though_invalid)
{
    wr(BAUDDIV, 15); /* a guest error, reported with --trace */
    ck_assert_uint_eq(rd(BAUDDIV), 15);
}
END_TEST

START_TEST(state_full_flags_are_read_only)
{
    wr(STATE, TXFULL | RXFULL);
    ck_assert_uint_eq(rd(STATE), 0);
    wr(CTRL, RX_EN);
    input("x");
    wr(STATE, RXFULL);
    ck_assert_uint_eq(rd(STATE), RXFULL);
}
END_TEST

START_TEST(intstatus_cannot_be_set_by_writing)
{
    wr(INTCLEAR, 0xf);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
}
END_TEST

/* ---- access rules ---- */

START_TEST(narrow_reads_return_the_low_bytes_of_the_register)
{
    wr(BAUDDIV, 0x12345);
    uint32_t v;
    ck_assert_int_eq(cmsdk_uart_class.read(uart, BAUDDIV, 1, &v), MMIO_OK);
    ck_assert_uint_eq(v, 0x45);
    ck_assert_int_eq(cmsdk_uart_class.read(uart, BAUDDIV, 2, &v), MMIO_OK);
    ck_assert_uint_eq(v, 0x2345);
}
END_TEST

START_TEST(narrow_writes_act_on_the_whole_register)
{
    wr(BAUDDIV, 0x12345);
    ck_assert_int_eq(cmsdk_uart_class.write(uart, BAUDDIV, 0xabcd, 2), MMIO_OK);
    ck_assert_uint_eq(rd(BAUDDIV), 0xabcd);
    wr(CTRL, TX_EN);
    ck_assert_int_eq(cmsdk_uart_class.write(uart, DATA, 'B', 1), MMIO_OK);
    g_autofree char *out = sent();
    ck_assert_str_eq(out, "B");
}
END_TEST

START_TEST(offsets_without_a_register_are_unassigned)
{
    static const uint32_t holes[] = { 0x14, 0x18, 0x100, 0x3fc, 0xfcc, 0x1000 };
    for (unsigned i = 0; i < G_N_ELEMENTS(holes); i++) {
        uint32_t v = 0x5a5a5a5a;
        ck_assert_int_eq(cmsdk_uart_class.read(uart, holes[i], 4, &v), MMIO_UNASSIGNED);
        ck_assert_uint_eq(v, 0x5a5a5a5a); /* untouched */
        ck_assert_int_eq(cmsdk_uart_class.write(uart, holes[i], 1, 4), MMIO_UNASSIGNED);
    }
}
END_TEST

START_TEST(offsets_inside_a_register_word_are_unassigned)
{
    wr(CTRL, TX_EN);
    uint32_t v;
    ck_assert_int_eq(cmsdk_uart_class.read(uart, CTRL + 1, 1, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_uart_class.write(uart, DATA + 2, 'x', 1), MMIO_UNASSIGNED);
    ck_assert_int_eq(cmsdk_uart_class.write(uart, CTRL + 2, 0, 2), MMIO_UNASSIGNED);
    ck_assert_uint_eq(rd(CTRL), TX_EN);
    g_autofree char *out = sent();
    ck_assert_str_eq(out, "");
}
END_TEST

/* ---- transmit ---- */

START_TEST(tx_bytes_reach_the_chardev_exactly)
{
    wr(BAUDDIV, 16);
    wr(CTRL, TX_EN);
    const uint8_t bytes[] = { 'H', 'i', '\n', 0x00, 0xff, 0x80 };
    for (unsigned i = 0; i < sizeof(bytes); i++)
        wr(DATA, 0xffffff00u | bytes[i]); /* only the low byte is data */
    uint8_t got[16];
    ck_assert_int_eq(read(out_pipe[0], got, sizeof(got)), (ssize_t)sizeof(bytes));
    ck_assert(memcmp(got, bytes, sizeof(bytes)) == 0);
}
END_TEST

START_TEST(tx_with_tx_disabled_is_dropped)
{
    wr(CTRL, RX_EN | TX_INTEN);
    wr(DATA, 'x');
    g_autofree char *out = sent();
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert_uint_eq(rd(STATE), 0);
}
END_TEST

START_TEST(tx_never_leaves_the_buffer_full_or_overruns)
{
    wr(CTRL, TX_EN | TXO_INTEN);
    for (int i = 0; i < 100; i++) {
        wr(DATA, 'a' + i % 26);
        ck_assert_uint_eq(rd(STATE) & (TXFULL | TXOVR), 0);
    }
    ck_assert(!ovr_line.level);
}
END_TEST

START_TEST(tx_without_a_chardev_is_harmless)
{
    CmsdkUartConfig cfg = { .name = NULL, .chr = NULL };
    CmsdkUart *u = cmsdk_uart_new(&cfg);
    ck_assert_int_eq(cmsdk_uart_class.write(u, CTRL, TX_EN | RX_EN, 4), MMIO_OK);
    ck_assert_int_eq(cmsdk_uart_class.write(u, DATA, 'x', 4), MMIO_OK);
    uint32_t v;
    ck_assert_int_eq(cmsdk_uart_class.read(u, DATA, 4, &v), MMIO_OK);
    ck_assert_str_eq(cmsdk_uart_class.type, "cmsdk-apb-uart");
    cmsdk_uart_class.destroy(u);
}
END_TEST

/* ---- receive ---- */

START_TEST(rx_byte_sets_rxfull_until_data_is_read)
{
    wr(CTRL, RX_EN);
    input("A");
    ck_assert_uint_eq(rd(STATE), RXFULL);
    ck_assert_uint_eq(rd(DATA), 'A');
    ck_assert_uint_eq(rd(STATE), 0);
}
END_TEST

START_TEST(reading_data_fetches_the_next_queued_byte)
{
    wr(CTRL, RX_EN);
    input("xyz");
    ck_assert_uint_eq(rd(DATA), 'x');
    ck_assert_uint_eq(rd(STATE), RXFULL);
    ck_assert_uint_eq(rd(DATA), 'y');
    ck_assert_uint_eq(rd(DATA), 'z');
    ck_assert_uint_eq(rd(STATE), 0);
    ck_assert_uint_eq(rd(STATE) & RXOVR, 0); /* queued input never overruns */
}
END_TEST

/* With a clock, the next byte comes one character time (10 bits of
 * BAUDDIV pclk cycles) after DATA was read, as on the wire: a driver that
 * reads DATA and then clears the RX interrupt must not lose the next
 * byte's interrupt. */
START_TEST(paced_rx_refill_waits_one_character_time)
{
    Clock *clock = clock_new_virtual(25000000);
    CharDev *in = chardev_new_fds(-1, -1);
    Line rx = { 0 };
    CmsdkUartConfig cfg = { .name = "paced", .chr = in, .rx_irq = { line_handler, &rx, 0 },
                            .pclk_hz = 25000000, .clock = clock };
    CmsdkUart *u = cmsdk_uart_new(&cfg);
    uint32_t v;
    cmsdk_uart_class.write(u, CTRL, RX_EN | RX_INTEN, 4);
    cmsdk_uart_class.write(u, BAUDDIV, 100, 4);
    chardev_push_input(in, (const uint8_t *)"ab", 2);
    chardev_deliver(in);
    ck_assert(rx.level);

    cmsdk_uart_class.read(u, DATA, 4, &v);
    ck_assert_uint_eq(v, 'a');
    cmsdk_uart_class.write(u, INTCLEAR, INT_RX, 4); /* read, then clear */
    ck_assert(!rx.level);
    cmsdk_uart_class.read(u, STATE, 4, &v);
    ck_assert_uint_eq(v & RXFULL, 0); /* 'b' is still on the wire */

    clock_set_insns(clock, 10 * 100 - 1);
    clock_run_due(clock);
    cmsdk_uart_class.read(u, STATE, 4, &v);
    ck_assert_uint_eq(v & RXFULL, 0);
    clock_set_insns(clock, 10 * 100);
    clock_run_due(clock);
    cmsdk_uart_class.read(u, STATE, 4, &v);
    ck_assert_uint_eq(v & RXFULL, RXFULL);
    ck_assert(rx.level); /* the new byte's interrupt survived the clear */
    cmsdk_uart_class.read(u, DATA, 4, &v);
    ck_assert_uint_eq(v, 'b');

    cmsdk_uart_class.destroy(u);
    chardev_free(in);
    clock_free(clock);
}
END_TEST

START_TEST(rx_input_waits_in_the_chardev_while_rx_is_disabled)
{
    input("q");
    ck_assert_uint_eq(rd(STATE), 0);
    wr(CTRL, RX_EN); /* enabling RX fetches it */
    ck_assert_uint_eq(rd(STATE), RXFULL);
    ck_assert_uint_eq(rd(DATA), 'q');
}
END_TEST

START_TEST(rx_byte_arriving_with_rx_disabled_is_dropped)
{
    cmsdk_uart_receive(uart, 'd');
    ck_assert_uint_eq(rd(STATE), 0);
    ck_assert(!rx_line.level);
}
END_TEST

START_TEST(rx_byte_arriving_while_full_overruns_and_replaces)
{
    wr(CTRL, RX_EN);
    cmsdk_uart_receive(uart, '1');
    cmsdk_uart_receive(uart, '2');
    ck_assert_uint_eq(rd(STATE), RXFULL | RXOVR);
    ck_assert_uint_eq(rd(INTSTATUS), 0); /* no overrun interrupt enabled */
    ck_assert(!ovr_line.level);
    ck_assert_uint_eq(rd(DATA), '2');
    ck_assert_uint_eq(rd(STATE), RXOVR);
}
END_TEST

START_TEST(overrun_bits_are_write_one_to_clear)
{
    wr(CTRL, RX_EN);
    cmsdk_uart_receive(uart, '1');
    cmsdk_uart_receive(uart, '2');
    wr(STATE, TXOVR); /* the other bit: no effect */
    ck_assert_uint_eq(rd(STATE), RXFULL | RXOVR);
    wr(STATE, RXOVR);
    ck_assert_uint_eq(rd(STATE), RXFULL);
}
END_TEST

/* ---- interrupts ---- */

START_TEST(tx_interrupt_when_enabled_and_a_byte_was_sent)
{
    wr(CTRL, TX_EN);
    wr(DATA, 'a');
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert(!tx_line.level && !any_line.level);

    wr(CTRL, TX_EN | TX_INTEN);
    ck_assert_uint_eq(rd(INTSTATUS), 0); /* enabling alone raises nothing */
    wr(DATA, 'b');
    ck_assert_uint_eq(rd(INTSTATUS), INT_TX);
    ck_assert(tx_line.level && any_line.level);
    ck_assert(!rx_line.level && !ovr_line.level);
}
END_TEST

START_TEST(tx_interrupt_is_latched_until_intclear)
{
    wr(CTRL, TX_EN | TX_INTEN);
    wr(DATA, 'a');
    wr(CTRL, TX_EN); /* disabling does not clear the status */
    ck_assert_uint_eq(rd(INTSTATUS), INT_TX);
    ck_assert(tx_line.level);
    wr(INTCLEAR, INT_RX); /* other bit */
    ck_assert(tx_line.level);
    wr(INTCLEAR, INT_TX);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert(!tx_line.level && !any_line.level);
}
END_TEST

START_TEST(rx_interrupt_when_enabled_and_a_byte_arrived)
{
    wr(CTRL, RX_EN);
    input("a");
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert(!rx_line.level);
    rd(DATA);

    wr(CTRL, RX_EN | RX_INTEN);
    input("b");
    ck_assert_uint_eq(rd(INTSTATUS), INT_RX);
    ck_assert(rx_line.level && any_line.level);
    ck_assert(!tx_line.level && !ovr_line.level);
}
END_TEST

START_TEST(rx_interrupt_is_latched_until_intclear)
{
    wr(CTRL, RX_EN | RX_INTEN);
    input("b");
    ck_assert_uint_eq(rd(DATA), 'b'); /* reading does not clear it */
    ck_assert(rx_line.level);
    wr(INTCLEAR, INT_RX);
    ck_assert(!rx_line.level && !any_line.level);
}
END_TEST

START_TEST(rx_overrun_interrupt_follows_the_overrun_bit_and_its_enable)
{
    wr(CTRL, RX_EN);
    cmsdk_uart_receive(uart, '1');
    cmsdk_uart_receive(uart, '2');
    ck_assert(!ovr_line.level);

    wr(CTRL, RX_EN | RXO_INTEN); /* not latched: enabling shows it */
    ck_assert_uint_eq(rd(INTSTATUS), INT_RXO);
    ck_assert(ovr_line.level && any_line.level);
    ck_assert(!rx_line.level && !tx_line.level);

    wr(CTRL, RX_EN);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert(!ovr_line.level);
}
END_TEST

START_TEST(clearing_the_overrun_interrupt_clears_the_state_bit)
{
    wr(CTRL, RX_EN | RXO_INTEN);
    cmsdk_uart_receive(uart, '1');
    cmsdk_uart_receive(uart, '2');
    ck_assert(ovr_line.level);
    wr(INTCLEAR, INT_RXO);
    ck_assert_uint_eq(rd(STATE), RXFULL);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert(!ovr_line.level && !any_line.level);
}
END_TEST

START_TEST(clearing_the_overrun_state_bit_lowers_the_overflow_line)
{
    wr(CTRL, RX_EN | RXO_INTEN);
    cmsdk_uart_receive(uart, '1');
    cmsdk_uart_receive(uart, '2');
    wr(STATE, RXOVR);
    ck_assert_uint_eq(rd(INTSTATUS), 0);
    ck_assert(!ovr_line.level);
}
END_TEST

START_TEST(combined_line_is_any_interrupt)
{
    wr(CTRL, TX_EN | RX_EN | TX_INTEN | RX_INTEN);
    wr(DATA, 'a');
    input("b");
    ck_assert_uint_eq(rd(INTSTATUS), INT_TX | INT_RX);
    wr(INTCLEAR, INT_TX);
    ck_assert(any_line.level);
    wr(INTCLEAR, INT_RX);
    ck_assert(!any_line.level);
}
END_TEST

static Suite *cmsdk_uart_suite(void)
{
    Suite *s = suite_create("cmsdk_uart");
    TCase *tc;

#define TCASE(name)                                                            \
    tc = tcase_create(name);                                                   \
    tcase_add_checked_fixture(tc, setup, teardown);                            \
    suite_add_tcase(s, tc)

    TCASE("reset");
    tcase_add_test(tc, registers_reset_to_zero);
    tcase_add_test(tc, reset_restores_registers_and_lowers_lines);

    TCASE("registers");
    tcase_add_test(tc, id_registers_hold_the_cmsdk_uart_ids);
    tcase_add_test(tc, id_registers_are_read_only);
    tcase_add_test(tc, ctrl_keeps_its_seven_bits);
    tcase_add_test(tc, bauddiv_keeps_twenty_bits);
    tcase_add_test(tc, bauddiv_below_sixteen_is_kept_though_invalid);
    tcase_add_test(tc, state_full_flags_are_read_only);
    tcase_add_test(tc, intstatus_cannot_be_set_by_writing);

    TCASE("access rules");
    tcase_add_test(tc, narrow_reads_return_the_low_bytes_of_the_register);
    tcase_add_test(tc, narrow_writes_act_on_the_whole_register);
    tcase_add_test(tc, offsets_without_a_register_are_unassigned);
    tcase_add_test(tc, offsets_inside_a_register_word_are_unassigned);

    TCASE("transmit");
    tcase_add_test(tc, tx_bytes_reach_the_chardev_exactly);
    tcase_add_test(tc, tx_with_tx_disabled_is_dropped);
    tcase_add_test(tc, tx_never_leaves_the_buffer_full_or_overruns);
    tcase_add_test(tc, tx_without_a_chardev_is_harmless);

    TCASE("receive");
    tcase_add_test(tc, rx_byte_sets_rxfull_until_data_is_read);
    tcase_add_test(tc, reading_data_fetches_the_next_queued_byte);
    tcase_add_test(tc, paced_rx_refill_waits_one_character_time);
    tcase_add_test(tc, rx_input_waits_in_the_chardev_while_rx_is_disabled);
    tcase_add_test(tc, rx_byte_arriving_with_rx_disabled_is_dropped);
    tcase_add_test(tc, rx_byte_arriving_while_full_overruns_and_replaces);
    tcase_add_test(tc, overrun_bits_are_write_one_to_clear);

    TCASE("interrupts");
    tcase_add_test(tc, tx_interrupt_when_enabled_and_a_byte_was_sent);
    tcase_add_test(tc, tx_interrupt_is_latched_until_intclear);
    tcase_add_test(tc, rx_interrupt_when_enabled_and_a_byte_arrived);
    tcase_add_test(tc, rx_interrupt_is_latched_until_intclear);
    tcase_add_test(tc, rx_overrun_interrupt_follows_the_overrun_bit_and_its_enable);
    tcase_add_test(tc, clearing_the_overrun_interrupt_clears_the_state_bit);
    tcase_add_test(tc, clearing_the_overrun_state_bit_lowers_the_overflow_line);
    tcase_add_test(tc, combined_line_is_any_interrupt);
#undef TCASE
    return s;
}

int main(void)
{
    return run_suite(cmsdk_uart_suite());
}
