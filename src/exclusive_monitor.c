/* Clearing the local exclusive monitor on exception entry and return
 * (exclusive_monitor.h).
 *
 * Unicorn 2.1.1 keeps the monitor (the address of the last LDREX) in its
 * CPU state and neither clears it when minivm enters or leaves an
 * exception nor lets it be written. It does let the whole CPU state be
 * saved to and restored from a uc_context (4.4 KB, 0.2 µs for both). So
 * the monitor's place in a saved context is found once, by experiment:
 * an LDREX in scratch RAM puts its address in exactly one 64-bit field
 * that held "no address" (all ones) before; a STREX must then fail once
 * that field is set back. Clearing is save, patch, restore. Firmware
 * without exclusives pays nothing: the experiment and the clearing only
 * happen when the image holds an LDREX. If the experiment does not give a
 * clear answer (another Unicorn), the monitor is left alone, as before. */
#include "exclusive_monitor.h"

#include <string.h>

#include "log.h"

#define NO_ADDRESS UINT64_MAX

/* LDREX (A7.7.52), LDREXB/LDREXH (A7.7.53/54); T1 encodings */
static bool is_ldrex(const uint16_t hw[2])
{
    if ((hw[0] & 0xFFF0) == 0xE850)
        return true;
    return (hw[0] & 0xFFF0) == 0xE8D0 && ((hw[1] & 0xF0) == 0x40 || (hw[1] & 0xF0) == 0x50);
}

static bool image_has_ldrex(const FirmwareImage *image)
{
    for (guint i = 0; i < image->segments->len; i++) {
        const ImageSegment *seg = &g_array_index(image->segments, ImageSegment, i);
        for (uint32_t off = 0; off + 4 <= seg->filesz; off += 2) {
            uint16_t hw[2];
            memcpy(hw, seg->data + off, sizeof(hw));
            if (is_ldrex(hw))
                return true;
        }
    }
    return false;
}

/* A RAM block to run the experiment in (its first 16 bytes, put back
 * afterwards) */
static const RamBlock *scratch_ram(Machine *m)
{
    for (guint i = 0; i < m->ram->len; i++) {
        const RamBlock *b = g_ptr_array_index(m->ram, i);
        if (!b->rom && b->size >= 16)
            return b;
    }
    return NULL;
}

static uint64_t field_at(const uc_context *ctx, size_t offset)
{
    uint64_t v;
    memcpy(&v, (const uint8_t *)ctx + offset, sizeof(v));
    return v;
}

/* Runs the Thumb code at addr (one 32-bit instruction) with r1 = data;
 * returns r2 afterwards (STREX's status). */
static bool run_one(uc_engine *uc, uint32_t addr, uint32_t data, uint32_t *r2)
{
    reg_set(uc, UC_ARM_REG_R1, data);
    reg_set(uc, UC_ARM_REG_R2, 0xFFFFFFFFu);
    uc_ctl_remove_cache(uc, addr, addr + 4);
    if (uc_emu_start(uc, addr | 1, addr + 4, 0, 0) != UC_ERR_OK)
        return false;
    *r2 = reg_get(uc, UC_ARM_REG_R2);
    return true;
}

/* The experiment; returns the offset in a saved context, or 0. */
static size_t find_monitor(Machine *m, uc_context *before, uc_context *after)
{
    static const uint16_t ldrex[2] = { 0xE851, 0x0F00 };          /* ldrex r0, [r1] */
    static const uint16_t strex[2] = { 0xE841, 0x0200 };          /* strex r2, r0, [r1] */
    const RamBlock *ram = scratch_ram(m);
    if (ram == NULL)
        return 0;
    uc_engine *uc = m->uc;
    uint32_t code = ram->base, data = ram->base + 8, r2;
    size_t size = uc_context_size(uc), found = 0;
    uc_context_save(uc, before);
    machine_write_guest(m, code, ldrex, sizeof(ldrex));
    if (!run_one(uc, code, data, &r2))
        return 0;
    uc_context_save(uc, after);
    for (size_t off = 0; off + sizeof(uint64_t) <= size; off++) {
        if (field_at(after, off) == data && field_at(before, off) == NO_ADDRESS) {
            if (found != 0)
                return 0; /* not a clear answer */
            found = off;
        }
    }
    if (found == 0)
        return 0;
    /* check: with the field cleared, a STREX fails (status 1); without,
     * after another LDREX, it succeeds (0) */
    memset((uint8_t *)after + found, 0xFF, sizeof(uint64_t));
    uc_context_restore(uc, after);
    machine_write_guest(m, code, strex, sizeof(strex));
    bool fails = run_one(uc, code, data, &r2) && r2 == 1;
    machine_write_guest(m, code, ldrex, sizeof(ldrex));
    bool ok = fails && run_one(uc, code, data, &r2);
    machine_write_guest(m, code, strex, sizeof(strex));
    ok = ok && run_one(uc, code, data, &r2) && r2 == 0;
    return ok ? found : 0;
}

void exclusive_monitor_init(Machine *m)
{
    if (m->image == NULL || !image_has_ldrex(m->image))
        return;
    const RamBlock *ram = scratch_ram(m);
    uint8_t saved[16];
    if (ram == NULL || !machine_read_guest(m, ram->base, saved, sizeof(saved)))
        return;
    uc_context *before = NULL, *after = NULL;
    if (uc_context_alloc(m->uc, &before) == UC_ERR_OK &&
        uc_context_alloc(m->uc, &after) == UC_ERR_OK) {
        m->cpu.monitor_offset = find_monitor(m, before, after);
        uc_context_restore(m->uc, before); /* registers and the monitor as they were */
    }
    machine_write_guest(m, ram->base, saved, sizeof(saved));
    uc_ctl_remove_cache(m->uc, ram->base, ram->base + sizeof(saved));
    if (before != NULL)
        uc_context_free(before);
    if (m->cpu.monitor_offset != 0) {
        m->cpu.monitor_ctx = after;
        log_trace("cpu", "exclusive monitor found in Unicorn's CPU state: cleared on exception "
                  "entry and return");
    } else {
        if (after != NULL)
            uc_context_free(after);
        log_trace("cpu", "exclusive monitor not found in Unicorn's CPU state: not cleared on "
                  "exception entry and return");
    }
}

void exclusive_monitor_free(Machine *m)
{
    if (m->cpu.monitor_ctx != NULL)
        uc_context_free(m->cpu.monitor_ctx);
    m->cpu.monitor_ctx = NULL;
    m->cpu.monitor_offset = 0;
}

void exclusive_monitor_clear(Machine *m)
{
    if (m->cpu.monitor_offset == 0)
        return;
    uc_context *ctx = m->cpu.monitor_ctx;
    uc_context_save(m->uc, ctx);
    if (field_at(ctx, m->cpu.monitor_offset) == NO_ADDRESS)
        return; /* already clear: no restore needed */
    memset((uint8_t *)ctx + m->cpu.monitor_offset, 0xFF, sizeof(uint64_t));
    uc_context_restore(m->uc, ctx);
}
