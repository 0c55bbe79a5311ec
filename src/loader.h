/* Firmware images: ELF32 little-endian ARM executables (via libelf) and raw
 * binaries. Loading only reads and checks the file against the board's
 * memory; the machine copies the segments into guest memory. */
#ifndef MINIVM_LOADER_H
#define MINIVM_LOADER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* A place firmware may be loaded: a RAM/ROM region or one of its aliases. */
typedef struct LoadRegion {
    const char *name;
    uint32_t base;
    uint32_t size;
} LoadRegion;

typedef struct ImageSegment {
    uint32_t addr;   /* physical (load) address */
    uint32_t filesz; /* bytes of data */
    uint32_t memsz;  /* >= filesz; the rest is zero-filled */
    uint8_t *data;   /* filesz bytes, owned by the image */
} ImageSegment;

typedef struct ImageSymbol {
    uint32_t addr; /* Thumb bit cleared */
    uint32_t size;
    char *name;
} ImageSymbol;

typedef struct FirmwareImage {
    char *path;
    GArray *segments; /* ImageSegment, in file order */
    GArray *symbols;  /* ImageSymbol (functions and objects), sorted by addr */
} FirmwareImage;

/* Errors (MINIVM_ERROR): MINIVM_EXIT_NO_FILE if the file cannot be opened
 * or read, MINIVM_EXIT_BAD_IMAGE for anything wrong with its contents or a
 * segment outside every region. Messages name the file and the problem. */
FirmwareImage *loader_load_elf(const char *path, const LoadRegion *regions,
                               size_t n_regions, GError **error);
FirmwareImage *loader_load_bin(const char *path, uint32_t load_addr,
                               const LoadRegion *regions, size_t n_regions,
                               GError **error);
/* ELF if the file starts with the ELF magic, else a raw binary at
 * load_addr (has_load_addr false and not ELF → MINIVM_EXIT_BAD_IMAGE). */
FirmwareImage *loader_load(const char *path, bool has_load_addr, uint32_t load_addr,
                           const LoadRegion *regions, size_t n_regions, GError **error);
void firmware_image_free(FirmwareImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FirmwareImage, firmware_image_free)

/* The symbol containing addr (Thumb bit ignored), or NULL; *offset is
 * addr - symbol start. */
const ImageSymbol *firmware_image_symbol_at(const FirmwareImage *image, uint32_t addr,
                                            uint32_t *offset);
/* Address of a named symbol; false if absent. */
bool firmware_image_lookup(const FirmwareImage *image, const char *name, uint32_t *addr);
/* "name+0x12" or "" into buf. */
const char *firmware_image_describe(const FirmwareImage *image, uint32_t addr, char *buf,
                                    size_t len);

#endif
