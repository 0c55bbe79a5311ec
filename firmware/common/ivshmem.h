/* The ivshmem-flat device (DESIGN.md section 5): four 32-bit registers
 * and a shared memory window; its interrupt pulses once per doorbell (or
 * once for several that arrive close together). Addresses and NVIC line:
 * the board header (IVSHMEM_REGS_BASE, IVSHMEM_SHM_BASE, IVSHMEM_IRQn),
 * which must be included before IVSHMEM is used. */
#ifndef FW_IVSHMEM_H
#define FW_IVSHMEM_H

#include <stdint.h>

typedef struct {
    volatile uint32_t INTRMASK;   /* reads 0, writes ignored */
    volatile uint32_t INTRSTATUS; /* reads 0, writes ignored */
    volatile uint32_t IVPOSITION; /* own peer id */
    volatile uint32_t DOORBELL;   /* write-only: peer << 16 | vector */
} IVSHMEM_TypeDef;

#define IVSHMEM ((IVSHMEM_TypeDef *)IVSHMEM_REGS_BASE)

#define IVSHMEM_DOORBELL(peer, vector) ((uint32_t)(peer) << 16 | (vector))

/* Test pattern words for shared-memory checks: Marsaglia's xorshift32
 * ("Xorshift RNGs", 2003; shifts 13, 17, 5). The host side of the tests
 * (tests/ivshmem/) computes the same words from the same seed. A seed of 0,
 * the generator's fixed point, is taken as 1. */
static inline uint32_t ivshmem_pattern_next(uint32_t *state)
{
    uint32_t x = *state != 0 ? *state : 1;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

#endif
