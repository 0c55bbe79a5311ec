/* MPS2 SCC. Which registers exist and what they reset to follow QEMU
 * 7.2's hw/misc/mps2-scc.c for AN385 (QEMU also models later images'
 * CFG2/CFG5-7, which AN385 lacks: they are unassigned here). A
 * configuration transfer happens at once when CFGCTRL is written with
 * START: function 1 reads or writes an oscillator's frequency; anything
 * else sets CFGSTAT.ERROR. */
#include "mps2_scc.h"

#include <glib.h>

#define A_CFG0 0x000
#define A_CFG1 0x004
#define A_CFG3 0x00C
#define A_CFG4 0x010
#define A_CFGDATA_RTN 0x0A0
#define A_CFGDATA_OUT 0x0A4
#define A_CFGCTRL 0x0A8
#define A_CFGSTAT 0x0AC
#define A_DLL 0x100
#define A_AID 0xFF8
#define A_ID 0xFFC

#define CFGCTRL_DEVICE_MASK 0xFFFu
#define CFGCTRL_RES1_MASK (0xFFu << 12)
#define CFGCTRL_FUNCTION_SHIFT 20
#define CFGCTRL_FUNCTION_MASK 0x3Fu
#define CFGCTRL_RES2_MASK (0xFu << 26)
#define CFGCTRL_WRITE (1u << 30)
#define CFGCTRL_START (1u << 31)
#define CFGCTRL_RESET 0x00100000u /* function 1, device 0 */
#define CFGSTAT_DONE (1u << 0)
#define CFGSTAT_ERROR (1u << 1)
#define FUNCTION_OSCCLK 1
/* DLL: bits 31:24 mask which DLL_LOCKED bits 23:16 count; bit 0 says all
 * unmasked DLLs are locked. Ours always are. */
#define DLL_RESET 0xFFFF0001u
#define DLL_LOCK_MASK 0xFF000000u

#define NUM_OSCCLK 3
/* QEMU 7.2's oscillator frequencies at reset (Hz) */
static const uint32_t oscclk_reset[NUM_OSCCLK] = { 50000000, 24576000, 25000000 };

struct Mps2Scc {
    char *name;
    uint32_t id, aid, cfg4;
    uint32_t cfg0, cfg1;
    uint32_t cfgdata_rtn, cfgdata_out, cfgctrl, cfgstat;
    uint32_t dll;
    uint32_t oscclk[NUM_OSCCLK];
};

static bool scc_read_reg(Mps2Scc *s, uint32_t offset, uint32_t *value)
{
    switch (offset) {
    case A_CFG0: *value = s->cfg0; return true;
    case A_CFG1: *value = s->cfg1; return true;
    case A_CFG3: *value = 0; return true; /* DIP switches, all off */
    case A_CFG4: *value = s->cfg4; return true;
    case A_CFGDATA_RTN: *value = s->cfgdata_rtn; return true;
    case A_CFGDATA_OUT: *value = s->cfgdata_out; return true;
    case A_CFGCTRL: *value = s->cfgctrl; return true;
    case A_CFGSTAT: *value = s->cfgstat; return true;
    case A_DLL: *value = s->dll; return true;
    case A_AID: *value = s->aid; return true;
    case A_ID: *value = s->id; return true;
    default: return false;
    }
}

static MmioResult mps2_scc_read(void *dev, uint32_t offset, unsigned size, uint32_t *value)
{
    Mps2Scc *s = dev;
    uint32_t r;
    if ((offset & 3) != 0 || !scc_read_reg(s, offset, &r))
        return MMIO_UNASSIGNED;
    *value = size == 4 ? r : r & ((1u << (8 * size)) - 1);
    return MMIO_OK;
}

/* One transfer on the configuration channel; false for a function or
 * device that does not exist */
static bool scc_transfer(Mps2Scc *s)
{
    unsigned device = s->cfgctrl & CFGCTRL_DEVICE_MASK;
    unsigned function = (s->cfgctrl >> CFGCTRL_FUNCTION_SHIFT) & CFGCTRL_FUNCTION_MASK;
    bool write = s->cfgctrl & CFGCTRL_WRITE;
    if (function != FUNCTION_OSCCLK || device >= NUM_OSCCLK) {
        log_guest_error(s->name, "configuration %s of function %u device %u: no such device",
                        write ? "write" : "read", function, device);
        return false;
    }
    if (write) {
        log_trace(s->name, "oscillator %u <- %u Hz", device, s->cfgdata_out);
        s->oscclk[device] = s->cfgdata_out;
    } else {
        s->cfgdata_rtn = s->oscclk[device];
    }
    return true;
}

static void scc_write_cfgctrl(Mps2Scc *s, uint32_t value)
{
    s->cfgstat = 0;
    s->cfgctrl = value & ~(CFGCTRL_RES1_MASK | CFGCTRL_RES2_MASK | CFGCTRL_START);
    if (value & CFGCTRL_START)
        s->cfgstat = CFGSTAT_DONE | (scc_transfer(s) ? 0 : CFGSTAT_ERROR);
}

static MmioResult mps2_scc_write(void *dev, uint32_t offset, uint32_t value, unsigned size)
{
    Mps2Scc *s = dev;
    (void)size; /* narrower writes are zero-extended, as QEMU does */
    switch (offset) {
    case A_CFG0:
        /* bit 0 remaps the first 16 KiB to block RAM on hardware; QEMU
         * does not model it either */
        if ((value & 1) != 0)
            log_unimp(s->name, "CFG0 remap bit (0x%08x) has no effect", value);
        s->cfg0 = value;
        break;
    case A_CFG1: /* the MCC LEDs */
        if (value != s->cfg1)
            log_trace(s->name, "LEDs 0x%02x", value & 0xFF);
        s->cfg1 = value;
        break;
    case A_CFGDATA_OUT: s->cfgdata_out = value; break;
    case A_CFGCTRL: scc_write_cfgctrl(s, value); break;
    case A_DLL: s->dll = (s->dll & ~DLL_LOCK_MASK) | (value & DLL_LOCK_MASK); break;
    default:
        return MMIO_UNASSIGNED; /* the rest is read-only or absent */
    }
    log_trace(s->name, "write 0x%03x <- 0x%08x", offset, value);
    return MMIO_OK;
}

static void mps2_scc_reset(void *dev)
{
    Mps2Scc *s = dev;
    s->cfg0 = 0;
    s->cfg1 = 0;
    s->cfgdata_rtn = 0;
    s->cfgdata_out = 0;
    s->cfgctrl = CFGCTRL_RESET;
    s->cfgstat = 0;
    s->dll = DLL_RESET;
    for (int i = 0; i < NUM_OSCCLK; i++)
        s->oscclk[i] = oscclk_reset[i];
}

static void mps2_scc_destroy(void *dev)
{
    Mps2Scc *s = dev;
    g_free(s->name);
    g_free(s);
}

const DeviceClass mps2_scc_class = {
    .type = "mps2-scc",
    .read = mps2_scc_read,
    .write = mps2_scc_write,
    .reset = mps2_scc_reset,
    .destroy = mps2_scc_destroy,
};

Mps2Scc *mps2_scc_new(const Mps2SccConfig *cfg)
{
    Mps2Scc *s = g_new0(Mps2Scc, 1);
    s->name = g_strdup(cfg->name != NULL ? cfg->name : mps2_scc_class.type);
    s->id = cfg->id;
    s->aid = cfg->aid;
    s->cfg4 = cfg->cfg4;
    mps2_scc_reset(s);
    return s;
}
