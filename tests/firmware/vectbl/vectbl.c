/* A vector that cannot be read (B1.5.6, B3.2.16 HFSR.VECTTBL): the vector
 * table is moved to the end of a 1 KiB RAM after which nothing is mapped
 * (tests/firmware/vectbl.board), so entries 0..31 are readable and IRQ 24's
 * (entry 40) is not. Pending IRQ 24 takes a HardFault with HFSR.VECTTBL
 * instead, on the same frame (stacked PC: the instruction after the
 * pending store), and IRQ 24 stays pending: once the handler moves VTOR
 * back, it runs as the HardFault returns. */
#include "armv7m.h"
#include "check.h"
#include "console.h"
#include "startup.h"

#define TABLE_ADDR 0x21000380u /* 32 entries up to the end at 0x21000400 */
#define IRQ_TEST 24
#define HFSR_VECTTBL (1u << 1)

static volatile uint32_t hfsr, faults, irq_pending_in_fault;
static volatile int irq_runs;

__attribute__((used)) void hardfault_c(ExcFrame *f)
{
    (void)f;
    faults++;
    hfsr = SCB->HFSR;
    SCB->HFSR = hfsr;
    irq_pending_in_fault = NVIC_GetPendingIRQ(IRQ_TEST);
    SCB->VTOR = 0; /* the boot table: IRQ 24 can now be taken */
}
HANDLER_WITH_FRAME(HardFault_Handler, hardfault_c)

void IRQ24_Handler(void) { irq_runs++; }

int main(void)
{
    uint32_t *table = (uint32_t *)TABLE_ADDR;
    for (unsigned i = 0; i < 32; i++)
        table[i] = (uint32_t)vector_table[i];
    NVIC_EnableIRQ(IRQ_TEST);
    SCB->VTOR = TABLE_ADDR;
    __DSB();
    __ISB();
    NVIC_SetPendingIRQ(IRQ_TEST);
    __DSB();
    __ISB();
    con_printf("HardFaults %u, HFSR %x, IRQ pending in it %u, IRQ runs %d, VTOR %x\n",
               (unsigned)faults, (unsigned)hfsr, (unsigned)irq_pending_in_fault, irq_runs,
               (unsigned)SCB->VTOR);
    CHECK(faults == 1 && hfsr == HFSR_VECTTBL && irq_pending_in_fault && irq_runs == 1);
    return check_finish("vectbl");
}
