/* The ivshmem-flat device (DESIGN.md section 5): four 32-bit registers
 * and a shared memory window; its interrupt pulses once per doorbell (or
 * once for several that arrive close together). Addresses and NVIC line:
 * the board header (IVSHMEM_REGS_BASE, IVSHMEM_SHM_BASE, IVSHMEM_IRQn). */
#ifndef FW_IVSHMEM_H
#define FW_IVSHMEM_H

#include <stdint.h>

typedef struct {
    volatile uint32_t INTRMASK;   /* reads 0, writes ignored */
    volatile uint32_t INTRSTATUS; /* reads 0, writes ignored */
    volatile uint32_t IVPOSITION; /* own peer id */
    volatile uint32_t DOORBELL;   /* write-only: peer << 16 | vector */
} IVSHMEM_TypeDef;

#define IVSHMEM_DOORBELL(peer, vector) ((uint32_t)(peer) << 16 | (vector))

#endif
