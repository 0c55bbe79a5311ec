/* ARM MPS2 with AN385 (Cortex-M3, 25 MHz): peripheral addresses and NVIC
 * lines (AN385 application note, DESIGN.md section 6). */
#ifndef FW_MPS2_AN385_H
#define FW_MPS2_AN385_H

#include "cmsdk.h"

#define SYSTEM_CORE_CLOCK 25000000u
#define SYSTICK_REF_CLOCK 1000000u

#define CMSDK_TIMER0 ((CMSDK_TIMER_TypeDef *)0x40000000u)
#define CMSDK_TIMER1 ((CMSDK_TIMER_TypeDef *)0x40001000u)
#define CMSDK_DUALTIMER ((CMSDK_DUALTIMER_TypeDef *)0x40002000u)
#define CMSDK_UART0 ((CMSDK_UART_TypeDef *)0x40004000u)
#define CMSDK_UART1 ((CMSDK_UART_TypeDef *)0x40005000u)
#define CMSDK_WATCHDOG ((CMSDK_WATCHDOG_TypeDef *)0x40008000u)

/* FPGA system control and I/O (AN385 section 3.8.3; QEMU's mps2-fpgaio) */
typedef struct {
    volatile uint32_t LED0;     /* 0x00: user LEDs, bits 1:0 */
    uint32_t RESERVED0;         /* 0x04 */
    volatile uint32_t BUTTON;   /* 0x08: user buttons, bits 1:0 */
    uint32_t RESERVED1;         /* 0x0C */
    volatile uint32_t CLK1HZ;   /* 0x10: counts at 1 Hz */
    volatile uint32_t CLK100HZ; /* 0x14: counts at 100 Hz */
    volatile uint32_t COUNTER;  /* 0x18: +1 each time PSCNTR wraps */
    volatile uint32_t PRESCALE; /* 0x1C: PSCNTR's reload value */
    volatile uint32_t PSCNTR;   /* 0x20: counts down at 25 MHz */
    uint32_t RESERVED2[10];     /* 0x24..0x48 */
    volatile uint32_t MISC;     /* 0x4C: SPI, CLCD and shield controls */
} MPS2_FPGAIO_TypeDef;

/* Serial communication controller (AN385 section 3.8.4; QEMU's mps2-scc) */
typedef struct {
    volatile uint32_t CFG[8];      /* 0x000..0x01C */
    uint32_t RESERVED0[32];        /* 0x020..0x09C */
    volatile uint32_t CFGDATA_RTN; /* 0x0A0 */
    volatile uint32_t CFGDATA_OUT; /* 0x0A4 */
    volatile uint32_t CFGCTRL;     /* 0x0A8 */
    volatile uint32_t CFGSTAT;     /* 0x0AC */
    uint32_t RESERVED1[20];        /* 0x0B0..0x0FC */
    volatile uint32_t DLL;         /* 0x100 */
    uint32_t RESERVED2[957];       /* 0x104..0xFF4 */
    volatile uint32_t AID;         /* 0xFF8 */
    volatile uint32_t ID;          /* 0xFFC */
} MPS2_SCC_TypeDef;

#define MPS2_FPGAIO ((MPS2_FPGAIO_TypeDef *)0x40028000u)
#define MPS2_SCC ((MPS2_SCC_TypeDef *)0x4002F000u)

#define UART0RX_IRQn 0
#define UART0TX_IRQn 1
#define UART1RX_IRQn 2
#define UART1TX_IRQn 3
#define TIMER0_IRQn 8
#define TIMER1_IRQn 9
#define DUALTIMER_IRQn 10
#define UARTOVF_IRQn 12

/* ivshmem-flat device as QEMU's documented command line places it
 * (DESIGN.md section 5); its interrupt shares line 0 with UART0 RX. */
#define IVSHMEM_REGS_BASE 0x400FF000u
#define IVSHMEM_SHM_BASE 0x40100000u
#define IVSHMEM_IRQn 0

#endif
