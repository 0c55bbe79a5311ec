/* Robustness sweeps: no file makes the loader crash, hang or read out of
 * bounds (run under ASan to see the last), and each one gives either an
 * image that respects the board's memory or a one-line GError naming the
 * file. Corruptions are deterministic (fixed seeds) so failures reproduce. */
#include <string.h>

#include "errors.h"
#include "test_loader_common.h"

/* What every loaded image must satisfy, however odd the file was. */
static void check_image(const FirmwareImage *image)
{
    ck_assert_uint_gt(image->segments->len, 0);
    for (guint i = 0; i < image->segments->len; i++) {
        const ImageSegment *seg = &g_array_index(image->segments, ImageSegment, i);
        ck_assert_uint_gt(seg->memsz, 0);
        ck_assert_uint_le(seg->filesz, seg->memsz);
        ck_assert((seg->data != NULL) == (seg->filesz > 0));
        bool placed = false;
        for (size_t r = 0; r < N_REGIONS; r++)
            placed |= seg->addr >= regions[r].base &&
                      (uint64_t)seg->addr + seg->memsz <=
                          (uint64_t)regions[r].base + regions[r].size;
        ck_assert_msg(placed, "segment %u at 0x%08x outside every region", i, seg->addr);
    }
    char buf[64];
    for (guint i = 0; i < image->symbols->len; i++) {
        const ImageSymbol *s = &g_array_index(image->symbols, ImageSymbol, i);
        ck_assert(s->name[0] != '\0' && s->name[0] != '$' && s->size > 0);
        if (i > 0)
            ck_assert_uint_le(g_array_index(image->symbols, ImageSymbol, i - 1).addr, s->addr);
        ck_assert_ptr_nonnull(firmware_image_symbol_at(image, s->addr, NULL));
        firmware_image_describe(image, s->addr + s->size - 1, buf, sizeof(buf));
    }
}

/* Loads len bytes as main does (sniffing, no --load-addr) and checks the
 * outcome; true if an image came back. */
static bool load_either(const void *bytes, size_t len)
{
    g_autofree char *path = test_write_file(tmpdir, "fuzz.elf", bytes, len);
    GError *error = NULL;
    FirmwareImage *image = loader_load(path, false, 0, regions, N_REGIONS, &error);
    if (image) {
        ck_assert_ptr_null(error);
        check_image(image);
        firmware_image_free(image);
        return true;
    }
    assert_refused(NULL, error, MINIVM_EXIT_BAD_IMAGE, path, NULL);
    g_error_free(error);
    return false;
}

static void assert_every_prefix_refused(const TestElf *elf)
{
    g_autoptr(TestBytes) bytes = test_elf_build(elf, NULL);
    for (size_t len = 0; len < bytes->len; len++)
        ck_assert_msg(!load_either(bytes->data, len), "prefix of %zu bytes loaded", len);
    ck_assert(load_either(bytes->data, bytes->len));
}

START_TEST(test_every_truncation_is_refused)
{
    TestElf elf;
    test_elf_init(&elf);
    assert_every_prefix_refused(&elf);
    /* Stripped: the last segment's data ends the file. */
    elf.with_sections = false;
    elf.n_phdrs = 2;
    assert_every_prefix_refused(&elf);
}
END_TEST

START_TEST(test_every_single_byte_corruption_is_handled)
{
    static const uint8_t masks[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF};
    TestElf elf;
    test_elf_init(&elf);
    g_autoptr(TestBytes) bytes = test_elf_build(&elf, NULL);
    for (size_t at = 0; at < bytes->len; at++) {
        for (size_t m = 0; m < G_N_ELEMENTS(masks); m++) {
            bytes->data[at] ^= masks[m];
            load_either(bytes->data, bytes->len);
            bytes->data[at] ^= masks[m];
        }
    }
}
END_TEST

/* Boundary values written over each header field (and the bytes between):
 * offsets and sizes of 0, -1, near the file size, PN_XNUM... */
START_TEST(test_extreme_header_values_are_handled)
{
    TestElf elf;
    test_elf_init(&elf);
    TestElfLayout layout;
    g_autoptr(TestBytes) bytes = test_elf_build(&elf, &layout);
    const uint32_t size = (uint32_t)bytes->len;
    const uint32_t values[] = {0,          1,          0xFFFF,     0x7FFFFFFF, 0x80000000,
                               0xFFFFFFFF, size,       size - 1,   size + 1,   0x10000};
    const size_t areas[][2] = {
        {0, layout.phoff + elf.n_phdrs * sizeof(Elf32_Phdr)},
        {layout.symtab_offset, layout.symtab_offset + 4 * sizeof(Elf32_Sym)},
        {layout.shoff, layout.size},
    };
    for (size_t a = 0; a < G_N_ELEMENTS(areas); a++) {
        for (size_t at = areas[a][0]; at + 4 <= areas[a][1]; at += 2) {
            for (size_t v = 0; v < G_N_ELEMENTS(values); v++) {
                g_autoptr(TestBytes) work = test_bytes_copy(bytes);
                for (int k = 0; k < 4; k++)
                    work->data[at + k] = (uint8_t)(values[v] >> (8 * k));
                load_either(work->data, work->len);
            }
        }
    }
}
END_TEST

START_TEST(test_random_header_corruption_is_handled)
{
    TestElf elf;
    test_elf_init(&elf);
    TestElfLayout layout;
    g_autoptr(TestBytes) bytes = test_elf_build(&elf, &layout);
    uint32_t seed = 20240601;
    /* Headers: ELF and program headers, then symbols to the end. */
    const size_t head = layout.phoff + elf.n_phdrs * sizeof(Elf32_Phdr);
    const size_t tail = layout.symtab_offset;
    for (int iter = 0; iter < 3000; iter++) {
        g_autoptr(TestBytes) work = test_bytes_copy(bytes);
        uint32_t flips = test_rand_range(&seed, 1, 5);
        for (uint32_t f = 0; f < flips; f++) {
            size_t at = test_rand(&seed) & 1
                            ? test_rand_range(&seed, 0, (uint32_t)head)
                            : test_rand_range(&seed, (uint32_t)tail, (uint32_t)bytes->len);
            work->data[at] = (uint8_t)test_rand(&seed);
        }
        load_either(work->data, work->len);
    }
}
END_TEST

START_TEST(test_elf_magic_followed_by_noise_is_handled)
{
    uint32_t seed = 7;
    uint8_t noise[300];
    for (int iter = 0; iter < 1000; iter++) {
        size_t len = test_rand_range(&seed, 4, sizeof(noise));
        for (size_t i = 0; i < len; i++)
            noise[i] = (uint8_t)test_rand(&seed);
        memcpy(noise, "\x7f" "ELF\x01\x01\x01", len < 7 ? 4 : 7);
        load_either(noise, len);
    }
}
END_TEST

TCase *loader_sweep_tcase(void)
{
    TCase *tc = tcase_create("no input crashes, hangs or reads out of bounds");
    tcase_add_checked_fixture(tc, loader_test_setup, loader_test_teardown);
    tcase_add_test(tc, test_every_truncation_is_refused);
    tcase_add_test(tc, test_every_single_byte_corruption_is_handled);
    tcase_add_test(tc, test_extreme_header_values_are_handled);
    tcase_add_test(tc, test_random_header_corruption_is_handled);
    tcase_add_test(tc, test_elf_magic_followed_by_noise_is_handled);
    return tc;
}
