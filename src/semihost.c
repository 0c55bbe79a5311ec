/* ARM semihosting for M-profile: the 32-bit API of "Semihosting for
 * AArch32 and AArch64" (Arm ABI, semihosting.rst; "spec SYS_X" below names
 * the section of that operation). Where the spec leaves room, minivm does
 * what QEMU's -semihosting does on mps2-an385, because firmware output and
 * exit status are compared against QEMU's.
 *
 * Guest memory is reached only through env->read_mem/write_mem, and every
 * guest pointer, length and handle is untrusted: a bad one makes the call
 * fail (r0 = -1, SYS_ERRNO = EFAULT/EBADF/...), never the emulator. */
#include "semihost.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define WHO "semihost"
#define MAX_HANDLES 64
/* Guest lengths are untrusted: data moves through buffers of at most this. */
#define CHUNK_SIZE (64 * 1024)
/* String scans read up to the next boundary of this, so a string ending just
 * before unmapped memory is still found. */
#define SCAN_SIZE 256
#define ADDR_SPACE_END (UINT64_C(1) << 32)
#define RESULT_ERROR UINT32_MAX
/* Spec SYS_WRITEC/SYS_WRITE0: "the RETURN REGISTER is corrupted"; QEMU
 * writes this value, so firmware sees the same r0 under both. */
#define RESULT_CORRUPTED 0xdeadbeefu
/* Spec SYS_TICKFREQ; QEMU counts SYS_ELAPSED in nanoseconds. */
#define TICKS_PER_SEC 1000000000u
#define NS_PER_CENTISECOND 10000000u
/* Test and debugging knob: resolve paths without openat2, as on kernels
 * older than 5.6 or under seccomp filters that hide it. */
#define NO_OPENAT2_ENV "MINIVM_SEMIHOST_NO_OPENAT2"

typedef enum {
    HANDLE_FREE,
    HANDLE_STDIN,    /* ":tt" opened for reading */
    HANDLE_STDOUT,   /* ":tt" opened for writing */
    HANDLE_STDERR,   /* ":tt" opened for appending */
    HANDLE_FEATURES, /* ":semihosting-features" */
    HANDLE_FILE,     /* a host file below the root directory */
} HandleKind;

typedef struct {
    HandleKind kind;
    int fd;       /* HANDLE_FILE */
    uint32_t pos; /* HANDLE_FEATURES */
} Handle;

struct Semihost {
    SemihostEnv env;
    char *cmdline;
    char *root_dir;  /* as given by the user, NULL if none */
    char *root_real; /* canonical form, to recognise absolute guest paths */
    int root_fd;     /* O_PATH descriptor of root_dir, -1 if none */
    int root_errno;  /* why root_fd is -1 although root_dir is set */
    bool use_openat2;
    bool told_no_root;
    uint32_t err; /* SYS_ERRNO */
    Handle handles[MAX_HANDLES + 1]; /* [0] unused: spec SYS_OPEN handles are nonzero */
};

/* Spec "Semihosting extensions": bytes read from ":semihosting-features".
 * Feature byte 0: SH_EXT_EXIT_EXTENDED (bit 0), SH_EXT_STDOUT_STDERR (bit 1),
 * as QEMU reports; C libraries probe it before using SYS_EXIT_EXTENDED. */
static const uint8_t features[] = { 0x53, 0x48, 0x46, 0x42, 0x03 };

/* Spec SYS_OPEN "Value of mode": ISO C fopen modes r rb r+ r+b w wb w+ w+b
 * a ab a+ a+b. */
static const int open_flags[12] = {
    O_RDONLY, O_RDONLY, O_RDWR, O_RDWR,
    O_WRONLY | O_CREAT | O_TRUNC, O_WRONLY | O_CREAT | O_TRUNC,
    O_RDWR | O_CREAT | O_TRUNC, O_RDWR | O_CREAT | O_TRUNC,
    O_WRONLY | O_CREAT | O_APPEND, O_WRONLY | O_CREAT | O_APPEND,
    O_RDWR | O_CREAT | O_APPEND, O_RDWR | O_CREAT | O_APPEND,
};

/* ---- guest memory ---- */

/* Addresses are 64-bit here so that "base + offset" computed by callers
 * can never wrap around to low memory: a range past 4 GiB is unmapped. */
static bool mem_read(Semihost *sh, uint64_t addr, void *buf, size_t len)
{
    if (addr + len > ADDR_SPACE_END)
        return false;
    return len == 0 || sh->env.read_mem(sh->env.opaque, (uint32_t)addr, buf, len);
}

static bool mem_write(Semihost *sh, uint64_t addr, const void *buf, size_t len)
{
    if (addr + len > ADDR_SPACE_END)
        return false;
    return len == 0 || sh->env.write_mem(sh->env.opaque, (uint32_t)addr, buf, len);
}

/* Reads n 32-bit fields of a parameter block (M-profile guests are
 * little-endian on the boards minivm models). */
static bool read_args(Semihost *sh, uint32_t addr, uint32_t *args, unsigned n)
{
    uint8_t raw[16];
    g_assert(n <= 4);
    if (!mem_read(sh, addr, raw, n * 4u))
        return false;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *b = raw + 4 * i;
        args[i] = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
    }
    return true;
}

/* Writes n 32-bit words to a result block in one access. */
static bool write_words(Semihost *sh, uint64_t addr, const uint32_t *words, unsigned n)
{
    uint8_t raw[16];
    g_assert(n <= 4);
    for (unsigned i = 0; i < n; i++) {
        for (unsigned b = 0; b < 4; b++)
            raw[4 * i + b] = (uint8_t)(words[i] >> (8 * b));
    }
    return mem_write(sh, addr, raw, n * 4u);
}

static uint32_t fail(Semihost *sh, int err)
{
    sh->err = (uint32_t)err;
    return RESULT_ERROR;
}

/* QEMU's "do_fault": an unreadable parameter block fails the call with
 * EFAULT. */
static uint32_t fault(Semihost *sh, const char *what, uint32_t addr)
{
    log_guest_error(WHO, "%s: address 0x%08x is not mapped", what, addr);
    return fail(sh, EFAULT);
}

/* Reads one piece of a string scan: up to the next SCAN_SIZE boundary, or a
 * single byte when that range is not entirely mapped. */
static bool scan_piece(Semihost *sh, uint64_t addr, uint8_t *buf, size_t *len)
{
    *len = SCAN_SIZE - addr % SCAN_SIZE;
    if (mem_read(sh, addr, buf, *len))
        return true;
    *len = 1;
    return mem_read(sh, addr, buf, 1);
}

/* Length of the NUL-terminated guest string at addr, looking at most at max
 * bytes. 0 on success, else EFAULT (unmapped memory before the NUL) or
 * ENAMETOOLONG (no NUL within max). */
static int guest_strlen(Semihost *sh, uint32_t addr, uint64_t max, uint32_t *len)
{
    uint8_t buf[SCAN_SIZE];
    uint64_t n = 0;
    while (n < max) {
        size_t got;
        if (!scan_piece(sh, (uint64_t)addr + n, buf, &got))
            return EFAULT;
        const uint8_t *nul = memchr(buf, 0, got);
        if (nul) {
            n += (uint64_t)(nul - buf);
            if (n >= max)
                break;
            *len = (uint32_t)n;
            return 0;
        }
        n += got;
    }
    return ENAMETOOLONG;
}

/* Copies the NUL-terminated guest string at addr (at most max bytes before
 * the NUL) into a new host string. */
static int guest_string(Semihost *sh, uint32_t addr, uint32_t max, char **out)
{
    uint32_t len;
    int err = guest_strlen(sh, addr, max, &len);
    if (err)
        return err;
    char *s = g_malloc(len + 1u);
    if (!mem_read(sh, addr, s, len)) {
        g_free(s);
        return EFAULT;
    }
    s[len] = '\0';
    *out = s;
    return 0;
}

/* ---- handles ---- */

static uint32_t handle_alloc(Semihost *sh, HandleKind kind, int fd)
{
    /* Lowest free number first, as QEMU, so handle numbers match. */
    for (uint32_t h = 1; h <= MAX_HANDLES; h++) {
        if (sh->handles[h].kind == HANDLE_FREE) {
            sh->handles[h] = (Handle){ .kind = kind, .fd = fd, .pos = 0 };
            return h;
        }
    }
    return 0;
}

static Handle *handle_get(Semihost *sh, uint32_t h)
{
    if (h == 0 || h > MAX_HANDLES || sh->handles[h].kind == HANDLE_FREE) {
        sh->err = EBADF;
        return NULL;
    }
    return &sh->handles[h];
}

static CharDev *debug_console(Semihost *sh)
{
    return sh->env.debug_console != NULL ? sh->env.debug_console : sh->env.console;
}

static bool handle_is_console(const Handle *h)
{
    return h->kind == HANDLE_STDIN || h->kind == HANDLE_STDOUT || h->kind == HANDLE_STDERR;
}

/* Writes to a handle; returns how many bytes went out. */
static size_t handle_write(Semihost *sh, Handle *h, const uint8_t *buf, size_t len)
{
    if (h->kind == HANDLE_STDOUT || h->kind == HANDLE_STDERR) {
        chardev_write(h->kind == HANDLE_STDERR ? debug_console(sh) : sh->env.console, buf, len);
        return len;
    }
    if (h->kind != HANDLE_FILE) {
        sh->err = EBADF;
        return 0;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(h->fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            sh->err = n < 0 ? (uint32_t)errno : ENOSPC;
            break;
        }
        done += (size_t)n;
    }
    return done;
}

/* An interactive read returns one line at most, like a terminal in
 * canonical mode: spec SYS_READ says a partly filled buffer is the common
 * result for interactive devices, and waiting for a full buffer would hang
 * line-oriented firmware. */
static size_t console_read_line(Semihost *sh, uint8_t *buf, size_t len)
{
    size_t n = 0;
    while (n < len) {
        int c = sh->env.console ? chardev_read_byte_blocking(sh->env.console) : -1;
        if (c < 0)
            break;
        buf[n++] = (uint8_t)c;
        if (c == '\n')
            break;
    }
    return n;
}

static size_t file_read(Semihost *sh, int fd, uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            sh->err = (uint32_t)errno;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    return done;
}

/* Reads from a handle; returns how many bytes came in (0: EOF or error). */
static size_t handle_read(Semihost *sh, Handle *h, uint8_t *buf, size_t len)
{
    switch (h->kind) {
    case HANDLE_STDIN:
        return console_read_line(sh, buf, len);
    case HANDLE_FILE:
        return file_read(sh, h->fd, buf, len);
    case HANDLE_FEATURES: {
        size_t n = MIN(len, sizeof features - h->pos);
        memcpy(buf, features + h->pos, n);
        h->pos += (uint32_t)n;
        return n;
    }
    default:
        sh->err = EBADF;
        return 0;
    }
}

/* Moves len guest bytes at addr to h, a chunk at a time; returns how many
 * were written. */
static uint32_t write_from_guest(Semihost *sh, Handle *h, uint32_t addr, uint32_t len)
{
    g_autofree uint8_t *buf = g_malloc(MIN(len, CHUNK_SIZE));
    uint32_t done = 0;
    while (done < len) {
        size_t n = MIN(len - done, CHUNK_SIZE);
        if (!mem_read(sh, (uint64_t)addr + done, buf, n)) {
            log_guest_error(WHO, "write buffer at 0x%08x+0x%x is not mapped", addr, done);
            sh->err = EFAULT;
            break;
        }
        size_t put = handle_write(sh, h, buf, n);
        done += (uint32_t)put;
        if (put < n)
            break;
    }
    return done;
}

/* Moves up to len bytes from h to guest memory at addr; returns how many
 * arrived. */
static uint32_t read_to_guest(Semihost *sh, Handle *h, uint32_t addr, uint32_t len)
{
    g_autofree uint8_t *buf = g_malloc(MIN(len, CHUNK_SIZE));
    uint32_t done = 0;
    while (done < len) {
        size_t n = MIN(len - done, CHUNK_SIZE);
        size_t got = handle_read(sh, h, buf, n);
        if (!mem_write(sh, (uint64_t)addr + done, buf, got)) {
            log_guest_error(WHO, "read buffer at 0x%08x+0x%x is not mapped", addr, done);
            sh->err = EFAULT;
            break;
        }
        done += (uint32_t)got;
        if (got < n || h->kind == HANDLE_STDIN)
            break;
    }
    return done;
}

/* ---- the root directory jail ---- */

/* Splits path into components, resolving "." and ".." lexically: the kept
 * components end up in (*comps)[0..*n), the rest of the vector only awaits
 * g_strfreev(). EACCES if ".." climbs above the start. Lexical resolution
 * is exact here because opening never follows a symlink.
 * (No GPtrArray: the static libunicorn.a carries its own partial copy of
 * GLib's array code, and mixing the two corrupts the arrays.) */
static int split_path(const char *path, char ***comps, guint *n)
{
    char **c = g_strsplit(path, "/", -1);
    guint kept = 0;
    for (guint i = 0; c[i]; i++) {
        if (c[i][0] == '\0' || strcmp(c[i], ".") == 0)
            continue;
        if (strcmp(c[i], "..") == 0) {
            if (kept == 0) {
                g_strfreev(c);
                return EACCES;
            }
            kept--;
            continue;
        }
        char *keep = c[i]; /* swap, so every string stays in c to be freed */
        c[i] = c[kept];
        c[kept++] = keep;
    }
    *comps = c;
    *n = kept;
    return 0;
}

/* Number of leading components of parts that spell the directory dir, or
 * -1 if they do not. */
static int prefix_len(char **parts, guint n, const char *dir)
{
    g_auto(GStrv) d = NULL;
    guint dn;
    if (!dir || split_path(dir, &d, &dn) != 0 || dn > n)
        return -1;
    for (guint i = 0; i < dn; i++) {
        if (strcmp(d[i], parts[i]) != 0)
            return -1;
    }
    return (int)dn;
}

static char *join_parts(char **parts, guint from, guint n)
{
    if (from >= n)
        return g_strdup(".");
    GString *s = g_string_new(parts[from]);
    for (guint i = from + 1; i < n; i++)
        g_string_append_printf(s, "/%s", parts[i]);
    return g_string_free(s, FALSE);
}

/* Turns a guest path into a normalised path relative to the root ("." for
 * the root itself). Relative guest paths are relative to the root; an
 * absolute one is accepted only if it names a place inside the root. */
static int jail_relpath(const Semihost *sh, const char *path, char **out)
{
    g_auto(GStrv) parts = NULL;
    guint n;
    int err = split_path(path, &parts, &n);
    if (err)
        return err;
    int skip = 0;
    if (path[0] == '/') {
        /* The root as given may be reached through a symlink (/tmp ->
         * /private/tmp); a relative one says nothing about "/...". */
        skip = prefix_len(parts, n, sh->root_real);
        if (skip < 0 && g_path_is_absolute(sh->root_dir))
            skip = prefix_len(parts, n, sh->root_dir);
        if (skip < 0)
            return EACCES;
    }
    *out = join_parts(parts, (guint)skip, n);
    return 0;
}

static int open_beneath(int root_fd, const char *rel, int flags, mode_t mode)
{
    /* RESOLVE_BENEATH keeps resolution below root_fd; RESOLVE_NO_SYMLINKS
     * refuses every symlink, so behaviour is the same as open_walk(). */
    struct open_how how = {
        .flags = (uint64_t)flags,
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
    };
    return (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof how);
}

/* Without openat2: one component at a time, never following a symlink
 * (O_NOFOLLOW; O_PATH|O_DIRECTORY|O_NOFOLLOW fails on a symlink). */
static int open_walk(int root_fd, const char *rel, int flags, mode_t mode)
{
    g_auto(GStrv) comps = g_strsplit(rel, "/", -1);
    guint n = g_strv_length(comps);
    int dir = root_fd;
    for (guint i = 0; i + 1 < n && dir >= 0; i++) {
        int next = openat(dir, comps[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir != root_fd)
            close(dir);
        dir = next;
    }
    if (dir < 0)
        return -1;
    int fd = openat(dir, comps[n - 1], flags | O_NOFOLLOW, mode);
    int saved = errno;
    if (dir != root_fd)
        close(dir);
    errno = saved;
    return fd;
}

/* Opens rel (from jail_relpath) below the root: a descriptor or -errno. */
static int jail_open(Semihost *sh, const char *rel, int flags, mode_t mode)
{
    /* openat2 refuses O_PATH with any flag beyond these three. */
    flags |= (flags & O_PATH) ? O_CLOEXEC : O_CLOEXEC | O_NOCTTY;
    int fd = sh->use_openat2 ? open_beneath(sh->root_fd, rel, flags, mode)
                             : open_walk(sh->root_fd, rel, flags, mode);
    return fd < 0 ? -errno : fd;
}

/* Host files exist for the guest only below a directory the user named. */
static int jail_check(Semihost *sh)
{
    if (sh->root_fd >= 0)
        return 0;
    if (sh->root_dir)
        return sh->root_errno;
    if (!sh->told_no_root) {
        sh->told_no_root = true;
        log_trace(WHO, "the guest asked for a host file; host file access is off "
                       "(give --semihosting-root DIR to allow files below DIR)");
    }
    return EACCES;
}

/* Checks a guest path of stated length len and resolves it to a path
 * relative to the root. */
static int jail_path(Semihost *sh, const char *path, uint32_t len, char **rel)
{
    int err = jail_check(sh);
    if (err)
        return err;
    if (strlen(path) != len)
        return EINVAL; /* spec SYS_OPEN field 3: the length of the string */
    err = jail_relpath(sh, path, rel);
    if (err) {
        g_autofree char *shown = g_strescape(path, NULL);
        log_trace(WHO, "refused \"%s\": outside --semihosting-root %s", shown, sh->root_dir);
    }
    return err;
}

static int jail_guest_path(Semihost *sh, uint32_t addr, uint32_t len, char **rel)
{
    g_autofree char *path = NULL;
    int err = guest_string(sh, addr, PATH_MAX, &path);
    return err ? err : jail_path(sh, path, len, rel);
}

/* Opens the directory holding rel's last component; *last points into rel. */
static int jail_open_parent(Semihost *sh, char *rel, const char **last)
{
    char *slash = strrchr(rel, '/');
    if (!slash) {
        *last = rel;
        return jail_open(sh, ".", O_PATH | O_DIRECTORY, 0);
    }
    *slash = '\0';
    *last = slash + 1;
    return jail_open(sh, rel, O_PATH | O_DIRECTORY, 0);
}

/* ---- operations: console ---- */

static uint32_t op_writec(Semihost *sh, uint32_t param)
{
    uint8_t c; /* spec SYS_WRITEC: r1 points to the character */
    if (!mem_read(sh, param, &c, 1))
        return fault(sh, "SYS_WRITEC", param);
    chardev_write(debug_console(sh), &c, 1);
    return RESULT_CORRUPTED;
}

static uint32_t op_write0(Semihost *sh, uint32_t param)
{
    /* Measure first so an unterminated string prints nothing, as in QEMU;
     * the scan stops at unmapped memory or the end of the address space. */
    uint32_t len;
    if (guest_strlen(sh, param, ADDR_SPACE_END - param, &len) != 0)
        return fault(sh, "SYS_WRITE0 (unterminated string)", param);
    Handle out = { .kind = HANDLE_STDERR };
    if (write_from_guest(sh, &out, param, len) < len)
        return RESULT_ERROR;
    return RESULT_CORRUPTED;
}

static uint32_t op_readc(Semihost *sh, uint32_t param)
{
    int c = sh->env.console ? chardev_read_byte_blocking(sh->env.console) : -1;
    return c < 0 ? RESULT_ERROR : (uint32_t)c;
}

/* ---- operations: files and handles ---- */

static uint32_t open_console(Semihost *sh, uint32_t mode)
{
    /* SH_EXT_STDOUT_STDERR (spec SYS_OPEN): read modes give stdin, write
     * modes stdout, append modes stderr. */
    HandleKind kind = mode < 4 ? HANDLE_STDIN : mode < 8 ? HANDLE_STDOUT : HANDLE_STDERR;
    uint32_t h = handle_alloc(sh, kind, -1);
    return h ? h : fail(sh, EMFILE);
}

static uint32_t open_features(Semihost *sh, uint32_t mode)
{
    /* Spec "Requirements for semihosting implementations": only modes 0 and
     * 1 may open the features file. */
    if (mode > 1)
        return fail(sh, EACCES);
    uint32_t h = handle_alloc(sh, HANDLE_FEATURES, -1);
    return h ? h : fail(sh, EMFILE);
}

static uint32_t open_file(Semihost *sh, const char *path, uint32_t len, uint32_t mode)
{
    g_autofree char *rel = NULL;
    int err = jail_path(sh, path, len, &rel);
    if (err)
        return fail(sh, err);
    int fd = jail_open(sh, rel, open_flags[mode], 0644);
    if (fd < 0)
        return fail(sh, -fd);
    uint32_t h = handle_alloc(sh, HANDLE_FILE, fd);
    if (!h) {
        close(fd);
        return fail(sh, EMFILE);
    }
    log_trace(WHO, "opened %s (mode %u) as handle %u", rel, mode, h);
    return h;
}

static uint32_t op_open(Semihost *sh, uint32_t param)
{
    uint32_t a[3]; /* path, mode, path length */
    if (!read_args(sh, param, a, 3))
        return fault(sh, "SYS_OPEN", param);
    if (a[1] >= G_N_ELEMENTS(open_flags))
        return fail(sh, EINVAL);
    /* The special names are matched on the NUL-terminated string, ignoring
     * field 3, as QEMU does. */
    g_autofree char *name = NULL;
    int err = guest_string(sh, a[0], PATH_MAX, &name);
    if (err)
        return fail(sh, err);
    if (strcmp(name, ":tt") == 0)
        return open_console(sh, a[1]);
    if (strcmp(name, ":semihosting-features") == 0)
        return open_features(sh, a[1]);
    return open_file(sh, name, a[2], a[1]);
}

static uint32_t op_close(Semihost *sh, uint32_t param)
{
    uint32_t a[1];
    if (!read_args(sh, param, a, 1))
        return fault(sh, "SYS_CLOSE", param);
    Handle *h = handle_get(sh, a[0]);
    if (!h)
        return RESULT_ERROR;
    uint32_t result = 0;
    if (h->kind == HANDLE_FILE && close(h->fd) != 0)
        result = fail(sh, errno);
    h->kind = HANDLE_FREE;
    return result;
}

/* Spec SYS_WRITE/SYS_READ: r0 is the number of bytes NOT transferred; there
 * is no -1, so a bad handle or buffer gives back the whole length (QEMU). */
static uint32_t op_write(Semihost *sh, uint32_t param)
{
    uint32_t a[3]; /* handle, buffer, length */
    if (!read_args(sh, param, a, 3))
        return fault(sh, "SYS_WRITE", param);
    Handle *h = handle_get(sh, a[0]);
    return h ? a[2] - write_from_guest(sh, h, a[1], a[2]) : a[2];
}

static uint32_t op_read(Semihost *sh, uint32_t param)
{
    uint32_t a[3];
    if (!read_args(sh, param, a, 3))
        return fault(sh, "SYS_READ", param);
    Handle *h = handle_get(sh, a[0]);
    return h ? a[2] - read_to_guest(sh, h, a[1], a[2]) : a[2];
}

static uint32_t op_istty(Semihost *sh, uint32_t param)
{
    uint32_t a[1];
    if (!read_args(sh, param, a, 1))
        return fault(sh, "SYS_ISTTY", param);
    Handle *h = handle_get(sh, a[0]);
    if (!h)
        return RESULT_ERROR;
    if (h->kind == HANDLE_FILE)
        return isatty(h->fd) ? 1 : 0;
    return handle_is_console(h) ? 1 : 0; /* features file: always 0 (spec) */
}

static uint32_t op_seek(Semihost *sh, uint32_t param)
{
    uint32_t a[2]; /* handle, absolute position */
    if (!read_args(sh, param, a, 2))
        return fault(sh, "SYS_SEEK", param);
    Handle *h = handle_get(sh, a[0]);
    if (!h)
        return RESULT_ERROR;
    if (h->kind == HANDLE_FILE)
        return lseek(h->fd, (off_t)a[1], SEEK_SET) < 0 ? fail(sh, errno) : 0;
    if (h->kind != HANDLE_FEATURES)
        return fail(sh, ESPIPE);
    if (a[1] > sizeof features)
        return fail(sh, EINVAL);
    h->pos = a[1];
    return 0;
}

static uint32_t op_flen(Semihost *sh, uint32_t param)
{
    uint32_t a[1];
    if (!read_args(sh, param, a, 1))
        return fault(sh, "SYS_FLEN", param);
    Handle *h = handle_get(sh, a[0]);
    if (!h)
        return RESULT_ERROR;
    if (h->kind == HANDLE_FEATURES)
        return sizeof features;
    if (h->kind != HANDLE_FILE)
        return 0; /* QEMU reports fstat's size of the host tty: 0 */
    struct stat st;
    if (fstat(h->fd, &st) != 0)
        return fail(sh, errno);
    /* Larger sizes would read as the -1 error result. */
    return st.st_size > (off_t)INT32_MAX ? fail(sh, EOVERFLOW) : (uint32_t)st.st_size;
}

static uint32_t op_remove(Semihost *sh, uint32_t param)
{
    uint32_t a[2]; /* path, length */
    if (!read_args(sh, param, a, 2))
        return fault(sh, "SYS_REMOVE", param);
    g_autofree char *rel = NULL;
    int err = jail_guest_path(sh, a[0], a[1], &rel);
    if (err)
        return fail(sh, err);
    const char *last;
    int dir = jail_open_parent(sh, rel, &last);
    if (dir < 0)
        return fail(sh, -dir);
    int rc = unlinkat(dir, last, 0);
    err = errno;
    close(dir);
    return rc == 0 ? 0 : fail(sh, err);
}

static uint32_t op_rename(Semihost *sh, uint32_t param)
{
    uint32_t a[4]; /* old path, length, new path, length */
    if (!read_args(sh, param, a, 4))
        return fault(sh, "SYS_RENAME", param);
    g_autofree char *from = NULL, *to = NULL;
    int err = jail_guest_path(sh, a[0], a[1], &from);
    if (!err)
        err = jail_guest_path(sh, a[2], a[3], &to);
    if (err)
        return fail(sh, err);
    const char *from_last = NULL, *to_last = NULL;
    int from_dir = jail_open_parent(sh, from, &from_last);
    int to_dir = from_dir < 0 ? -1 : jail_open_parent(sh, to, &to_last);
    err = from_dir < 0 ? -from_dir : to_dir < 0 ? -to_dir : 0;
    if (!err && renameat(from_dir, from_last, to_dir, to_last) != 0)
        err = errno;
    if (from_dir >= 0)
        close(from_dir);
    if (to_dir >= 0)
        close(to_dir);
    return err ? fail(sh, err) : 0;
}

static uint32_t op_tmpnam(Semihost *sh, uint32_t param)
{
    uint32_t a[3]; /* buffer, identifier 0..255, buffer length */
    if (!read_args(sh, param, a, 3))
        return fault(sh, "SYS_TMPNAM", param);
    /* Relative, so SYS_OPEN places it below the root; same id, same name
     * (spec SYS_TMPNAM). */
    g_autofree char *name = g_strdup_printf("minivm-tmp-%02x", a[1] & 0xffu);
    size_t size = strlen(name) + 1;
    if (size > a[2])
        return fail(sh, ENAMETOOLONG);
    return mem_write(sh, a[0], name, size) ? 0 : fault(sh, "SYS_TMPNAM buffer", a[0]);
}

/* ---- operations: time, environment, errors ---- */

static uint32_t op_clock(Semihost *sh, uint32_t param)
{
    if (!sh->env.clock)
        return RESULT_ERROR;
    return (uint32_t)(clock_ns(sh->env.clock) / NS_PER_CENTISECOND);
}

static uint32_t op_time(Semihost *sh, uint32_t param)
{
    time_t t = time(NULL);
    return t == (time_t)-1 ? fail(sh, errno) : (uint32_t)t;
}

static uint32_t op_elapsed(Semihost *sh, uint32_t param)
{
    if (!sh->env.clock)
        return RESULT_ERROR;
    /* Spec SYS_ELAPSED (32-bit): low word first, then high word. */
    uint64_t ticks = clock_ns(sh->env.clock);
    const uint32_t block[2] = { (uint32_t)ticks, (uint32_t)(ticks >> 32) };
    if (!write_words(sh, param, block, 2))
        return fault(sh, "SYS_ELAPSED", param);
    return 0;
}

static uint32_t op_tickfreq(Semihost *sh, uint32_t param)
{
    return sh->env.clock ? TICKS_PER_SEC : RESULT_ERROR;
}

static uint32_t op_errno(Semihost *sh, uint32_t param)
{
    return sh->err;
}

static uint32_t op_iserror(Semihost *sh, uint32_t param)
{
    uint32_t a[1];
    if (!read_args(sh, param, a, 1))
        return fault(sh, "SYS_ISERROR", param);
    return (int32_t)a[0] < 0 ? 1 : 0; /* the error results are negative */
}

static uint32_t op_get_cmdline(Semihost *sh, uint32_t param)
{
    uint32_t a[2]; /* buffer, buffer size */
    if (!read_args(sh, param, a, 2))
        return fault(sh, "SYS_GET_CMDLINE", param);
    size_t size = strlen(sh->cmdline) + 1;
    if (size > a[1])
        return fail(sh, E2BIG);
    /* Spec SYS_GET_CMDLINE: field 2 becomes the length of the string. */
    const uint32_t length = (uint32_t)size - 1;
    if (!mem_write(sh, a[0], sh->cmdline, size) || !write_words(sh, (uint64_t)param + 4, &length, 1))
        return fault(sh, "SYS_GET_CMDLINE", a[0]);
    return 0;
}

static uint32_t op_heapinfo(Semihost *sh, uint32_t param)
{
    uint32_t a[1]; /* spec SYS_HEAPINFO: r1 holds the address of a pointer */
    if (!read_args(sh, param, a, 1))
        return fault(sh, "SYS_HEAPINFO", param);
    const uint32_t block[4] = { sh->env.heap_base, sh->env.heap_limit,
                                sh->env.stack_base, sh->env.stack_limit };
    return write_words(sh, a[0], block, 4) ? 0 : fault(sh, "SYS_HEAPINFO block", a[0]);
}

static uint32_t op_system(Semihost *sh, uint32_t param)
{
    log_unimp(WHO, "SYS_SYSTEM: minivm does not run host commands for the guest");
    return fail(sh, ENOSYS);
}

/* ---- exit ---- */

static SemihostAction op_exit(Semihost *sh, uint32_t param, uint32_t *result, int *status)
{
    /* Spec SYS_EXIT (32-bit): r1 is the reason itself, with no way to give a
     * status; QEMU exits 0 for ApplicationExit and 1 for any other reason. */
    *status = param == ADP_STOPPED_APPLICATION_EXIT ? 0 : 1;
    log_trace(WHO, "SYS_EXIT reason 0x%x: exit status %d", param, *status);
    return SEMIHOST_EXIT;
}

static SemihostAction op_exit_extended(Semihost *sh, uint32_t param, uint32_t *result,
                                       int *status)
{
    uint32_t a[2]; /* reason, subcode */
    if (!read_args(sh, param, a, 2)) {
        *result = fault(sh, "SYS_EXIT_EXTENDED", param);
        return SEMIHOST_CONTINUE;
    }
    /* ApplicationExit: the subcode is the exit() status; QEMU passes it to
     * exit(), so the host sees its low 8 bits. Any other reason: 1. */
    *status = a[0] == ADP_STOPPED_APPLICATION_EXIT ? (int)(a[1] & 0xffu) : 1;
    log_trace(WHO, "SYS_EXIT_EXTENDED reason 0x%x subcode %u: exit status %d", a[0], a[1],
              *status);
    return SEMIHOST_EXIT;
}

/* ---- dispatch ---- */

typedef uint32_t (*SemihostOp)(Semihost *sh, uint32_t param);

static const struct {
    uint32_t op;
    SemihostOp fn;
} ops[] = {
    { SYS_OPEN, op_open },
    { SYS_CLOSE, op_close },
    { SYS_WRITEC, op_writec },
    { SYS_WRITE0, op_write0 },
    { SYS_WRITE, op_write },
    { SYS_READ, op_read },
    { SYS_READC, op_readc },
    { SYS_ISERROR, op_iserror },
    { SYS_ISTTY, op_istty },
    { SYS_SEEK, op_seek },
    { SYS_FLEN, op_flen },
    { SYS_TMPNAM, op_tmpnam },
    { SYS_REMOVE, op_remove },
    { SYS_RENAME, op_rename },
    { SYS_CLOCK, op_clock },
    { SYS_TIME, op_time },
    { SYS_SYSTEM, op_system },
    { SYS_ERRNO, op_errno },
    { SYS_GET_CMDLINE, op_get_cmdline },
    { SYS_HEAPINFO, op_heapinfo },
    { SYS_ELAPSED, op_elapsed },
    { SYS_TICKFREQ, op_tickfreq },
};

SemihostAction semihost_call(Semihost *sh, uint32_t op, uint32_t param, uint32_t *result,
                             int *exit_status)
{
    if (op == SYS_EXIT)
        return op_exit(sh, param, result, exit_status);
    if (op == SYS_EXIT_EXTENDED)
        return op_exit_extended(sh, param, result, exit_status);
    for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
        if (ops[i].op == op) {
            *result = ops[i].fn(sh, param);
            return SEMIHOST_CONTINUE;
        }
    }
    /* QEMU aborts here; a guest that probes an operation deserves an error. */
    log_unimp(WHO, "operation 0x%x (r1 = 0x%08x)", op, param);
    *result = RESULT_ERROR;
    return SEMIHOST_CONTINUE;
}

/* ---- life cycle ---- */

static bool openat2_works(int root_fd)
{
    if (g_getenv(NO_OPENAT2_ENV))
        return false;
    int fd = open_beneath(root_fd, ".", O_PATH | O_CLOEXEC, 0);
    if (fd < 0)
        return false; /* ENOSYS before Linux 5.6; EPERM/ENOSYS from seccomp */
    close(fd);
    return true;
}

static void open_root(Semihost *sh)
{
    sh->root_fd = open(sh->root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (sh->root_fd < 0) {
        sh->root_errno = errno;
        log_warning(WHO, "cannot use --semihosting-root %s: %s; the guest gets no host files",
                    sh->root_dir, g_strerror(errno));
        return;
    }
    sh->root_real = realpath(sh->root_dir, NULL);
    sh->use_openat2 = openat2_works(sh->root_fd);
}

Semihost *semihost_new(const SemihostEnv *env)
{
    g_assert(env->read_mem && env->write_mem);
    Semihost *sh = g_new0(Semihost, 1);
    sh->env = *env;
    sh->cmdline = g_strdup(env->cmdline ? env->cmdline : "");
    sh->root_dir = g_strdup(env->root_dir);
    sh->env.cmdline = sh->cmdline;
    sh->env.root_dir = sh->root_dir;
    sh->root_fd = -1;
    if (sh->root_dir)
        open_root(sh);
    return sh;
}

void semihost_free(Semihost *sh)
{
    if (!sh)
        return;
    for (uint32_t h = 1; h <= MAX_HANDLES; h++) {
        if (sh->handles[h].kind == HANDLE_FILE)
            close(sh->handles[h].fd);
    }
    if (sh->root_fd >= 0)
        close(sh->root_fd);
    free(sh->root_real);
    g_free(sh->root_dir);
    g_free(sh->cmdline);
    g_free(sh);
}
