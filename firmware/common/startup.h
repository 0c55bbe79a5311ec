/* Names of the exception handlers in the vector table (startup.c). Each is
 * weak: a program overrides one by defining a function of the same name. */
#ifndef FW_STARTUP_H
#define FW_STARTUP_H

#include <stdint.h>

/* Vector table size: 16 system entries + 64 external interrupts (the
 * lm3s6965evb's NVIC has 64 lines, the mps2-an385's 32). */
#define VECTOR_COUNT (16 + 64)

typedef void (*Vector)(void);
extern const Vector vector_table[VECTOR_COUNT];

void Reset_Handler(void);
void NMI_Handler(void);
void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void SVC_Handler(void);
void DebugMon_Handler(void);
void PendSV_Handler(void);
void SysTick_Handler(void);
void Default_Handler(void);

/* IRQ_HANDLER(TIMER0_IRQn) { ... } defines IRQ8_Handler, the handler of
 * external interrupt 8, with the board's IRQ number macros expanded. */
#define IRQ_HANDLER(n) IRQ_HANDLER_(n)
#define IRQ_HANDLER_(n) void IRQ##n##_Handler(void)

/* Exit status of a program that takes an exception it has no handler for. */
#define EXIT_UNHANDLED_EXCEPTION 99

#endif
