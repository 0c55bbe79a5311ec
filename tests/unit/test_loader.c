/* The firmware loader, as a specification: which segments load and where,
 * every way a file is refused (with its exit code and a message naming the
 * file), raw binaries, and symbol lookup. Files are generated per test from
 * a valid image (test_loader_elf.h) with one thing broken. */
#include <check.h>
#include <elf.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "loader.h"
#include "test_loader_common.h"
#include "test_loader_elf.h"
#include "unit_main.h"

/* Links segment i to run where it is loaded, at addr. */
static void move_segment(TestElf *elf, size_t i, uint32_t addr)
{
    elf->phdrs[i].p_vaddr = elf->phdrs[i].p_paddr = addr;
}

/* ---- Valid ELF images ---- */

START_TEST(test_each_pt_load_segment_is_loaded_in_file_order)
{
    TestElf elf;
    test_elf_init(&elf);
    g_autoptr(FirmwareImage) image = load_valid_elf(&elf);
    ck_assert_str_eq(image->path, last_path);
    ck_assert_uint_eq(image->segments->len, 2); /* PT_ARM_EXIDX is not loaded */
    assert_segment(image, 0, 0x00000000, 0x80, 0x80);
    assert_segment(image, 1, 0x20000000, 0x10, 0x110);
}
END_TEST

START_TEST(test_segment_data_is_the_file_bytes)
{
    TestElf elf;
    test_elf_init(&elf);
    g_autoptr(FirmwareImage) image = load_valid_elf(&elf);
    for (guint i = 0; i < image->segments->len; i++) {
        const ImageSegment *seg = &g_array_index(image->segments, ImageSegment, i);
        for (uint32_t k = 0; k < seg->filesz; k++)
            ck_assert_uint_eq(seg->data[k], test_elf_pattern(i, k));
    }
}
END_TEST

START_TEST(test_segment_loads_at_physical_not_virtual_address)
{
    /* .data linked to run at 0x20000000 but stored in flash after the text;
     * .bss as its own segment with no file bytes. */
    TestElf elf;
    test_elf_init(&elf);
    elf.phdrs[1].p_paddr = 0x80;
    elf.phdrs[1].p_memsz = 0x10;
    elf.phdrs[2] = (Elf32_Phdr){
        .p_type = PT_LOAD, .p_offset = TEST_ELF_AUTO_OFFSET, .p_vaddr = 0x20000010,
        .p_paddr = 0x20000010, .p_filesz = 0, .p_memsz = 0x100,
    };
    g_autoptr(FirmwareImage) image = load_valid_elf(&elf);
    ck_assert_uint_eq(image->segments->len, 3);
    assert_segment(image, 1, 0x80, 0x10, 0x10);
    assert_segment(image, 2, 0x20000010, 0, 0x100);
    ck_assert_ptr_null(g_array_index(image->segments, ImageSegment, 2).data);
}
END_TEST

START_TEST(test_zero_fill_stays_at_the_run_address)
{
    /* .data and .bss in one segment, stored in flash, run in RAM: only
     * .data's bytes go to flash, even when the .bss tail would run off it. */
    TestElf elf;
    test_elf_init(&elf);
    elf.phdrs[1].p_paddr = 0x3FFF0; /* the last 16 bytes of flash */
    g_autoptr(FirmwareImage) image = load_valid_elf(&elf);
    assert_segment(image, 1, 0x3FFF0, 0x10, 0x10);
}
END_TEST

START_TEST(test_bss_with_a_flash_load_address_is_not_loaded)
{
    /* What GNU ld emits for a .bss-only segment: run address in RAM, load
     * address after the text, no file bytes. Nothing to store. */
    TestElf elf;
    test_elf_init(&elf);
    elf.phdrs[2] = (Elf32_Phdr){
        .p_type = PT_LOAD, .p_offset = TEST_ELF_AUTO_OFFSET, .p_vaddr = 0x20000200,
        .p_paddr = 0x40000, .p_filesz = 0, .p_memsz = 0x400, /* LMA past flash */
    };
    g_autoptr(FirmwareImage) image = load_valid_elf(&elf);
    ck_assert_uint_eq(image->segments->len, 2);
}
END_TEST

START_TEST(test_pt_load_with_zero_memsz_is_skipped)
{
    /* Even one outside memory: it occupies nothing. */
    TestElf elf;
    test_elf_init(&elf);
    elf.phdrs[2] = (Elf32_Phdr){
        .p_type = PT_LOAD, .p_offset = TEST_ELF_AUTO_OFFSET, .p_paddr = 0x90000000,
    };
    g_autoptr(FirmwareImage) image = load_valid_elf(&elf);
    ck_assert_uint_eq(image->segments->len, 2);
}
END_TEST

START_TEST(test_segment_may_fill_a_region_exactly)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.phdrs[0].p_memsz = 0x40000; /* all of flash */
    g_autoptr(FirmwareImage) image = load_valid_elf(&elf);
    assert_segment(image, 0, 0, 0x80, 0x40000);
}
END_TEST

START_TEST(test_segment_may_end_at_the_top_of_the_address_space)
{
    TestElf elf;
    test_elf_init(&elf);
    move_segment(&elf, 1, 0xFFFFFEF0);
    g_autoptr(FirmwareImage) image = load_valid_elf(&elf);
    assert_segment(image, 1, 0xFFFFFEF0, 0x10, 0x110);
}
END_TEST

START_TEST(test_load_sniffs_elf_even_with_a_load_address)
{
    TestElf elf;
    test_elf_init(&elf);
    g_autofree char *path = test_elf_write(tmpdir, "fw.elf", &elf);
    GError *error = NULL;
    g_autoptr(FirmwareImage) image =
        loader_load(path, true, 0x20000000, regions, N_REGIONS, &error);
    ck_assert_ptr_null(error);
    ck_assert_uint_eq(image->segments->len, 2);
    ck_assert_uint_gt(image->symbols->len, 0);
}
END_TEST

/* ---- ELF headers refused ---- */

START_TEST(test_not_elf_suggests_load_addr)
{
    static const char text[] = "#!/bin/sh\necho this is not firmware\n";
    g_autofree char *path = test_write_file(tmpdir, "fw.txt", text, sizeof(text) - 1);
    GError *error = NULL;
    FirmwareImage *image = loader_load(path, false, 0, regions, N_REGIONS, &error);
    assert_refused(image, error, MINIVM_EXIT_BAD_IMAGE, path,
                   "not an ELF file; use --load-addr ADDR for a raw binary");
    g_clear_error(&error);
    image = loader_load_elf(path, regions, N_REGIONS, &error);
    assert_refused(image, error, MINIVM_EXIT_BAD_IMAGE, path, "not an ELF file");
    g_error_free(error);
}
END_TEST

START_TEST(test_random_garbage_is_not_elf)
{
    uint32_t seed = 1;
    uint8_t junk[512];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)test_rand(&seed);
    junk[0] = 0x00;
    g_autofree char *path = test_write_file(tmpdir, "junk", junk, sizeof(junk));
    GError *error = NULL;
    FirmwareImage *image = loader_load(path, false, 0, regions, N_REGIONS, &error);
    assert_refused(image, error, MINIVM_EXIT_BAD_IMAGE, path, "not an ELF file");
    g_error_free(error);
}
END_TEST

START_TEST(test_64_bit_elf_is_refused)
{
    g_autoptr(TestBytes) bytes = test_elf_build_elf64();
    assert_bytes_refused(bytes->data, bytes->len, "64-bit");
}
END_TEST

START_TEST(test_64_bit_class_byte_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.ident_class = ELFCLASS64;
    assert_elf_refused(&elf, "64-bit");
}
END_TEST

START_TEST(test_invalid_class_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.ident_class = 7;
    assert_elf_refused(&elf, "invalid ELF identification (class 7");
}
END_TEST

START_TEST(test_big_endian_elf_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.big_endian = true;
    assert_elf_refused(&elf, "big-endian");
}
END_TEST

START_TEST(test_non_arm_machine_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.machine = EM_X86_64;
    assert_elf_refused(&elf, "machine 62 (x86-64), not ARM");
}
END_TEST

START_TEST(test_relocatable_object_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.type = ET_REL;
    assert_elf_refused(&elf, "relocatable object (ET_REL)");
}
END_TEST

START_TEST(test_position_independent_executable_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.type = ET_DYN;
    assert_elf_refused(&elf, "(ET_DYN)");
}
END_TEST

START_TEST(test_core_dump_and_unknown_types_are_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.type = ET_CORE;
    assert_elf_refused(&elf, "core dump");
    elf.type = ET_NONE;
    assert_elf_refused(&elf, "ELF type 0 is not an executable");
}
END_TEST

START_TEST(test_truncated_elf_header_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    g_autoptr(TestBytes) bytes = test_elf_build(&elf, NULL);
    assert_bytes_refused(bytes->data, 10, "truncated ELF header");
    assert_bytes_refused(bytes->data, 40, "truncated ELF header");
}
END_TEST

START_TEST(test_wrong_program_header_size_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    g_autoptr(TestBytes) bytes = test_elf_build(&elf, NULL);
    bytes->data[offsetof(Elf32_Ehdr, e_phentsize)] = 16;
    assert_bytes_refused(bytes->data, bytes->len, "program headers entry size is 16");
}
END_TEST

/* ---- ELF segments refused ---- */

START_TEST(test_truncated_program_headers_are_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.with_sections = false;
    TestElfLayout layout;
    g_autoptr(TestBytes) bytes = test_elf_build(&elf, &layout);
    assert_bytes_refused(bytes->data, layout.phoff + sizeof(Elf32_Phdr) + 5,
                         "truncated: program headers");
}
END_TEST

START_TEST(test_truncated_segment_data_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.with_sections = false;
    elf.n_phdrs = 2; /* segment 1's data ends the file */
    TestElfLayout layout;
    g_autoptr(TestBytes) bytes = test_elf_build(&elf, &layout);
    assert_bytes_refused(bytes->data, layout.segment_offset[1] + 3,
                         "truncated: segment 1 data");
}
END_TEST

START_TEST(test_segment_offset_beyond_file_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.phdrs[1].p_offset = 0xFFFFFFF8; /* offset + size wraps in 32 bits */
    assert_elf_refused(&elf, "truncated: segment 1 data");
}
END_TEST

START_TEST(test_truncated_section_headers_are_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    TestElfLayout layout;
    g_autoptr(TestBytes) bytes = test_elf_build(&elf, &layout);
    assert_bytes_refused(bytes->data, layout.shoff + 50, "truncated");
}
END_TEST

START_TEST(test_filesz_above_memsz_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.phdrs[1].p_filesz = 0x200;
    assert_elf_refused(&elf, "segment 1: file size 0x200 exceeds memory size 0x110");
    test_elf_init(&elf);
    elf.phdrs[1].p_memsz = 0;
    assert_elf_refused(&elf, "exceeds memory size 0x0");
}
END_TEST

START_TEST(test_segment_outside_memory_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    move_segment(&elf, 1, 0x30000000);
    assert_elf_refused(&elf, "segment 1 0x30000000-0x3000010f is outside the board's memory");
}
END_TEST

START_TEST(test_segment_straddling_two_regions_is_refused)
{
    /* sram and sram2 are adjacent, but a segment must lie in one. */
    TestElf elf;
    test_elf_init(&elf);
    move_segment(&elf, 1, 0x2000FF00);
    assert_elf_refused(&elf, "segment 1 0x2000ff00-0x2001000f does not fit in memory region "
                             "sram (0x20000000-0x2000ffff)");
}
END_TEST

START_TEST(test_segment_running_off_a_region_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    move_segment(&elf, 0, 0x3FFC0);
    assert_elf_refused(&elf, "segment 0 0x0003ffc0-0x0004003f does not fit in memory region "
                             "flash");
}
END_TEST

START_TEST(test_segment_wrapping_past_4_gib_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    move_segment(&elf, 1, 0xFFFFFF00);
    assert_elf_refused(&elf, "segment 1 at 0xffffff00 (0x110 bytes) wraps past the end");
}
END_TEST

START_TEST(test_board_without_memory_takes_nothing)
{
    TestElf elf;
    test_elf_init(&elf);
    g_autofree char *path = test_elf_write(tmpdir, "fw.elf", &elf);
    GError *error = NULL;
    FirmwareImage *image = loader_load_elf(path, NULL, 0, &error);
    assert_refused(image, error, MINIVM_EXIT_BAD_IMAGE, path, "outside the board's memory");
    g_error_free(error);
}
END_TEST

START_TEST(test_no_pt_load_segment_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    for (size_t i = 0; i < elf.n_phdrs; i++)
        elf.phdrs[i].p_type = PT_NOTE;
    assert_elf_refused(&elf, "no loadable (PT_LOAD) segments");
}
END_TEST

START_TEST(test_no_program_headers_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.n_phdrs = 0;
    assert_elf_refused(&elf, "no loadable (PT_LOAD) segments");
}
END_TEST

START_TEST(test_only_empty_pt_load_segments_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.n_phdrs = 1;
    elf.phdrs[0].p_filesz = elf.phdrs[0].p_memsz = 0;
    assert_elf_refused(&elf, "no loadable (PT_LOAD) segments");
}
END_TEST

/* ---- Files refused ---- */

/* Each of the three entry points refuses path with code and what. */
static void assert_all_refuse(const char *path, int code, const char *what)
{
    GError *error = NULL;
    FirmwareImage *image = loader_load_elf(path, regions, N_REGIONS, &error);
    assert_refused(image, error, code, path, what);
    g_clear_error(&error);
    image = loader_load_bin(path, 0x20000000, regions, N_REGIONS, &error);
    assert_refused(image, error, code, path, what);
    g_clear_error(&error);
    image = loader_load(path, true, 0x20000000, regions, N_REGIONS, &error);
    assert_refused(image, error, code, path, what);
    g_clear_error(&error);
}

START_TEST(test_empty_file_is_refused)
{
    g_autofree char *path = test_write_file(tmpdir, "empty", "", 0);
    assert_all_refuse(path, MINIVM_EXIT_BAD_IMAGE, "empty file");
}
END_TEST

START_TEST(test_missing_file_is_no_file)
{
    g_autofree char *path = g_build_filename(tmpdir, "missing.elf", NULL);
    assert_all_refuse(path, MINIVM_EXIT_NO_FILE, "cannot open");
}
END_TEST

START_TEST(test_directory_is_no_file)
{
    g_autofree char *path = g_build_filename(tmpdir, "dir.elf", NULL);
    ck_assert_int_eq(g_mkdir(path, 0755), 0);
    assert_all_refuse(path, MINIVM_EXIT_NO_FILE, "is a directory");
}
END_TEST

START_TEST(test_fifo_is_refused_without_waiting_for_a_writer)
{
    g_autofree char *path = g_build_filename(tmpdir, "fifo", NULL);
    ck_assert_int_eq(mkfifo(path, 0644), 0);
    assert_all_refuse(path, MINIVM_EXIT_NO_FILE, "not a regular file");
}
END_TEST

START_TEST(test_unreadable_file_is_no_file)
{
    /* root reads anything, so the rule cannot be observed as root. */
    if (geteuid() == 0)
        return;
    g_autofree char *path = test_write_file(tmpdir, "secret", "\x7f" "ELF", 4);
    ck_assert_int_eq(g_chmod(path, 0), 0);
    assert_all_refuse(path, MINIVM_EXIT_NO_FILE, "Permission denied");
}
END_TEST

/* ---- Raw binaries ---- */

static char *write_raw(size_t len)
{
    g_autofree uint8_t *bytes = g_malloc(len);
    for (size_t i = 0; i < len; i++)
        bytes[i] = (uint8_t)(i * 7);
    return test_write_file(tmpdir, "fw.bin", bytes, len);
}

static void assert_raw_image(const FirmwareImage *image, uint32_t addr, uint32_t len)
{
    ck_assert_uint_eq(image->segments->len, 1);
    assert_segment(image, 0, addr, len, len);
    const ImageSegment *seg = &g_array_index(image->segments, ImageSegment, 0);
    for (uint32_t i = 0; i < len; i++)
        ck_assert_uint_eq(seg->data[i], (uint8_t)(i * 7));
    ck_assert_uint_eq(image->symbols->len, 0);
}

START_TEST(test_raw_binary_is_one_segment_of_the_whole_file)
{
    g_autofree char *path = write_raw(100);
    GError *error = NULL;
    g_autoptr(FirmwareImage) image =
        loader_load_bin(path, 0x20000000, regions, N_REGIONS, &error);
    ck_assert_ptr_null(error);
    assert_raw_image(image, 0x20000000, 100);
    ck_assert_str_eq(image->path, path);
}
END_TEST

START_TEST(test_load_with_address_treats_non_elf_as_raw)
{
    g_autofree char *path = write_raw(64);
    GError *error = NULL;
    g_autoptr(FirmwareImage) image =
        loader_load(path, true, 0x00001000, regions, N_REGIONS, &error);
    ck_assert_ptr_null(error);
    assert_raw_image(image, 0x00001000, 64);
}
END_TEST

START_TEST(test_raw_binary_may_end_at_the_top_of_the_address_space)
{
    g_autofree char *path = write_raw(100);
    GError *error = NULL;
    g_autoptr(FirmwareImage) image =
        loader_load_bin(path, 0xFFFFFF9C, regions, N_REGIONS, &error);
    ck_assert_ptr_null(error);
    assert_raw_image(image, 0xFFFFFF9C, 100);
}
END_TEST

START_TEST(test_raw_binary_outside_memory_is_refused)
{
    g_autofree char *path = write_raw(100);
    GError *error = NULL;
    FirmwareImage *image = loader_load_bin(path, 0x30000000, regions, N_REGIONS, &error);
    assert_refused(image, error, MINIVM_EXIT_BAD_IMAGE, path,
                   "raw image 0x30000000-0x30000063 is outside the board's memory");
    g_clear_error(&error);
    image = loader_load_bin(path, 0x3FFF0, regions, N_REGIONS, &error);
    assert_refused(image, error, MINIVM_EXIT_BAD_IMAGE, path,
                   "does not fit in memory region flash");
    g_clear_error(&error);
    image = loader_load(path, true, 0xFFFFFFF0, regions, N_REGIONS, &error);
    assert_refused(image, error, MINIVM_EXIT_BAD_IMAGE, path, "wraps past the end");
    g_error_free(error);
}
END_TEST

/* ---- Symbols ---- */

static FirmwareImage *load_default(void)
{
    TestElf elf;
    test_elf_init(&elf);
    return load_valid_elf(&elf);
}

START_TEST(test_symbols_are_sized_functions_and_objects_by_address)
{
    static const struct { const char *name; uint32_t addr, size; } want[] = {
        {"g_pfnVectors", 0x0, 0x40}, {"Reset_Handler", 0x40, 0x10}, {"main", 0x50, 0x30},
        {"counter", 0x20000000, 4},  {"buffer", 0x20000010, 0x100},
    };
    g_autoptr(FirmwareImage) image = load_default();
    ck_assert_uint_eq(image->symbols->len, G_N_ELEMENTS(want));
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        const ImageSymbol *s = &g_array_index(image->symbols, ImageSymbol, i);
        ck_assert_str_eq(s->name, want[i].name);
        ck_assert_uint_eq(s->addr, want[i].addr); /* Thumb bit cleared */
        ck_assert_uint_eq(s->size, want[i].size);
    }
}
END_TEST

START_TEST(test_labels_mapping_and_undefined_symbols_are_dropped)
{
    static const char *const dropped[] = {"$t", "$d", "loop", "_estack", "printf", "startup.o"};
    g_autoptr(FirmwareImage) image = load_default();
    for (size_t i = 0; i < G_N_ELEMENTS(dropped); i++)
        ck_assert_msg(!firmware_image_lookup(image, dropped[i], NULL), "%s kept", dropped[i]);
}
END_TEST

START_TEST(test_symbol_at_finds_the_containing_symbol)
{
    g_autoptr(FirmwareImage) image = load_default();
    assert_symbol_at(image, 0x00000000, "g_pfnVectors", 0);
    assert_symbol_at(image, 0x00000050, "main", 0);
    assert_symbol_at(image, 0x00000062, "main", 0x12);
    assert_symbol_at(image, 0x00000063, "main", 0x12); /* Thumb bit ignored */
    assert_symbol_at(image, 0x0000007E, "main", 0x2E);
    assert_symbol_at(image, 0x00000080, NULL, 0); /* one past the end */
    assert_symbol_at(image, 0x20000002, "counter", 2);
    assert_symbol_at(image, 0x20000004, NULL, 0); /* gap before buffer */
    assert_symbol_at(image, 0x2000010E, "buffer", 0xFE);
    assert_symbol_at(image, 0xFFFFFFFF, NULL, 0);
}
END_TEST

START_TEST(test_symbol_at_prefers_the_innermost_symbol)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.symbols[elf.n_symbols++] = (TestElfSymbol){
        "inner", 0x20000020, 0x10, ELF32_ST_INFO(STB_LOCAL, STT_OBJECT), 1};
    elf.symbols[elf.n_symbols++] = (TestElfSymbol){
        "head", 0x20000010, 8, ELF32_ST_INFO(STB_LOCAL, STT_OBJECT), 1};
    /* Weak aliases of one handler: the first by name wins, whatever the file order. */
    elf.symbols[elf.n_symbols++] = (TestElfSymbol){
        "UART_Handler", 0x41, 0x10, ELF32_ST_INFO(STB_WEAK, STT_FUNC), 1};
    elf.symbols[elf.n_symbols++] = (TestElfSymbol){
        "ADC_Handler", 0x41, 0x10, ELF32_ST_INFO(STB_WEAK, STT_FUNC), 1};
    g_autoptr(FirmwareImage) image = load_valid_elf(&elf);
    assert_symbol_at(image, 0x20000024, "inner", 4);
    assert_symbol_at(image, 0x20000034, "buffer", 0x24); /* past inner: the outer one */
    assert_symbol_at(image, 0x20000012, "head", 2);
    assert_symbol_at(image, 0x20000018, "buffer", 8);
    assert_symbol_at(image, 0x44, "ADC_Handler", 4);
}
END_TEST

START_TEST(test_lookup_returns_the_address_of_a_name)
{
    g_autoptr(FirmwareImage) image = load_default();
    uint32_t addr = 0;
    ck_assert(firmware_image_lookup(image, "main", &addr));
    ck_assert_uint_eq(addr, 0x50);
    ck_assert(firmware_image_lookup(image, "counter", &addr));
    ck_assert_uint_eq(addr, 0x20000000);
    ck_assert(!firmware_image_lookup(image, "no_such_symbol", &addr));
}
END_TEST

START_TEST(test_describe_names_symbol_and_offset)
{
    g_autoptr(FirmwareImage) image = load_default();
    char buf[64];
    ck_assert_str_eq(firmware_image_describe(image, 0x62, buf, sizeof(buf)), "main+0x12");
    ck_assert_str_eq(firmware_image_describe(image, 0x51, buf, sizeof(buf)), "main");
    ck_assert_str_eq(firmware_image_describe(image, 0x2000010E, buf, sizeof(buf)),
                     "buffer+0xfe");
    ck_assert_str_eq(firmware_image_describe(image, 0x80, buf, sizeof(buf)), "");
}
END_TEST

START_TEST(test_describe_truncates_to_the_buffer)
{
    g_autoptr(FirmwareImage) image = load_default();
    char buf[6] = "xxxxx";
    ck_assert_str_eq(firmware_image_describe(image, 0x62, buf, sizeof(buf)), "main+");
    char untouched = 'x';
    ck_assert_str_eq(firmware_image_describe(image, 0x62, &untouched, 0), "");
    ck_assert_int_eq(untouched, 'x');
}
END_TEST

START_TEST(test_stripped_elf_has_no_symbols)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.with_sections = false;
    g_autoptr(FirmwareImage) image = load_valid_elf(&elf);
    ck_assert_uint_eq(image->symbols->len, 0);
    char buf[16];
    ck_assert_str_eq(firmware_image_describe(image, 0x62, buf, sizeof(buf)), "");
    ck_assert_ptr_null(firmware_image_symbol_at(image, 0x62, NULL));
}
END_TEST

START_TEST(test_empty_symbol_table_gives_no_symbols)
{
    TestElf elf;
    test_elf_init(&elf);
    elf.n_symbols = 0;
    g_autoptr(FirmwareImage) image = load_valid_elf(&elf);
    ck_assert_uint_eq(image->symbols->len, 0);
}
END_TEST

START_TEST(test_corrupt_symbol_name_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    TestElfLayout layout;
    g_autoptr(TestBytes) bytes = test_elf_build(&elf, &layout);
    /* symbols[6] is main; entry 0 of the table is the null symbol. */
    size_t st_name = layout.symtab_offset + 7 * sizeof(Elf32_Sym);
    bytes->data[st_name + 2] = 0x7F; /* far past the end of .strtab */
    assert_bytes_refused(bytes->data, bytes->len, "symbol 7 has a corrupt name");
}
END_TEST

START_TEST(test_queries_accept_no_image)
{
    char buf[8];
    ck_assert_ptr_null(firmware_image_symbol_at(NULL, 0, NULL));
    ck_assert(!firmware_image_lookup(NULL, "main", NULL));
    ck_assert_str_eq(firmware_image_describe(NULL, 0, buf, sizeof(buf)), "");
    firmware_image_free(NULL);
}
END_TEST

/* ---- Suite ---- */

static TCase *tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, loader_test_setup, loader_test_teardown);
    suite_add_tcase(s, tc);
    return tc;
}

static Suite *loader_suite(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase(s, "valid ELF loads at physical addresses");
    tcase_add_test(tc, test_each_pt_load_segment_is_loaded_in_file_order);
    tcase_add_test(tc, test_segment_data_is_the_file_bytes);
    tcase_add_test(tc, test_segment_loads_at_physical_not_virtual_address);
    tcase_add_test(tc, test_zero_fill_stays_at_the_run_address);
    tcase_add_test(tc, test_bss_with_a_flash_load_address_is_not_loaded);
    tcase_add_test(tc, test_pt_load_with_zero_memsz_is_skipped);
    tcase_add_test(tc, test_segment_may_fill_a_region_exactly);
    tcase_add_test(tc, test_segment_may_end_at_the_top_of_the_address_space);
    tcase_add_test(tc, test_load_sniffs_elf_even_with_a_load_address);

    tc = tcase(s, "ELF header refused");
    tcase_add_test(tc, test_not_elf_suggests_load_addr);
    tcase_add_test(tc, test_random_garbage_is_not_elf);
    tcase_add_test(tc, test_64_bit_elf_is_refused);
    tcase_add_test(tc, test_64_bit_class_byte_is_refused);
    tcase_add_test(tc, test_invalid_class_is_refused);
    tcase_add_test(tc, test_big_endian_elf_is_refused);
    tcase_add_test(tc, test_non_arm_machine_is_refused);
    tcase_add_test(tc, test_relocatable_object_is_refused);
    tcase_add_test(tc, test_position_independent_executable_is_refused);
    tcase_add_test(tc, test_core_dump_and_unknown_types_are_refused);
    tcase_add_test(tc, test_truncated_elf_header_is_refused);
    tcase_add_test(tc, test_wrong_program_header_size_is_refused);

    tc = tcase(s, "ELF segments refused");
    tcase_add_test(tc, test_truncated_program_headers_are_refused);
    tcase_add_test(tc, test_truncated_segment_data_is_refused);
    tcase_add_test(tc, test_segment_offset_beyond_file_is_refused);
    tcase_add_test(tc, test_truncated_section_headers_are_refused);
    tcase_add_test(tc, test_filesz_above_memsz_is_refused);
    tcase_add_test(tc, test_segment_outside_memory_is_refused);
    tcase_add_test(tc, test_segment_straddling_two_regions_is_refused);
    tcase_add_test(tc, test_segment_running_off_a_region_is_refused);
    tcase_add_test(tc, test_segment_wrapping_past_4_gib_is_refused);
    tcase_add_test(tc, test_board_without_memory_takes_nothing);
    tcase_add_test(tc, test_no_pt_load_segment_is_refused);
    tcase_add_test(tc, test_no_program_headers_is_refused);
    tcase_add_test(tc, test_only_empty_pt_load_segments_is_refused);

    tc = tcase(s, "unusable files refused");
    tcase_add_test(tc, test_empty_file_is_refused);
    tcase_add_test(tc, test_missing_file_is_no_file);
    tcase_add_test(tc, test_directory_is_no_file);
    tcase_add_test(tc, test_fifo_is_refused_without_waiting_for_a_writer);
    tcase_add_test(tc, test_unreadable_file_is_no_file);

    tc = tcase(s, "raw binaries");
    tcase_add_test(tc, test_raw_binary_is_one_segment_of_the_whole_file);
    tcase_add_test(tc, test_load_with_address_treats_non_elf_as_raw);
    tcase_add_test(tc, test_raw_binary_may_end_at_the_top_of_the_address_space);
    tcase_add_test(tc, test_raw_binary_outside_memory_is_refused);

    tc = tcase(s, "symbols");
    tcase_add_test(tc, test_symbols_are_sized_functions_and_objects_by_address);
    tcase_add_test(tc, test_labels_mapping_and_undefined_symbols_are_dropped);
    tcase_add_test(tc, test_symbol_at_finds_the_containing_symbol);
    tcase_add_test(tc, test_symbol_at_prefers_the_innermost_symbol);
    tcase_add_test(tc, test_lookup_returns_the_address_of_a_name);
    tcase_add_test(tc, test_describe_names_symbol_and_offset);
    tcase_add_test(tc, test_describe_truncates_to_the_buffer);
    tcase_add_test(tc, test_stripped_elf_has_no_symbols);
    tcase_add_test(tc, test_empty_symbol_table_gives_no_symbols);
    tcase_add_test(tc, test_corrupt_symbol_name_is_refused);
    tcase_add_test(tc, test_queries_accept_no_image);

    suite_add_tcase(s, loader_sweep_tcase());
    return s;
}

int main(void)
{
    return run_suite(loader_suite());
}
