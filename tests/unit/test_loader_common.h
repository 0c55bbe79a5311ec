/* Shared by the loader tests: a board memory map, a temporary directory per
 * test, and assertions for loaded and refused images. */
#ifndef TEST_LOADER_COMMON_H
#define TEST_LOADER_COMMON_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "loader.h"
#include "test_loader_elf.h"

/* flash 0x0 (256 KiB); sram 0x20000000 and sram2 right after it (64 KiB
 * each, adjacent but separate); top, ending exactly at 4 GiB. */
#define N_REGIONS 4
extern const LoadRegion regions[N_REGIONS];

extern char *tmpdir;    /* fresh for each test */
extern char *last_path; /* the file load_valid_elf() last wrote */

void loader_test_setup(void);
void loader_test_teardown(void);

/* Writes elf, loads it with loader_load_elf and asserts it loaded. */
FirmwareImage *load_valid_elf(const TestElf *elf);

/* A refusal: no image, MINIVM_ERROR with code, a one-line message naming
 * path and containing what (unless NULL). */
void assert_refused(FirmwareImage *image, GError *error, int code, const char *path,
                    const char *what);
/* elf (or len bytes) written to a file and refused as MINIVM_EXIT_BAD_IMAGE. */
void assert_elf_refused(const TestElf *elf, const char *what);
void assert_bytes_refused(const void *bytes, size_t len, const char *what);

void assert_segment(const FirmwareImage *image, guint index, uint32_t addr,
                    uint32_t filesz, uint32_t memsz);
/* name NULL: no symbol contains addr. */
void assert_symbol_at(const FirmwareImage *image, uint32_t addr, const char *name,
                      uint32_t offset);

/* xorshift32, for corruptions that reproduce on any GLib (GRand is also
 * among the functions libunicorn.a shadows). state must start nonzero. */
uint32_t test_rand(uint32_t *state);
/* In [lo, hi). */
uint32_t test_rand_range(uint32_t *state, uint32_t lo, uint32_t hi);

/* Truncation and corruption sweeps (test_loader_sweep.c). */
TCase *loader_sweep_tcase(void);

#endif
