/* Stellaris System Control: QEMU's lm3s6965evb identification and reset
 * values, the PLL-lock raw interrupt that driverlib polls, write-1-to-
 * clear MISC, the interrupt line (RIS & IMC), and word-only access. */
#include <check.h>

#include "stellaris_sysctl.h"
#include "unit_main.h"

static bool line_level;
static void record_level(void *opaque, int n, bool level)
{
    (void)opaque;
    (void)n;
    line_level = level;
}

static StellarisSysctl *s;

static void setup(void)
{
    line_level = false;
    s = stellaris_sysctl_new("sysctl", (IrqLine){ record_level, NULL, 28 });
}

static void teardown(void)
{
    stellaris_sysctl_class.destroy(s);
}

static uint32_t rd(uint32_t off)
{
    uint32_t v = 0xdeadbeef;
    ck_assert_int_eq(stellaris_sysctl_class.read(s, off, 4, &v), MMIO_OK);
    return v;
}

static void wr(uint32_t off, uint32_t v)
{
    ck_assert_int_eq(stellaris_sysctl_class.write(s, off, v, 4), MMIO_OK);
}

START_TEST(identification_matches_qemus_lm3s6965)
{
    ck_assert_uint_eq(rd(0x000), 0x10010002);
    ck_assert_uint_eq(rd(0x004), 0x1073402E);
    ck_assert_uint_eq(rd(0x008), 0x00FF007F);
    ck_assert_uint_eq(rd(0x010), 0x001133FF);
    ck_assert_uint_eq(rd(0x014), 0x030F5317);
    ck_assert_uint_eq(rd(0x018), 0x0F0F87FF);
    ck_assert_uint_eq(rd(0x01C), 0x5000007F);
    /* read-only */
    ck_assert_int_eq(stellaris_sysctl_class.write(s, 0x000, 0, 4), MMIO_UNASSIGNED);
    ck_assert_uint_eq(rd(0x000), 0x10010002);
}
END_TEST

START_TEST(reset_values)
{
    ck_assert_uint_eq(rd(0x030), 0x7FFD);
    ck_assert_uint_eq(rd(0x060), 0x078E3AC0);
    ck_assert_uint_eq(rd(0x070), 0x07802810);
    ck_assert_uint_eq(rd(0x100), 1);
    ck_assert_uint_eq(rd(0x104), 0);
    ck_assert_uint_eq(rd(0x050), 0);
    wr(0x104, 0x3);
    stellaris_sysctl_class.reset(s);
    ck_assert_uint_eq(rd(0x104), 0);
}
END_TEST

START_TEST(powering_up_the_pll_sets_the_lock_interrupt)
{
    wr(0x060, 0x078E3AC0 | (1u << 13)); /* PWRDN stays set: no lock */
    ck_assert_uint_eq(rd(0x050) & (1u << 6), 0);
    wr(0x060, 0x078E3AC0 & ~(1u << 13));
    ck_assert_uint_eq(rd(0x050) & (1u << 6), 1u << 6);
    ck_assert(!line_level); /* masked */
    wr(0x054, 1u << 6);
    ck_assert(line_level);
    ck_assert_uint_eq(rd(0x058), 1u << 6);
    wr(0x058, 1u << 6); /* write 1 to clear */
    ck_assert_uint_eq(rd(0x050), 0);
    ck_assert(!line_level);
}
END_TEST

START_TEST(pllcfg_follows_the_crystal_setting)
{
    wr(0x060, (0x078E3AC0 & ~(0xFu << 6)) | (0xEu << 6)); /* 8 MHz */
    ck_assert_uint_eq(rd(0x064), 0x0640);
    wr(0x060, (0x078E3AC0 & ~(0xFu << 6)) | (0x9u << 6)); /* 5 MHz */
    ck_assert_uint_eq(rd(0x064), 0x0A00);
}
END_TEST

START_TEST(only_aligned_word_accesses)
{
    uint32_t v;
    ck_assert_int_eq(stellaris_sysctl_class.read(s, 0x000, 1, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(stellaris_sysctl_class.read(s, 0x002, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(stellaris_sysctl_class.read(s, 0x800, 4, &v), MMIO_UNASSIGNED);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("stellaris_sysctl");
    TCase *tc = tcase_create("registers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, identification_matches_qemus_lm3s6965);
    tcase_add_test(tc, reset_values);
    tcase_add_test(tc, powering_up_the_pll_sets_the_lock_interrupt);
    tcase_add_test(tc, pllcfg_follows_the_crystal_setting);
    tcase_add_test(tc, only_aligned_word_accesses);
    suite_add_tcase(suite, tc);
    return run_suite(suite);
}
