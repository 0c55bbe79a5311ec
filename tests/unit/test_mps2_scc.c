/* MPS2 SCC (AN385 3.8.4, QEMU 7.2's mps2-scc with mps2-an385's IDs). */
#include <check.h>
#include <stdlib.h>

#include "device_test.h"
#include "mps2_scc.h"
#include "unit_main.h"

enum {
    CFG0 = 0x000,
    CFG1 = 0x004,
    CFG2 = 0x008,
    CFG3 = 0x00C,
    CFG4 = 0x010,
    CFG5 = 0x014,
    CFGDATA_RTN = 0x0A0,
    CFGDATA_OUT = 0x0A4,
    CFGCTRL = 0x0A8,
    CFGSTAT = 0x0AC,
    DLL = 0x100,
    AID = 0xFF8,
    ID = 0xFFC,
};
#define START (1u << 31)
#define WRITE (1u << 30)
#define FUNCTION(f) ((uint32_t)(f) << 20)
#define DONE 1u
#define ERROR 2u

static Mps2Scc *scc;

static void setup(void)
{
    Mps2SccConfig cfg = { .name = "scc", .id = 0x41043850, .aid = 0x00200008, .cfg4 = 2 };
    scc = mps2_scc_new(&cfg);
}

static void teardown(void) { mps2_scc_class.destroy(scc); }

static uint32_t rd(uint32_t offset) { return mmio_read32(&mps2_scc_class, scc, offset); }
static void wr(uint32_t offset, uint32_t value) { mmio_write32(&mps2_scc_class, scc, offset, value); }

START_TEST(reset_values_are_qemus_for_an385)
{
    ck_assert_uint_eq(rd(CFG0), 0);
    ck_assert_uint_eq(rd(CFG1), 0);
    ck_assert_uint_eq(rd(CFG3), 0);
    ck_assert_uint_eq(rd(CFG4), 2);
    ck_assert_uint_eq(rd(CFGDATA_RTN), 0);
    ck_assert_uint_eq(rd(CFGDATA_OUT), 0);
    ck_assert_uint_eq(rd(CFGCTRL), 0x00100000);
    ck_assert_uint_eq(rd(CFGSTAT), 0);
    ck_assert_uint_eq(rd(DLL), 0xFFFF0001);
    ck_assert_uint_eq(rd(AID), 0x00200008);
    ck_assert_uint_eq(rd(ID), 0x41043850);
}
END_TEST

START_TEST(cfg0_cfg1_and_cfgdata_out_read_as_written)
{
    wr(CFG0, 0xFFFFFFFF);
    wr(CFG1, 0xA5A5A5A5);
    wr(CFGDATA_OUT, 0x12345678);
    ck_assert_uint_eq(rd(CFG0), 0xFFFFFFFF);
    ck_assert_uint_eq(rd(CFG1), 0xA5A5A5A5);
    ck_assert_uint_eq(rd(CFGDATA_OUT), 0x12345678);
}
END_TEST

START_TEST(read_only_registers_refuse_writes)
{
    static const uint32_t ro[] = { CFG3, CFG4, CFGDATA_RTN, CFGSTAT, AID, ID };
    for (unsigned i = 0; i < G_N_ELEMENTS(ro); i++) {
        uint32_t before = rd(ro[i]);
        ck_assert_int_eq(mps2_scc_class.write(scc, ro[i], 0xFFFFFFFF, 4), MMIO_UNASSIGNED);
        ck_assert_uint_eq(rd(ro[i]), before);
    }
}
END_TEST

START_TEST(only_the_dll_lock_mask_is_writable)
{
    wr(DLL, 0);
    ck_assert_uint_eq(rd(DLL), 0x00FF0001);
    wr(DLL, 0xFFFFFFFF);
    ck_assert_uint_eq(rd(DLL), 0xFFFF0001);
}
END_TEST

START_TEST(later_images_cfg_registers_are_absent)
{
    uint32_t v;
    ck_assert_int_eq(mps2_scc_class.read(scc, CFG2, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(mps2_scc_class.read(scc, CFG5, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(mps2_scc_class.write(scc, CFG2, 1, 4), MMIO_UNASSIGNED);
}
END_TEST

START_TEST(cfgctrl_drops_reserved_bits_and_start)
{
    wr(CFGCTRL, 0x7FFFFFFF);
    ck_assert_uint_eq(rd(CFGCTRL), 0x43F00FFF);
    ck_assert_uint_eq(rd(CFGSTAT), 0);
}
END_TEST

START_TEST(oscillators_reset_to_qemus_frequencies)
{
    static const uint32_t hz[] = { 50000000, 24576000, 25000000 };
    for (uint32_t dev = 0; dev < 3; dev++) {
        wr(CFGCTRL, START | FUNCTION(1) | dev);
        ck_assert_uint_eq(rd(CFGSTAT), DONE);
        ck_assert_uint_eq(rd(CFGDATA_RTN), hz[dev]);
    }
}
END_TEST

START_TEST(a_transfer_writes_an_oscillator_and_reads_it_back)
{
    wr(CFGDATA_OUT, 12345);
    wr(CFGCTRL, START | WRITE | FUNCTION(1) | 1);
    ck_assert_uint_eq(rd(CFGSTAT), DONE);
    ck_assert_uint_eq(rd(CFGCTRL), WRITE | FUNCTION(1) | 1);
    wr(CFGCTRL, START | FUNCTION(1) | 1);
    ck_assert_uint_eq(rd(CFGDATA_RTN), 12345);
}
END_TEST

START_TEST(a_transfer_to_no_device_is_done_with_error)
{
    wr(CFGCTRL, START | FUNCTION(1) | 3);
    ck_assert_uint_eq(rd(CFGSTAT), DONE | ERROR);
    wr(CFGCTRL, START | WRITE | FUNCTION(2));
    ck_assert_uint_eq(rd(CFGSTAT), DONE | ERROR);
    wr(CFGCTRL, FUNCTION(1)); /* any CFGCTRL write clears CFGSTAT */
    ck_assert_uint_eq(rd(CFGSTAT), 0);
}
END_TEST

START_TEST(a_reset_restores_registers_and_oscillators)
{
    wr(CFG0, 1);
    wr(CFGDATA_OUT, 7);
    wr(CFGCTRL, START | WRITE | FUNCTION(1));
    wr(DLL, 0);
    mps2_scc_class.reset(scc);
    ck_assert_uint_eq(rd(CFG0), 0);
    ck_assert_uint_eq(rd(DLL), 0xFFFF0001);
    ck_assert_uint_eq(rd(CFGCTRL), 0x00100000);
    wr(CFGCTRL, START | FUNCTION(1));
    ck_assert_uint_eq(rd(CFGDATA_RTN), 50000000);
}
END_TEST

START_TEST(narrow_reads_see_the_low_bytes_at_the_register_offset_only)
{
    uint32_t v;
    ck_assert_int_eq(mps2_scc_class.read(scc, ID, 1, &v), MMIO_OK);
    ck_assert_uint_eq(v, 0x50);
    ck_assert_int_eq(mps2_scc_class.read(scc, ID, 2, &v), MMIO_OK);
    ck_assert_uint_eq(v, 0x3850);
    ck_assert_int_eq(mps2_scc_class.read(scc, ID + 1, 1, &v), MMIO_UNASSIGNED);
}
END_TEST

START_TEST(the_class_is_named_for_board_files)
{
    ck_assert_str_eq(mps2_scc_class.type, "mps2-scc");
}
END_TEST

static Suite *mps2_scc_suite(void)
{
    Suite *s = suite_create("mps2_scc");
    TCase *tc = tcase_create("registers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reset_values_are_qemus_for_an385);
    tcase_add_test(tc, cfg0_cfg1_and_cfgdata_out_read_as_written);
    tcase_add_test(tc, read_only_registers_refuse_writes);
    tcase_add_test(tc, only_the_dll_lock_mask_is_writable);
    tcase_add_test(tc, later_images_cfg_registers_are_absent);
    tcase_add_test(tc, a_reset_restores_registers_and_oscillators);
    tcase_add_test(tc, narrow_reads_see_the_low_bytes_at_the_register_offset_only);
    tcase_add_test(tc, the_class_is_named_for_board_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("configuration channel");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, cfgctrl_drops_reserved_bits_and_start);
    tcase_add_test(tc, oscillators_reset_to_qemus_frequencies);
    tcase_add_test(tc, a_transfer_writes_an_oscillator_and_reads_it_back);
    tcase_add_test(tc, a_transfer_to_no_device_is_done_with_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(mps2_scc_suite());
}
