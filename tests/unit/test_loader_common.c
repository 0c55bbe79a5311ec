/* Fixture and assertions shared by the loader tests. */
#include "test_loader_common.h"

#include <glib/gstdio.h>
#include <string.h>

#include "errors.h"

const LoadRegion regions[N_REGIONS] = {
    {"flash", 0x00000000, 0x40000},
    {"sram", 0x20000000, 0x10000},
    {"sram2", 0x20010000, 0x10000},
    {"top", 0xFFFF0000, 0x10000},
};

char *tmpdir;
char *last_path;

void loader_test_setup(void)
{
    GError *error = NULL;
    tmpdir = g_dir_make_tmp("minivm-loader-XXXXXX", &error);
    ck_assert_msg(tmpdir, "g_dir_make_tmp: %s", error ? error->message : "?");
}

/* Tests leave only plain files, FIFOs and empty directories behind. */
void loader_test_teardown(void)
{
    GDir *dir = g_dir_open(tmpdir, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(tmpdir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR))
            g_rmdir(path);
        else
            g_remove(path);
    }
    if (dir)
        g_dir_close(dir);
    g_rmdir(tmpdir);
    g_clear_pointer(&tmpdir, g_free);
    g_clear_pointer(&last_path, g_free);
}

FirmwareImage *load_valid_elf(const TestElf *elf)
{
    g_free(last_path);
    last_path = test_elf_write(tmpdir, "fw.elf", elf);
    GError *error = NULL;
    FirmwareImage *image = loader_load_elf(last_path, regions, N_REGIONS, &error);
    ck_assert_msg(image, "valid image refused: %s", error ? error->message : "no error");
    ck_assert_ptr_null(error);
    return image;
}

void assert_refused(FirmwareImage *image, GError *error, int code, const char *path,
                    const char *what)
{
    ck_assert_msg(!image, "loaded, expected refusal with '%s'", what ? what : "");
    firmware_image_free(image);
    ck_assert_msg(error, "refused without an error");
    ck_assert_msg(error->domain == MINIVM_ERROR, "error domain %s",
                  g_quark_to_string(error->domain));
    ck_assert_msg(error->code == code, "code %d, expected %d: %s", error->code, code,
                  error->message);
    ck_assert_msg(strstr(error->message, path), "'%s' does not name the file", error->message);
    ck_assert_msg(!strchr(error->message, '\n'), "'%s' is not one line", error->message);
    if (what)
        ck_assert_msg(strstr(error->message, what), "'%s' does not say '%s'", error->message,
                      what);
}

void assert_bytes_refused(const void *bytes, size_t len, const char *what)
{
    g_autofree char *path = test_write_file(tmpdir, "fw.elf", bytes, len);
    GError *error = NULL;
    FirmwareImage *image = loader_load_elf(path, regions, N_REGIONS, &error);
    assert_refused(image, error, MINIVM_EXIT_BAD_IMAGE, path, what);
    g_error_free(error);
}

void assert_elf_refused(const TestElf *elf, const char *what)
{
    g_autoptr(TestBytes) bytes = test_elf_build(elf, NULL);
    assert_bytes_refused(bytes->data, bytes->len, what);
}

void assert_segment(const FirmwareImage *image, guint index, uint32_t addr,
                    uint32_t filesz, uint32_t memsz)
{
    ck_assert_uint_lt(index, image->segments->len);
    const ImageSegment *seg = &g_array_index(image->segments, ImageSegment, index);
    ck_assert_msg(seg->addr == addr && seg->filesz == filesz && seg->memsz == memsz,
                  "segment %u: 0x%08x filesz 0x%x memsz 0x%x, expected 0x%08x 0x%x 0x%x",
                  index, seg->addr, seg->filesz, seg->memsz, addr, filesz, memsz);
    ck_assert_msg((seg->data != NULL) == (filesz > 0), "segment %u data", index);
}

void assert_symbol_at(const FirmwareImage *image, uint32_t addr, const char *name,
                      uint32_t offset)
{
    uint32_t got_offset = 0xDEAD;
    const ImageSymbol *s = firmware_image_symbol_at(image, addr, &got_offset);
    if (!name) {
        ck_assert_msg(!s, "0x%08x: got %s, expected no symbol", addr, s ? s->name : "");
        return;
    }
    ck_assert_msg(s, "0x%08x: no symbol, expected %s", addr, name);
    ck_assert_msg(strcmp(s->name, name) == 0 && got_offset == offset,
                  "0x%08x: %s+0x%x, expected %s+0x%x", addr, s->name, got_offset, name, offset);
}

uint32_t test_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

uint32_t test_rand_range(uint32_t *state, uint32_t lo, uint32_t hi)
{
    return lo + test_rand(state) % (hi - lo);
}
