/* ARM CMSDK APB peripherals used on MPS2 boards: UART, timer, dual timer,
 * watchdog. Register maps: ARM Cortex-M System Design Kit Technical
 * Reference Manual (DDI 0479), chapters 4.2 (timer), 4.3 (UART), 4.4 (dual
 * timer), 4.5 (watchdog). */
#ifndef FW_CMSDK_H
#define FW_CMSDK_H

#include <stdint.h>

typedef struct {
    volatile uint32_t DATA;
    volatile uint32_t STATE;
    volatile uint32_t CTRL;
    volatile uint32_t INTSTATUS; /* read: INTSTATUS, write 1s: INTCLEAR */
    volatile uint32_t BAUDDIV;
} CMSDK_UART_TypeDef;

#define CMSDK_UART_STATE_TXFULL (1u << 0)
#define CMSDK_UART_STATE_RXFULL (1u << 1)
#define CMSDK_UART_STATE_TXOVR (1u << 2)
#define CMSDK_UART_STATE_RXOVR (1u << 3)
#define CMSDK_UART_CTRL_TXEN (1u << 0)
#define CMSDK_UART_CTRL_RXEN (1u << 1)
#define CMSDK_UART_CTRL_TXIRQEN (1u << 2)
#define CMSDK_UART_CTRL_RXIRQEN (1u << 3)
#define CMSDK_UART_INT_TX (1u << 0)
#define CMSDK_UART_INT_RX (1u << 1)

typedef struct {
    volatile uint32_t CTRL;
    volatile uint32_t VALUE;
    volatile uint32_t RELOAD;
    volatile uint32_t INTSTATUS; /* read: INTSTATUS, write 1: INTCLEAR */
} CMSDK_TIMER_TypeDef;

#define CMSDK_TIMER_CTRL_EN (1u << 0)
#define CMSDK_TIMER_CTRL_SELEXTEN (1u << 1)
#define CMSDK_TIMER_CTRL_SELEXTCLK (1u << 2)
#define CMSDK_TIMER_CTRL_IRQEN (1u << 3)
#define CMSDK_TIMER_INT (1u << 0)

/* One of the two SP804-like counters of the dual timer (+0x00, +0x20). */
typedef struct {
    volatile uint32_t LOAD;
    volatile uint32_t VALUE;
    volatile uint32_t CTRL;
    volatile uint32_t INTCLR;
    volatile uint32_t RIS;
    volatile uint32_t MIS;
    volatile uint32_t BGLOAD;
    uint32_t RESERVED;
} CMSDK_DUALTIMER_Counter;

typedef struct {
    CMSDK_DUALTIMER_Counter T[2];
} CMSDK_DUALTIMER_TypeDef;

#define DUALTIMER_CTRL_ONESHOT (1u << 0)
#define DUALTIMER_CTRL_SIZE32 (1u << 1)
#define DUALTIMER_CTRL_PRESCALE_1 (0u << 2)
#define DUALTIMER_CTRL_PRESCALE_16 (1u << 2)
#define DUALTIMER_CTRL_PRESCALE_256 (2u << 2)
#define DUALTIMER_CTRL_INTEN (1u << 5)
#define DUALTIMER_CTRL_PERIODIC (1u << 6)
#define DUALTIMER_CTRL_EN (1u << 7)
#define DUALTIMER_INT (1u << 0)

typedef struct {
    volatile uint32_t LOAD;    /* 0x000 */
    volatile uint32_t VALUE;   /* 0x004 */
    volatile uint32_t CONTROL; /* 0x008 */
    volatile uint32_t INTCLR;  /* 0x00C, write-only */
    volatile uint32_t RIS;     /* 0x010 */
    volatile uint32_t MIS;     /* 0x014 */
    uint32_t RESERVED0[762];
    volatile uint32_t LOCK;    /* 0xC00 */
    uint32_t RESERVED1[191];
    volatile uint32_t ITCR;    /* 0xF00 */
    volatile uint32_t ITOP;    /* 0xF04, write-only */
} CMSDK_WATCHDOG_TypeDef;

#define WATCHDOG_CONTROL_INTEN (1u << 0)
#define WATCHDOG_CONTROL_RESEN (1u << 1)
#define WATCHDOG_INT (1u << 0)
#define WATCHDOG_UNLOCK_KEY 0x1ACCE551u
#define WATCHDOG_ITOP_WDOGRES (1u << 0)
#define WATCHDOG_ITOP_WDOGINT (1u << 1)

#endif
