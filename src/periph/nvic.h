/* ARMv7-M exception state: the NVIC and the SCB's exception bookkeeping
 * (ARMv7-M ARM B1.5, B3.2, B3.4). Pure state, no Unicorn: the CPU core
 * asks it what to take and tells it what it took; the SCS device
 * (scs.c) maps its registers into guest memory.
 *
 * Exception numbers follow the architecture: 1 Reset, 2 NMI, 3 HardFault,
 * 4 MemManage, 5 BusFault, 6 UsageFault, 11 SVCall, 12 DebugMonitor,
 * 14 PendSV, 15 SysTick, 16 + n external interrupt n. */
#ifndef MINIVM_NVIC_H
#define MINIVM_NVIC_H

#include <stdbool.h>
#include <stdint.h>

#include "irq.h"

enum {
    EXC_RESET = 1,
    EXC_NMI = 2,
    EXC_HARDFAULT = 3,
    EXC_MEMMANAGE = 4,
    EXC_BUSFAULT = 5,
    EXC_USAGEFAULT = 6,
    EXC_SVCALL = 11,
    EXC_DEBUGMON = 12,
    EXC_PENDSV = 14,
    EXC_SYSTICK = 15,
    EXC_IRQ0 = 16,
};

#define NVIC_MAX_IRQS 496
/* Priority of "no exception active, no mask": one above the lowest. */
#define NVIC_NO_PRIORITY 256

/* SCB fault status bits (B3.2.15-B3.2.18) */
#define CFSR_IACCVIOL (1u << 0)
#define CFSR_DACCVIOL (1u << 1)
#define CFSR_MUNSTKERR (1u << 3)
#define CFSR_MSTKERR (1u << 4)
#define CFSR_MMARVALID (1u << 7)
#define CFSR_IBUSERR (1u << 8)
#define CFSR_PRECISERR (1u << 9)
#define CFSR_IMPRECISERR (1u << 10)
#define CFSR_UNSTKERR (1u << 11)
#define CFSR_STKERR (1u << 12)
#define CFSR_BFARVALID (1u << 15)
#define CFSR_UNDEFINSTR (1u << 16)
#define CFSR_INVSTATE (1u << 17)
#define CFSR_INVPC (1u << 18)
#define CFSR_NOCP (1u << 19)
#define CFSR_UNALIGNED (1u << 24)
#define CFSR_DIVBYZERO (1u << 25)
#define HFSR_VECTTBL (1u << 1)
#define HFSR_FORCED (1u << 30)
#define HFSR_DEBUGEVT (1u << 31)
#define DFSR_BKPT (1u << 1) /* C1.6.1 */

#define CCR_NONBASETHRDENA (1u << 0)
#define CCR_USERSETMPEND (1u << 1)
#define CCR_UNALIGN_TRP (1u << 3)
#define CCR_DIV_0_TRP (1u << 4)
#define CCR_BFHFNMIGN (1u << 8)
#define CCR_STKALIGN (1u << 9)

#define SCR_SLEEPONEXIT (1u << 1)
#define SCR_SLEEPDEEP (1u << 2)
#define SCR_SEVONPEND (1u << 4)

/* The CPU's masking state, read from the core when needed. */
typedef struct NvicMasks {
    bool primask;
    bool faultmask;
    uint8_t basepri; /* 0 = no masking */
} NvicMasks;

typedef struct Nvic Nvic;

/* prio_bits: implemented priority bits (8 in QEMU's M3, 3 on real MPS2). */
Nvic *nvic_new(unsigned num_irqs, unsigned prio_bits);
void nvic_free(Nvic *nvic);
void nvic_reset(Nvic *nvic);
unsigned nvic_num_irqs(const Nvic *nvic);
/* Highest valid exception number (15 + num_irqs). */
unsigned nvic_max_exception(const Nvic *nvic);

/* Called whenever pending/enable/priority state changed in a way that may
 * make an exception deliverable (the CPU loop then re-checks). */
void nvic_set_change_notify(Nvic *nvic, void (*fn)(void *opaque), void *opaque);
/* Called on AIRCR.SYSRESETREQ (the machine resets and reloads the image). */
void nvic_set_reset_request(Nvic *nvic, void (*fn)(void *opaque), void *opaque);

/* Interrupt lines for devices. External line n is level-sensitive
 * (B3.4.1): asserting pends it; while it stays asserted it re-pends when
 * its handler returns. nvic_exception_line(EXC_SYSTICK) etc. pends a
 * system exception on each rising edge; EXC_NMI's line pends NMI each
 * time it is driven high (as QEMU's NVIC does). */
IrqLine nvic_irq_line(Nvic *nvic, unsigned irq);
IrqLine nvic_exception_line(Nvic *nvic, unsigned exc);
/* Current level of external line irq (false for irq >= num_irqs): a
 * write to ICPR cannot clear an asserted line that is not active. */
bool nvic_irq_level(const Nvic *nvic, unsigned irq);

/* Per-exception state. exc is an exception number (1..max). */
void nvic_set_pending(Nvic *nvic, unsigned exc);
void nvic_clear_pending(Nvic *nvic, unsigned exc);
bool nvic_is_pending(const Nvic *nvic, unsigned exc);
/* WFE wake-up event from SCR.SEVONPEND (B1.5.18): true once after any
 * exception entered the pending state while SEVONPEND was set (enabled or
 * not, masked or not); reading clears it. */
bool nvic_take_event(Nvic *nvic);
bool nvic_is_active(const Nvic *nvic, unsigned exc);
/* External IRQs: NVIC ISER; MemManage/BusFault/UsageFault: SHCSR enables;
 * DebugMonitor: DEMCR.MON_EN (the SCS sets it); others always enabled
 * (nvic_set_enabled ignores them). */
bool nvic_is_enabled(const Nvic *nvic, unsigned exc);
void nvic_set_enabled(Nvic *nvic, unsigned exc, bool enabled);
/* Raw write of an active bit, as SHCSR allows (B3.2.13); no entry or
 * return side effects, VECTACTIVE unchanged. */
void nvic_set_active(Nvic *nvic, unsigned exc, bool active);
/* Raw 8-bit priority register value (masked to implemented bits), or the
 * fixed -3/-2/-1 for Reset/NMI/HardFault. */
int nvic_get_priority(const Nvic *nvic, unsigned exc);
void nvic_set_priority(Nvic *nvic, unsigned exc, uint8_t prio);

/* Group priority of a raw priority under the current PRIGROUP (B1.5.4). */
int nvic_group_priority(const Nvic *nvic, int prio);
unsigned nvic_prigroup(const Nvic *nvic);
void nvic_set_prigroup(Nvic *nvic, unsigned prigroup);

/* Current execution priority (B1.5.4): from the active exceptions and the
 * masks; NVIC_NO_PRIORITY when nothing is active or masked. */
int nvic_execution_priority(const Nvic *nvic, NvicMasks masks);
/* The pending, enabled exception that would be taken next, ignoring the
 * execution priority: highest group priority, then sub-priority, then
 * lowest number. 0 if none. */
unsigned nvic_highest_pending(const Nvic *nvic);
/* The exception that preempts now, or 0: nvic_highest_pending() if its
 * group priority is strictly higher (numerically lower) than the
 * execution priority. */
unsigned nvic_deliverable(const Nvic *nvic, NvicMasks masks);

/* Exception entry: pending -> active; VECTACTIVE becomes exc. */
void nvic_acknowledge(Nvic *nvic, unsigned exc);
/* Exception return (B1.5.8): deactivates exc. Returns false (and changes
 * nothing) if exc was not active: the caller raises INVPC. A level IRQ
 * still asserted becomes pending again. */
bool nvic_complete(Nvic *nvic, unsigned exc);
/* Number of active exceptions (RETTOBASE is count == 1 in a handler). */
unsigned nvic_active_count(const Nvic *nvic);
/* The CPU keeps VECTACTIVE (= IPSR) up to date after exception returns. */
void nvic_set_vectactive(Nvic *nvic, unsigned exc);
unsigned nvic_vectactive(const Nvic *nvic);

/* Synchronous fault routing (B1.5.6, HFSR.FORCED): which exception a
 * configurable fault (4, 5, 6) is taken as, given the masks. If the fault
 * is disabled in SHCSR or cannot preempt, it escalates to HardFault and
 * HFSR.FORCED is set. Returns 0 for lockup (HardFault itself cannot be
 * taken: already in HardFault or NMI, or FAULTMASK set). Also used for
 * HardFault (3) directly (no FORCED), and for the other synchronous
 * exceptions SVCall (11) and DebugMonitor (12), which escalate the same
 * way (an SVC executed with PRIMASK set is a forced HardFault). Pends the
 * returned exception. */
unsigned nvic_route_fault(Nvic *nvic, unsigned fault, NvicMasks masks);

/* SCB registers the core and the SCS device share. */
typedef struct ScbRegs {
    uint32_t vtor;
    uint32_t scr;
    uint32_t ccr;
    uint32_t cfsr;
    uint32_t hfsr;
    uint32_t dfsr;
    uint32_t mmfar;
    uint32_t bfar;
    uint32_t afsr;
} ScbRegs;
ScbRegs *nvic_scb(Nvic *nvic);

/* The SCS wrote an SCB configuration register the core reads (CCR):
 * calls the change notifier, so the CPU looks again at the next block. */
void nvic_scb_changed(Nvic *nvic);

/* AIRCR SYSRESETREQ hook invocation (from the SCS device). */
void nvic_request_reset(Nvic *nvic);

#endif
