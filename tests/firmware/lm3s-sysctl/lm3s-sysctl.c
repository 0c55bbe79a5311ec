/* What Stellaris driverlib start-up code does with the System Control
 * block: read the part's identification, switch the clock to the PLL and
 * poll for the PLL lock (SysCtlClockSet), gate peripheral clocks. Output
 * recorded from qemu-system-arm -M lm3s6965evb. */
#include <stdint.h>

#include "console.h"

#define SYSCTL(off) (*(volatile uint32_t *)(0x400FE000u + (off)))
#define DID0 SYSCTL(0x000)
#define DID1 SYSCTL(0x004)
#define DC0 SYSCTL(0x008)
#define DC2 SYSCTL(0x014)
#define RIS SYSCTL(0x050)
#define MISC SYSCTL(0x058)
#define RCC SYSCTL(0x060)
#define PLLCFG SYSCTL(0x064)
#define RCGC1 SYSCTL(0x104)
#define RCC_PWRDN (1u << 13)
#define RCC_BYPASS (1u << 11)
#define RIS_PLLLRIS (1u << 6)

int main(void)
{
    con_printf("DID0 0x%x DID1 0x%x DC0 0x%x DC2 0x%x\n", (unsigned)DID0, (unsigned)DID1,
               (unsigned)DC0, (unsigned)DC2);
    con_printf("RCC 0x%x PLLCFG 0x%x RIS 0x%x\n", (unsigned)RCC, (unsigned)PLLCFG, (unsigned)RIS);
    /* 8 MHz crystal (XTAL 0xE), PLL on, SYSDIV 4 */
    RCC = (RCC & ~(0xFu << 6) & ~(0xFu << 23) & ~RCC_PWRDN) | (0xEu << 6) | (3u << 23) |
          RCC_BYPASS;
    unsigned polls = 0;
    while (!(RIS & RIS_PLLLRIS) && polls < 1000000)
        polls++;
    con_printf("PLL locked: %s, PLLCFG 0x%x\n", (RIS & RIS_PLLLRIS) ? "yes" : "no",
               (unsigned)PLLCFG);
    RCC &= ~RCC_BYPASS;
    MISC = RIS_PLLLRIS;
    con_printf("RIS after clearing 0x%x, RCC 0x%x\n", (unsigned)RIS, (unsigned)RCC);
    RCGC1 = 0x3;
    con_printf("RCGC1 0x%x\n", (unsigned)RCGC1);
    return 0;
}
