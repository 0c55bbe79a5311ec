/* Cortex-M3 start-up: the vector table, Reset_Handler (copy .data, zero
 * .bss, board console, main, semihosting exit with main's value) and the
 * weak default handlers. */
#include "startup.h"

#include "armv7m.h"
#include "board.h"
#include "console.h"
#include "semihost.h"

int main(void);

/* Linker script symbols (common/sections.ld) */
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_top[];

void Reset_Handler(void)
{
    for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;)
        *dst++ = *src++;
    for (uint32_t *dst = __bss_start; dst < __bss_end;)
        *dst++ = 0;
    board_init();
    sh_exit(main());
}

/* An exception nobody handles is a bug in the program: say which one and
 * stop the run with a status the tests recognise. */
void Default_Handler(void)
{
    con_printf("\n*** unhandled exception %u ***\n", (unsigned)(__get_IPSR() & 0x1FF));
    sh_exit(EXIT_UNHANDLED_EXCEPTION);
}

#define WEAK_DEFAULT __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_DEFAULT;
void HardFault_Handler(void) WEAK_DEFAULT;
void MemManage_Handler(void) WEAK_DEFAULT;
void BusFault_Handler(void) WEAK_DEFAULT;
void UsageFault_Handler(void) WEAK_DEFAULT;
void SVC_Handler(void) WEAK_DEFAULT;
void DebugMon_Handler(void) WEAK_DEFAULT;
void PendSV_Handler(void) WEAK_DEFAULT;
void SysTick_Handler(void) WEAK_DEFAULT;

#define IRQS_TENS(f, t)                                                             \
    f(t##0) f(t##1) f(t##2) f(t##3) f(t##4) f(t##5) f(t##6) f(t##7) f(t##8) f(t##9)
#define IRQS_64(f)                                                                  \
    f(0) f(1) f(2) f(3) f(4) f(5) f(6) f(7) f(8) f(9) IRQS_TENS(f, 1)               \
    IRQS_TENS(f, 2) IRQS_TENS(f, 3) IRQS_TENS(f, 4) IRQS_TENS(f, 5)                 \
    f(60) f(61) f(62) f(63)
#define DECLARE_IRQ(n) void IRQ##n##_Handler(void) WEAK_DEFAULT;
#define IRQ_ENTRY(n) IRQ##n##_Handler,
IRQS_64(DECLARE_IRQ)

__attribute__((section(".vectors"), used)) const Vector vector_table[VECTOR_COUNT] = {
    (Vector)__stack_top,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0,
    0,
    0,
    0,
    SVC_Handler,
    DebugMon_Handler,
    0,
    PendSV_Handler,
    SysTick_Handler,
    IRQS_64(IRQ_ENTRY)
};
