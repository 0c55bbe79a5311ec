/* Stellaris LM3S6965 System Control (LM3S6965 datasheet ch. 6), with the
 * identification values and reset state of QEMU's lm3s6965evb. */
#include "stellaris_sysctl.h"

#include <glib.h>
#include <inttypes.h>

#define TYPE_NAME "stellaris-sysctl"

#define R_DID0 0x000
#define R_DID1 0x004
#define R_DC0 0x008
#define R_DC1 0x010
#define R_DC2 0x014
#define R_DC3 0x018
#define R_DC4 0x01C
#define R_PBORCTL 0x030
#define R_LDOPCTL 0x034
#define R_SRCR0 0x040
#define R_SRCR2 0x048
#define R_RIS 0x050
#define R_IMC 0x054
#define R_MISC 0x058
#define R_RESC 0x05C
#define R_RCC 0x060
#define R_PLLCFG 0x064
#define R_RCC2 0x070
#define R_RCGC0 0x100
#define R_SCGC0 0x110
#define R_DCGC0 0x120
#define R_CLKVCLR 0x150
#define R_LDOARST 0x160
#define R_USER0 0x1E0
#define R_USER1 0x1E4

/* LM3S6965: Fury class (DID0 version 1, class 1) */
#define DID0_VALUE 0x10010002u
#define DID1_VALUE 0x1073402Eu
static const uint32_t dc_values[5] = { 0x00FF007Fu, 0x001133FFu, 0x030F5317u, 0x0F0F87FFu,
                                       0x5000007Fu };

#define RCC_PWRDN (1u << 13) /* PLL powered down */
#define RCC_XTAL_SHIFT 6
#define RCC_SYSDIV_SHIFT 23
#define RCC_SYSDIV_MASK 0xFu
#define RCC2_SYSDIV2_MASK 0x3Fu /* at the same shift */
#define RCC2_USERCC2 (1u << 31)
/* QEMU divides a 200 MHz (5 ns) clock by SYSDIV + 1 whatever the source */
#define SYSCLK_BASE_HZ 200000000u
#define RIS_PLLLRIS (1u << 6) /* PLL lock */
#define IMC_MASK 0x7Fu

/* PLLCFG read-back per RCC.XTAL for Fury-class parts (QEMU's table) */
static const uint32_t pllcfg_fury[16] = {
    0x3200, 0x1b20, 0x1900, 0xf42b, 0x37e3, 0x1b21, 0x0c80, 0x98ee,
    0xd5b4, 0x0a00, 0x4e27, 0x1902, 0xec1c, 0x1b23, 0x0640, 0xb11c,
};

struct StellarisSysctl {
    char *name;
    IrqLine irq;
    SysclkOut sysclk;
    uint32_t pborctl, ldopctl, ris, imc, resc, rcc, rcc2;
    uint32_t rcgc[3], scgc[3], dcgc[3];
    uint32_t clkvclr, ldoarst;
};

static void sysctl_update(StellarisSysctl *s)
{
    irq_set(&s->irq, (s->ris & s->imc) != 0);
}

static uint64_t sysclk_hz(const StellarisSysctl *s)
{
    uint32_t div = (s->rcc2 & RCC2_USERCC2) ? (s->rcc2 >> RCC_SYSDIV_SHIFT) & RCC2_SYSDIV2_MASK
                                            : (s->rcc >> RCC_SYSDIV_SHIFT) & RCC_SYSDIV_MASK;
    return (SYSCLK_BASE_HZ + (div + 1) / 2) / (div + 1); /* nearest: QEMU keeps the period */
}

static void sysclk_update(StellarisSysctl *s)
{
    if (s->sysclk.set_hz != NULL)
        s->sysclk.set_hz(s->sysclk.opaque, sysclk_hz(s));
}

static void sysctl_reset(void *dev)
{
    StellarisSysctl *s = dev;
    s->pborctl = 0x7FFD;
    s->ldopctl = 0;
    s->ris = 0;
    s->imc = 0;
    s->resc = 0;
    s->rcc = 0x078E3AC0;
    s->rcc2 = 0x07802810;
    for (int i = 0; i < 3; i++)
        s->rcgc[i] = s->scgc[i] = s->dcgc[i] = i == 0 ? 1 : 0;
    s->clkvclr = 0;
    s->ldoarst = 0;
    sysctl_update(s);
    sysclk_update(s);
}

/* Clearing PWRDN powers the PLL up; the model locks it at once. */
static uint32_t write_clock_config(StellarisSysctl *s, uint32_t old, uint32_t value)
{
    if ((old & RCC_PWRDN) && !(value & RCC_PWRDN))
        s->ris |= RIS_PLLLRIS;
    return value;
}

static uint32_t *gating_register(StellarisSysctl *s, uint32_t offset)
{
    if (offset >= R_RCGC0 && offset < R_RCGC0 + 12)
        return &s->rcgc[(offset - R_RCGC0) / 4];
    if (offset >= R_SCGC0 && offset < R_SCGC0 + 12)
        return &s->scgc[(offset - R_SCGC0) / 4];
    if (offset >= R_DCGC0 && offset < R_DCGC0 + 12)
        return &s->dcgc[(offset - R_DCGC0) / 4];
    return NULL;
}

static MmioResult sysctl_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    StellarisSysctl *s = dev;
    uint32_t *gate = gating_register(s, offset);
    if (size != 4 || (offset & 3))
        return MMIO_UNASSIGNED;
    if (gate != NULL) {
        *value = *gate;
        return MMIO_OK;
    }
    switch (offset) {
    case R_DID0: *value = DID0_VALUE; break;
    case R_DID1: *value = DID1_VALUE; break;
    case R_DC0: *value = dc_values[0]; break;
    case R_DC1: case R_DC2: case R_DC3: case R_DC4:
        *value = dc_values[(offset - R_DC1) / 4 + 1];
        break;
    case R_PBORCTL: *value = s->pborctl; break;
    case R_LDOPCTL: *value = s->ldopctl; break;
    case R_SRCR0: case R_SRCR0 + 4: case R_SRCR2: *value = 0; break;
    case R_RIS: *value = s->ris; break;
    case R_IMC: *value = s->imc; break;
    case R_MISC: *value = s->ris & s->imc; break;
    case R_RESC: *value = s->resc; break;
    case R_RCC: *value = s->rcc; break;
    case R_PLLCFG: *value = pllcfg_fury[(s->rcc >> RCC_XTAL_SHIFT) & 0xF]; break;
    case R_RCC2: *value = s->rcc2; break;
    case R_CLKVCLR: *value = s->clkvclr; break;
    case R_LDOARST: *value = s->ldoarst; break;
    /* user registers: QEMU's default MAC address 52:54:00:12:34:56 */
    case R_USER0: *value = 0x00005452; break;
    case R_USER1: *value = 0x00563412; break;
    default: return MMIO_UNASSIGNED;
    }
    return MMIO_OK;
}

static MmioResult sysctl_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    StellarisSysctl *s = dev;
    uint32_t *gate = gating_register(s, offset);
    if (size != 4 || (offset & 3))
        return MMIO_UNASSIGNED;
    if (gate != NULL) {
        *gate = value;
        return MMIO_OK;
    }
    switch (offset) {
    case R_PBORCTL: s->pborctl = value & 0xFFFF; break;
    case R_LDOPCTL: s->ldopctl = value & 0x1F; break;
    case R_SRCR0: case R_SRCR0 + 4: case R_SRCR2:
        log_unimp(s->name, "peripheral reset (SRCR%u) ignored", (offset - R_SRCR0) / 4);
        break;
    case R_IMC: s->imc = value & IMC_MASK; break;
    case R_MISC: s->ris &= ~value; break; /* write 1 to clear */
    case R_RESC: s->resc = value & 0x3F; break;
    case R_RCC: s->rcc = write_clock_config(s, s->rcc, value); break;
    case R_RCC2: s->rcc2 = write_clock_config(s, s->rcc2, value); break;
    case R_CLKVCLR: s->clkvclr = value; break;
    case R_LDOARST: s->ldoarst = value; break;
    default:
        log_guest_error(s->name, "write of %#x to read-only or unknown offset %#x", value, offset);
        return MMIO_UNASSIGNED;
    }
    if (offset == R_RCC || offset == R_RCC2) {
        log_trace(s->name, "clock configuration RCC %#x, RCC2 %#x: system clock %" PRIu64 " Hz",
                  s->rcc, s->rcc2, sysclk_hz(s));
        sysclk_update(s);
    }
    sysctl_update(s);
    return MMIO_OK;
}

static void sysctl_destroy(void *dev)
{
    StellarisSysctl *s = dev;
    g_free(s->name);
    g_free(s);
}

StellarisSysctl *stellaris_sysctl_new(const char *name, IrqLine irq, SysclkOut sysclk)
{
    StellarisSysctl *s = g_new0(StellarisSysctl, 1);
    s->name = g_strdup(name != NULL ? name : TYPE_NAME);
    s->irq = irq;
    s->sysclk = sysclk;
    sysctl_reset(s);
    return s;
}

const DeviceClass stellaris_sysctl_class = {
    .type = TYPE_NAME,
    .read = sysctl_read,
    .write = sysctl_write,
    .reset = sysctl_reset,
    .destroy = sysctl_destroy,
};
