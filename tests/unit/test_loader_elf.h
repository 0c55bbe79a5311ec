/* Builds small ELF files for the loader tests from a description, field by
 * field, so that each test can start from a valid Cortex-M image and break
 * exactly one thing. No toolchain needed. */
#ifndef TEST_LOADER_ELF_H
#define TEST_LOADER_ELF_H

#include <elf.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define TEST_ELF_MAX_SEGMENTS 4
#define TEST_ELF_MAX_SYMBOLS 16

/* p_offset value asking the builder to place the segment's data itself. */
#define TEST_ELF_AUTO_OFFSET UINT32_MAX

typedef struct TestElfSymbol {
    const char *name;
    uint32_t value;
    uint32_t size;
    uint8_t info; /* ELF32_ST_INFO(bind, type) */
    uint16_t shndx;
} TestElfSymbol;

typedef struct TestElf {
    uint8_t ident_class; /* EI_CLASS */
    bool big_endian;     /* EI_DATA = ELFDATA2MSB, every field written MSB first */
    uint16_t type;
    uint16_t machine;
    /* Segments with TEST_ELF_AUTO_OFFSET get p_filesz bytes of
     * test_elf_pattern() data; any other p_offset is written as given and
     * no data is placed for that segment. */
    Elf32_Phdr phdrs[TEST_ELF_MAX_SEGMENTS];
    size_t n_phdrs;
    /* Section headers (.text, .symtab, .strtab, .shstrtab) at the end of
     * the file; without them the file is "stripped" and ends with the last
     * segment's data. */
    bool with_sections;
    TestElfSymbol symbols[TEST_ELF_MAX_SYMBOLS];
    size_t n_symbols;
} TestElf;

/* A file's bytes. Not GByteArray: the static libunicorn.a brings its own
 * copy of part of that API with a different layout, and our test binaries
 * link it ahead of GLib, so g_byte_array_new and g_byte_array_unref would
 * come from different implementations. */
typedef struct TestBytes {
    uint8_t *data;
    size_t len;
} TestBytes;

TestBytes *test_bytes_copy(const TestBytes *bytes);
void test_bytes_free(TestBytes *bytes);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestBytes, test_bytes_free)

/* Where the builder put things, for truncating and patching files. */
typedef struct TestElfLayout {
    size_t phoff;
    size_t segment_offset[TEST_ELF_MAX_SEGMENTS];
    size_t symtab_offset;
    size_t shoff;
    size_t size;
} TestElfLayout;

/* The valid image:
 *   segment 0: PT_LOAD 0x00000000, 0x80 bytes (vectors, Reset_Handler, main)
 *   segment 1: PT_LOAD 0x20000000, 0x10 bytes of data + 0x100 of .bss
 *   segment 2: PT_ARM_EXIDX, 8 bytes (not loaded)
 * and a symbol table whose kept symbols are, by address:
 *   g_pfnVectors 0x0/0x40, Reset_Handler 0x40/0x10, main 0x50/0x30,
 *   counter 0x20000000/4, buffer 0x20000010/0x100
 * plus symbols the loader must drop (file, section, mapping symbols,
 * size-0 labels, an undefined function). */
void test_elf_init(TestElf *elf);

/* Byte k of segment i's data. */
uint8_t test_elf_pattern(size_t segment, size_t k);

TestBytes *test_elf_build(const TestElf *elf, TestElfLayout *layout);

/* A minimal 64-bit little-endian ELF header (AArch64 executable). */
TestBytes *test_elf_build_elf64(void);

/* dir/name with the given contents; returns the path. */
char *test_write_file(const char *dir, const char *name, const void *data, size_t len);
char *test_elf_write(const char *dir, const char *name, const TestElf *elf);

#endif
