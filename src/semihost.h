/* ARM semihosting for M-profile (BKPT 0xAB): decoding and carrying out one
 * call. Knows nothing about Unicorn: guest memory is reached through the
 * functions in SemihostEnv, so the module is unit-tested without a CPU.
 * See DESIGN.md section 7 and the "Semihosting for AArch32 and AArch64"
 * specification. */
#ifndef MINIVM_SEMIHOST_H
#define MINIVM_SEMIHOST_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "chardev.h"
#include "clock.h"

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITEC 0x03
#define SYS_WRITE0 0x04
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_READC 0x07
#define SYS_ISERROR 0x08
#define SYS_ISTTY 0x09
#define SYS_SEEK 0x0A
#define SYS_FLEN 0x0C
#define SYS_TMPNAM 0x0D
#define SYS_REMOVE 0x0E
#define SYS_RENAME 0x0F
#define SYS_CLOCK 0x10
#define SYS_TIME 0x11
#define SYS_SYSTEM 0x12
#define SYS_ERRNO 0x13
#define SYS_GET_CMDLINE 0x15
#define SYS_HEAPINFO 0x16
#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20
#define SYS_ELAPSED 0x30
#define SYS_TICKFREQ 0x31

#define ADP_STOPPED_APPLICATION_EXIT 0x20026

typedef struct SemihostEnv {
    /* Guest memory access; false if the range is not mapped. */
    bool (*read_mem)(void *opaque, uint32_t addr, void *buf, size_t len);
    bool (*write_mem)(void *opaque, uint32_t addr, const void *buf, size_t len);
    void *opaque;
    CharDev *console;      /* READC, and ":tt" opened for reading or writing */
    /* WRITEC, WRITE0 and ":tt" opened for appending: QEMU sends these to
     * its stderr when no semihosting chardev is set. NULL = console. */
    CharDev *debug_console;
    Clock *clock;          /* CLOCK, ELAPSED, TICKFREQ */
    const char *cmdline;   /* GET_CMDLINE; NULL means "" */
    uint32_t heap_base, heap_limit, stack_base, stack_limit; /* HEAPINFO */
    const char *root_dir;  /* host file access only below this; NULL = none */
} SemihostEnv;

typedef struct Semihost Semihost;

typedef enum {
    SEMIHOST_CONTINUE, /* r0 holds the result; resume after the BKPT */
    SEMIHOST_EXIT,     /* the guest asked to exit with *exit_status */
} SemihostAction;

Semihost *semihost_new(const SemihostEnv *env);
void semihost_free(Semihost *sh);

/* Carries out operation op with parameter param (r0, r1 at the BKPT).
 * *result is the value for r0. */
SemihostAction semihost_call(Semihost *sh, uint32_t op, uint32_t param, uint32_t *result,
                             int *exit_status);

#endif
