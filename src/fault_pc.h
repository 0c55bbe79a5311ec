/* The precise faulting instruction of a data abort (UNICORN.md, "Precise
 * fault PC", option 1). When a guest load or store faults, Unicorn
 * reports the start of the translated block as PC, but the register file
 * is exact just before the faulting instruction and the fault address is
 * known: decoding the block's Thumb instructions from the start and
 * computing each load/store's address range from the current registers
 * finds the instruction that made the access.
 *
 * No Unicorn here: code is read through a callback, so the decoder is
 * tested on hand-assembled halfwords. */
#ifndef MINIVM_FAULT_PC_H
#define MINIVM_FAULT_PC_H

#include <stdbool.h>
#include <stdint.h>

/* Reads the little-endian halfword of guest code at addr; false if it
 * cannot (the search then stops there). */
typedef bool (*FaultPcReadHalf)(void *opaque, uint32_t addr, uint16_t *out);

/* Length in bytes (2 or 4) of the Thumb instruction whose first halfword
 * is hw (ARMv7-M ARM A5.1: 0b11101, 0b11110, 0b11111 start 32-bit ones). */
unsigned thumb_insn_length(uint16_t hw);

/* Searches the block [block_start, block_start + block_size) for the
 * load/store that made the faulting access of access_size bytes at
 * fault_addr (a load, or a store when is_write). regs are r0-r12, sp and
 * lr at the fault; PC-relative addresses are computed per instruction.
 *
 * Every ARMv7-M load/store is decoded: 16-bit LDR/STR{,B,H}, LDRS{B,H},
 * SP-relative, literal, PUSH/POP, LDM/STM; 32-bit LDR/STR{,B,H,SB,SH}
 * (imm12, imm8 with P/U/W, register, literal, unprivileged T forms),
 * LDRD/STRD, LDM/STM IA/DB (PUSH.W/POP.W), LDREX/STREX{,B,H}, TBB/TBH.
 * A multi-word access (LDM/STM, PUSH/POP, LDRD/STRD) matches anywhere in
 * the words it transfers. PLD/PLI and other memory hints never fault and
 * never match. A store-exclusive matches loads and stores alike (the
 * emulator may probe its address either way).
 *
 * Several instructions can match, because addresses are computed with the
 * registers as they are now: an earlier instruction that has run since
 * its base register changed (typically its own writeback, as in
 * `ldr r1, [r0], #4; ldr r2, [r0]`) can compute the fault address
 * without having accessed it. An earlier instruction that really accessed
 * the address would have faulted itself, so the LAST match in the block
 * is chosen. It is wrong only when the block accesses the same address
 * again after the faulting instruction, or in a run of post-indexed
 * accesses where every instruction computes the same address (then the
 * registers alone cannot tell, and the last is as good a guess as any).
 *
 * Returns true with the instruction's address and length; false when no
 * instruction matches (the caller then reports the block start). */
bool fault_pc_find(FaultPcReadHalf read, void *opaque, uint32_t block_start,
                   uint32_t block_size, const uint32_t regs[15], uint32_t fault_addr,
                   unsigned access_size, bool is_write, uint32_t *insn_pc, unsigned *insn_len);

#endif
