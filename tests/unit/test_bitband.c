/* Bit-band aliases (Cortex-M3 TRM 3.7) through the device API, against a
 * bus made of a plain byte array: which target bit each alias word
 * stands for, read-modify-write of that bit only, access sizes, and bus
 * errors where nothing answers. */
#include <check.h>
#include <string.h>

#include "bitband.h"
#include "unit_main.h"

#define TARGET 0x20000000u
#define TARGET_SIZE 64u

static uint8_t memory[TARGET_SIZE];
static unsigned bus_writes;

static bool mem_read(void *opaque, uint32_t addr, unsigned size, uint32_t *value)
{
    (void)opaque;
    if (addr < TARGET || addr - TARGET + size > TARGET_SIZE)
        return false;
    *value = 0;
    memcpy(value, &memory[addr - TARGET], size);
    return true;
}

static bool mem_write(void *opaque, uint32_t addr, uint32_t value, unsigned size)
{
    (void)opaque;
    if (addr < TARGET || addr - TARGET + size > TARGET_SIZE)
        return false;
    memcpy(&memory[addr - TARGET], &value, size);
    bus_writes++;
    return true;
}

static Bitband *bb;

static void setup(void)
{
    memset(memory, 0, sizeof(memory));
    bus_writes = 0;
    bb = bitband_new("bb", TARGET, (BusAccess){ mem_read, mem_write, NULL });
}

static void teardown(void)
{
    bitband_class.destroy(bb);
}

/* alias offset of bit `bit` of target byte `byte` */
static uint32_t alias(uint32_t byte, unsigned bit)
{
    return byte * 32 + bit * 4;
}

START_TEST(word_store_sets_exactly_one_target_bit)
{
    ck_assert_int_eq(bitband_class.write(bb, alias(5, 3), 1, 4), MMIO_OK);
    for (unsigned i = 0; i < TARGET_SIZE; i++)
        ck_assert_uint_eq(memory[i], i == 5 ? 0x08 : 0);
}
END_TEST

START_TEST(store_of_zero_clears_only_that_bit)
{
    memset(memory, 0xFF, sizeof(memory));
    ck_assert_int_eq(bitband_class.write(bb, alias(9, 7), 0, 4), MMIO_OK);
    ck_assert_uint_eq(memory[9], 0x7F);
    ck_assert_uint_eq(memory[8], 0xFF);
    ck_assert_uint_eq(memory[10], 0xFF);
}
END_TEST

START_TEST(only_bit_zero_of_the_value_counts)
{
    ck_assert_int_eq(bitband_class.write(bb, alias(0, 0), 0xFFFFFFFE, 4), MMIO_OK);
    ck_assert_uint_eq(memory[0], 0);
    ck_assert_int_eq(bitband_class.write(bb, alias(0, 0), 3, 4), MMIO_OK);
    ck_assert_uint_eq(memory[0], 1);
}
END_TEST

START_TEST(loads_return_the_bit_as_zero_or_one)
{
    memory[12] = 0xA5; /* 1010 0101 */
    for (unsigned bit = 0; bit < 8; bit++) {
        uint32_t v = 0xdead;
        ck_assert_int_eq(bitband_class.read(bb, alias(12, bit), 4, &v), MMIO_OK);
        ck_assert_uint_eq(v, (0xA5u >> bit) & 1);
    }
}
END_TEST

START_TEST(byte_and_halfword_alias_accesses_reach_the_same_bit)
{
    ck_assert_int_eq(bitband_class.write(bb, alias(7, 2), 1, 1), MMIO_OK);
    ck_assert_int_eq(bitband_class.write(bb, alias(6, 1), 1, 2), MMIO_OK);
    ck_assert_uint_eq(memory[7], 0x04);
    ck_assert_uint_eq(memory[6], 0x02);
    uint32_t v = 0;
    ck_assert_int_eq(bitband_class.read(bb, alias(7, 2), 1, &v), MMIO_OK);
    ck_assert_uint_eq(v, 1);
}
END_TEST

START_TEST(word_accesses_touch_the_target_as_one_word)
{
    /* word-only registers: the write is a single aligned word store */
    memory[4] = 0x11;
    memory[6] = 0x22;
    ck_assert_int_eq(bitband_class.write(bb, alias(5, 0), 1, 4), MMIO_OK);
    ck_assert_uint_eq(bus_writes, 1);
    ck_assert_uint_eq(memory[4], 0x11);
    ck_assert_uint_eq(memory[5], 0x01);
    ck_assert_uint_eq(memory[6], 0x22);
}
END_TEST

START_TEST(nothing_behind_the_alias_is_a_bus_error)
{
    uint32_t v;
    ck_assert_int_eq(bitband_class.read(bb, alias(TARGET_SIZE + 100, 0), 4, &v), MMIO_BUS_ERROR);
    ck_assert_int_eq(bitband_class.write(bb, alias(TARGET_SIZE + 100, 0), 1, 4), MMIO_BUS_ERROR);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bitband");
    TCase *tc = tcase_create("alias");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, word_store_sets_exactly_one_target_bit);
    tcase_add_test(tc, store_of_zero_clears_only_that_bit);
    tcase_add_test(tc, only_bit_zero_of_the_value_counts);
    tcase_add_test(tc, loads_return_the_bit_as_zero_or_one);
    tcase_add_test(tc, byte_and_halfword_alias_accesses_reach_the_same_bit);
    tcase_add_test(tc, word_accesses_touch_the_target_as_one_word);
    tcase_add_test(tc, nothing_behind_the_alias_is_a_bus_error);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
