/* Board descriptions: a board is a data file (GKeyFile) under boards/,
 * read into a Board that the machine turns into memory, devices and
 * interrupt wiring. Every error names the file, group and key
 * (GError MINIVM_ERROR / MINIVM_EXIT_BAD_BOARD). */
#ifndef MINIVM_BOARD_H
#define MINIVM_BOARD_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum { BOARD_MEM_RAM, BOARD_MEM_ROM } BoardMemKind;

typedef struct BoardMemory {
    char *name;
    BoardMemKind kind;
    uint32_t base;
    uint32_t size;
    GArray *aliases; /* uint32_t base addresses showing the same memory */
} BoardMemory;

typedef struct BoardDevice {
    char *name;  /* from the group name "device NAME" */
    char *group; /* the full group name, for property look-ups */
    char *type;
    uint32_t base;
    uint32_t size; /* 0 = the device type's default */
} BoardDevice;

typedef struct BoardIvshmem {
    uint32_t mmio;
    uint32_t shm;
    unsigned irq;
} BoardIvshmem;

typedef struct Board {
    char *path;
    char *name;
    char *description;
    char *cpu;
    uint64_t cpu_hz;
    unsigned nvic_irqs;
    unsigned nvic_prio_bits;
    uint64_t systick_ref_hz; /* 0 = no reference clock */
    char *semihosting_ram;   /* memory region HEAPINFO reports, or NULL */
    GPtrArray *memories;     /* BoardMemory* */
    GPtrArray *devices;      /* BoardDevice* */
    BoardIvshmem ivshmem;
    GKeyFile *keyfile;
} Board;

/* name: a board name (looked up in the board path) or a path to a .board
 * file (anything containing '/' or ending in ".board"). */
Board *board_load(const char *name_or_path, GError **error);
Board *board_load_file(const char *path, GError **error);
void board_free(Board *board);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Board, board_free)

/* Directories searched for NAME.board, in order: $MINIVM_BOARD_PATH
 * (colon-separated), the source tree's boards/, the installed data dir. */
GPtrArray *board_search_dirs(void);
/* Every board found in the search path, as "NAME\tDESCRIPTION\tPATH"
 * strings sorted by name (first occurrence of a name wins). */
GPtrArray *board_list(void);

/* Device properties. Numbers accept 0x hex, decimal and K/M/G suffixes.
 * Absent optional keys leave *out at the default and return true. */
bool board_device_u32(const Board *board, const BoardDevice *dev, const char *key,
                      uint32_t default_value, uint32_t *out, GError **error);
/* An interrupt line: key "irq" (name NULL) or "irq-NAME". *out = -1 when
 * absent, BOARD_IRQ_NMI for "nmi" (the output drives the NMI, as the
 * mps2-an385 watchdog's does); a line >= nvic_irqs is an error. */
#define BOARD_IRQ_NMI (-2)
bool board_device_irq(const Board *board, const BoardDevice *dev, const char *name,
                      int *out, GError **error);
/* A text key: *out is NULL when absent (free with g_free). */
char *board_device_string(const Board *board, const BoardDevice *dev, const char *key);

/* Parses "0x1000", "4096", "4K", "4M", "1G" into *out (fits 32 bits
 * unless allow_64). Used by the command line too. */
bool parse_size_u64(const char *text, uint64_t *out);

#endif
