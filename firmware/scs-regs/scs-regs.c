/* The System Control Space as firmware first sees it: the reset value of
 * every register a Cortex-M3 has there (B3.2 SCB, B3.3 SysTick, B3.4
 * NVIC, B3.5 MPU, C1.6 CoreDebug, C1.8 DWT control), the ID registers,
 * and which bits of the read/write ones hold a written value (all ones
 * written, then read back, then the reset value restored). Output only:
 * it must match what QEMU 7.2's mps2-an385 prints, register by register,
 * except the DWT (QEMU has none: its window reads as zero). */
#include "armv7m.h"
#include "console.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

typedef struct {
    const char *name;
    uint32_t addr;
} Reg;

/* Read-only or read-as-found registers: their reset value */
static const Reg reset_values[] = {
    { "ICTR", 0xE000E004 },     { "ACTLR", 0xE000E008 },    { "SYST_CSR", 0xE000E010 },
    { "SYST_RVR", 0xE000E018 }, { "SYST_CVR", 0xE000E018 }, { "SYST_CALIB", 0xE000E01C },
    { "ISER0", 0xE000E100 },    { "ISPR0", 0xE000E200 },    { "IABR0", 0xE000E300 },
    { "IPR0", 0xE000E400 },     { "CPUID", 0xE000ED00 },    { "ICSR", 0xE000ED04 },
    { "VTOR", 0xE000ED08 },     { "AIRCR", 0xE000ED0C },    { "SCR", 0xE000ED10 },
    { "CCR", 0xE000ED14 },      { "SHPR1", 0xE000ED18 },    { "SHPR2", 0xE000ED1C },
    { "SHPR3", 0xE000ED20 },    { "SHCSR", 0xE000ED24 },    { "CFSR", 0xE000ED28 },
    { "HFSR", 0xE000ED2C },     { "DFSR", 0xE000ED30 },     { "MMFAR", 0xE000ED34 },
    { "BFAR", 0xE000ED38 },     { "AFSR", 0xE000ED3C },     { "ID_PFR0", 0xE000ED40 },
    { "ID_PFR1", 0xE000ED44 },  { "ID_DFR0", 0xE000ED48 },  { "ID_AFR0", 0xE000ED4C },
    { "ID_MMFR0", 0xE000ED50 }, { "ID_MMFR1", 0xE000ED54 }, { "ID_MMFR2", 0xE000ED58 },
    { "ID_MMFR3", 0xE000ED5C }, { "ID_ISAR0", 0xE000ED60 }, { "ID_ISAR1", 0xE000ED64 },
    { "ID_ISAR2", 0xE000ED68 }, { "ID_ISAR3", 0xE000ED6C }, { "ID_ISAR4", 0xE000ED70 },
    { "CPACR", 0xE000ED88 },    { "MPU_TYPE", 0xE000ED90 }, { "MPU_CTRL", 0xE000ED94 },
    { "MPU_RNR", 0xE000ED98 },  { "MPU_RBAR", 0xE000ED9C }, { "MPU_RASR", 0xE000EDA0 },
    { "DHCSR", 0xE000EDF0 },    { "DEMCR", 0xE000EDFC },    { "PID4", 0xE000EFD0 },
    { "PID0", 0xE000EFE0 },     { "PID1", 0xE000EFE4 },     { "PID2", 0xE000EFE8 },
    { "PID3", 0xE000EFEC },     { "CID0", 0xE000EFF0 },     { "CID1", 0xE000EFF4 },
    { "CID2", 0xE000EFF8 },     { "CID3", 0xE000EFFC },
};

/* Read/write registers: which bits hold a written one */
static const Reg writable[] = {
    { "SYST_RVR", 0xE000E014 }, { "IPR0", 0xE000E400 },     { "IPR7", 0xE000E41C },
    { "VTOR", 0xE000ED08 },     { "SHPR1", 0xE000ED18 },    { "SHPR2", 0xE000ED1C },
    { "SHPR3", 0xE000ED20 },    { "MPU_RNR", 0xE000ED98 },  { "MPU_RASR", 0xE000EDA0 },
    { "MPU_RBAR", 0xE000ED9C },
};

int main(void)
{
    con_printf("reset values:\n");
    for (unsigned i = 0; i < sizeof(reset_values) / sizeof(reset_values[0]); i++)
        con_printf("  %s %08x\n", reset_values[i].name, REG(reset_values[i].addr));

    con_printf("writable bits:\n");
    for (unsigned i = 0; i < sizeof(writable) / sizeof(writable[0]); i++) {
        volatile uint32_t *r = &REG(writable[i].addr);
        uint32_t saved = *r;
        *r = 0xFFFFFFFFu;
        uint32_t ones = *r;
        *r = saved;
        con_printf("  %s %08x (restored %08x)\n", writable[i].name, ones, *r);
    }
    /* BASEPRI keeps as many bits as the priority fields */
    __asm__ volatile("msr basepri, %0" : : "r"(0xFFu));
    uint32_t basepri;
    __asm__ volatile("mrs %0, basepri" : "=r"(basepri));
    __asm__ volatile("msr basepri, %0" : : "r"(0u));
    con_printf("  %s %08x\n", "BASEPRI", basepri);
    return 0;
}
