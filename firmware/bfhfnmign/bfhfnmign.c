/* CCR.BFHFNMIGN (B3.2.8): with the bit set, a precise data bus fault
 * while the execution priority is negative (FAULTMASK set, or in the
 * HardFault or NMI handler) is ignored: the load completes with an
 * UNKNOWN value and the program goes on (how firmware probes for
 * memory). At priority 0 or above the same load still faults.
 * QEMU 7.2 does not implement the bit and locks up ("can't escalate"), so
 * expected.txt follows the architecture, not QEMU. */
#include "armv7m.h"
#include "check.h"
#include "console.h"

#define UNMAPPED 0x60000000u
#define CCR_BFHFNMIGN (1u << 8)

static volatile int hardfaults;
static volatile uint32_t probe_in_handler, handler_cfsr;

/* Loads from addr into a register preset to 0x1234 and returns it:
 * unchanged when the load was ignored */
__attribute__((naked, noinline)) static uint32_t probe(uint32_t addr __attribute__((unused)))
{
    __asm__ volatile("mov r1, r0\n\t"
                     "movw r0, #0x1234\n\t"
                     "ldr r0, [r1]\n\t"
                     "bx lr");
}

__attribute__((used)) void hardfault_c(ExcFrame *f)
{
    hardfaults++;
    uint32_t cfsr = SCB->CFSR;
    SCB->CFSR = cfsr;
    SCB->HFSR = SCB->HFSR;
    if (cfsr & SCB_CFSR_UNDEFINSTR) {
        /* probing from inside HardFault (priority -1) */
        probe_in_handler = probe(UNMAPPED);
        handler_cfsr = SCB->CFSR;
    }
    frame_skip_instruction(f);
}
HANDLER_WITH_FRAME(HardFault_Handler, hardfault_c)

int main(void)
{
    SCB->CCR |= CCR_BFHFNMIGN;

    con_puts("1. FAULTMASK set: the probe is ignored\n");
    __disable_fault_irq();
    uint32_t v = probe(UNMAPPED);
    __enable_fault_irq();
    con_printf("  register %s, CFSR=%x, HardFaults %d\n", v == 0x1234 ? "unchanged" : "changed",
               SCB->CFSR, hardfaults);
    CHECK(v == 0x1234 && SCB->CFSR == 0 && hardfaults == 0);

    con_puts("2. in the HardFault handler: ignored too\n");
    __asm__ volatile("udf #0" ::: "memory"); /* UsageFault disabled: HardFault */
    con_printf("  register %s, CFSR in the handler=%x, HardFaults %d\n",
               probe_in_handler == 0x1234 ? "unchanged" : "changed", handler_cfsr, hardfaults);
    CHECK(probe_in_handler == 0x1234 && handler_cfsr == 0 && hardfaults == 1);

    con_puts("3. at priority 0 and above the load still faults\n");
    probe(UNMAPPED);
    con_printf("  HardFaults %d\n", hardfaults);
    CHECK(hardfaults == 2);

    return check_finish("bfhfnmign");
}
