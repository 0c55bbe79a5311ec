/* AIRCR.SYSRESETREQ (B3.2.6): a system reset reloads the image and
 * restarts from the vector table with the core and the NVIC/SCB in their
 * reset state, even when requested from a handler running on PSP. RAM the
 * image does not load keeps its contents across the reset (neither QEMU nor
 * minivm clears it), so a boot record there counts the boots: the first
 * boot sets up state that a reset must undo and requests the reset from an
 * SVC handler; the second checks that state and exits. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

/* In SSRAM2/3, far from .data, .bss and the stack: not in the image */
typedef struct {
    uint32_t magic;
    uint32_t boots;
} BootRecord;
#define BOOT_RECORD ((volatile BootRecord *)0x20200000u)
#define BOOT_MAGIC 0xB007C0DEu

#define IRQ_TEST 24
#define SHCSR_SVCALLACT (1u << 7)

static uint32_t vectors_in_ram[VECTOR_COUNT] __attribute__((aligned(512)));
static uint64_t psp_stack[128];

void SVC_Handler(void)
{
    con_printf("  in SVC (IPSR %u, CONTROL %u): SYSRESETREQ\n", __get_IPSR(), __get_CONTROL());
    SCB->AIRCR = SCB_AIRCR_VECTKEY | (SCB->AIRCR & (7u << 8)) | SCB_AIRCR_SYSRESETREQ;
    __DSB();
    for (;;)
        ;
}

static void first_boot(void)
{
    con_puts("  changing VTOR, PRIGROUP, priorities, enables, SysTick, CCR, masks; IRQ pending\n");
    for (int i = 0; i < VECTOR_COUNT; i++)
        vectors_in_ram[i] = (uint32_t)vector_table[i];
    SCB->VTOR = (uint32_t)vectors_in_ram;
    SCB->AIRCR = SCB_AIRCR_VECTKEY | (3u << 8);
    NVIC_SetPriority(IRQ_TEST, 5);
    NVIC_SetPriority(SVCall_IRQn, 1);
    NVIC_EnableIRQ(IRQ_TEST);
    SCB->SHCSR |= SCB_SHCSR_USGFAULTENA | SCB_SHCSR_BUSFAULTENA;
    SCB->CCR |= SCB_CCR_DIV_0_TRP;
    SysTick->LOAD = 0xFFFFFF;
    SysTick->CTRL = SysTick_CTRL_ENABLE | SysTick_CTRL_CLKSOURCE;
    __set_BASEPRI(BASEPRI_FOR(4));
    NVIC_SetPendingIRQ(IRQ_TEST);
    __set_PSP((uint32_t)&psp_stack[128]);
    __set_CONTROL(CONTROL_SPSEL);
    __asm__ volatile("svc #0" ::: "memory");
    con_puts("FAIL: no reset\n");
}

static void second_boot(void)
{
    uint32_t pend = NVIC->ISPR[0], en = NVIC->ISER[0], act = NVIC->IABR[0];
    con_printf("  VTOR=%x PRIGROUP=%u CCR=%x SHCSR=%x ICSR=%x\n", SCB->VTOR,
               (SCB->AIRCR >> 8) & 7, SCB->CCR, SCB->SHCSR, SCB->ICSR);
    con_printf("  ISER=%x ISPR=%x IABR=%x IPR=%x SHPR2=%x SysTick CTRL=%x\n", en, pend, act,
               NVIC->IP[IRQ_TEST], SCB->SHP[7], SysTick->CTRL);
    con_printf("  CONTROL=%u PRIMASK=%u BASEPRI=%x IPSR=%u\n", __get_CONTROL(), __get_PRIMASK(),
               __get_BASEPRI(), __get_IPSR());
    CHECK(SCB->VTOR == 0 && ((SCB->AIRCR >> 8) & 7) == 0 && SCB->SHCSR == 0);
    CHECK(SCB->CCR == SCB_CCR_STKALIGN && (SCB->ICSR & ~0x800u) == 0);
    CHECK(en == 0 && pend == 0 && act == 0 && NVIC->IP[IRQ_TEST] == 0 && SysTick->CTRL == 0);
    CHECK(__get_CONTROL() == 0 && __get_BASEPRI() == 0 && __get_IPSR() == 0);
}

int main(void)
{
    if (BOOT_RECORD->magic != BOOT_MAGIC) {
        BOOT_RECORD->magic = BOOT_MAGIC;
        BOOT_RECORD->boots = 0;
    }
    uint32_t boot = ++BOOT_RECORD->boots;
    con_printf("boot %u\n", boot);
    if (boot == 1) {
        first_boot();
        return 1;
    }
    second_boot();
    BOOT_RECORD->magic = 0;
    return check_finish("sysreset");
}
