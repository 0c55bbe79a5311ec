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
