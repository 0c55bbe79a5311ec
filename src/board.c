#include "board.h"

#include <string.h>

#include "config.h"
#include "errors.h"

#define BOARD_GROUP "board"
#define IVSHMEM_GROUP "ivshmem"
#define MEMORY_PREFIX "memory "
#define DEVICE_PREFIX "device "
#define MAX_NVIC_IRQS 496

static void board_memory_free(gpointer p)
{
    BoardMemory *m = p;
    g_free(m->name);
    g_array_free(m->aliases, TRUE);
    g_free(m);
}

static void board_device_free(gpointer p)
{
    BoardDevice *d = p;
    g_free(d->name);
    g_free(d->group);
    g_free(d->type);
    g_free(d);
}

void board_free(Board *board)
{
    if (board == NULL)
        return;
    g_free(board->path);
    g_free(board->name);
    g_free(board->description);
    g_free(board->cpu);
    g_free(board->semihosting_ram);
    g_ptr_array_free(board->memories, TRUE);
    g_ptr_array_free(board->devices, TRUE);
    if (board->keyfile != NULL)
        g_key_file_free(board->keyfile);
    g_free(board);
}

bool parse_size_u64(const char *text, uint64_t *out)
{
    if (text == NULL)
        return false;
    while (g_ascii_isspace(*text))
        text++;
    if (*text == '\0' || *text == '-' || *text == '+')
        return false;
    char *end = NULL;
    guint64 value = g_ascii_strtoull(text, &end, 0);
    if (end == text)
        return false;
    guint64 scale = 1;
    switch (g_ascii_toupper(*end)) {
    case 'K': scale = 1ull << 10; end++; break;
    case 'M': scale = 1ull << 20; end++; break;
    case 'G': scale = 1ull << 30; end++; break;
    default: break;
    }
    while (g_ascii_isspace(*end))
        end++;
    if (*end != '\0' || value > G_MAXUINT64 / scale)
        return false;
    *out = value * scale;
    return true;
}

static void set_board_error(GError **error, const Board *board, const char *group,
                            const char *key, const char *what)
{
    if (key != NULL)
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_BAD_BOARD, "%s: [%s] %s: %s",
                    board->path, group, key, what);
    else
        g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_BAD_BOARD, "%s: [%s]: %s",
                    board->path, group, what);
}

/* Reads a number key. Returns false with an error if malformed or, when
 * required, absent. */
static bool get_number(const Board *board, const char *group, const char *key, bool required,
                       uint64_t max, uint64_t *out, GError **error)
{
    g_autofree char *text = g_key_file_get_value(board->keyfile, group, key, NULL);
    if (text == NULL) {
        if (!required)
            return true;
        set_board_error(error, board, group, key, "missing");
        return false;
    }
    uint64_t value;
    if (!parse_size_u64(text, &value)) {
        g_autofree char *msg = g_strdup_printf("'%s' is not a number", text);
        set_board_error(error, board, group, key, msg);
        return false;
    }
    if (value > max) {
        g_autofree char *msg = g_strdup_printf("%s is out of range (max %#" G_GINT64_MODIFIER "x)",
                                               text, max);
        set_board_error(error, board, group, key, msg);
        return false;
    }
    *out = value;
    return true;
}

static bool get_u32(const Board *board, const char *group, const char *key, bool required,
                    uint32_t *out, GError **error)
{
    uint64_t v = *out;
    if (!get_number(board, group, key, required, UINT32_MAX, &v, error))
        return false;
    *out = (uint32_t)v;
    return true;
}

static char *get_string(const Board *board, const char *group, const char *key, bool required,
                        GError **error)
{
    char *s = g_key_file_get_string(board->keyfile, group, key, NULL);
    if (s != NULL)
        g_strstrip(s);
    if ((s == NULL || *s == '\0') && required) {
        g_free(s);
        set_board_error(error, board, group, key, "missing");
        return NULL;
    }
    return s;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static bool check_window(const Board *board, const char *group, const char *key, uint32_t base,
                         uint32_t size, GError **error)
{
    if (size == 0) {
        set_board_error(error, board, group, "size", "must not be zero");
        return false;
    }
    if ((uint64_t)base + size > (1ull << 32)) {
        set_board_error(error, board, group, key, "window runs past the 4 GiB address space");
        return false;
    }
    return true;
}

static bool parse_board_group(Board *board, GError **error)
{
    if (!g_key_file_has_group(board->keyfile, BOARD_GROUP)) {
        set_board_error(error, board, BOARD_GROUP, NULL, "group missing");
        return false;
    }
    board->name = get_string(board, BOARD_GROUP, "name", true, error);
    if (board->name == NULL)
        return false;
    board->description = get_string(board, BOARD_GROUP, "description", false, NULL);
    if (board->description == NULL)
        board->description = g_strdup("");
    board->cpu = get_string(board, BOARD_GROUP, "cpu", true, error);
    if (board->cpu == NULL)
        return false;
    if (strcmp(board->cpu, "cortex-m3") != 0) {
        g_autofree char *msg = g_strdup_printf("unsupported CPU '%s' (supported: cortex-m3)",
                                               board->cpu);
        set_board_error(error, board, BOARD_GROUP, "cpu", msg);
        return false;
    }
    uint64_t v = 0;
    if (!get_number(board, BOARD_GROUP, "cpu-clock", true, 4000000000ull, &v, error))
        return false;
    if (v == 0) {
        set_board_error(error, board, BOARD_GROUP, "cpu-clock", "must not be zero");
        return false;
    }
    board->cpu_hz = v;
    v = 32;
    if (!get_number(board, BOARD_GROUP, "nvic-irqs", false, MAX_NVIC_IRQS, &v, error))
        return false;
    if (v == 0) {
        set_board_error(error, board, BOARD_GROUP, "nvic-irqs", "must be 1..496");
        return false;
    }
    board->nvic_irqs = (unsigned)v;
    v = 8;
    if (!get_number(board, BOARD_GROUP, "nvic-prio-bits", false, 8, &v, error))
        return false;
    if (v < 3) {
        set_board_error(error, board, BOARD_GROUP, "nvic-prio-bits", "must be 3..8 (ARMv7-M)");
        return false;
    }
    board->nvic_prio_bits = (unsigned)v;
    v = 0;
    if (!get_number(board, BOARD_GROUP, "systick-ref-clock", false, 4000000000ull, &v, error))
        return false;
    board->systick_ref_hz = v;
    board->semihosting_ram = get_string(board, BOARD_GROUP, "semihosting-ram", false, NULL);
    return true;
}

static bool parse_aliases(Board *board, const char *group, BoardMemory *m, GError **error)
{
    gsize n = 0;
    g_auto(GStrv) list = g_key_file_get_string_list(board->keyfile, group, "aliases", &n, NULL);
    for (gsize i = 0; list != NULL && i < n; i++) {
        uint64_t addr;
        if (!parse_size_u64(list[i], &addr) || addr > UINT32_MAX) {
            g_autofree char *msg = g_strdup_printf("'%s' is not an address", list[i]);
            set_board_error(error, board, group, "aliases", msg);
            return false;
        }
        if (!check_window(board, group, "aliases", (uint32_t)addr, m->size, error))
            return false;
        uint32_t a = (uint32_t)addr;
        g_array_append_val(m->aliases, a);
    }
    return true;
}

static bool parse_memory_group(Board *board, const char *group, GError **error)
{
    BoardMemory *m = g_new0(BoardMemory, 1);
    m->name = g_strstrip(g_strdup(group + strlen(MEMORY_PREFIX)));
    m->aliases = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    g_ptr_array_add(board->memories, m);

    g_autofree char *kind = get_string(board, group, "kind", false, NULL);
    if (kind == NULL || strcmp(kind, "ram") == 0) {
        m->kind = BOARD_MEM_RAM;
    } else if (strcmp(kind, "rom") == 0) {
        m->kind = BOARD_MEM_ROM;
    } else {
        set_board_error(error, board, group, "kind", "must be 'ram' or 'rom'");
        return false;
    }
    if (!get_u32(board, group, "address", true, &m->base, error) ||
        !get_u32(board, group, "size", true, &m->size, error))
        return false;
    /* Unicorn maps whole 1 KiB pages on ARM */
    if ((m->base | m->size) & 0x3ff) {
        set_board_error(error, board, group, "address",
                        "memory regions must start and end on a 1 KiB boundary");
        return false;
    }
    return check_window(board, group, "address", m->base, m->size, error) &&
           parse_aliases(board, group, m, error);
}

static bool parse_device_group(Board *board, const char *group, GError **error)
{
    BoardDevice *d = g_new0(BoardDevice, 1);
    d->name = g_strstrip(g_strdup(group + strlen(DEVICE_PREFIX)));
    d->group = g_strdup(group);
    g_ptr_array_add(board->devices, d);
    d->type = get_string(board, group, "type", true, error);
    if (d->type == NULL)
        return false;
    if (!get_u32(board, group, "address", true, &d->base, error) ||
        !get_u32(board, group, "size", false, &d->size, error))
        return false;
    if (d->base & 0x3ff) {
        set_board_error(error, board, group, "address",
                        "device windows must start on a 1 KiB boundary");
        return false;
    }
    return d->size == 0 || check_window(board, group, "size", d->base, d->size, error);
}

static bool parse_ivshmem_group(Board *board, GError **error)
{
    /* QEMU's documented placement for ivshmem-flat on these boards */
    board->ivshmem.mmio = 0x400FF000;
    board->ivshmem.shm = 0x40100000;
    board->ivshmem.irq = 0;
    if (!g_key_file_has_group(board->keyfile, IVSHMEM_GROUP))
        return true;
    uint32_t irq = board->ivshmem.irq;
    if (!get_u32(board, IVSHMEM_GROUP, "mmio", false, &board->ivshmem.mmio, error) ||
        !get_u32(board, IVSHMEM_GROUP, "shm", false, &board->ivshmem.shm, error) ||
        !get_u32(board, IVSHMEM_GROUP, "irq", false, &irq, error))
        return false;
    if (irq >= board->nvic_irqs) {
        set_board_error(error, board, IVSHMEM_GROUP, "irq", "beyond the board's NVIC lines");
        return false;
    }
    board->ivshmem.irq = irq;
    return true;
}

static bool check_memory_overlaps(Board *board, GError **error)
{
    /* every RAM/ROM window, aliases included, must be disjoint */
    g_autoptr(GArray) windows = g_array_new(FALSE, FALSE, sizeof(uint64_t[2]));
    for (guint i = 0; i < board->memories->len; i++) {
        BoardMemory *m = g_ptr_array_index(board->memories, i);
        for (guint k = 0; k <= m->aliases->len; k++) {
            uint64_t base = k == 0 ? m->base : g_array_index(m->aliases, uint32_t, k - 1);
            for (guint j = 0; j < windows->len; j++) {
                uint64_t *w = &g_array_index(windows, uint64_t, 2 * j);
                if (ranges_overlap(base, m->size, w[0], w[1])) {
                    g_autofree char *group = g_strconcat(MEMORY_PREFIX, m->name, NULL);
                    set_board_error(error, board, group, k == 0 ? "address" : "aliases",
                                    "overlaps another memory region");
                    return false;
                }
            }
            uint64_t entry[2] = { base, m->size };
            g_array_append_vals(windows, entry, 1);
        }
    }
    return true;
}

Board *board_load_file(const char *path, GError **error)
{
    g_autoptr(Board) board = g_new0(Board, 1);
    board->path = g_strdup(path);
    board->memories = g_ptr_array_new_with_free_func(board_memory_free);
    board->devices = g_ptr_array_new_with_free_func(board_device_free);
    board->keyfile = g_key_file_new();

    g_autoptr(GError) local = NULL;
    if (!g_key_file_load_from_file(board->keyfile, path, G_KEY_FILE_NONE, &local)) {
        bool missing = g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
                       g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_ACCES) ||
                       g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
        g_set_error(error, MINIVM_ERROR, missing ? MINIVM_EXIT_NO_FILE : MINIVM_EXIT_BAD_BOARD,
                    "%s: %s", path, local->message);
        return NULL;
    }
    if (!parse_board_group(board, error))
        return NULL;

    g_auto(GStrv) groups = g_key_file_get_groups(board->keyfile, NULL);
    for (gsize i = 0; groups[i] != NULL; i++) {
        const char *g = groups[i];
        bool ok = true;
        if (g_str_has_prefix(g, MEMORY_PREFIX))
            ok = parse_memory_group(board, g, error);
        else if (g_str_has_prefix(g, DEVICE_PREFIX))
            ok = parse_device_group(board, g, error);
        else if (strcmp(g, BOARD_GROUP) != 0 && strcmp(g, IVSHMEM_GROUP) != 0) {
            set_board_error(error, board, g, NULL,
                            "unknown group (expected [board], [memory NAME], "
                            "[device NAME] or [ivshmem])");
            ok = false;
        }
        if (!ok)
            return NULL;
    }
    if (board->memories->len == 0) {
        set_board_error(error, board, BOARD_GROUP, NULL, "the board has no [memory NAME] group");
        return NULL;
    }
    if (!check_memory_overlaps(board, error) || !parse_ivshmem_group(board, error))
        return NULL;
    return g_steal_pointer(&board);
}

GPtrArray *board_search_dirs(void)
{
    GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
    const char *env = g_getenv("MINIVM_BOARD_PATH");
    if (env != NULL) {
        g_auto(GStrv) parts = g_strsplit(env, ":", -1);
        for (gsize i = 0; parts[i] != NULL; i++)
            if (*parts[i] != '\0')
                g_ptr_array_add(dirs, g_strdup(parts[i]));
    }
    g_ptr_array_add(dirs, g_strdup(MINIVM_BOARD_DIR_SOURCE));
    g_ptr_array_add(dirs, g_strdup(MINIVM_BOARD_DIR_INSTALLED));
    return dirs;
}

static bool looks_like_path(const char *name)
{
    return strchr(name, '/') != NULL || g_str_has_suffix(name, ".board");
}

Board *board_load(const char *name_or_path, GError **error)
{
    if (looks_like_path(name_or_path))
        return board_load_file(name_or_path, error);
    g_autoptr(GPtrArray) dirs = board_search_dirs();
    g_autofree char *file = g_strconcat(name_or_path, ".board", NULL);
    for (guint i = 0; i < dirs->len; i++) {
        g_autofree char *path = g_build_filename(g_ptr_array_index(dirs, i), file, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
            return board_load_file(path, error);
    }
    g_set_error(error, MINIVM_ERROR, MINIVM_EXIT_USAGE,
                "unknown board '%s' (see --list-boards, or give a path to a .board file)",
                name_or_path);
    return NULL;
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *board_list(void)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GPtrArray) dirs = board_search_dirs();
    for (guint i = 0; i < dirs->len; i++) {
        const char *dirname = g_ptr_array_index(dirs, i);
        g_autoptr(GDir) dir = g_dir_open(dirname, 0, NULL);
        const char *entry;
        while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL) {
            if (!g_str_has_suffix(entry, ".board"))
                continue;
            g_autofree char *path = g_build_filename(dirname, entry, NULL);
            g_autoptr(Board) b = board_load_file(path, NULL);
            if (b == NULL || g_hash_table_contains(seen, b->name))
                continue;
            g_hash_table_add(seen, g_strdup(b->name));
            g_ptr_array_add(out, g_strdup_printf("%s\t%s\t%s", b->name, b->description, path));
        }
    }
    g_ptr_array_sort(out, compare_strings);
    return out;
}

bool board_device_u32(const Board *board, const BoardDevice *dev, const char *key,
                      uint32_t default_value, uint32_t *out, GError **error)
{
    *out = default_value;
    return get_u32(board, dev->group, key, false, out, error);
}

char *board_device_string(const Board *board, const BoardDevice *dev, const char *key)
{
    char *text = g_key_file_get_value(board->keyfile, dev->group, key, NULL);
    return text != NULL ? g_strstrip(text) : NULL;
}

bool board_device_irq(const Board *board, const BoardDevice *dev, const char *name, int *out,
                      GError **error)
{
    g_autofree char *key = name == NULL ? g_strdup("irq") : g_strconcat("irq-", name, NULL);
    *out = -1;
    if (!g_key_file_has_key(board->keyfile, dev->group, key, NULL))
        return true;
    g_autofree char *text = g_key_file_get_value(board->keyfile, dev->group, key, NULL);
    if (text != NULL && g_ascii_strcasecmp(g_strstrip(text), "nmi") == 0) {
        *out = BOARD_IRQ_NMI;
        return true;
    }
    uint64_t v = 0;
    if (!get_number(board, dev->group, key, true, UINT32_MAX, &v, error))
        return false;
    if (v >= board->nvic_irqs) {
        g_autofree char *msg = g_strdup_printf("line %" G_GUINT64_FORMAT
                                               " is beyond the board's %u NVIC lines",
                                               v, board->nvic_irqs);
        set_board_error(error, board, dev->group, key, msg);
        return false;
    }
    *out = (int)v;
    return true;
}
