/* Thumb load/store decoding for the precise fault PC. Encodings and
 * section numbers are from the ARMv7-M Architecture Reference Manual
 * (DDI 0403E): A5.2 (16-bit), A5.3 (32-bit), A7.7 (instructions). */
#include "fault_pc.h"

#include <stddef.h>

#define REG_SP 13
#define REG_PC 15

typedef enum {
    ACCESS_LOAD,
    ACCESS_STORE,
    ACCESS_EITHER,
} AccessKind;

/* What one instruction accesses: len bytes from addr (may wrap). */
typedef struct {
    AccessKind kind;
    uint32_t addr;
    uint32_t len;
} MemAccess;

/* The registers an instruction at `pc` reads: r0-r14 as given, and PC as
 * the instruction's address + 4 (A5.1.2). */
typedef struct {
    const uint32_t *regs;
    uint32_t pc;
} RegView;

static uint32_t reg(const RegView *v, unsigned n)
{
    return n == REG_PC ? v->pc + 4 : v->regs[n];
}

/* Align(PC, 4), the base of literal loads */
static uint32_t literal_base(const RegView *v)
{
    return (v->pc + 4) & ~3u;
}

static bool mem_access(MemAccess *a, AccessKind kind, uint32_t addr, uint32_t len)
{
    *a = (MemAccess){ kind, addr, len };
    return len > 0; /* an empty register list is UNPREDICTABLE: no match */
}

unsigned thumb_insn_length(uint16_t hw)
{
    return hw >= 0xE800 ? 4 : 2;
}

/* ---- 16-bit (A5.2) ------------------------------------------------- */

/* LDR/STR{,B,H}, LDRS{B,H} (register): 0101 opB Rm Rn Rt */
static bool decode16_reg_offset(uint16_t hw, const RegView *v, MemAccess *a)
{
    /* STR STRH STRB LDRSB LDR LDRH LDRB LDRSH */
    static const uint8_t sizes[8] = { 4, 2, 1, 1, 4, 2, 1, 2 };
    unsigned opb = (hw >> 9) & 7;
    uint32_t addr = reg(v, (hw >> 3) & 7) + reg(v, (hw >> 6) & 7);
    return mem_access(a, opb >= 3 ? ACCESS_LOAD : ACCESS_STORE, addr, sizes[opb]);
}

/* PUSH, POP, LDM, STM (IA): one word per listed register */
static bool decode16_multiple(uint16_t hw, const RegView *v, MemAccess *a)
{
    uint32_t words;
    if ((hw & 0xF000) == 0xC000) { /* STM/LDM Rn!, {list}: 1100 L Rn list */
        words = (uint32_t)__builtin_popcount(hw & 0xFF);
        return mem_access(a, (hw & 0x0800) ? ACCESS_LOAD : ACCESS_STORE, reg(v, (hw >> 8) & 7),
                          4 * words);
    }
    words = (uint32_t)__builtin_popcount(hw & 0x1FF); /* bit 8: LR (PUSH), PC (POP) */
    if (hw & 0x0800) /* POP: 1011 110P list */
        return mem_access(a, ACCESS_LOAD, reg(v, REG_SP), 4 * words);
    return mem_access(a, ACCESS_STORE, reg(v, REG_SP) - 4 * words, 4 * words); /* PUSH */
}

static bool decode16(uint16_t hw, const RegView *v, MemAccess *a)
{
    bool load = hw & 0x0800; /* the L bit of every single-register form */
    AccessKind kind = load ? ACCESS_LOAD : ACCESS_STORE;
    unsigned imm5 = (hw >> 6) & 0x1F;
    uint32_t rn = reg(v, (hw >> 3) & 7);

    if ((hw & 0xF800) == 0x4800) /* LDR Rt, [PC, #imm8*4] */
        return mem_access(a, ACCESS_LOAD, literal_base(v) + (hw & 0xFF) * 4u, 4);
    if ((hw & 0xF000) == 0x5000)
        return decode16_reg_offset(hw, v, a);
    if ((hw & 0xF000) == 0x6000) /* LDR/STR Rt, [Rn, #imm5*4] */
        return mem_access(a, kind, rn + imm5 * 4, 4);
    if ((hw & 0xF000) == 0x7000) /* LDRB/STRB Rt, [Rn, #imm5] */
        return mem_access(a, kind, rn + imm5, 1);
    if ((hw & 0xF000) == 0x8000) /* LDRH/STRH Rt, [Rn, #imm5*2] */
        return mem_access(a, kind, rn + imm5 * 2, 2);
    if ((hw & 0xF000) == 0x9000) /* LDR/STR Rt, [SP, #imm8*4] */
        return mem_access(a, kind, reg(v, REG_SP) + (hw & 0xFF) * 4u, 4);
    if ((hw & 0xF600) == 0xB400 || (hw & 0xF000) == 0xC000)
        return decode16_multiple(hw, v, a);
    return false; /* not a memory access (IT and hints included) */
}

/* ---- 32-bit (A5.3) ------------------------------------------------- */

/* LDM/STM IA and DB, PUSH.W/POP.W (A5.3.5): 1110 100 op 0 W L Rn | list */
static bool decode32_multiple(uint16_t hw1, uint16_t hw2, const RegView *v, MemAccess *a)
{
    unsigned op = (hw1 >> 7) & 3;
    unsigned rn = hw1 & 0xF;
    uint32_t bytes = 4 * (uint32_t)__builtin_popcount(hw2);
    AccessKind kind = (hw1 & 0x0010) ? ACCESS_LOAD : ACCESS_STORE;
    if (rn == REG_PC)
        return false;
    if (op == 1) /* increment after */
        return mem_access(a, kind, reg(v, rn), bytes);
    if (op == 2) /* decrement before */
        return mem_access(a, kind, reg(v, rn) - bytes, bytes);
    return false; /* SRS/RFE: not in ARMv7-M */
}

/* LDRD/STRD (immediate, literal) with P/U/W: 1110 100P U1WL Rn | Rt Rt2 imm8 */
static bool decode32_dual(uint16_t hw1, uint16_t hw2, const RegView *v, MemAccess *a)
{
    unsigned rn = hw1 & 0xF;
    bool p = hw1 & 0x0100, u = hw1 & 0x0080;
    uint32_t base = rn == REG_PC ? literal_base(v) : reg(v, rn);
    uint32_t imm = (hw2 & 0xFFu) * 4;
    uint32_t offset_addr = u ? base + imm : base - imm;
    AccessKind kind = (hw1 & 0x0010) ? ACCESS_LOAD : ACCESS_STORE;
    return mem_access(a, kind, p ? offset_addr : base, 8);
}

/* Load/store dual or exclusive, table branch (A5.3.6) */
static bool decode32_dual_exclusive(uint16_t hw1, uint16_t hw2, const RegView *v, MemAccess *a)
{
    unsigned op1 = (hw1 >> 7) & 3, op2 = (hw1 >> 4) & 3, op3 = (hw2 >> 4) & 0xF;
    uint32_t rn = reg(v, hw1 & 0xF);
    uint32_t rm = reg(v, hw2 & 0xF);

    if ((op1 & 2) || (op2 & 2))
        return decode32_dual(hw1, hw2, v, a);
    if (op1 == 0) /* STREX / LDREX Rt, [Rn, #imm8*4] */
        return mem_access(a, op2 ? ACCESS_LOAD : ACCESS_EITHER, rn + (hw2 & 0xFFu) * 4, 4);
    if (op2 == 0) { /* STREXB, STREXH */
        if (op3 != 4 && op3 != 5)
            return false;
        return mem_access(a, ACCESS_EITHER, rn, op3 == 4 ? 1 : 2);
    }
    switch (op3) {
    case 0: return mem_access(a, ACCESS_LOAD, rn + rm, 1);     /* TBB [Rn, Rm] */
    case 1: return mem_access(a, ACCESS_LOAD, rn + 2 * rm, 2); /* TBH [Rn, Rm, LSL #1] */
    case 4: return mem_access(a, ACCESS_LOAD, rn, 1);          /* LDREXB */
    case 5: return mem_access(a, ACCESS_LOAD, rn, 2);          /* LDREXH */
    default: return false;
    }
}

/* The address of a single load/store (A7.7: the imm12, imm8 and register
 * forms share their layout across sizes). false: undefined encoding. */
static bool single_address(uint16_t hw1, uint16_t hw2, const RegView *v, uint32_t *addr)
{
    unsigned rn = hw1 & 0xF;
    if (rn == REG_PC) { /* literal; loads only (checked by the caller) */
        uint32_t imm12 = hw2 & 0xFFF;
        *addr = (hw1 & 0x0080) ? literal_base(v) + imm12 : literal_base(v) - imm12;
        return true;
    }
    if (hw1 & 0x0080) { /* [Rn, #imm12] */
        *addr = reg(v, rn) + (hw2 & 0xFFF);
        return true;
    }
    if (hw2 & 0x0800) { /* [Rn, #+/-imm8], [Rn, #+/-imm8]!, [Rn], #+/-imm8, T forms */
        bool p = hw2 & 0x0400, u = hw2 & 0x0200, w = hw2 & 0x0100;
        uint32_t imm8 = hw2 & 0xFF;
        uint32_t offset_addr = u ? reg(v, rn) + imm8 : reg(v, rn) - imm8;
        *addr = p ? offset_addr : reg(v, rn);
        return p || w;
    }
    if ((hw2 & 0x0FC0) == 0) { /* [Rn, Rm, LSL #imm2] */
        unsigned rm = hw2 & 0xF;
        *addr = reg(v, rn) + (reg(v, rm) << ((hw2 >> 4) & 3));
        return rm != REG_SP && rm != REG_PC;
    }
    return false;
}

/* Load/store single data item (A5.3.7-A5.3.10): 1111 100S UszL Rn | Rt ... */
static bool decode32_single(uint16_t hw1, uint16_t hw2, const RegView *v, MemAccess *a)
{
    unsigned size_log2 = (hw1 >> 5) & 3;
    bool signed_load = hw1 & 0x0100;
    bool load = hw1 & 0x0010;
    unsigned rt = hw2 >> 12;
    uint32_t addr;

    if (size_log2 == 3 || (signed_load && (!load || size_log2 == 2)))
        return false;
    if (!load && (hw1 & 0xF) == REG_PC)
        return false;
    /* byte and halfword loads to PC are PLD, PLI and memory hints */
    if (load && rt == REG_PC && size_log2 < 2)
        return false;
    if (!single_address(hw1, hw2, v, &addr))
        return false;
    return mem_access(a, load ? ACCESS_LOAD : ACCESS_STORE, addr, 1u << size_log2);
}

static bool decode32(uint16_t hw1, uint16_t hw2, const RegView *v, MemAccess *a)
{
    if ((hw1 & 0xFE40) == 0xE800)
        return decode32_multiple(hw1, hw2, v, a);
    if ((hw1 & 0xFE40) == 0xE840)
        return decode32_dual_exclusive(hw1, hw2, v, a);
    if ((hw1 & 0xFE00) == 0xF800)
        return decode32_single(hw1, hw2, v, a);
    return false;
}

/* ---- the search ---------------------------------------------------- */

static bool access_matches(const MemAccess *a, uint32_t fault_addr, unsigned size, bool is_write)
{
    AccessKind want = is_write ? ACCESS_STORE : ACCESS_LOAD;
    uint32_t into = fault_addr - a->addr; /* wraps like the bus does */
    if (a->kind != want && a->kind != ACCESS_EITHER)
        return false;
    return into < a->len && a->len - into >= (size > 0 ? size : 1);
}

bool fault_pc_find(FaultPcReadHalf read, void *opaque, uint32_t block_start,
                   uint32_t block_size, const uint32_t regs[15], uint32_t fault_addr,
                   unsigned access_size, bool is_write, uint32_t *insn_pc, unsigned *insn_len)
{
    bool found = false;
    uint32_t off = 0;
    while (block_size - off >= 2) {
        RegView v = { regs, block_start + off };
        uint16_t hw1, hw2 = 0;
        if (!read(opaque, v.pc, &hw1))
            break;
        unsigned len = thumb_insn_length(hw1);
        if (block_size - off < len || (len == 4 && !read(opaque, v.pc + 2, &hw2)))
            break;
        MemAccess a;
        bool is_mem = len == 2 ? decode16(hw1, &v, &a) : decode32(hw1, hw2, &v, &a);
        if (is_mem && access_matches(&a, fault_addr, access_size, is_write)) {
            *insn_pc = v.pc; /* keep looking: the last match wins */
            *insn_len = len;
            found = true;
        }
        off += len;
    }
    return found;
}
