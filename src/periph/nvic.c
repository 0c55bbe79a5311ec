/* ARMv7-M exception state: the NVIC and the SCB's exception bookkeeping
 * (ARMv7-M ARM B1.5, B3.2, B3.4), following QEMU's hw/intc/armv7m_nvic.c
 * in behaviour for a CPU without the Security Extension.
 *
 * Each exception number has one Vec: its raw priority, its enable,
 * pending and active bits, and the level of the line that drives it.
 * Nothing here is cached except two counters (pending, active) that let
 * the common "nothing to do" questions answer without a scan. */
#include "nvic.h"

#include <glib.h>
#include <string.h>

#include "log.h"

#define WHO "nvic"

/* B1.5.2: exception numbers 7-10 and 13 are reserved. */
#define EXC_RESERVED_MASK ((1u << 7) | (1u << 8) | (1u << 9) | (1u << 10) | (1u << 13))

/* B1.5.4: fixed priorities of Reset, NMI and HardFault. */
#define PRIO_RESET (-3)
#define PRIO_NMI (-2)
#define PRIO_HARDFAULT (-1)

#define PRIGROUP_MAX 7

typedef struct Vec {
    int16_t prio; /* raw priority (implemented bits only) or fixed negative */
    bool enabled;
    bool pending;
    bool active;
    bool level; /* input line: level for IRQs, last edge for system lines */
} Vec;

struct Nvic {
    unsigned num_irqs;
    unsigned prio_bits;
    uint8_t prio_mask; /* implemented priority bits: the top prio_bits */
    unsigned prigroup;
    unsigned vectactive;
    unsigned num_pending;
    unsigned num_active;
    bool event; /* SCR.SEVONPEND: an exception became pending (B1.5.18) */
    Vec *vec; /* indexed by exception number, [0, 16 + num_irqs) */
    ScbRegs scb;
    void (*notify)(void *opaque);
    void *notify_opaque;
    void (*reset_request)(void *opaque);
    void *reset_opaque;
};

/* ---- exception numbers ------------------------------------------------ */

static bool exc_exists(const Nvic *nvic, unsigned exc)
{
    if (exc < EXC_NMI || exc > nvic_max_exception(nvic))
        return false;
    return exc >= EXC_IRQ0 || !(EXC_RESERVED_MASK & (1u << exc));
}

/* B3.2.10/B3.4.9: priority registers exist for exceptions 4 and up. */
static bool prio_configurable(const Nvic *nvic, unsigned exc)
{
    return exc >= EXC_MEMMANAGE && exc_exists(nvic, exc);
}

/* Exceptions whose enable is software-controlled: SHCSR (B3.2.13), NVIC_ISER
 * (B3.4.4), DEMCR.MON_EN (C1.6.5). */
static bool enable_configurable(const Nvic *nvic, unsigned exc)
{
    switch (exc) {
    case EXC_MEMMANAGE:
    case EXC_BUSFAULT:
    case EXC_USAGEFAULT:
    case EXC_DEBUGMON:
        return true;
    default:
        return exc >= EXC_IRQ0 && exc_exists(nvic, exc);
    }
}

static void changed(Nvic *nvic)
{
    if (nvic->notify != NULL)
        nvic->notify(nvic->notify_opaque);
}

/* ---- creation and reset ----------------------------------------------- */

Nvic *nvic_new(unsigned num_irqs, unsigned prio_bits)
{
    g_return_val_if_fail(num_irqs <= NVIC_MAX_IRQS, NULL);
    g_return_val_if_fail(prio_bits >= 2 && prio_bits <= 8, NULL);
    Nvic *nvic = g_new0(Nvic, 1);
    nvic->num_irqs = num_irqs;
    nvic->prio_bits = prio_bits;
    nvic->prio_mask = (uint8_t)(0xffu << (8 - prio_bits));
    nvic->vec = g_new0(Vec, EXC_IRQ0 + num_irqs);
    nvic_reset(nvic);
    return nvic;
}

void nvic_free(Nvic *nvic)
{
    if (nvic == NULL)
        return;
    g_free(nvic->vec);
    g_free(nvic);
}

/* As QEMU: the reset forgets the input line levels too; devices lower
 * their lines when they reset. */
void nvic_reset(Nvic *nvic)
{
    memset(nvic->vec, 0, sizeof(Vec) * (EXC_IRQ0 + nvic->num_irqs));
    nvic->vec[EXC_RESET].prio = PRIO_RESET;
    nvic->vec[EXC_NMI].prio = PRIO_NMI;
    nvic->vec[EXC_HARDFAULT].prio = PRIO_HARDFAULT;
    /* Always enabled; faults, DebugMonitor and IRQs reset disabled. */
    nvic->vec[EXC_NMI].enabled = true;
    nvic->vec[EXC_HARDFAULT].enabled = true;
    nvic->vec[EXC_SVCALL].enabled = true;
    nvic->vec[EXC_PENDSV].enabled = true;
    nvic->vec[EXC_SYSTICK].enabled = true;
    nvic->prigroup = 0;
    nvic->vectactive = 0;
    nvic->num_pending = 0;
    nvic->num_active = 0;
    nvic->event = false;
    /* B3.2.8: CCR.STKALIGN resets to an IMPLEMENTATION DEFINED value; QEMU
     * (and ARM's recommendation) is 1 for every v7-M core. */
    nvic->scb = (ScbRegs){ .ccr = CCR_STKALIGN };
}

unsigned nvic_num_irqs(const Nvic *nvic) { return nvic->num_irqs; }
unsigned nvic_max_exception(const Nvic *nvic) { return EXC_IRQ0 - 1 + nvic->num_irqs; }

void nvic_set_change_notify(Nvic *nvic, void (*fn)(void *opaque), void *opaque)
{
    nvic->notify = fn;
    nvic->notify_opaque = opaque;
}

void nvic_set_reset_request(Nvic *nvic, void (*fn)(void *opaque), void *opaque)
{
    nvic->reset_request = fn;
    nvic->reset_opaque = opaque;
}

void nvic_request_reset(Nvic *nvic)
{
    log_trace(WHO, "AIRCR.SYSRESETREQ: system reset requested");
    if (nvic->reset_request != NULL)
        nvic->reset_request(nvic->reset_opaque);
}

ScbRegs *nvic_scb(Nvic *nvic) { return &nvic->scb; }

void nvic_scb_changed(Nvic *nvic) { changed(nvic); }

/* ---- pending, active, enabled ------------------------------------------ */

static void mark_pending(Nvic *nvic, unsigned exc, bool pending)
{
    Vec *v = &nvic->vec[exc];
    if (v->pending == pending)
        return;
    v->pending = pending;
    if (pending) {
        nvic->num_pending++;
        /* B1.5.18: with SEVONPEND, any exception entering the pending
         * state is a WFE wake-up event, even a disabled or masked one */
        if (nvic->scb.scr & SCR_SEVONPEND)
            nvic->event = true;
        changed(nvic);
    } else {
        nvic->num_pending--;
    }
}

static void mark_active(Nvic *nvic, unsigned exc, bool active)
{
    Vec *v = &nvic->vec[exc];
    if (v->active == active)
        return;
    v->active = active;
    if (active) {
        nvic->num_active++;
    } else {
        nvic->num_active--;
        changed(nvic); /* the execution priority may have dropped */
    }
}

void nvic_set_pending(Nvic *nvic, unsigned exc)
{
    if (exc_exists(nvic, exc))
        mark_pending(nvic, exc, true);
}

void nvic_clear_pending(Nvic *nvic, unsigned exc)
{
    if (exc_exists(nvic, exc))
        mark_pending(nvic, exc, false);
}

bool nvic_take_event(Nvic *nvic)
{
    bool event = nvic->event;
    nvic->event = false;
    return event;
}

bool nvic_is_pending(const Nvic *nvic, unsigned exc)
{
    return exc_exists(nvic, exc) && nvic->vec[exc].pending;
}

bool nvic_is_active(const Nvic *nvic, unsigned exc)
{
    return exc_exists(nvic, exc) && nvic->vec[exc].active;
}

void nvic_set_active(Nvic *nvic, unsigned exc, bool active)
{
    if (exc_exists(nvic, exc))
        mark_active(nvic, exc, active);
}

bool nvic_is_enabled(const Nvic *nvic, unsigned exc)
{
    return exc_exists(nvic, exc) && nvic->vec[exc].enabled;
}

void nvic_set_enabled(Nvic *nvic, unsigned exc, bool enabled)
{
    if (!enable_configurable(nvic, exc))
        return;
    Vec *v = &nvic->vec[exc];
    if (v->enabled == enabled)
        return;
    v->enabled = enabled;
    if (enabled && v->pending)
        changed(nvic);
}

/* ---- priorities (B1.5.4) ---------------------------------------------- */

int nvic_get_priority(const Nvic *nvic, unsigned exc)
{
    if (exc == EXC_RESET)
        return PRIO_RESET;
    return exc_exists(nvic, exc) ? nvic->vec[exc].prio : 0;
}

void nvic_set_priority(Nvic *nvic, unsigned exc, uint8_t prio)
{
    if (!prio_configurable(nvic, exc))
        return;
    int16_t masked = prio & nvic->prio_mask;
    if (nvic->vec[exc].prio == masked)
        return;
    nvic->vec[exc].prio = masked;
    changed(nvic);
}

/* B1.5.4: PRIGROUP n splits the 8-bit priority into a group priority,
 * bits [7:n+1], and a subpriority, bits [n:0]. The group priority is the
 * value with the subpriority bits cleared (PRIGROUP 7: every configurable
 * priority has group priority 0). Fixed negative priorities are their
 * own group priority. */
int nvic_group_priority(const Nvic *nvic, int prio)
{
    if (prio < 0)
        return prio;
    unsigned sub_mask = (2u << nvic->prigroup) - 1;
    return (int)((unsigned)prio & ~sub_mask);
}

unsigned nvic_prigroup(const Nvic *nvic) { return nvic->prigroup; }

void nvic_set_prigroup(Nvic *nvic, unsigned prigroup)
{
    prigroup &= PRIGROUP_MAX;
    if (nvic->prigroup == prigroup)
        return;
    nvic->prigroup = prigroup;
    changed(nvic);
}

/* B1.5.4 ExecutionPriority(): the highest group priority of the active
 * exceptions, boosted by BASEPRI (its group priority), PRIMASK (0) and
 * FAULTMASK (-1). BASEPRI implements the same bits as the priority
 * registers, so unimplemented low bits never mask. */
int nvic_execution_priority(const Nvic *nvic, NvicMasks masks)
{
    int running = NVIC_NO_PRIORITY;
    if (nvic->num_active > 0) {
        for (unsigned exc = EXC_NMI; exc <= nvic_max_exception(nvic); exc++) {
            const Vec *v = &nvic->vec[exc];
            if (v->active && v->prio < running)
                running = v->prio;
        }
        if (running < NVIC_NO_PRIORITY)
            running = nvic_group_priority(nvic, running);
    }
    int boosted = NVIC_NO_PRIORITY;
    uint8_t basepri = masks.basepri & nvic->prio_mask;
    if (basepri != 0)
        boosted = nvic_group_priority(nvic, basepri);
    if (masks.primask)
        boosted = 0;
    if (masks.faultmask)
        boosted = -1;
    return MIN(running, boosted);
}

/* B1.5.4: among pending enabled exceptions the lowest group priority
 * wins, then the lowest subpriority (together: the lowest raw priority),
 * then the lowest exception number (the scan order and strict '<'). */
unsigned nvic_highest_pending(const Nvic *nvic)
{
    if (nvic->num_pending == 0)
        return 0;
    unsigned best = 0;
    int best_prio = NVIC_NO_PRIORITY;
    for (unsigned exc = EXC_NMI; exc <= nvic_max_exception(nvic); exc++) {
        const Vec *v = &nvic->vec[exc];
        if (v->pending && v->enabled && v->prio < best_prio) {
            best = exc;
            best_prio = v->prio;
        }
    }
    return best;
}

/* B1.5.4: an exception preempts only if its group priority is strictly
 * higher (numerically lower) than the execution priority. */
unsigned nvic_deliverable(const Nvic *nvic, NvicMasks masks)
{
    unsigned exc = nvic_highest_pending(nvic);
    if (exc == 0)
        return 0;
    int group = nvic_group_priority(nvic, nvic->vec[exc].prio);
    return group < nvic_execution_priority(nvic, masks) ? exc : 0;
}

/* ---- entry and return -------------------------------------------------- */

void nvic_acknowledge(Nvic *nvic, unsigned exc)
{
    if (!exc_exists(nvic, exc))
        return;
    mark_pending(nvic, exc, false);
    mark_active(nvic, exc, true);
    nvic->vectactive = exc;
}

/* B1.5.8 DeActivate(); B3.4.1: a level-sensitive interrupt whose line is
 * still asserted when its handler returns becomes pending again. */
bool nvic_complete(Nvic *nvic, unsigned exc)
{
    if (!nvic_is_active(nvic, exc))
        return false;
    mark_active(nvic, exc, false);
    if (exc >= EXC_IRQ0 && nvic->vec[exc].level)
        mark_pending(nvic, exc, true);
    return true;
}

unsigned nvic_active_count(const Nvic *nvic) { return nvic->num_active; }
void nvic_set_vectactive(Nvic *nvic, unsigned exc) { nvic->vectactive = exc; }
unsigned nvic_vectactive(const Nvic *nvic) { return nvic->vectactive; }

/* ---- synchronous faults (B1.5.6) -------------------------------------- */

static bool is_synchronous(unsigned exc)
{
    return (exc >= EXC_HARDFAULT && exc <= EXC_USAGEFAULT) || exc == EXC_SVCALL ||
           exc == EXC_DEBUGMON;
}

/* A synchronous exception must be taken at once: if it is disabled or its
 * group priority does not beat the execution priority it escalates to
 * HardFault (HFSR.FORCED, B1.5.14); HardFault itself (priority -1) needs
 * an execution priority above -1, or the processor locks up (B1.5.15). */
unsigned nvic_route_fault(Nvic *nvic, unsigned fault, NvicMasks masks)
{
    g_return_val_if_fail(is_synchronous(fault), 0);
    int running = nvic_execution_priority(nvic, masks);
    if (fault != EXC_HARDFAULT) {
        const Vec *v = &nvic->vec[fault];
        if (v->enabled && nvic_group_priority(nvic, v->prio) < running) {
            mark_pending(nvic, fault, true);
            return fault;
        }
    }
    if (running <= PRIO_HARDFAULT) {
        log_trace(WHO, "exception %u at execution priority %d: lockup", fault, running);
        return 0;
    }
    if (fault != EXC_HARDFAULT) {
        log_trace(WHO, "exception %u escalated to HardFault", fault);
        nvic->scb.hfsr |= HFSR_FORCED;
    }
    mark_pending(nvic, EXC_HARDFAULT, true);
    return EXC_HARDFAULT;
}

/* ---- input lines --------------------------------------------------------- */

/* B3.4.1: external interrupts are level-sensitive here (as in QEMU): the
 * rising edge pends, and completion re-pends while the line stays high. */
static void irq_line_set(void *opaque, int n, bool level)
{
    Nvic *nvic = opaque;
    unsigned exc = EXC_IRQ0 + (unsigned)n;
    Vec *v = &nvic->vec[exc];
    if (v->level == level)
        return;
    v->level = level;
    if (level)
        mark_pending(nvic, exc, true);
}

/* System exception lines (SysTick, ...) pend on each rising edge. The
 * NMI input pends each time it is driven high, even when it already was:
 * the architecture leaves open how NMI is signalled, and QEMU's NVIC pends
 * it at every drive (its mps2-an385 watchdog re-drives a pending interrupt
 * at its second timeout). */
static void exception_line_set(void *opaque, int n, bool level)
{
    Nvic *nvic = opaque;
    Vec *v = &nvic->vec[n];
    bool rising = level && (!v->level || n == EXC_NMI);
    v->level = level;
    if (rising)
        mark_pending(nvic, (unsigned)n, true);
}

IrqLine nvic_irq_line(Nvic *nvic, unsigned irq)
{
    if (irq >= nvic->num_irqs)
        return (IrqLine){ 0 };
    return (IrqLine){ irq_line_set, nvic, (int)irq };
}

IrqLine nvic_exception_line(Nvic *nvic, unsigned exc)
{
    if (exc >= EXC_IRQ0)
        return nvic_irq_line(nvic, exc - EXC_IRQ0);
    if (!exc_exists(nvic, exc))
        return (IrqLine){ 0 };
    return (IrqLine){ exception_line_set, nvic, (int)exc };
}

bool nvic_irq_level(const Nvic *nvic, unsigned irq)
{
    return irq < nvic->num_irqs && nvic->vec[EXC_IRQ0 + irq].level;
}
