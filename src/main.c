/* minivm: run Cortex-M firmware on an emulated board.
 * Command-line parsing (GOption) and the mapping of errors to the
 * documented exit statuses; everything else lives in the machine. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "machine.h"

#define DEFAULT_BOARD "mps2-an385"
#define DEFAULT_IVSHMEM_SIZE (4u << 20)

static const char exit_status_help[] =
    "Exit status:\n"
    "  guest's  firmware exited through semihosting (SYS_EXIT: 0 for\n"
    "           ADP_Stopped_ApplicationExit, else 1; SYS_EXIT_EXTENDED: its status)\n"
    "  64       bad command line\n"
    "  65       firmware image unusable (format, architecture, does not fit the board)\n"
    "  66       a named file is missing or unreadable\n"
    "  69       an external service (ivshmem server) is unreachable or broke the protocol\n"
    "  70       internal error\n"
    "  78       invalid board file\n"
    "  100      guest fatal fault or lockup (report on stderr)\n"
    "  101      guest can never wake: WFI, WFE or sleep-on-exit with every interrupt source disabled\n"
    "  124      --timeout SECONDS of host time reached\n"
    "  125      --max-insns N guest instruction budget reached\n"
    "\n"
    "Examples:\n"
    "  minivm --board mps2-an385 hello.elf\n"
    "  minivm --board lm3s6965evb --timeout 5 --serial null --serial file:uart1.log fw.elf\n"
    "  minivm --ivshmem-serve /tmp/ivshmem.sock pingpong.elf   # and a second VM:\n"
    "  minivm --ivshmem /tmp/ivshmem.sock pingpong.elf\n";

typedef struct Options {
    char *board;
    gboolean list_boards;
    char *load_addr;
    char **serial;
    char *cmdline;
    gboolean no_semihosting;
    char *semihosting_root;
    gboolean strict;
    gboolean trace;
    char *clock;
    char *idle;
    int idle_poll;
    char *max_insns;
    double timeout;
    char *ivshmem;
    char *ivshmem_serve;
    char *ivshmem_size;
    int ivshmem_irq;
    char *ivshmem_mmio;
    char *ivshmem_shm;
    int ivshmem_vectors;
    gboolean version;
    char **rest;
} Options;

static Options opt = { .ivshmem_irq = -1, .ivshmem_vectors = 1, .idle_poll = -1 };

static const GOptionEntry entries[] = {
    { "board", 'b', 0, G_OPTION_ARG_STRING, &opt.board,
      "Board name or path to a .board file (default " DEFAULT_BOARD ")", "NAME|PATH" },
    { "list-boards", 0, 0, G_OPTION_ARG_NONE, &opt.list_boards, "List the boards found and exit",
      NULL },
    { "load-addr", 0, 0, G_OPTION_ARG_STRING, &opt.load_addr,
      "Load a raw binary image at ADDR (ELF files ignore this)", "ADDR" },
    { "serial", 's', 0, G_OPTION_ARG_STRING_ARRAY, &opt.serial,
      "Backend of the next UART (UART0 first): stdio, null or file:PATH. Default: UART0 on "
      "stdio, the others null",
      "SPEC" },
    { "cmdline", 0, 0, G_OPTION_ARG_STRING, &opt.cmdline,
      "Arguments the guest reads with SYS_GET_CMDLINE, after the image path", "TEXT" },
    { "no-semihosting", 0, 0, G_OPTION_ARG_NONE, &opt.no_semihosting,
      "Treat BKPT 0xAB as a plain breakpoint", NULL },
    { "semihosting-root", 0, 0, G_OPTION_ARG_FILENAME, &opt.semihosting_root,
      "Allow semihosting file operations, only inside DIR", "DIR" },
    { "strict", 0, 0, G_OPTION_ARG_NONE, &opt.strict,
      "Accesses to unmodelled registers and windows are bus faults", NULL },
    { "trace", 0, 0, G_OPTION_ARG_NONE, &opt.trace,
      "Report device accesses, guest errors and exceptions on stderr", NULL },
    { "clock", 0, 0, G_OPTION_ARG_STRING, &opt.clock,
      "Guest time: virtual (default; from executed instructions, reproducible) or host", "KIND" },
    { "idle", 0, 0, G_OPTION_ARG_STRING, &opt.idle,
      "While in WFI with the virtual clock: auto (default: skip ahead unless an external event "
      "source is attached), skip, or host (follow host time)",
      "POLICY" },
    { "idle-poll", 0, 0, G_OPTION_ARG_INT, &opt.idle_poll,
      "Busy-poll up to US microseconds in WFI before sleeping, when idle time follows the host "
      "(default " G_STRINGIFY(MACHINE_DEFAULT_IDLE_POLL_US) " with ivshmem, else 0)",
      "US" },
    { "max-insns", 0, 0, G_OPTION_ARG_STRING, &opt.max_insns,
      "Stop with status 125 after N guest instructions", "N" },
    { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &opt.timeout,
      "Stop with status 124 after SECONDS of host time", "SECONDS" },
    { "ivshmem", 0, 0, G_OPTION_ARG_FILENAME, &opt.ivshmem,
      "Connect the ivshmem-flat device to the server at SOCKET", "SOCKET" },
    { "ivshmem-serve", 0, 0, G_OPTION_ARG_FILENAME, &opt.ivshmem_serve,
      "Start a built-in ivshmem server at SOCKET and connect to it", "SOCKET" },
    { "ivshmem-size", 0, 0, G_OPTION_ARG_STRING, &opt.ivshmem_size,
      "Shared memory size; must match the server's (default 4M)", "SIZE" },
    { "ivshmem-irq", 0, 0, G_OPTION_ARG_INT, &opt.ivshmem_irq,
      "NVIC line of the ivshmem-flat device (board default: 0)", "N" },
    { "ivshmem-mmio", 0, 0, G_OPTION_ARG_STRING, &opt.ivshmem_mmio,
      "Address of the ivshmem-flat registers (board default: 0x400FF000)", "ADDR" },
    { "ivshmem-shm", 0, 0, G_OPTION_ARG_STRING, &opt.ivshmem_shm,
      "Address of the shared memory (board default: 0x40100000)", "ADDR" },
    { "ivshmem-vectors", 0, 0, G_OPTION_ARG_INT, &opt.ivshmem_vectors,
      "Vectors per peer of the built-in server (1..64, default 1)", "N" },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &opt.version, "Print the version and exit", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt.rest, NULL, "FIRMWARE" },
    { NULL },
};

static int fail(GError *error)
{
    int status = error->domain == MINIVM_ERROR ? error->code : MINIVM_EXIT_INTERNAL;
    fprintf(stderr, "minivm: %s\n", error->message);
    g_error_free(error);
    return status;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "minivm: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'minivm --help'.\n");
    return MINIVM_EXIT_USAGE;
}

static int list_boards(void)
{
    g_autoptr(GPtrArray) boards = board_list();
    for (guint i = 0; i < boards->len; i++) {
        g_auto(GStrv) f = g_strsplit(g_ptr_array_index(boards, i), "\t", 3);
        printf("%-14s %s\n               %s\n", f[0], f[1], f[2]);
    }
    return 0;
}

static bool parse_address(const char *text, uint32_t *out)
{
    uint64_t v;
    if (!parse_size_u64(text, &v) || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Fills config from the parsed options; returns 0 or an exit status. */
static int build_config(MachineConfig *c)
{
    c->board = opt.board != NULL ? opt.board : DEFAULT_BOARD;
    if (opt.rest == NULL || opt.rest[0] == NULL)
        return usage_error("%sno firmware image given", "");
    if (opt.rest[1] != NULL)
        return usage_error("unexpected argument '%s' (one firmware image per run)", opt.rest[1]);
    c->firmware = opt.rest[0];
    if (opt.load_addr != NULL) {
        if (!parse_address(opt.load_addr, &c->load_addr))
            return usage_error("--load-addr: '%s' is not an address", opt.load_addr);
        c->has_load_addr = true;
    }
    for (int i = 0; opt.serial != NULL && opt.serial[i] != NULL; i++) {
        if (i >= MACHINE_MAX_SERIALS)
            return usage_error("%stoo many --serial options", "");
        c->serial[i] = opt.serial[i];
    }
    c->cmdline = opt.cmdline;
    c->semihosting = !opt.no_semihosting;
    c->semihosting_root = opt.semihosting_root;
    if (c->semihosting_root != NULL && !g_file_test(c->semihosting_root, G_FILE_TEST_IS_DIR))
        return usage_error("--semihosting-root: '%s' is not a directory", c->semihosting_root);
    c->strict = opt.strict;
    c->virtual_clock = true;
    if (opt.clock != NULL && strcmp(opt.clock, "host") == 0)
        c->virtual_clock = false;
    else if (opt.clock != NULL && strcmp(opt.clock, "virtual") != 0)
        return usage_error("--clock: '%s' is neither 'virtual' nor 'host'", opt.clock);
    c->idle = IDLE_AUTO;
    if (opt.idle != NULL) {
        if (strcmp(opt.idle, "skip") == 0)
            c->idle = IDLE_SKIP;
        else if (strcmp(opt.idle, "host") == 0)
            c->idle = IDLE_HOST;
        else if (strcmp(opt.idle, "auto") != 0)
            return usage_error("--idle: '%s' is not auto, skip or host", opt.idle);
    }
    if (opt.idle_poll < -1 || opt.idle_poll > 1000000)
        return usage_error("%s--idle-poll must be between 0 and 1000000 microseconds", "");
    c->idle_poll_us = opt.idle_poll;
    if (opt.max_insns != NULL &&
        (!parse_size_u64(opt.max_insns, &c->max_insns) || c->max_insns == 0))
        return usage_error("--max-insns: '%s' is not a positive number", opt.max_insns);
    if (opt.timeout < 0 || opt.timeout > 1e7)
        return usage_error("%s--timeout must be between 0 and 10000000 seconds", "");
    c->timeout = opt.timeout;

    c->ivshmem_socket = opt.ivshmem;
    c->ivshmem_serve = opt.ivshmem_serve;
    if (c->ivshmem_socket != NULL && c->ivshmem_serve != NULL)
        return usage_error("%s--ivshmem and --ivshmem-serve exclude each other", "");
    c->ivshmem_size = DEFAULT_IVSHMEM_SIZE;
    if (opt.ivshmem_size != NULL &&
        (!parse_size_u64(opt.ivshmem_size, &c->ivshmem_size) || c->ivshmem_size == 0 ||
         c->ivshmem_size > (1ull << 30) || (c->ivshmem_size & 0x3ff) != 0))
        return usage_error("--ivshmem-size: '%s' must be a multiple of 1K, at most 1G",
                           opt.ivshmem_size);
    c->ivshmem_irq = opt.ivshmem_irq;
    if (opt.ivshmem_mmio != NULL) {
        if (!parse_address(opt.ivshmem_mmio, &c->ivshmem_mmio))
            return usage_error("--ivshmem-mmio: '%s' is not an address", opt.ivshmem_mmio);
        c->has_ivshmem_mmio = true;
    }
    if (opt.ivshmem_shm != NULL) {
        if (!parse_address(opt.ivshmem_shm, &c->ivshmem_shm))
            return usage_error("--ivshmem-shm: '%s' is not an address", opt.ivshmem_shm);
        c->has_ivshmem_shm = true;
    }
    if (opt.ivshmem_vectors < 1 || opt.ivshmem_vectors > 64)
        return usage_error("%s--ivshmem-vectors must be 1..64", "");
    c->ivshmem_vectors = (unsigned)opt.ivshmem_vectors;
    return 0;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* a closed console must not kill the emulator mid-write */
    signal(SIGPIPE, SIG_IGN);

    g_autoptr(GOptionContext) ctx = g_option_context_new("FIRMWARE - run Cortex-M firmware");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, exit_status_help);
    GError *error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        int status = usage_error("%s", error->message);
        g_error_free(error);
        return status;
    }
    if (opt.version) {
        printf("minivm %s\n", MINIVM_VERSION);
        return 0;
    }
    if (opt.list_boards)
        return list_boards();
    log_set_trace(opt.trace);

    MachineConfig config = { 0 };
    int status = build_config(&config);
    if (status != 0)
        return status;
    Machine *m = machine_new(&config, &error);
    if (m == NULL)
        return fail(error);
    status = machine_run(m);
    fflush(stdout);
    machine_free(m);
    return status;
}
