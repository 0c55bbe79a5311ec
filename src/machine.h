/* The emulated machine: a board's memory and devices, a firmware image,
 * and the CPU that runs it. main() fills a MachineConfig from the command
 * line, creates the machine and runs it; the run's exit status is the
 * process's (README "Exit status"). */
#ifndef MINIVM_MACHINE_H
#define MINIVM_MACHINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define MACHINE_MAX_SERIALS 8
/* --idle-poll default while an external event source (ivshmem) is attached:
 * covers a peer's answer to a doorbell the guest just rang (bench/). */
#define MACHINE_DEFAULT_IDLE_POLL_US 50

typedef enum {
    IDLE_AUTO, /* virtual clock: skip idle time unless an external source is attached */
    IDLE_SKIP, /* always jump to the next timer deadline while in WFI */
    IDLE_HOST, /* idle time always follows host time */
} IdlePolicy;

typedef struct MachineConfig {
    const char *board;    /* name or path */
    const char *firmware; /* ELF or raw binary */
    bool has_load_addr;
    uint32_t load_addr;
    const char *serial[MACHINE_MAX_SERIALS]; /* chardev specs; NULL = default */
    const char *cmdline;                     /* semihosting GET_CMDLINE */
    bool semihosting;
    const char *semihosting_root;
    bool strict;
    bool virtual_clock;
    IdlePolicy idle;
    int idle_poll_us;   /* busy-poll in WFI before blocking; -1 = default */
    uint64_t max_insns; /* 0 = unlimited */
    double timeout;     /* host seconds; 0 = none */

    const char *ivshmem_socket; /* connect to this server */
    const char *ivshmem_serve;  /* start a built-in server here and connect */
    uint64_t ivshmem_size;
    int ivshmem_irq;            /* -1 = board default */
    bool has_ivshmem_mmio, has_ivshmem_shm;
    uint32_t ivshmem_mmio, ivshmem_shm;
    unsigned ivshmem_vectors;   /* for --ivshmem-serve */
} MachineConfig;

typedef struct Machine Machine;

/* Errors carry the exit status as their code (errors.h). */
Machine *machine_new(const MachineConfig *config, GError **error);
/* Runs until the guest exits or a limit is reached; returns the exit
 * status (guest's, 100, 101, 124, 125, or 70). */
int machine_run(Machine *m);
void machine_free(Machine *m);

#endif
