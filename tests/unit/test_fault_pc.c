/* fault_pc: finding the load/store that faulted in a translated block.
 * Encodings were cross-checked with arm-none-eabi-as -mcpu=cortex-m3 and
 * objdump (the assembly is given with each). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fault_pc.h"
#include "unit_main.h"

/* Guest code: halfwords from address `base` on. */
typedef struct {
    uint32_t base;
    const uint16_t *hw;
    size_t n;
} Code;

static bool code_read(void *opaque, uint32_t addr, uint16_t *out)
{
    const Code *c = opaque;
    if (addr < c->base || (addr - c->base) / 2 >= c->n)
        return false;
    *out = c->hw[(addr - c->base) / 2];
    return true;
}

/* r0-r12, sp, lr at the fault */
static const uint32_t regs[15] = {
    0x20000100, 0x20000200, 0x00000010, 0x20000300, 0x20000400, 0x00000024, 0, 0x20000700,
    0, 0, 0, 0, 0, 0x20001000, 0xFFFFFFF9,
};

typedef struct {
    uint32_t pc;
    unsigned len;
} Found;

static bool find_in(const Code *c, uint32_t size_bytes, const uint32_t *r, uint32_t addr,
                    unsigned size, bool is_write, Found *f)
{
    f->pc = 0xDEADBEEF;
    f->len = 0;
    return fault_pc_find(code_read, (void *)c, c->base, size_bytes, r, addr, size, is_write,
                         &f->pc, &f->len);
}

/* ---- every load/store class, one instruction per block ------------- */

typedef struct {
    const char *text;
    uint16_t hw[2];
    uint32_t at;   /* the instruction's address (matters for PC-relative) */
    uint32_t addr; /* lowest byte accessed, with `regs` */
    uint32_t len;  /* bytes accessed */
    char kind;     /* 'L' load, 'S' store, 'X' either (store-exclusive) */
} Row;

static const Row rows[] = {
    /* 16-bit */
    { "ldr r0, [r1, #4]", { 0x6848 }, 0x1000, 0x20000204, 4, 'L' },
    { "str r2, [r3, #124]", { 0x67da }, 0x1000, 0x2000037c, 4, 'S' },
    { "ldrb r4, [r5, #31]", { 0x7fec }, 0x1000, 0x00000043, 1, 'L' },
    { "strb r6, [r7, #0]", { 0x703e }, 0x1000, 0x20000700, 1, 'S' },
    { "ldrh r0, [r1, #62]", { 0x8fc8 }, 0x1000, 0x2000023e, 2, 'L' },
    { "strh r1, [r2, #2]", { 0x8051 }, 0x1000, 0x00000012, 2, 'S' },
    { "ldr r0, [r1, r2]", { 0x5888 }, 0x1000, 0x20000210, 4, 'L' },
    { "str r3, [r4, r5]", { 0x5163 }, 0x1000, 0x20000424, 4, 'S' },
    { "strh r3, [r4, r5]", { 0x5363 }, 0x1000, 0x20000424, 2, 'S' },
    { "strb r3, [r4, r5]", { 0x5563 }, 0x1000, 0x20000424, 1, 'S' },
    { "ldrsb r3, [r4, r5]", { 0x5763 }, 0x1000, 0x20000424, 1, 'L' },
    { "ldrh r3, [r4, r5]", { 0x5b63 }, 0x1000, 0x20000424, 2, 'L' },
    { "ldrb r3, [r4, r5]", { 0x5d63 }, 0x1000, 0x20000424, 1, 'L' },
    { "ldrsh r3, [r4, r5]", { 0x5f63 }, 0x1000, 0x20000424, 2, 'L' },
    { "ldr r0, [sp, #8]", { 0x9802 }, 0x1000, 0x20001008, 4, 'L' },
    { "str r1, [sp, #1020]", { 0x91ff }, 0x1000, 0x200013fc, 4, 'S' },
    { "ldr r2, [pc, #8] @ at 0x1002: Align(0x1006, 4) + 8", { 0x4a02 }, 0x1002, 0x100c, 4, 'L' },
    { "push {r4, r5, lr}", { 0xb530 }, 0x1000, 0x20000ff4, 12, 'S' },
    { "pop {r4, r5, pc}", { 0xbd30 }, 0x1000, 0x20001000, 12, 'L' },
    { "ldmia r0!, {r1, r2, r3}", { 0xc80e }, 0x1000, 0x20000100, 12, 'L' },
    { "stmia r0!, {r1, r2}", { 0xc006 }, 0x1000, 0x20000100, 8, 'S' },
    /* 32-bit single: imm12 */
    { "ldr.w r0, [r1, #4095]", { 0xf8d1, 0x0fff }, 0x1000, 0x200011ff, 4, 'L' },
    { "str.w r0, [r1, #2048]", { 0xf8c1, 0x0800 }, 0x1000, 0x20000a00, 4, 'S' },
    { "ldrb.w r0, [r1, #1]", { 0xf891, 0x0001 }, 0x1000, 0x20000201, 1, 'L' },
    { "ldrh.w r0, [r1, #2]", { 0xf8b1, 0x0002 }, 0x1000, 0x20000202, 2, 'L' },
    { "ldrsb.w r0, [r1, #3]", { 0xf991, 0x0003 }, 0x1000, 0x20000203, 1, 'L' },
    { "ldrsh.w r0, [r1, #4]", { 0xf9b1, 0x0004 }, 0x1000, 0x20000204, 2, 'L' },
    { "strb.w r0, [r1, #5]", { 0xf881, 0x0005 }, 0x1000, 0x20000205, 1, 'S' },
    { "strh.w r0, [r1, #6]", { 0xf8a1, 0x0006 }, 0x1000, 0x20000206, 2, 'S' },
    { "ldr.w pc, [r0, #4]", { 0xf8d0, 0xf004 }, 0x1000, 0x20000104, 4, 'L' },
    /* 32-bit single: imm8 with P/U/W, and the unprivileged T forms */
    { "ldr.w r0, [r1, #-8]", { 0xf851, 0x0c08 }, 0x1000, 0x200001f8, 4, 'L' },
    { "ldr.w r0, [r1, #8]!", { 0xf851, 0x0f08 }, 0x1000, 0x20000208, 4, 'L' },
    { "ldr.w r0, [r1], #-8", { 0xf851, 0x0908 }, 0x1000, 0x20000200, 4, 'L' },
    { "str.w r0, [r1, #-255]", { 0xf841, 0x0cff }, 0x1000, 0x20000101, 4, 'S' },
    { "strb.w r0, [r1], #1", { 0xf801, 0x0b01 }, 0x1000, 0x20000200, 1, 'S' },
    { "ldrb.w r0, [r1, #-4]", { 0xf811, 0x0c04 }, 0x1000, 0x200001fc, 1, 'L' },
    { "strh.w r0, [r1, #4]!", { 0xf821, 0x0f04 }, 0x1000, 0x20000204, 2, 'S' },
    { "ldrt r0, [r1, #4]", { 0xf851, 0x0e04 }, 0x1000, 0x20000204, 4, 'L' },
    { "strbt r0, [r1, #4]", { 0xf801, 0x0e04 }, 0x1000, 0x20000204, 1, 'S' },
    { "ldrsbt r0, [r1, #2]", { 0xf911, 0x0e02 }, 0x1000, 0x20000202, 1, 'L' },
    /* 32-bit single: register */
    { "ldr.w r0, [r1, r2, lsl #2]", { 0xf851, 0x0022 }, 0x1000, 0x20000240, 4, 'L' },
    { "strh.w r0, [r1, r2, lsl #1]", { 0xf821, 0x0012 }, 0x1000, 0x20000220, 2, 'S' },
    { "ldrsb.w r0, [r1, r2]", { 0xf911, 0x0002 }, 0x1000, 0x20000210, 1, 'L' },
    /* 32-bit single: literal, Align(PC, 4) +/- imm12 */
    { "ldr.w r0, [pc, #-16] @ at 0x1002", { 0xf85f, 0x0010 }, 0x1002, 0x0ff4, 4, 'L' },
    { "ldr.w r0, [pc, #1000]", { 0xf8df, 0x03e8 }, 0x1000, 0x13ec, 4, 'L' },
    { "ldrb.w r0, [pc, #-1]", { 0xf81f, 0x0001 }, 0x1000, 0x1003, 1, 'L' },
    { "ldrsh.w r0, [pc, #-6]", { 0xf93f, 0x0006 }, 0x1000, 0x0ffe, 2, 'L' },
    /* LDRD/STRD */
    { "ldrd r0, r1, [r2, #8]", { 0xe9d2, 0x0102 }, 0x1000, 0x00000018, 8, 'L' },
    { "strd r0, r1, [r2, #-8]!", { 0xe962, 0x0102 }, 0x1000, 0x00000008, 8, 'S' },
    { "ldrd r0, r1, [r2], #16", { 0xe8f2, 0x0104 }, 0x1000, 0x00000010, 8, 'L' },
    { "strd r4, r5, [sp, #-1020]", { 0xe94d, 0x45ff }, 0x1000, 0x20000c04, 8, 'S' },
    { "ldrd r0, r1, [pc, #8] @ at 0x1002", { 0xe9df, 0x0102 }, 0x1002, 0x100c, 8, 'L' },
    /* 32-bit LDM/STM */
    { "ldmia.w r0, {r1, r2, r3, r4}", { 0xe890, 0x001e }, 0x1000, 0x20000100, 16, 'L' },
    { "stmdb r0!, {r1, r2}", { 0xe920, 0x0006 }, 0x1000, 0x200000f8, 8, 'S' },
    { "ldmdb r0, {r1, r2, r3}", { 0xe910, 0x000e }, 0x1000, 0x200000f4, 12, 'L' },
    { "push.w {r4-r11, lr}", { 0xe92d, 0x4ff0 }, 0x1000, 0x20000fdc, 36, 'S' },
    { "pop.w {r4-r11, pc}", { 0xe8bd, 0x8ff0 }, 0x1000, 0x20001000, 36, 'L' },
    { "stmia.w r0!, {r1, r8}", { 0xe8a0, 0x0102 }, 0x1000, 0x20000100, 8, 'S' },
    /* exclusives */
    { "ldrex r0, [r1, #4]", { 0xe851, 0x0f01 }, 0x1000, 0x20000204, 4, 'L' },
    { "strex r2, r0, [r1, #8]", { 0xe841, 0x0202 }, 0x1000, 0x20000208, 4, 'X' },
    { "ldrexb r0, [r1]", { 0xe8d1, 0x0f4f }, 0x1000, 0x20000200, 1, 'L' },
    { "ldrexh r0, [r1]", { 0xe8d1, 0x0f5f }, 0x1000, 0x20000200, 2, 'L' },
    { "strexb r2, r0, [r1]", { 0xe8c1, 0x0f42 }, 0x1000, 0x20000200, 1, 'X' },
    { "strexh r2, r0, [r1]", { 0xe8c1, 0x0f52 }, 0x1000, 0x20000200, 2, 'X' },
    /* table branches: the table entry is loaded */
    { "tbb [r0, r1]", { 0xe8d0, 0xf001 }, 0x1000, 0x40000300, 1, 'L' },
    { "tbh [r0, r1, lsl #1]", { 0xe8d0, 0xf011 }, 0x1000, 0x60000500, 2, 'L' },
    { "tbb [pc, r1] @ PC = insn + 4, not aligned", { 0xe8df, 0xf001 }, 0x1002, 0x20001206, 1,
      'L' },
};

#define NROWS (int)(sizeof rows / sizeof rows[0])

static Code row_code(const Row *r)
{
    return (Code){ r->at, r->hw, r->hw[0] >= 0xe800 ? 2 : 1 };
}

static uint32_t row_bytes(const Row *r) { return r->hw[0] >= 0xe800 ? 4 : 2; }

START_TEST(each_load_store_matches_its_first_byte)
{
    const Row *r = &rows[_i];
    Code c = row_code(r);
    Found f;
    bool is_write = r->kind == 'S';
    ck_assert_msg(find_in(&c, row_bytes(r), regs, r->addr, 1, is_write, &f), "%s", r->text);
    ck_assert_uint_eq(f.pc, r->at);
    ck_assert_uint_eq(f.len, row_bytes(r));
}
END_TEST

START_TEST(each_load_store_matches_its_last_byte)
{
    const Row *r = &rows[_i];
    Code c = row_code(r);
    Found f;
    ck_assert_msg(find_in(&c, row_bytes(r), regs, r->addr + r->len - 1, 1, r->kind == 'S', &f),
                  "%s", r->text);
}
END_TEST

START_TEST(each_load_store_misses_just_outside_its_range)
{
    const Row *r = &rows[_i];
    Code c = row_code(r);
    Found f;
    bool is_write = r->kind == 'S';
    ck_assert_msg(!find_in(&c, row_bytes(r), regs, r->addr - 1, 1, is_write, &f), "%s", r->text);
    ck_assert_msg(!find_in(&c, row_bytes(r), regs, r->addr + r->len, 1, is_write, &f), "%s",
                  r->text);
}
END_TEST

START_TEST(each_load_store_misses_the_other_direction)
{
    const Row *r = &rows[_i];
    Code c = row_code(r);
    Found f;
    bool other = r->kind != 'S';
    bool found = find_in(&c, row_bytes(r), regs, r->addr, 1, other, &f);
    ck_assert_msg(found == (r->kind == 'X'), "%s", r->text); /* exclusives match both */
}
END_TEST

START_TEST(each_load_store_matches_a_whole_aligned_access)
{
    const Row *r = &rows[_i];
    Code c = row_code(r);
    Found f;
    unsigned size = r->len >= 4 ? 4 : r->len;
    ck_assert_msg(find_in(&c, row_bytes(r), regs, r->addr + r->len - size, size, r->kind == 'S',
                          &f),
                  "%s", r->text);
}
END_TEST

/* ---- what never matches -------------------------------------------- */

static const uint16_t non_memory[][2] = {
    { 0xf890, 0xf004 }, /* pld [r0, #4] */
    { 0xf810, 0xf001 }, /* pld [r0, r1] */
    { 0xf990, 0xf004 }, /* pli [r0, #4] */
    { 0xf89f, 0xf008 }, /* pld [pc, #8] */
    { 0xf8b0, 0xf002 }, /* ldrh.w pc, [r0, #2]: unallocated memory hint */
    { 0xf000, 0xf802 }, /* bl .+8 */
    { 0xf04f, 0x0001 }, /* mov.w r0, #1 */
    { 0xeb01, 0x0002 }, /* add.w r0, r1, r2 */
    { 0xf241, 0x2034 }, /* movw r0, #0x1234 */
    { 0xbf08 },         /* it eq */
    { 0xbf00 },         /* nop */
    { 0xb100 },         /* cbz r0, .+4 */
    { 0x3001 },         /* adds r0, #1 */
    { 0x4600 },         /* mov r0, r0 */
};

START_TEST(hints_and_data_processing_never_match)
{
    const uint16_t *hw = non_memory[_i];
    Code c = { 0x1000, hw, hw[0] >= 0xe800 ? 2 : 1 };
    /* every address these could name with the registers: r0 + 4, r0 + r1,
     * r0 + 2, the literal pool, r0 */
    const uint32_t addrs[] = { 0x20000104, 0x40000300, 0x20000102, 0x100c, 0x20000100 };
    for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
        Found f;
        ck_assert(!find_in(&c, 4, regs, addrs[i], 1, false, &f));
        ck_assert(!find_in(&c, 4, regs, addrs[i], 1, true, &f));
    }
}
END_TEST

START_TEST(an_empty_block_or_unreadable_code_finds_nothing)
{
    static const uint16_t hw[] = { 0x6848 }; /* ldr r0, [r1, #4] */
    Code c = { 0x1000, hw, 1 };
    Found f;
    ck_assert(!find_in(&c, 0, regs, 0x20000204, 4, false, &f));
    Code elsewhere = { 0x2000, hw, 1 };
    ck_assert(!fault_pc_find(code_read, &elsewhere, 0x1000, 2, regs, 0x20000204, 4, false, &f.pc,
                             &f.len));
}
END_TEST

/* ---- instruction lengths and walking the block --------------------- */

START_TEST(thumb_insn_length_follows_the_first_halfword)
{
    ck_assert_uint_eq(thumb_insn_length(0x6848), 2); /* ldr */
    ck_assert_uint_eq(thumb_insn_length(0xe7fe), 2); /* b . (0b11100) */
    ck_assert_uint_eq(thumb_insn_length(0xbf08), 2); /* it eq */
    ck_assert_uint_eq(thumb_insn_length(0xe800), 4); /* 0b11101 */
    ck_assert_uint_eq(thumb_insn_length(0xe92d), 4); /* push.w */
    ck_assert_uint_eq(thumb_insn_length(0xf000), 4); /* 0b11110: bl */
    ck_assert_uint_eq(thumb_insn_length(0xf8d1), 4); /* 0b11111: ldr.w */
    ck_assert_uint_eq(thumb_insn_length(0xffff), 4);
}
END_TEST

/* 0x00 ldr.w r1, [r0], #4 | 0x04 ldr r2, [r0, #0] | 0x06 adds r3, r2, #1 |
 * 0x08 str r3, [r0, #0] | 0x0a ite eq | 0x0c ldreq r0, [r1, #0] |
 * 0x0e strne r0, [r1, #4] | 0x10 ldr.w r0, [r1, #4] | 0x14 mov r0, r0 */
static const uint16_t block[] = {
    0xf850, 0x1b04, 0x6802, 0x1c53, 0x6003, 0xbf0c, 0x6808, 0x6048, 0xf8d1, 0x0004, 0x4600,
};

START_TEST(instructions_are_walked_with_their_lengths_and_it_skipped)
{
    Code c = { 0x8000, block, sizeof block / sizeof block[0] };
    uint32_t r[15];
    memcpy(r, regs, sizeof r);
    r[1] = 0x30000000;
    Found f;
    /* a store at r1 + 4: only strne in the IT block */
    ck_assert(find_in(&c, sizeof block, r, 0x30000004, 4, true, &f));
    ck_assert_uint_eq(f.pc, 0x800e);
    ck_assert_uint_eq(f.len, 2);
    /* a load at r1: only ldreq after the IT */
    ck_assert(find_in(&c, sizeof block, r, 0x30000000, 4, false, &f));
    ck_assert_uint_eq(f.pc, 0x800c);
}
END_TEST

START_TEST(the_last_matching_instruction_wins)
{
    /* ldr.w r1, [r0], #4 has run (r0 moved on by 4); ldr r2, [r0] then
     * faulted at the new r0. With today's registers both compute r0;
     * only the later one can have made the access. */
    Code c = { 0x8000, block, sizeof block / sizeof block[0] };
    Found f;
    ck_assert(find_in(&c, sizeof block, regs, regs[0], 4, false, &f));
    ck_assert_uint_eq(f.pc, 0x8004);
    ck_assert_uint_eq(f.len, 2);
}
END_TEST

START_TEST(the_access_direction_chooses_between_load_and_store)
{
    /* str r3, [r0] comes after both loads of r0 */
    Code c = { 0x8000, block, sizeof block / sizeof block[0] };
    Found f;
    ck_assert(find_in(&c, sizeof block, regs, regs[0], 4, true, &f));
    ck_assert_uint_eq(f.pc, 0x8008);
}
END_TEST

START_TEST(a_32bit_match_is_reported_with_length_4)
{
    /* r1 + 4 is read by ldr.w at 0x10 only (ldreq at 0x0c reads r1) */
    Code c = { 0x8000, block, sizeof block / sizeof block[0] };
    Found f;
    uint32_t r[15];
    memcpy(r, regs, sizeof r);
    r[1] = 0x30000000;
    ck_assert(find_in(&c, sizeof block, r, 0x30000004, 4, false, &f));
    ck_assert_uint_eq(f.pc, 0x8010);
    ck_assert_uint_eq(f.len, 4);
}
END_TEST

START_TEST(an_instruction_cut_by_the_block_end_is_not_considered)
{
    /* the block ends inside ldr.w at 0x10 (18 bytes) */
    Code c = { 0x8000, block, sizeof block / sizeof block[0] };
    uint32_t r[15];
    memcpy(r, regs, sizeof r);
    r[1] = 0x30000000;
    Found f;
    ck_assert(find_in(&c, 0x12, r, 0x30000004, 4, false, &f) == false);
    ck_assert(find_in(&c, 0x14, r, 0x30000004, 4, false, &f));
}
END_TEST

START_TEST(a_partial_overlap_is_not_a_match)
{
    static const uint16_t hw[] = { 0x6848 }; /* ldr r0, [r1, #4]: 0x20000204..7 */
    Code c = { 0x1000, hw, 1 };
    Found f;
    ck_assert(find_in(&c, 2, regs, 0x20000206, 2, false, &f));
    ck_assert(!find_in(&c, 2, regs, 0x20000206, 4, false, &f));
    ck_assert(find_in(&c, 2, regs, 0x20000206, 0, false, &f)); /* size 0 taken as 1 */
}
END_TEST

START_TEST(address_ranges_wrap_around_like_the_bus)
{
    static const uint16_t hw[] = { 0xb530 }; /* push {r4, r5, lr} */
    Code c = { 0x1000, hw, 1 };
    uint32_t r[15];
    memcpy(r, regs, sizeof r);
    r[13] = 8; /* pushes to 0xFFFFFFFC..0x00000007 */
    Found f;
    ck_assert(find_in(&c, 2, r, 0xFFFFFFFC, 4, true, &f));
    ck_assert(find_in(&c, 2, r, 0x00000004, 4, true, &f));
    ck_assert(!find_in(&c, 2, r, 0x00000008, 4, true, &f));
}
END_TEST

static Suite *fault_pc_suite(void)
{
    Suite *s = suite_create("fault_pc");
    TCase *tc = tcase_create("every load/store class");
    tcase_add_loop_test(tc, each_load_store_matches_its_first_byte, 0, NROWS);
    tcase_add_loop_test(tc, each_load_store_matches_its_last_byte, 0, NROWS);
    tcase_add_loop_test(tc, each_load_store_misses_just_outside_its_range, 0, NROWS);
    tcase_add_loop_test(tc, each_load_store_misses_the_other_direction, 0, NROWS);
    tcase_add_loop_test(tc, each_load_store_matches_a_whole_aligned_access, 0, NROWS);
    suite_add_tcase(s, tc);

    tc = tcase_create("never a match");
    tcase_add_loop_test(tc, hints_and_data_processing_never_match, 0,
                        (int)(sizeof non_memory / sizeof non_memory[0]));
    tcase_add_test(tc, an_empty_block_or_unreadable_code_finds_nothing);
    tcase_add_test(tc, a_partial_overlap_is_not_a_match);
    suite_add_tcase(s, tc);

    tc = tcase_create("walking a block");
    tcase_add_test(tc, thumb_insn_length_follows_the_first_halfword);
    tcase_add_test(tc, instructions_are_walked_with_their_lengths_and_it_skipped);
    tcase_add_test(tc, an_instruction_cut_by_the_block_end_is_not_considered);
    tcase_add_test(tc, address_ranges_wrap_around_like_the_bus);
    suite_add_tcase(s, tc);

    tc = tcase_create("choosing among matches");
    tcase_add_test(tc, the_last_matching_instruction_wins);
    tcase_add_test(tc, the_access_direction_chooses_between_load_and_store);
    tcase_add_test(tc, a_32bit_match_is_reported_with_length_4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(fault_pc_suite());
}
