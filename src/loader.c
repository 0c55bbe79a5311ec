/* Firmware image loader: ELF32 little-endian ARM executables through libelf,
 * and raw binaries at a given address.
 *
 * The whole file is read into memory once and handed to libelf with
 * elf_memory(), so libelf never sees more than the file's bytes. Every
 * offset a header gives (tables, segment data, the symbol table) is checked
 * against the file size here as well, because libelf does not check all of
 * them for us and a truncated or corrupt file must give an error, not a read
 * past the end. */
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"

/* No Cortex-M firmware comes near this; the cap keeps a wrong path (a disk
 * image, a core file) from being read into memory whole. */
#define LOADER_MAX_FILE_SIZE (1u << 30)

#define ADDRESS_SPACE_END ((uint64_t)1 << 32)

static void G_GNUC_PRINTF(4, 5)
set_error(GError **error, MinivmExit code, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *problem = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, MINIVM_ERROR, code, "%s: %s", path, problem);
}

/* ---- Reading the file ---- */

static char *read_fd(int fd, const char *path, size_t *size, GError **error)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        set_error(error, MINIVM_EXIT_NO_FILE, path, "cannot read: %s", g_strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        set_error(error, MINIVM_EXIT_NO_FILE, path, "is a directory, not a firmware image");
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        set_error(error, MINIVM_EXIT_NO_FILE, path, "not a regular file");
        return NULL;
    }
    if (st.st_size > LOADER_MAX_FILE_SIZE) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, path,
                  "file too large (%lld bytes; firmware images are at most 1 GiB)",
                  (long long)st.st_size);
        return NULL;
    }
    /* The file may shrink while we read it; what we got is what we check. */
    size_t want = (size_t)st.st_size, got = 0;
    char *data = g_malloc(want + 1);
    while (got < want) {
        ssize_t n = read(fd, data + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            set_error(error, MINIVM_EXIT_NO_FILE, path, "cannot read: %s", g_strerror(errno));
            g_free(data);
            return NULL;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got == 0) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, path, "empty file");
        g_free(data);
        return NULL;
    }
    *size = got;
    return data;
}

static char *read_file(const char *path, size_t *size, GError **error)
{
    /* O_NONBLOCK: opening a FIFO must not wait forever for a writer. */
    int fd = g_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
    if (fd < 0) {
        set_error(error, MINIVM_EXIT_NO_FILE, path, "cannot open: %s", g_strerror(errno));
        return NULL;
    }
    char *data = read_fd(fd, path, size, error);
    close(fd);
    return data;
}

/* ---- Images ---- */

static void segment_clear(void *p)
{
    g_free(((ImageSegment *)p)->data);
}

static void symbol_clear(void *p)
{
    g_free(((ImageSymbol *)p)->name);
}

static FirmwareImage *image_new(const char *path)
{
    FirmwareImage *image = g_new0(FirmwareImage, 1);
    image->path = g_strdup(path);
    image->segments = g_array_new(FALSE, TRUE, sizeof(ImageSegment));
    g_array_set_clear_func(image->segments, segment_clear);
    image->symbols = g_array_new(FALSE, TRUE, sizeof(ImageSymbol));
    g_array_set_clear_func(image->symbols, symbol_clear);
    return image;
}

void firmware_image_free(FirmwareImage *image)
{
    if (!image)
        return;
    g_array_unref(image->segments);
    g_array_unref(image->symbols);
    g_free(image->path);
    g_free(image);
}

static bool region_contains(const LoadRegion *r, uint32_t addr, uint32_t size)
{
    return addr >= r->base && (uint64_t)addr + size <= (uint64_t)r->base + r->size;
}

static bool region_overlaps(const LoadRegion *r, uint32_t addr, uint32_t size)
{
    return (uint64_t)addr < (uint64_t)r->base + r->size &&
           (uint64_t)addr + size > r->base;
}

/* A segment must lie within one region: the machine copies it with one
 * write into one mapping, and two regions that happen to be adjacent on
 * one board are not adjacent on the next. */
static bool check_placement(const char *path, const char *what, uint32_t addr, uint32_t size,
                            const LoadRegion *regions, size_t n_regions, GError **error)
{
    uint64_t end = (uint64_t)addr + size;
    if (end > ADDRESS_SPACE_END) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, path,
                  "%s at 0x%08x (0x%x bytes) wraps past the end of the 4 GiB address space",
                  what, addr, size);
        return false;
    }
    for (size_t i = 0; i < n_regions; i++)
        if (region_contains(&regions[i], addr, size))
            return true;
    for (size_t i = 0; i < n_regions; i++) {
        const LoadRegion *r = &regions[i];
        if (r->size == 0 || !region_overlaps(r, addr, size))
            continue;
        set_error(error, MINIVM_EXIT_BAD_IMAGE, path,
                  "%s 0x%08x-0x%08x does not fit in memory region %s (0x%08x-0x%08x)",
                  what, addr, (uint32_t)(end - 1), r->name ? r->name : "?", r->base,
                  (uint32_t)((uint64_t)r->base + r->size - 1));
        return false;
    }
    set_error(error, MINIVM_EXIT_BAD_IMAGE, path,
              "%s 0x%08x-0x%08x is outside the board's memory", what, addr,
              (uint32_t)(end - 1));
    return false;
}

static bool has_elf_magic(const char *data, size_t size)
{
    return size >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

static void set_not_elf_error(const char *path, GError **error)
{
    set_error(error, MINIVM_EXIT_BAD_IMAGE, path,
              "not an ELF file; use --load-addr ADDR for a raw binary");
}

/* ---- Raw binaries ---- */

/* Takes ownership of data. */
static FirmwareImage *load_bin_data(const char *path, char *data, size_t size,
                                    uint32_t load_addr, const LoadRegion *regions,
                                    size_t n_regions, GError **error)
{
    /* read_file caps the size at 1 GiB, so it fits in 32 bits. */
    if (!check_placement(path, "raw image", load_addr, (uint32_t)size, regions, n_regions,
                         error)) {
        g_free(data);
        return NULL;
    }
    FirmwareImage *image = image_new(path);
    ImageSegment seg = {
        .addr = load_addr,
        .filesz = (uint32_t)size,
        .memsz = (uint32_t)size,
        .data = (uint8_t *)data,
    };
    g_array_append_val(image->segments, seg);
    return image;
}

FirmwareImage *loader_load_bin(const char *path, uint32_t load_addr,
                               const LoadRegion *regions, size_t n_regions,
                               GError **error)
{
    size_t size;
    char *data = read_file(path, &size, error);
    if (!data)
        return NULL;
    return load_bin_data(path, data, size, load_addr, regions, n_regions, error);
}

/* ---- ELF: headers ---- */

/* What the ELF checks need besides libelf's handle. */
typedef struct ElfFile {
    const char *path;
    Elf *elf;
    const unsigned char *data;
    size_t size;
    const LoadRegion *regions;
    size_t n_regions;
} ElfFile;

static void ensure_libelf(void)
{
    static gsize done;
    if (g_once_init_enter(&done)) {
        elf_version(EV_CURRENT);
        g_once_init_leave(&done, 1);
    }
}

static bool range_in_file(const ElfFile *ef, uint64_t offset, uint64_t len)
{
    return offset <= ef->size && len <= ef->size - offset;
}

static bool check_ident(const ElfFile *ef, GError **error)
{
    /* libelf only accepts a known class, data encoding and version. */
    if (elf_kind(ef->elf) != ELF_K_ELF) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "invalid ELF identification (class %u, data encoding %u, version %u)",
                  ef->data[EI_CLASS], ef->data[EI_DATA], ef->data[EI_VERSION]);
        return false;
    }
    const char *ident = elf_getident(ef->elf, NULL);
    if (ident[EI_CLASS] != ELFCLASS32) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "64-bit ELF; Cortex-M firmware is a 32-bit (ELFCLASS32) ARM executable");
        return false;
    }
    if (ident[EI_DATA] != ELFDATA2LSB) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "big-endian ELF; Cortex-M firmware must be little-endian");
        return false;
    }
    return true;
}

static const char *machine_name(unsigned machine)
{
    switch (machine) {
    case EM_386: return "i386";
    case EM_X86_64: return "x86-64";
    case EM_AARCH64: return "AArch64";
    case EM_RISCV: return "RISC-V";
    case EM_XTENSA: return "Xtensa";
    case EM_AVR: return "AVR";
    default: return "unknown";
    }
}

static bool check_type(const ElfFile *ef, unsigned type, GError **error)
{
    const char *problem;
    switch (type) {
    case ET_EXEC:
        return true;
    case ET_REL:
        problem = "relocatable object (ET_REL), not an executable; link it first";
        break;
    case ET_DYN:
        /* M-profile boots from a vector table at a fixed address and we
         * apply no relocations, so a position-independent image cannot run. */
        problem = "position-independent executable or shared object (ET_DYN); "
                  "link firmware at fixed addresses (no -pie or -shared)";
        break;
    case ET_CORE:
        problem = "core dump (ET_CORE), not an executable";
        break;
    default:
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "ELF type %u is not an executable (ET_EXEC)", type);
        return false;
    }
    set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path, "%s", problem);
    return false;
}

static const Elf32_Ehdr *check_ehdr(const ElfFile *ef, GError **error)
{
    const Elf32_Ehdr *eh = elf32_getehdr(ef->elf);
    if (!eh) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path, "corrupt ELF header (%s)",
                  elf_errmsg(-1));
        return NULL;
    }
    if (eh->e_machine != EM_ARM) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "built for ELF machine %u (%s), not ARM", eh->e_machine,
                  machine_name(eh->e_machine));
        return NULL;
    }
    return check_type(ef, eh->e_type, error) ? eh : NULL;
}

/* A table of count entries of entsize bytes at offset must be wholly in the
 * file; what names it in messages ("program headers"). */
static bool check_table(const ElfFile *ef, const char *what, uint32_t offset, size_t count,
                        unsigned entsize, unsigned want_entsize, GError **error)
{
    if (entsize != want_entsize) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "%s entry size is %u bytes, expected %u", what, entsize, want_entsize);
        return false;
    }
    if (!range_in_file(ef, offset, (uint64_t)count * entsize)) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "truncated: %s (%zu at offset 0x%x) extend beyond the end of the file "
                  "(%zu bytes)", what, count, offset, ef->size);
        return false;
    }
    return true;
}

static bool read_section0(const ElfFile *ef, GElf_Shdr *sh, GError **error)
{
    Elf_Scn *scn = elf_getscn(ef->elf, 0);
    if (!scn || !gelf_getshdr(scn, sh)) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "truncated or corrupt section header 0 (%s)", elf_errmsg(-1));
        return false;
    }
    return true;
}

/* The header counts as the file declares them. libelf's elf_getphdrnum and
 * elf_getshdrnum quietly shrink a table that runs past the end of the file
 * (to what fits, or to nothing), which would load a truncated file as if
 * it were complete; counts beyond the 16-bit fields live in section 0. */
static bool declared_counts(const ElfFile *ef, const Elf32_Ehdr *eh, size_t *phnum,
                            size_t *shnum, GError **error)
{
    GElf_Shdr sh0 = {0};
    bool extended = eh->e_phnum == PN_XNUM || (eh->e_shnum == 0 && eh->e_shoff != 0);
    if (extended && !read_section0(ef, &sh0, error))
        return false;
    *phnum = eh->e_phnum == PN_XNUM ? sh0.sh_info : eh->e_phnum;
    *shnum = eh->e_shnum == 0 && eh->e_shoff != 0 ? sh0.sh_size : eh->e_shnum;
    return true;
}

static bool check_tables(const ElfFile *ef, const Elf32_Ehdr *eh, size_t *phnum,
                         GError **error)
{
    size_t shnum;
    if (!declared_counts(ef, eh, phnum, &shnum, error))
        return false;
    if (*phnum == 0) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "no program headers, so no loadable (PT_LOAD) segments");
        return false;
    }
    if (!check_table(ef, "program headers", eh->e_phoff, *phnum, eh->e_phentsize,
                     sizeof(Elf32_Phdr), error))
        return false;
    /* Section headers only serve the symbol table, but a file cut short
     * before them is damaged and should not load as if it were stripped. */
    return shnum == 0 || check_table(ef, "section headers", eh->e_shoff, shnum,
                                     eh->e_shentsize, sizeof(Elf32_Shdr), error);
}

/* ---- ELF: segments ---- */

/* Any segment's bytes, loaded or not, must be in the file: if they are not,
 * the file was cut short. */
static bool check_segment_in_file(const ElfFile *ef, size_t index, const GElf_Phdr *ph,
                                  GError **error)
{
    if (range_in_file(ef, ph->p_offset, ph->p_filesz))
        return true;
    set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
              "truncated: segment %zu data (0x%" PRIx64 " bytes at offset 0x%" PRIx64
              ") extends beyond the end of the file (%zu bytes)",
              index, (uint64_t)ph->p_filesz, (uint64_t)ph->p_offset, ef->size);
    return false;
}

/* Bytes a PT_LOAD segment occupies at its load address. The zero-filled
 * tail (memsz > filesz, .bss) belongs at the run address: when the linker
 * stores a segment elsewhere (.data in flash, copied to RAM by startup
 * code; .bss given a flash LMA), a flash programmer writes only its file
 * bytes there, and zero-filling the tail at the load address would write
 * zeros nobody reads and refuse images whose flash is nearly full. */
static uint32_t load_size(const GElf_Phdr *ph)
{
    return (uint32_t)(ph->p_paddr == ph->p_vaddr ? ph->p_memsz : ph->p_filesz);
}

static bool check_load_segment(const ElfFile *ef, size_t index, const GElf_Phdr *ph,
                               GError **error)
{
    if (ph->p_filesz > ph->p_memsz) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "segment %zu: file size 0x%" PRIx64 " exceeds memory size 0x%" PRIx64,
                  index, (uint64_t)ph->p_filesz, (uint64_t)ph->p_memsz);
        return false;
    }
    if (load_size(ph) == 0)
        return true;
    g_autofree char *what = g_strdup_printf("segment %zu", index);
    return check_placement(ef->path, what, (uint32_t)ph->p_paddr, load_size(ph),
                           ef->regions, ef->n_regions, error);
}

static bool append_segment(const ElfFile *ef, size_t index, const GElf_Phdr *ph,
                           GArray *segments, GError **error)
{
    /* Load (physical) address: initialised data is linked to run in RAM
     * (p_vaddr) but stored in flash (p_paddr), where startup code copies
     * it from; the board loads what the flash would hold. */
    ImageSegment seg = {
        .addr = (uint32_t)ph->p_paddr,
        .filesz = (uint32_t)ph->p_filesz,
        .memsz = load_size(ph),
    };
    if (seg.filesz > 0) {
        Elf_Data *d = elf_getdata_rawchunk(ef->elf, (int64_t)ph->p_offset, seg.filesz,
                                           ELF_T_BYTE);
        if (!d || d->d_size != seg.filesz) {
            set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                      "cannot read segment %zu (%s)", index, elf_errmsg(-1));
            return false;
        }
        seg.data = g_malloc(seg.filesz);
        memcpy(seg.data, d->d_buf, seg.filesz);
    }
    g_array_append_val(segments, seg);
    return true;
}

static bool load_segments(const ElfFile *ef, size_t phnum, GArray *segments, GError **error)
{
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(ef->elf, (int)i, &ph)) {
            set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                      "corrupt program header %zu (%s)", i, elf_errmsg(-1));
            return false;
        }
        if (!check_segment_in_file(ef, i, &ph, error))
            return false;
        if (ph.p_type != PT_LOAD)
            continue;
        if (!check_load_segment(ef, i, &ph, error))
            return false;
        if (load_size(&ph) > 0 && !append_segment(ef, i, &ph, segments, error))
            return false;
    }
    if (segments->len == 0) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "no loadable (PT_LOAD) segments");
        return false;
    }
    return true;
}

/* ---- ELF: symbols ---- */

/* Functions and objects with a size are the symbols that contain an
 * address. Labels without one (STT_NOTYPE, size 0: linker-script markers
 * like _estack, asm labels, and the $t/$d/$a mapping symbols) would name
 * every address after them up to the next symbol, which is wrong as often
 * as it is right, so they are left out. */
static bool symbol_wanted(const GElf_Sym *sym)
{
    int type = GELF_ST_TYPE(sym->st_info);
    return (type == STT_FUNC || type == STT_OBJECT) && sym->st_size > 0 &&
           sym->st_shndx != SHN_UNDEF;
}

static bool read_symbol(const ElfFile *ef, Elf_Data *data, size_t strndx, size_t index,
                        GArray *symbols, GError **error)
{
    GElf_Sym sym;
    if (!gelf_getsym(data, (int)index, &sym)) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "corrupt symbol %zu (%s)", index, elf_errmsg(-1));
        return false;
    }
    if (!symbol_wanted(&sym))
        return true;
    /* elf_strptr checks the offset and the terminating NUL. */
    const char *name = elf_strptr(ef->elf, strndx, sym.st_name);
    if (!name) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "symbol %zu has a corrupt name (%s)", index, elf_errmsg(-1));
        return false;
    }
    if (name[0] == '\0' || name[0] == '$')
        return true;
    ImageSymbol s = {
        .addr = (uint32_t)sym.st_value,
        .size = (uint32_t)sym.st_size,
        .name = g_strdup(name),
    };
    /* Bit 0 of a function's value marks Thumb code (AAELF 5.5.3); for
     * data it is a real address bit. */
    if (GELF_ST_TYPE(sym.st_info) == STT_FUNC)
        s.addr &= ~1u;
    g_array_append_val(symbols, s);
    return true;
}

static bool read_symtab(const ElfFile *ef, Elf_Scn *scn, const GElf_Shdr *sh,
                        GArray *symbols, GError **error)
{
    if (!range_in_file(ef, sh->sh_offset, sh->sh_size)) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                  "truncated: symbol table extends beyond the end of the file");
        return false;
    }
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path, "corrupt symbol table (%s)",
                  elf_errmsg(-1));
        return false;
    }
    size_t count = data->d_size / sizeof(Elf32_Sym);
    /* Entry 0 is the reserved null symbol. */
    for (size_t i = 1; i < count; i++)
        if (!read_symbol(ef, data, sh->sh_link, i, symbols, error))
            return false;
    return true;
}

/* By address; at one address the smaller (inner) symbol first, then by
 * name, so that the choice among aliases does not depend on file order. */
static int symbol_compare(const void *a, const void *b)
{
    const ImageSymbol *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return strcmp(x->name, y->name);
}

static bool load_symbols(const ElfFile *ef, GArray *symbols, GError **error)
{
    for (Elf_Scn *scn = elf_nextscn(ef->elf, NULL); scn; scn = elf_nextscn(ef->elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh)) {
            set_error(error, MINIVM_EXIT_BAD_IMAGE, ef->path,
                      "corrupt section header (%s)", elf_errmsg(-1));
            return false;
        }
        if (sh.sh_type == SHT_SYMTAB && !read_symtab(ef, scn, &sh, symbols, error))
            return false;
    }
    /* qsort, not g_array_sort: the static libunicorn.a brings its own
     * GArray (g_array_new and friends, without g_array_sort) that our
     * binaries link instead of GLib's, so the arrays here are only ever
     * touched by functions both copies define. */
    if (symbols->len > 1)
        qsort(symbols->data, symbols->len, sizeof(ImageSymbol), symbol_compare);
    return true;
}

/* ---- ELF: the whole ---- */

static FirmwareImage *load_elf_checked(const ElfFile *ef, GError **error)
{
    const Elf32_Ehdr *eh;
    size_t phnum;
    if (!check_ident(ef, error) || !(eh = check_ehdr(ef, error)) ||
        !check_tables(ef, eh, &phnum, error))
        return NULL;
    g_autoptr(FirmwareImage) image = image_new(ef->path);
    if (!load_segments(ef, phnum, image->segments, error) ||
        !load_symbols(ef, image->symbols, error))
        return NULL;
    return g_steal_pointer(&image);
}

static FirmwareImage *load_elf_data(const char *path, char *data, size_t size,
                                    const LoadRegion *regions, size_t n_regions,
                                    GError **error)
{
    if (!has_elf_magic(data, size)) {
        set_not_elf_error(path, error);
        return NULL;
    }
    /* libelf refuses a short header with a vaguer message. */
    if (size < sizeof(Elf32_Ehdr)) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, path, "truncated ELF header (%zu of %zu bytes)",
                  size, sizeof(Elf32_Ehdr));
        return NULL;
    }
    ensure_libelf();
    ElfFile ef = {
        .path = path,
        .elf = elf_memory(data, size),
        .data = (const unsigned char *)data,
        .size = size,
        .regions = regions,
        .n_regions = n_regions,
    };
    if (!ef.elf) {
        set_error(error, MINIVM_EXIT_BAD_IMAGE, path, "truncated or corrupt ELF file (%s)",
                  elf_errmsg(-1));
        return NULL;
    }
    FirmwareImage *image = load_elf_checked(&ef, error);
    elf_end(ef.elf);
    return image;
}

FirmwareImage *loader_load_elf(const char *path, const LoadRegion *regions,
                               size_t n_regions, GError **error)
{
    size_t size;
    g_autofree char *data = read_file(path, &size, error);
    if (!data)
        return NULL;
    return load_elf_data(path, data, size, regions, n_regions, error);
}

FirmwareImage *loader_load(const char *path, bool has_load_addr, uint32_t load_addr,
                           const LoadRegion *regions, size_t n_regions, GError **error)
{
    size_t size;
    char *data = read_file(path, &size, error);
    if (!data)
        return NULL;
    if (has_elf_magic(data, size)) {
        FirmwareImage *image = load_elf_data(path, data, size, regions, n_regions, error);
        g_free(data);
        return image;
    }
    if (!has_load_addr) {
        set_not_elf_error(path, error);
        g_free(data);
        return NULL;
    }
    return load_bin_data(path, data, size, load_addr, regions, n_regions, error);
}

/* ---- Symbol queries ---- */

static bool symbol_contains(const ImageSymbol *s, uint32_t addr)
{
    return addr >= s->addr && (uint64_t)addr < (uint64_t)s->addr + s->size;
}

/* The innermost symbol containing addr: the nearest start at or below it
 * that reaches it. Symbols may nest or alias, so a miss on the nearest one
 * walks further back; lookups are for reports, not the hot path. */
static const ImageSymbol *symbol_containing(const GArray *syms, uint32_t addr,
                                            uint32_t *offset)
{
    const ImageSymbol *s = (const ImageSymbol *)(const void *)syms->data;
    guint lo = 0, hi = syms->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (s[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (guint i = lo; i-- > 0;) {
        if (!symbol_contains(&s[i], addr))
            continue;
        /* Among aliases at one address, the first in sort order. */
        while (i > 0 && s[i - 1].addr == s[i].addr && symbol_contains(&s[i - 1], addr))
            i--;
        if (offset)
            *offset = addr - s[i].addr;
        return &s[i];
    }
    return NULL;
}

/* Code addresses come with the Thumb bit set (LR, vector entries), so it
 * is cleared first; only if that finds nothing is an odd address taken as
 * it is, for a byte-sized object at an odd address. */
const ImageSymbol *firmware_image_symbol_at(const FirmwareImage *image, uint32_t addr,
                                            uint32_t *offset)
{
    if (!image || !image->symbols)
        return NULL;
    const ImageSymbol *s = symbol_containing(image->symbols, addr & ~1u, offset);
    if (!s && (addr & 1))
        s = symbol_containing(image->symbols, addr, offset);
    return s;
}

bool firmware_image_lookup(const FirmwareImage *image, const char *name, uint32_t *addr)
{
    if (!image || !image->symbols || !name)
        return false;
    for (guint i = 0; i < image->symbols->len; i++) {
        const ImageSymbol *s = &g_array_index(image->symbols, ImageSymbol, i);
        if (strcmp(s->name, name) == 0) {
            if (addr)
                *addr = s->addr;
            return true;
        }
    }
    return false;
}

/* "name+0x12", just "name" at the symbol's first byte, "" when no symbol
 * contains addr; truncated to fit buf. */
const char *firmware_image_describe(const FirmwareImage *image, uint32_t addr, char *buf,
                                    size_t len)
{
    if (!buf || len == 0)
        return "";
    uint32_t offset = 0;
    const ImageSymbol *s = firmware_image_symbol_at(image, addr, &offset);
    if (!s)
        buf[0] = '\0';
    else if (offset == 0)
        g_strlcpy(buf, s->name, len);
    else
        g_snprintf(buf, (gulong)len, "%s+0x%x", s->name, offset);
    return buf;
}
