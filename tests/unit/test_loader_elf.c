/* ELF writer for the loader tests: see test_loader_elf.h. Fields are written
 * one by one in the chosen byte order rather than by dumping <elf.h>
 * structures, so that big-endian files are real big-endian files. */
#include "test_loader_elf.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

/* The file being written, growing as fields are added. */
typedef struct Out {
    uint8_t *data;
    size_t len, cap;
    bool msb;
} Out;

static void put_bytes(Out *o, const void *bytes, size_t n)
{
    if (o->len + n > o->cap) {
        o->cap = MAX(2 * o->cap, o->len + n);
        o->data = g_realloc(o->data, o->cap);
    }
    memcpy(o->data + o->len, bytes, n);
    o->len += n;
}

static void put8(Out *o, uint8_t v)
{
    put_bytes(o, &v, 1);
}

static void put16(Out *o, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    if (o->msb) {
        b[0] = (uint8_t)(v >> 8);
        b[1] = (uint8_t)v;
    }
    put_bytes(o, b, 2);
}

static void put32(Out *o, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put8(o, (uint8_t)(v >> (o->msb ? 24 - 8 * i : 8 * i)));
}

static void put64(Out *o, uint64_t v)
{
    put32(o, (uint32_t)v);
    put32(o, (uint32_t)(v >> 32));
}

static void pad_to(Out *o, size_t offset)
{
    g_assert(o->len <= offset);
    while (o->len < offset)
        put8(o, 0);
}

static size_t align4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

TestBytes *test_bytes_copy(const TestBytes *bytes)
{
    TestBytes *copy = g_new(TestBytes, 1);
    copy->data = g_malloc(bytes->len);
    memcpy(copy->data, bytes->data, bytes->len);
    copy->len = bytes->len;
    return copy;
}

void test_bytes_free(TestBytes *bytes)
{
    if (bytes)
        g_free(bytes->data);
    g_free(bytes);
}

uint8_t test_elf_pattern(size_t segment, size_t k)
{
    return (uint8_t)(0x11 * (segment + 1) + 3 * k);
}

static void add_symbol(TestElf *elf, const char *name, uint32_t value, uint32_t size,
                       int bind, int type, uint16_t shndx)
{
    g_assert(elf->n_symbols < TEST_ELF_MAX_SYMBOLS);
    elf->symbols[elf->n_symbols++] = (TestElfSymbol){
        .name = name, .value = value, .size = size,
        .info = ELF32_ST_INFO(bind, type), .shndx = shndx,
    };
}

static void add_load(TestElf *elf, uint32_t addr, uint32_t filesz, uint32_t memsz,
                     uint32_t flags)
{
    g_assert(elf->n_phdrs < TEST_ELF_MAX_SEGMENTS);
    elf->phdrs[elf->n_phdrs++] = (Elf32_Phdr){
        .p_type = PT_LOAD, .p_offset = TEST_ELF_AUTO_OFFSET, .p_vaddr = addr,
        .p_paddr = addr, .p_filesz = filesz, .p_memsz = memsz, .p_flags = flags,
        .p_align = 4,
    };
}

void test_elf_init(TestElf *elf)
{
    *elf = (TestElf){
        .ident_class = ELFCLASS32, .type = ET_EXEC, .machine = EM_ARM,
        .with_sections = true,
    };
    add_load(elf, 0x00000000, 0x80, 0x80, PF_R | PF_X);
    add_load(elf, 0x20000000, 0x10, 0x110, PF_R | PF_W);
    /* A non-load segment (PT_ARM_EXIDX): must be ignored. */
    elf->phdrs[elf->n_phdrs++] = (Elf32_Phdr){
        .p_type = PT_ARM_EXIDX, .p_offset = TEST_ELF_AUTO_OFFSET, .p_vaddr = 0x78,
        .p_paddr = 0x78, .p_filesz = 8, .p_memsz = 8, .p_flags = PF_R, .p_align = 4,
    };
    /* Locals first, as linkers write them; deliberately not in address order. */
    add_symbol(elf, "startup.o", 0, 0, STB_LOCAL, STT_FILE, SHN_ABS);
    add_symbol(elf, "", 0, 0, STB_LOCAL, STT_SECTION, 1);
    add_symbol(elf, "$d", 0x0, 0, STB_LOCAL, STT_NOTYPE, 1);
    add_symbol(elf, "$t", 0x40, 0, STB_LOCAL, STT_NOTYPE, 1);
    add_symbol(elf, "loop", 0x48, 0, STB_LOCAL, STT_NOTYPE, 1);
    add_symbol(elf, "buffer", 0x20000010, 0x100, STB_LOCAL, STT_OBJECT, 1);
    add_symbol(elf, "main", 0x51, 0x30, STB_GLOBAL, STT_FUNC, 1);
    add_symbol(elf, "Reset_Handler", 0x41, 0x10, STB_GLOBAL, STT_FUNC, 1);
    add_symbol(elf, "counter", 0x20000000, 4, STB_GLOBAL, STT_OBJECT, 1);
    add_symbol(elf, "g_pfnVectors", 0x0, 0x40, STB_GLOBAL, STT_OBJECT, 1);
    add_symbol(elf, "_estack", 0x20010000, 0, STB_GLOBAL, STT_NOTYPE, SHN_ABS);
    add_symbol(elf, "printf", 0, 0x10, STB_GLOBAL, STT_FUNC, SHN_UNDEF);
}

/* String tables and symbol name offsets. */
typedef struct Strings {
    Out strtab;
    Out shstrtab;
    uint32_t sym_name[TEST_ELF_MAX_SYMBOLS];
    uint32_t sec_name[5];
} Strings;

static uint32_t add_string(Out *tab, const char *s)
{
    uint32_t at = (uint32_t)tab->len;
    put_bytes(tab, s, strlen(s) + 1);
    return at;
}

static void build_strings(const TestElf *elf, Strings *st)
{
    *st = (Strings){0};
    add_string(&st->strtab, "");
    for (size_t i = 0; i < elf->n_symbols; i++)
        st->sym_name[i] = elf->symbols[i].name[0] ? add_string(&st->strtab, elf->symbols[i].name) : 0;
    const char *sections[5] = {"", ".text", ".symtab", ".strtab", ".shstrtab"};
    for (int i = 0; i < 5; i++)
        st->sec_name[i] = add_string(&st->shstrtab, sections[i]);
}

enum { N_SECTIONS = 5, SYM_SIZE = 16, SHDR_SIZE = 40 };

static void compute_layout(const TestElf *elf, const Strings *st, TestElfLayout *l)
{
    *l = (TestElfLayout){0};
    size_t off = sizeof(Elf32_Ehdr);
    l->phoff = elf->n_phdrs ? off : 0;
    off += elf->n_phdrs * sizeof(Elf32_Phdr);
    for (size_t i = 0; i < elf->n_phdrs; i++) {
        const Elf32_Phdr *ph = &elf->phdrs[i];
        l->segment_offset[i] = ph->p_offset;
        if (ph->p_offset != TEST_ELF_AUTO_OFFSET)
            continue;
        off = align4(off);
        l->segment_offset[i] = off;
        off += ph->p_filesz;
    }
    if (elf->with_sections) {
        off = align4(off);
        l->symtab_offset = off;
        off += SYM_SIZE * (elf->n_symbols + 1) + st->strtab.len + st->shstrtab.len;
        off = align4(off);
        l->shoff = off;
        off += SHDR_SIZE * N_SECTIONS;
    }
    l->size = off;
}

static void write_ehdr(Out *o, const TestElf *elf, const TestElfLayout *l)
{
    static const uint8_t magic[4] = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3};
    put_bytes(o, magic, 4);
    put8(o, elf->ident_class);
    put8(o, elf->big_endian ? ELFDATA2MSB : ELFDATA2LSB);
    put8(o, EV_CURRENT);
    pad_to(o, EI_NIDENT);
    put16(o, elf->type);
    put16(o, elf->machine);
    put32(o, EV_CURRENT);
    put32(o, 0x41); /* e_entry: unused on M-profile, as a linker sets it */
    put32(o, (uint32_t)l->phoff);
    put32(o, (uint32_t)l->shoff);
    put32(o, EF_ARM_EABI_VER5);
    put16(o, sizeof(Elf32_Ehdr));
    put16(o, elf->n_phdrs ? sizeof(Elf32_Phdr) : 0);
    put16(o, (uint16_t)elf->n_phdrs);
    put16(o, elf->with_sections ? SHDR_SIZE : 0);
    put16(o, elf->with_sections ? N_SECTIONS : 0);
    put16(o, elf->with_sections ? N_SECTIONS - 1 : SHN_UNDEF);
}

static void write_phdrs(Out *o, const TestElf *elf, const TestElfLayout *l)
{
    for (size_t i = 0; i < elf->n_phdrs; i++) {
        const Elf32_Phdr *ph = &elf->phdrs[i];
        put32(o, ph->p_type);
        put32(o, (uint32_t)l->segment_offset[i]);
        put32(o, ph->p_vaddr);
        put32(o, ph->p_paddr);
        put32(o, ph->p_filesz);
        put32(o, ph->p_memsz);
        put32(o, ph->p_flags);
        put32(o, ph->p_align);
    }
}

static void write_segment_data(Out *o, const TestElf *elf, const TestElfLayout *l)
{
    for (size_t i = 0; i < elf->n_phdrs; i++) {
        const Elf32_Phdr *ph = &elf->phdrs[i];
        if (ph->p_offset != TEST_ELF_AUTO_OFFSET)
            continue;
        pad_to(o, l->segment_offset[i]);
        for (size_t k = 0; k < ph->p_filesz; k++)
            put8(o, test_elf_pattern(i, k));
    }
}

static void write_symtab(Out *o, const TestElf *elf, const Strings *st)
{
    for (int k = 0; k < SYM_SIZE; k++)
        put8(o, 0); /* the reserved null symbol */
    for (size_t i = 0; i < elf->n_symbols; i++) {
        const TestElfSymbol *s = &elf->symbols[i];
        put32(o, st->sym_name[i]);
        put32(o, s->value);
        put32(o, s->size);
        put8(o, s->info);
        put8(o, STV_DEFAULT);
        put16(o, s->shndx);
    }
}

static void write_shdr(Out *o, uint32_t name, uint32_t type, uint32_t addr, size_t offset,
                       size_t size, uint32_t link, uint32_t info, uint32_t entsize)
{
    put32(o, name);
    put32(o, type);
    put32(o, type == SHT_PROGBITS ? SHF_ALLOC | SHF_EXECINSTR : 0);
    put32(o, addr);
    put32(o, (uint32_t)offset);
    put32(o, (uint32_t)size);
    put32(o, link);
    put32(o, info);
    put32(o, 4);
    put32(o, entsize);
}

static uint32_t first_global(const TestElf *elf)
{
    uint32_t i = 0;
    while (i < elf->n_symbols && ELF32_ST_BIND(elf->symbols[i].info) == STB_LOCAL)
        i++;
    return i + 1; /* counting the null symbol */
}

static void write_sections(Out *o, const TestElf *elf, const Strings *st,
                           const TestElfLayout *l)
{
    pad_to(o, l->symtab_offset);
    write_symtab(o, elf, st);
    size_t strtab_off = o->len;
    put_bytes(o, st->strtab.data, st->strtab.len);
    size_t shstrtab_off = o->len;
    put_bytes(o, st->shstrtab.data, st->shstrtab.len);
    pad_to(o, l->shoff);
    const Elf32_Phdr *text = &elf->phdrs[0];
    write_shdr(o, 0, SHT_NULL, 0, 0, 0, 0, 0, 0);
    write_shdr(o, st->sec_name[1], SHT_PROGBITS, text->p_vaddr, l->segment_offset[0],
               text->p_filesz, 0, 0, 0);
    write_shdr(o, st->sec_name[2], SHT_SYMTAB, 0, l->symtab_offset,
               SYM_SIZE * (elf->n_symbols + 1), 3, first_global(elf), SYM_SIZE);
    write_shdr(o, st->sec_name[3], SHT_STRTAB, 0, strtab_off, st->strtab.len, 0, 0, 0);
    write_shdr(o, st->sec_name[4], SHT_STRTAB, 0, shstrtab_off, st->shstrtab.len, 0, 0, 0);
}

static TestBytes *finish(Out *o)
{
    TestBytes *bytes = g_new(TestBytes, 1);
    bytes->data = o->data;
    bytes->len = o->len;
    return bytes;
}

TestBytes *test_elf_build(const TestElf *elf, TestElfLayout *layout)
{
    Strings st;
    TestElfLayout l;
    build_strings(elf, &st);
    compute_layout(elf, &st, &l);
    Out o = {.msb = elf->big_endian};
    write_ehdr(&o, elf, &l);
    write_phdrs(&o, elf, &l);
    write_segment_data(&o, elf, &l);
    if (elf->with_sections)
        write_sections(&o, elf, &st, &l);
    g_assert_cmpuint(o.len, ==, l.size);
    g_free(st.strtab.data);
    g_free(st.shstrtab.data);
    if (layout)
        *layout = l;
    return finish(&o);
}

TestBytes *test_elf_build_elf64(void)
{
    Out o = {.msb = false};
    static const uint8_t magic[4] = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3};
    put_bytes(&o, magic, 4);
    put8(&o, ELFCLASS64);
    put8(&o, ELFDATA2LSB);
    put8(&o, EV_CURRENT);
    pad_to(&o, EI_NIDENT);
    put16(&o, ET_EXEC);
    put16(&o, EM_AARCH64);
    put32(&o, EV_CURRENT);
    put64(&o, 0x400000); /* e_entry */
    put64(&o, 0);        /* e_phoff */
    put64(&o, 0);        /* e_shoff */
    put32(&o, 0);        /* e_flags */
    put16(&o, sizeof(Elf64_Ehdr));
    put16(&o, sizeof(Elf64_Phdr));
    put16(&o, 0);
    put16(&o, sizeof(Elf64_Shdr));
    put16(&o, 0);
    put16(&o, 0);
    g_assert_cmpuint(o.len, ==, sizeof(Elf64_Ehdr));
    return finish(&o);
}

char *test_write_file(const char *dir, const char *name, const void *data, size_t len)
{
    /* Plain stdio: g_file_set_contents() may fsync, and without flags it
     * leaves an old file's bytes in place when asked to write zero. Unlink
     * first: ext4 starts writeback when a truncated file is closed, which
     * makes the sweeps' thousands of rewrites wait on the disk. */
    char *path = g_build_filename(dir, name, NULL);
    g_remove(path);
    FILE *f = g_fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        g_error("writing %s failed", path);
    return path;
}

char *test_elf_write(const char *dir, const char *name, const TestElf *elf)
{
    g_autoptr(TestBytes) bytes = test_elf_build(elf, NULL);
    return test_write_file(dir, name, bytes->data, bytes->len);
}
