/* ARM PrimeCell UART (PL011), as in the Stellaris LM3S parts.
 * Register map: PrimeCell UART (PL011) Technical Reference Manual, 3.2. */
#ifndef FW_PL011_H
#define FW_PL011_H

#include <stdint.h>

typedef struct {
    volatile uint32_t DR;     /* 0x000 */
    volatile uint32_t RSR;    /* 0x004 receive status / error clear */
    uint32_t RESERVED0[4];
    volatile uint32_t FR;     /* 0x018 */
    uint32_t RESERVED1;
    volatile uint32_t ILPR;   /* 0x020 */
    volatile uint32_t IBRD;   /* 0x024 */
    volatile uint32_t FBRD;   /* 0x028 */
    volatile uint32_t LCRH;   /* 0x02C */
    volatile uint32_t CR;     /* 0x030 */
    volatile uint32_t IFLS;   /* 0x034 */
    volatile uint32_t IMSC;   /* 0x038 */
    volatile uint32_t RIS;    /* 0x03C */
    volatile uint32_t MIS;    /* 0x040 */
    volatile uint32_t ICR;    /* 0x044 */
} PL011_TypeDef;

#define PL011_FR_RXFE (1u << 4)
#define PL011_FR_TXFF (1u << 5)
#define PL011_CR_UARTEN (1u << 0)
#define PL011_CR_TXE (1u << 8)
#define PL011_CR_RXE (1u << 9)
#define PL011_INT_RX (1u << 4)
#define PL011_INT_RT (1u << 6)

#endif
