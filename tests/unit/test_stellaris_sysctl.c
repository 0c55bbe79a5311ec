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

static uint64_t sysclk_hz;
static unsigned sysclk_calls;
static void record_sysclk(void *opaque, uint64_t hz)
{
    (void)opaque;
    sysclk_hz = hz;
    sysclk_calls++;
}

static StellarisSysctl *s;

static void setup(void)
{
    line_level = false;
    sysclk_hz = 0;
    sysclk_calls = 0;
    s = stellaris_sysctl_new("sysctl", (IrqLine){ record_level, NULL, 28 },
                             (SysclkOut){ record_sysclk, NULL });
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

#define RCC 0x060
#define RCC2 0x070
#define SYSDIV(n) ((uint32_t)(n) << 23)
#define USESYSDIV (1u << 22)
#define USERCC2 (1u << 31)

START_TEST(reset_sets_the_system_clock_to_12_5_mhz)
{
    ck_assert_uint_eq(sysclk_calls, 1);
    ck_assert_uint_eq(sysclk_hz, 12500000); /* RCC.SYSDIV 15: 200 MHz / 16 */
    wr(RCC, SYSDIV(3));
    stellaris_sysctl_class.reset(s);
    ck_assert_uint_eq(sysclk_hz, 12500000);
}
END_TEST

START_TEST(rcc_sysdiv_divides_200_mhz)
{
    /* SysCtlClockSet(SYSDIV_4 | USE_PLL | XTAL_8MHZ | OSC_MAIN): 50 MHz */
    wr(RCC, (rd(RCC) & ~SYSDIV(0xF)) | SYSDIV(3) | USESYSDIV);
    ck_assert_uint_eq(sysclk_hz, 50000000);
    wr(RCC, SYSDIV(0)); /* USESYSDIV, BYPASS, PWRDN: not looked at, as in QEMU */
    ck_assert_uint_eq(sysclk_hz, 200000000);
    wr(RCC, SYSDIV(2)); /* 66.67 MHz: the nearest whole rate */
    ck_assert_uint_eq(sysclk_hz, 66666667);
}
END_TEST

START_TEST(rcc2_sysdiv2_rules_when_usercc2_is_set)
{
    wr(RCC2, SYSDIV(7)); /* USERCC2 clear: RCC still rules */
    ck_assert_uint_eq(sysclk_hz, 12500000);
    wr(RCC2, USERCC2 | SYSDIV(7));
    ck_assert_uint_eq(sysclk_hz, 25000000);
    wr(RCC2, USERCC2 | SYSDIV(63)); /* six bits */
    ck_assert_uint_eq(sysclk_hz, 3125000);
    wr(RCC, SYSDIV(3)); /* ignored while USERCC2 is set */
    ck_assert_uint_eq(sysclk_hz, 3125000);
    wr(RCC2, SYSDIV(63));
    ck_assert_uint_eq(sysclk_hz, 50000000);
}
END_TEST

START_TEST(other_writes_leave_the_system_clock_alone)
{
    unsigned calls = sysclk_calls;
    wr(0x054, 0x40); /* IMC */
    wr(0x104, 0x3);  /* RCGC1 */
    ck_assert_uint_eq(sysclk_calls, calls);
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

    tc = tcase_create("system clock");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reset_sets_the_system_clock_to_12_5_mhz);
    tcase_add_test(tc, rcc_sysdiv_divides_200_mhz);
    tcase_add_test(tc, rcc2_sysdiv2_rules_when_usercc2_is_set);
    tcase_add_test(tc, other_writes_leave_the_system_clock_alone);
    suite_add_tcase(suite, tc);
    return run_suite(suite);
}
