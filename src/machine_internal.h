/* Machine internals shared by machine.c (construction, memory, MMIO),
 * devices.c (board device wiring), cpu.c (run loop, hooks) and
 * exception.c (ARMv7-M exception entry and return). */
#ifndef MINIVM_MACHINE_INTERNAL_H
#define MINIVM_MACHINE_INTERNAL_H

#include <stdatomic.h>
#include <unicorn/unicorn.h>

#include "board.h"
#include "chardev.h"
#include "clock.h"
#include "defer.h"
#include "idle_wait.h"
#include "device.h"
#include "iothread.h"
#include "irq_or.h"
#include "loader.h"
#include "machine.h"
#include "nvic.h"
#include "semihost.h"

/* Why the CPU thread left uc_emu_start on purpose. */
typedef enum {
    STOP_NONE = 0,
    STOP_EXIT,       /* semihosting exit: exit_status holds the status */
    STOP_FAULT,      /* a synchronous fault was recorded in cpu.fault */
    STOP_FATAL,      /* lockup or unrecoverable state: report and exit 100 */
    STOP_RESET,      /* SYSRESETREQ */
    STOP_TIMEOUT,    /* --timeout */
    STOP_INSN_LIMIT, /* --max-insns */
    STOP_INTERNAL,   /* emulator failure: exit 70 */
} StopReason;

/* Bits of CpuState.attention: asynchronous reasons to look at the
 * machine at the next block boundary. */
enum {
    ATTN_KICK = 1u << 0,      /* deferred work or a wake-up */
    ATTN_EXCEPTION = 1u << 1, /* NVIC state changed: re-check delivery */
    ATTN_STOP = 1u << 2,      /* timeout or reset request */
};

/* A synchronous fault, recorded by a hook and taken by the run loop. */
typedef struct PendingFault {
    unsigned exc;      /* EXC_BUSFAULT, EXC_USAGEFAULT, EXC_MEMMANAGE, EXC_HARDFAULT */
    uint32_t cfsr;     /* CFSR bit(s) to set */
    uint32_t pc;       /* the faulting instruction (stacked return address) */
    bool has_addr;
    uint32_t addr;     /* BFAR / MMFAR */
    bool restore_regs; /* data faults: registers as they were at the access */
    uint32_t regs[15]; /* r0-r12, sp, lr */
    uint32_t xpsr;
    uint8_t undo[8];   /* a faulting store's target bytes before it ... */
    unsigned undo_len; /* ... restored at addr when the fault is taken */
    const char *what;  /* for reports */
} PendingFault;

#define ICOUNT_CACHE_SIZE 4096

typedef struct ICountEntry {
    uint32_t addr;
    uint32_t size;
    uint32_t count;
} ICountEntry;

typedef struct CpuState {
    atomic_uint attention;
    uint64_t insns;          /* executed guest instructions (block granular) */
    /* The block hook takes the slow path at this count; cpu_attention()
     * sets it to 0, so that one compare covers the attention bits too */
    _Atomic uint64_t insn_deadline;
    uint32_t block_addr;     /* the block now executing */
    uint32_t block_size;
    StopReason stop;
    int exit_status;
    PendingFault fault;
    char fatal_msg[256];
    atomic_bool timed_out;
    bool reset_requested;
    bool event_register;     /* B1.5.18 event register (SEV, exception return) */
    bool wfe_wait;           /* a WFE found it clear: sleep until an event */
    bool div_hooks;          /* SDIV/UDIV hooked for CCR.DIV_0_TRP */
    bool multiword_hooks;    /* LDRD/STRD/LDM/STM hooked for alignment */
    int multiword_count;     /* how many the image has; -1 until counted */
    bool unalign_hooked;     /* memory accesses hooked for CCR.UNALIGN_TRP */
    unsigned host_access;    /* > 0: the emulator itself is accessing guest memory */
    uc_hook unalign_hook;
    uint64_t redirect_at;    /* insns when a hook last wrote PC (entry/return) */
    bool sleep_on_exit;      /* SCR.SLEEPONEXIT: sleep after this return */
    uint64_t idle_warps;     /* consecutive idle skips without a wake-up */
    GSource *host_timer;     /* --clock host: wakes the CPU at deadlines */
    IdleWait *idle;          /* where the CPU thread sleeps; kicks end it */
    uc_context *monitor_ctx; /* exclusive_monitor.c: scratch for clearing */
    size_t monitor_offset;   /* the monitor in a saved context; 0: not cleared */
    uint64_t idle_poll_ns;   /* busy-poll this long before blocking */
    ICountEntry icache[ICOUNT_CACHE_SIZE];
} CpuState;

typedef struct MappedDevice {
    Machine *machine;
    char *name;
    const DeviceClass *cls;
    void *state;
    uint32_t base;
    uint32_t size;
} MappedDevice;

typedef struct RamBlock {
    char *name;
    uint8_t *host;
    uint32_t base;
    uint32_t size;
    bool rom;
    GArray *aliases; /* uint32_t */
} RamBlock;

struct Machine {
    MachineConfig config;
    Board *board;
    FirmwareImage *image;
    uc_engine *uc;
    GPtrArray *ram;     /* RamBlock* */
    GPtrArray *devices; /* MappedDevice* */
    GPtrArray *owned_irq_or; /* IrqOr* per NVIC line (NULL until used) */
    GPtrArray *owned;        /* small allocations freed with the machine */

    Clock *clock;
    IoThread *io;
    DeferQueue *defer;
    CharDev *serial[MACHINE_MAX_SERIALS];
    bool external_events; /* an event source outside the guest is attached */

    Nvic *nvic;
    void *systick; /* SysTick*, borrowed by the SCS */
    struct Mpu *mpu;         /* borrowed by the SCS */
    struct MpuTlb *mpu_tlb;  /* enforces it (mpu_tlb.c) */
    Semihost *semihost;
    CharDev *semihost_stderr;
    CharDev *semihost_stdout;
    char *semihost_cmdline;

    void *ivshmem_client;
    void *ivshmem_server;

    CpuState cpu;
    uint64_t host_start_ns;
};

/* Any thread: asks the CPU thread to look at the machine (bits of
 * CpuState.attention) at the next block boundary. The deadline store comes
 * after the bits, and the CPU thread looks at the bits after storing a new
 * deadline (cpu.c update_insn_deadline): one of the two sees the other. */
static inline void cpu_attention(Machine *m, unsigned bits)
{
    atomic_fetch_or(&m->cpu.attention, bits);
    atomic_store(&m->cpu.insn_deadline, 0);
}

/* machine.c */
void machine_kick(Machine *m);
bool machine_read_guest(Machine *m, uint32_t addr, void *buf, size_t len);
bool machine_write_guest(Machine *m, uint32_t addr, const void *buf, size_t len);
/* RAM and ROM only (never a device): false elsewhere. */
bool machine_read_ram(Machine *m, uint32_t addr, void *buf, size_t len);
bool machine_load_image(Machine *m, GError **error);
void machine_reset_devices(Machine *m);
/* The CPU clock now runs at hz (a clock controller reprogrammed): the
 * Clock rebases guest time and the CPU loop's instruction deadline, and
 * the devices counting CPU cycles follow. */
void machine_set_cpu_hz(Machine *m, uint64_t hz);
/* RAM and device windows for bus masters other than the CPU. */
BusAccess machine_bus(Machine *m);
MappedDevice *machine_map_device(Machine *m, const char *name, const DeviceClass *cls,
                                 void *state, uint32_t base, uint32_t size, GError **error);
/* The interrupt line a device output wired to NVIC line n uses (shared
 * lines go through an OR gate). */
IrqLine machine_nvic_input(Machine *m, unsigned n);
/* A line that, driven high, resets the system as AIRCR.SYSRESETREQ does
 * (the image reloads at the next block boundary). */
IrqLine machine_reset_input(Machine *m);

/* devices.c: creates every device the board lists, plus the SCS. */
bool devices_create(Machine *m, GError **error);
/* Frees what the SCS borrows (SysTick), after the devices are gone. */
void devices_free_core(Machine *m);

/* cpu.c */
bool cpu_init(Machine *m, GError **error);
int cpu_run(Machine *m);
void cpu_request_stop(Machine *m, StopReason reason);
NvicMasks cpu_masks(Machine *m);
/* Handler mode, or Thread mode with CONTROL.nPRIV clear (B1.4.4). */
bool cpu_privileged(Machine *m);
/* From a hook: takes a synchronous fault whose stacked PC is pc now. */
void cpu_take_fault_now(Machine *m, unsigned exc, uint32_t cfsr, uint32_t pc, const char *what);
/* From a memory hook or MMIO callback: records a precise fault of the
 * access being made (size bytes at address) for the run loop, finding its
 * instruction; the caller then stops emulation. */
void cpu_record_data_fault(Machine *m, unsigned exc, uint32_t cfsr, uint32_t address,
                           unsigned size, bool is_write, const char *what);

/* traps.c: the usage faults Unicorn does not take itself. */
/* At start, before anything is translated: arms what --strict asks for. */
void traps_init(Machine *m);
/* CCR or SHCSR asks for a trap that is not armed, or UNALIGN_TRP was
 * cleared: the run must stop so that traps_update can change the hooks. */
bool traps_change_wanted(Machine *m);
/* Between runs: arms and disarms the traps CCR asks for. */
void traps_update(Machine *m);

/* exception.c */
/* Takes exception exc now: pushes the frame with return_addr, enters the
 * handler. Returns false (with cpu.stop = STOP_FATAL) on lockup. */
bool exception_enter(Machine *m, unsigned exc, uint32_t return_addr);
/* Handles a branch to EXC_RETURN value exc_return. */
bool exception_return(Machine *m, uint32_t exc_return);
/* Takes a synchronous fault: routes it (escalation, lockup) and enters. */
bool exception_take_fault(Machine *m, const PendingFault *fault);
/* Delivers the highest deliverable exception, if any, returning to
 * return_addr. Returns true if one was taken. */
bool exception_deliver_pending(Machine *m, uint32_t return_addr);
/* Resets the core: SP and PC from the vector table at VTOR = 0. */
bool exception_reset_core(Machine *m, GError **error);
/* Writes xPSR (IPSR included) and refreshes Unicorn's cached mode flags. */
void exception_write_xpsr(uc_engine *uc, uint32_t xpsr);

/* report.c */
void report_fatal(Machine *m, const char *headline);

/* register helpers */
static inline uint32_t reg_get(uc_engine *uc, int reg)
{
    uint32_t v = 0;
    uc_reg_read(uc, reg, &v);
    return v;
}

static inline void reg_set(uc_engine *uc, int reg, uint32_t v)
{
    uc_reg_write(uc, reg, &v);
}

#endif
