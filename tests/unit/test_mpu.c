/* The PMSAv7 MPU (ARMv7-M ARM B3.5) through its registers and its access
 * rules, without a CPU: register layout and aliases, region priority,
 * subregions, AP and XN decoding, the background region (PRIVDEFENA),
 * HFNMIENA, and the default memory map's execute-never regions. */
#include <check.h>
#include <glib.h>

#include "mpu.h"
#include "unit_main.h"

/* offsets from MPU_TYPE (0xE000ED90) */
#define TYPE 0x00
#define CTRL 0x04
#define RNR 0x08
#define RBAR 0x0c
#define RASR 0x10
#define RBAR_A1 0x14
#define RASR_A1 0x18
#define RBAR_A3 0x24
#define RASR_A3 0x28

#define ENABLE 1u
#define HFNMIENA 2u
#define PRIVDEFENA 4u
#define VALID (1u << 4)
#define XN (1u << 28)
#define AP(n) ((uint32_t)(n) << 24)
#define SRD(mask) ((uint32_t)(mask) << 8)
/* region of 2^log2 bytes: SIZE = log2 - 1 */
#define SIZE(log2) ((uint32_t)((log2) - 1) << 1)

#define AP_NONE 0
#define AP_PRIV_RW 1
#define AP_PRIV_RW_USER_RO 2
#define AP_FULL 3
#define AP_RESERVED 4
#define AP_PRIV_RO 5
#define AP_RO 6
#define AP_RO_TOO 7

#define RW (MPU_READ | MPU_WRITE)
#define RWX (MPU_READ | MPU_WRITE | MPU_EXEC)
#define RX (MPU_READ | MPU_EXEC)

static const MpuContext PRIV = { .privileged = true };
static const MpuContext USER = { .privileged = false };
static const MpuContext HARDFAULT = { .privileged = true, .negative_priority = true };

static Mpu *mpu;
static unsigned notifications;

static void count_notification(void *opaque)
{
    (void)opaque;
    notifications++;
}

static void setup(void)
{
    mpu = mpu_new();
    mpu_set_change_notify(mpu, count_notification, NULL);
    notifications = 0;
}

static void teardown(void)
{
    mpu_free(mpu);
}

static uint32_t rd(uint32_t offset)
{
    uint32_t v = 0xdeadbeef;
    ck_assert_int_eq(mpu_read(mpu, offset, 4, &v), MMIO_OK);
    return v;
}

static void wr(uint32_t offset, uint32_t value)
{
    ck_assert_int_eq(mpu_write(mpu, offset, value, 4), MMIO_OK);
}

/* Region n at base with the given RASR (ENABLE added). */
static void region(unsigned n, uint32_t base, uint32_t rasr)
{
    wr(RBAR, base | VALID | n);
    wr(RASR, rasr | ENABLE);
}

/* ---- registers ---------------------------------------------------------- */

START_TEST(type_reports_eight_unified_regions)
{
    ck_assert_uint_eq(rd(TYPE), 0x800);
    wr(TYPE, 0);
    ck_assert_uint_eq(rd(TYPE), 0x800);
}
END_TEST

START_TEST(registers_reset_to_zero)
{
    ck_assert_uint_eq(rd(CTRL), 0);
    ck_assert_uint_eq(rd(RNR), 0);
    ck_assert_uint_eq(rd(RBAR), 0);
    ck_assert_uint_eq(rd(RASR), 0);
    ck_assert(!mpu_enabled(mpu));
}
END_TEST

START_TEST(ctrl_keeps_enable_hfnmiena_privdefena)
{
    wr(CTRL, 0xffffffff);
    ck_assert_uint_eq(rd(CTRL), ENABLE | HFNMIENA | PRIVDEFENA);
    ck_assert(mpu_enabled(mpu));
    ck_assert_uint_ge(notifications, 1);
}
END_TEST

START_TEST(rnr_selects_the_region_rbar_and_rasr_show)
{
    wr(RNR, 3);
    wr(RBAR, 0x20001000);
    wr(RASR, AP(AP_FULL) | SIZE(10) | ENABLE);
    wr(RNR, 0);
    ck_assert_uint_eq(rd(RBAR), 0);
    wr(RNR, 3);
    /* REGION reads RNR, VALID reads 0 */
    ck_assert_uint_eq(rd(RBAR), 0x20001003);
    ck_assert_uint_eq(rd(RASR), AP(AP_FULL) | SIZE(10) | ENABLE);
}
END_TEST

START_TEST(rnr_out_of_range_is_ignored)
{
    wr(RNR, 5);
    wr(RNR, 8);
    ck_assert_uint_eq(rd(RNR), 5);
}
END_TEST

START_TEST(rbar_valid_selects_region_and_updates_rnr)
{
    wr(RBAR, 0x20000000 | VALID | 6);
    ck_assert_uint_eq(rd(RNR), 6);
    ck_assert_uint_eq(rd(RBAR), 0x20000006);
    /* VALID clear: the region RNR names, the REGION field ignored */
    wr(RBAR, 0x20000400 | 2);
    ck_assert_uint_eq(rd(RNR), 6);
    ck_assert_uint_eq(rd(RBAR), 0x20000406);
}
END_TEST

START_TEST(rbar_valid_with_region_out_of_range_is_ignored)
{
    wr(RBAR, 0x20000000 | VALID | 9);
    ck_assert_uint_eq(rd(RNR), 0);
    ck_assert_uint_eq(rd(RBAR), 0);
}
END_TEST

START_TEST(rasr_reserved_bits_read_as_zero)
{
    wr(RASR, 0xffffffff);
    ck_assert_uint_eq(rd(RASR), 0x173fff3f);
}
END_TEST

START_TEST(aliases_act_like_rbar_and_rasr)
{
    /* one STM can program several regions through the aliases */
    wr(RBAR_A1, 0x20000000 | VALID | 1);
    wr(RASR_A1, AP(AP_RO) | SIZE(12) | ENABLE);
    wr(RBAR_A3, 0x20002000 | VALID | 4);
    wr(RASR_A3, AP(AP_FULL) | SIZE(13) | ENABLE);
    wr(RNR, 1);
    ck_assert_uint_eq(rd(RBAR), 0x20000001);
    ck_assert_uint_eq(rd(RASR_A3), AP(AP_RO) | SIZE(12) | ENABLE);
    wr(RNR, 4);
    ck_assert_uint_eq(rd(RBAR_A1), 0x20002004);
    ck_assert_uint_eq(rd(RASR), AP(AP_FULL) | SIZE(13) | ENABLE);
}
END_TEST

START_TEST(only_word_accesses)
{
    uint32_t v;
    ck_assert_int_eq(mpu_read(mpu, CTRL, 2, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(mpu_write(mpu, CTRL, 1, 1), MMIO_UNASSIGNED);
    ck_assert(!mpu_enabled(mpu));
}
END_TEST

START_TEST(writes_that_change_permissions_notify)
{
    notifications = 0;
    wr(RBAR, 0x20000000);
    wr(RASR, 0);
    wr(CTRL, ENABLE);
    ck_assert_uint_eq(notifications, 3);
    wr(RNR, 1); /* selects only */
    ck_assert_uint_eq(notifications, 3);
    mpu_reset(mpu);
    ck_assert_uint_eq(notifications, 4);
    ck_assert_uint_eq(rd(CTRL), 0);
}
END_TEST

/* ---- default memory map (B3.1) ---------------------------------------- */

START_TEST(disabled_mpu_gives_the_default_map)
{
    region(0, 0x20000000, AP(AP_NONE) | SIZE(20));
    ck_assert_uint_eq(mpu_permissions(mpu, 0x00000000, USER), RWX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, USER), RWX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x60000000, USER), RWX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x9fffffff, USER), RWX);
}
END_TEST

START_TEST(default_map_peripheral_device_system_are_execute_never)
{
    ck_assert_uint_eq(mpu_permissions(mpu, 0x40000000, PRIV), RW);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x5fffffff, PRIV), RW);
    ck_assert_uint_eq(mpu_permissions(mpu, 0xa0000000, PRIV), RW);
    ck_assert_uint_eq(mpu_permissions(mpu, 0xe000e000, PRIV), RW);
    ck_assert_uint_eq(mpu_permissions(mpu, 0xfffffffe, PRIV), RW);
}
END_TEST

/* ---- regions (B3.5.3, B3.5.9) ----------------------------------------- */

START_TEST(no_region_and_no_privdefena_faults_everything)
{
    wr(CTRL, ENABLE);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, PRIV), 0);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x00000100, USER), 0);
}
END_TEST

START_TEST(privdefena_gives_privileged_code_the_default_map_only)
{
    wr(CTRL, ENABLE | PRIVDEFENA);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, PRIV), RWX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x40004000, PRIV), RW);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, USER), 0);
}
END_TEST

START_TEST(ppb_always_uses_the_default_map)
{
    wr(CTRL, ENABLE);
    region(7, 0xe0000000, AP(AP_NONE) | SIZE(20));
    ck_assert_uint_eq(mpu_permissions(mpu, 0xe000ed00, USER), RW);
    ck_assert_uint_eq(mpu_permissions(mpu, 0xe0100000, PRIV), 0);
}
END_TEST

START_TEST(ap_decoding_privileged_and_unprivileged)
{
    static const struct {
        unsigned ap, priv, user;
    } table[] = {
        { AP_NONE, 0, 0 },
        { AP_PRIV_RW, RWX, 0 },
        { AP_PRIV_RW_USER_RO, RWX, RX },
        { AP_FULL, RWX, RWX },
        { AP_RESERVED, 0, 0 },
        { AP_PRIV_RO, RX, 0 },
        { AP_RO, RX, RX },
        { AP_RO_TOO, RX, RX },
    };
    wr(CTRL, ENABLE);
    for (unsigned i = 0; i < G_N_ELEMENTS(table); i++) {
        region(0, 0x20000000, AP(table[i].ap) | SIZE(12));
        ck_assert_msg(mpu_permissions(mpu, 0x20000010, PRIV) == table[i].priv, "AP %u priv",
                      table[i].ap);
        ck_assert_msg(mpu_permissions(mpu, 0x20000010, USER) == table[i].user, "AP %u user",
                      table[i].ap);
    }
}
END_TEST

START_TEST(xn_removes_execute_only)
{
    wr(CTRL, ENABLE);
    region(0, 0x20000000, AP(AP_FULL) | XN | SIZE(12));
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, USER), RW);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, PRIV), RW);
}
END_TEST

START_TEST(system_region_is_execute_never_even_in_a_region)
{
    wr(CTRL, ENABLE);
    region(0, 0xf0000000, AP(AP_FULL) | SIZE(28));
    ck_assert_uint_eq(mpu_permissions(mpu, 0xf0000000, USER), RW);
}
END_TEST

START_TEST(region_covers_exactly_its_size)
{
    wr(CTRL, ENABLE);
    region(0, 0x20000400, AP(AP_FULL) | SIZE(10)); /* 1 KiB */
    ck_assert_uint_eq(mpu_permissions(mpu, 0x200003ff, USER), 0);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000400, USER), RWX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x200007ff, USER), RWX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000800, USER), 0);
}
END_TEST

START_TEST(whole_address_space_region)
{
    wr(CTRL, ENABLE);
    region(0, 0, AP(AP_FULL) | SIZE(32));
    ck_assert_uint_eq(mpu_permissions(mpu, 0, USER), RWX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0xdfffffff, USER), RWX);
}
END_TEST

START_TEST(highest_numbered_matching_region_wins)
{
    wr(CTRL, ENABLE);
    region(5, 0x20000000, AP(AP_NONE) | SIZE(10));
    region(2, 0x20000000, AP(AP_FULL) | SIZE(16));
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, PRIV), 0);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000400, PRIV), RWX);
    /* swapped numbers: the big region wins everywhere */
    region(5, 0x20000000, AP(AP_FULL) | SIZE(16));
    region(2, 0x20000000, AP(AP_NONE) | SIZE(10));
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, PRIV), RWX);
}
END_TEST

START_TEST(disabled_region_does_not_match)
{
    wr(CTRL, ENABLE | PRIVDEFENA);
    region(3, 0x20000000, AP(AP_NONE) | SIZE(12));
    wr(RASR, AP(AP_NONE) | SIZE(12)); /* ENABLE clear */
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, PRIV), RWX);
}
END_TEST

START_TEST(misaligned_base_or_size_zero_never_matches)
{
    wr(CTRL, ENABLE | PRIVDEFENA);
    region(0, 0x20000200, AP(AP_NONE) | SIZE(10)); /* 1 KiB at 512 */
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000200, PRIV), RWX);
    region(1, 0x20000000, AP(AP_NONE)); /* SIZE 0 */
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, PRIV), RWX);
}
END_TEST

START_TEST(disabled_subregion_falls_through_to_lower_region)
{
    wr(CTRL, ENABLE);
    region(0, 0x20000000, AP(AP_RO) | SIZE(16));
    /* 8 KiB in 1 KiB subregions, subregions 1 and 7 disabled */
    region(1, 0x20000000, AP(AP_FULL) | SRD(0x82) | SIZE(13));
    ck_assert_uint_eq(mpu_permissions(mpu, 0x200003ff, USER), RWX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000400, USER), RX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x200007ff, USER), RX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000800, USER), RWX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20001c00, USER), RX);
}
END_TEST

START_TEST(disabled_subregion_falls_through_to_background)
{
    wr(CTRL, ENABLE | PRIVDEFENA);
    region(0, 0x20000000, AP(AP_NONE) | SRD(0x01) | SIZE(8)); /* 32-byte subregions */
    ck_assert_uint_eq(mpu_permissions(mpu, 0x2000001f, PRIV), RWX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000020, PRIV), 0);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x2000001f, USER), 0);
}
END_TEST

START_TEST(regions_under_256_bytes_have_no_subregions)
{
    wr(CTRL, ENABLE | PRIVDEFENA);
    region(0, 0x20000000, AP(AP_NONE) | SRD(0xff) | SIZE(7));
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, PRIV), 0);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x2000007f, PRIV), 0);
}
END_TEST

/* ---- HardFault/NMI (B3.5.6 HFNMIENA) ----------------------------------- */

START_TEST(negative_priority_bypasses_the_mpu_without_hfnmiena)
{
    wr(CTRL, ENABLE);
    region(0, 0x20000000, AP(AP_NONE) | SIZE(12));
    ck_assert(!mpu_applies(mpu, HARDFAULT));
    ck_assert(mpu_applies(mpu, PRIV));
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, HARDFAULT), RWX);
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, PRIV), 0);
}
END_TEST

START_TEST(hfnmiena_keeps_the_mpu_on_at_negative_priority)
{
    wr(CTRL, ENABLE | HFNMIENA);
    region(0, 0x20000000, AP(AP_NONE) | SIZE(12));
    ck_assert(mpu_applies(mpu, HARDFAULT));
    ck_assert_uint_eq(mpu_permissions(mpu, 0x20000000, HARDFAULT), 0);
}
END_TEST

/* ---- ranges: what a 1 KiB page may do everywhere ------------------------ */

START_TEST(range_is_what_every_byte_allows)
{
    wr(CTRL, ENABLE | PRIVDEFENA);
    region(0, 0x20000000, AP(AP_FULL) | SIZE(16));
    region(1, 0x20000020, AP(AP_RO) | SIZE(5)); /* 32 bytes inside the page */
    ck_assert_uint_eq(mpu_range_permissions(mpu, 0x20000000, 0x400, USER), RX);
    ck_assert_uint_eq(mpu_range_permissions(mpu, 0x20000400, 0x400, USER), RWX);
    ck_assert_uint_eq(mpu_range_permissions(mpu, 0x20000000, 0x20, USER), RWX);
    /* a subregion of another page does not matter */
    region(2, 0x20000000, AP(AP_NONE) | SRD(0xfe) | SIZE(13));
    ck_assert_uint_eq(mpu_range_permissions(mpu, 0x20000400, 0x400, USER), RWX);
    ck_assert_uint_eq(mpu_range_permissions(mpu, 0x20000000, 0x400, USER), 0);
}
END_TEST

START_TEST(range_of_background_page_with_mpu_off)
{
    ck_assert_uint_eq(mpu_range_permissions(mpu, 0x40004000, 0x400, USER), RW);
    ck_assert_uint_eq(mpu_range_permissions(mpu, 0xfffffc00, 0x400, USER), RW);
    ck_assert_uint_eq(mpu_range_permissions(mpu, 0x00000000, 0x400, USER), RWX);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mpu");
    struct {
        const char *name;
        const TTest *tests[16];
    } cases[] = {
        { "registers",
          { type_reports_eight_unified_regions, registers_reset_to_zero,
            ctrl_keeps_enable_hfnmiena_privdefena, rnr_selects_the_region_rbar_and_rasr_show,
            rnr_out_of_range_is_ignored, rbar_valid_selects_region_and_updates_rnr,
            rbar_valid_with_region_out_of_range_is_ignored, rasr_reserved_bits_read_as_zero,
            aliases_act_like_rbar_and_rasr, only_word_accesses,
            writes_that_change_permissions_notify } },
        { "default map",
          { disabled_mpu_gives_the_default_map,
            default_map_peripheral_device_system_are_execute_never } },
        { "background",
          { no_region_and_no_privdefena_faults_everything,
            privdefena_gives_privileged_code_the_default_map_only,
            ppb_always_uses_the_default_map } },
        { "regions",
          { ap_decoding_privileged_and_unprivileged, xn_removes_execute_only,
            system_region_is_execute_never_even_in_a_region, region_covers_exactly_its_size,
            whole_address_space_region, highest_numbered_matching_region_wins,
            disabled_region_does_not_match, misaligned_base_or_size_zero_never_matches } },
        { "subregions",
          { disabled_subregion_falls_through_to_lower_region,
            disabled_subregion_falls_through_to_background,
            regions_under_256_bytes_have_no_subregions } },
        { "hfnmiena",
          { negative_priority_bypasses_the_mpu_without_hfnmiena,
            hfnmiena_keeps_the_mpu_on_at_negative_priority } },
        { "ranges", { range_is_what_every_byte_allows, range_of_background_page_with_mpu_off } },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        for (size_t k = 0; k < G_N_ELEMENTS(cases[i].tests) && cases[i].tests[k] != NULL; k++)
            tcase_add_test(tc, cases[i].tests[k]);
        suite_add_tcase(s, tc);
    }
    return run_suite(s);
}
