/* The guest half of the end-to-end ivshmem tests (tests/ivshmem/): one
 * role per run, chosen on the semihosting command line
 * (minivm --cmdline "ROLE ARGS..."). Numbers are decimal or 0x-hex.
 *
 *   irq VECTORS      rings its own id on each of its VECTORS vectors, one at
 *                    a time: exactly one interrupt each; then a vector it
 *                    does not have and a peer that does not exist: none
 *   shm-write SEED PEER
 *                    fills the shared memory with pattern words from SEED,
 *                    then rings PEER (a host peer that reads them back)
 *   shm-read SEED    waits for a doorbell, then checks that the shared
 *                    memory holds the pattern words from SEED
 *   pair SEED OTHER  two VMs exchange data both ways: the later one (the
 *                    higher id, OTHER is surely connected) writes its half
 *                    and rings OTHER; the earlier one waits for that,
 *                    checks it, writes its own half and rings back
 *   ring N VECTORS   peers 0..N-1 (VMs and host peers) all ring each
 *                    other: waits for peer N-1 (the last to join) to start
 *                    it, then marks and rings every other peer, and waits
 *                    for the marks of all of them
 *   survive PEER     waits for a console byte (the test sends it once the
 *                    server is gone), then rings PEER and itself
 *
 * Every role prints "ready: peer ID" once its interrupt is enabled (a test
 * starts the next process only then), and ends with "<role>: PASS" and
 * status 0, or FAIL lines and status 1; a bad command line exits 2.
 *
 * Shared memory (SELFTEST_SHM_SIZE bytes, the server's -l 128K): pattern
 * words fill all of it (pair: the lower id the first half, the higher id
 * the second, each from SEED + its own id); ring uses a matrix of marks
 * at offset 0, mark[receiver][sender] = RING_MARK(sender, receiver). */
#include "armv7m.h"
#include "board.h"
#include "check.h"
#include "console.h"
#include "ivshmem.h"
#include "libc.h"
#include "mps2-an385.h"
#include "semihost.h"
#include "startup.h"

#define SELFTEST_SHM_SIZE (128u * 1024)
#define SHM_WORDS (SELFTEST_SHM_SIZE / 4)
#define SHM ((volatile uint32_t *)IVSHMEM_SHM_BASE)

/* No peer has this id: ids come from 0 upward. */
#define NO_SUCH_PEER 0xFFFFu
/* How long the guest listens for interrupts that must not come. */
#define QUIET_MS 50

#define RING_MAX 16
#define RING_MARK(sender, receiver) (0x52490000u | (uint32_t)(sender) << 8 | (receiver))
#define RING_SLOT(receiver, sender) (SHM[(receiver) * RING_MAX + (sender)])

#define MAX_ARGS 8

static volatile uint32_t doorbells; /* interrupts taken */
static volatile uint32_t ticks;     /* milliseconds since SysTick started */
static uint32_t self;

IRQ_HANDLER(IVSHMEM_IRQn)
{
    doorbells++;
}

void SysTick_Handler(void)
{
    ticks++;
}

/* ---- helpers ---- */

/* A 1 ms SysTick from the 1 MHz reference clock; in WFI minivm's clock
 * follows host time while ivshmem is attached, so this is host time. */
static void start_ticks(void)
{
    SysTick->LOAD = SYSTICK_REF_CLOCK / 1000 - 1;
    SysTick->VAL = 0;
    SysTick->CTRL = SysTick_CTRL_TICKINT | SysTick_CTRL_ENABLE;
}

static void sleep_ms(uint32_t ms)
{
    uint32_t end = ticks + ms;
    WFI_UNTIL((int32_t)(ticks - end) >= 0);
}

static void ring(uint32_t peer, uint32_t vector)
{
    __DSB(); /* what was written to the shared memory before the doorbell */
    IVSHMEM->DOORBELL = IVSHMEM_DOORBELL(peer, vector);
}

static void fill_pattern(uint32_t first, uint32_t count, uint32_t seed)
{
    for (uint32_t i = first; i < first + count; i++)
        SHM[i] = ivshmem_pattern_next(&seed);
}

/* Reports the first word that differs; returns whether all matched. */
static int check_pattern(uint32_t first, uint32_t count, uint32_t seed)
{
    __DSB(); /* the doorbell before the data it announced */
    for (uint32_t i = first; i < first + count; i++) {
        uint32_t want = ivshmem_pattern_next(&seed);
        if (SHM[i] != want) {
            con_printf("FAIL: word %u (offset 0x%x) is 0x%08x, expected 0x%08x\n", i, i * 4,
                       SHM[i], want);
            return 0;
        }
    }
    con_printf("%u words match the pattern\n", count);
    return 1;
}

/* ---- roles ---- */

static int role_irq(const uint32_t *arg)
{
    uint32_t vectors = arg[0];
    start_ticks();
    for (uint32_t v = 0; v < vectors; v++) {
        uint32_t before = doorbells;
        ring(self, v);
        WFI_UNTIL(doorbells != before);
        sleep_ms(QUIET_MS);
        con_printf("vector %u: %u interrupt(s)\n", v, doorbells - before);
        CHECK(doorbells - before == 1);
    }
    /* DESIGN.md section 5: both are ignored (no interrupt, no crash). */
    uint32_t before = doorbells;
    ring(self, vectors);
    ring(NO_SUCH_PEER, 0);
    sleep_ms(QUIET_MS);
    con_printf("vector %u and peer %u: %u interrupt(s)\n", vectors, NO_SUCH_PEER,
               doorbells - before);
    CHECK(doorbells == before);
    return check_finish("irq");
}

static int role_shm_write(const uint32_t *arg)
{
    fill_pattern(0, SHM_WORDS, arg[0]);
    ring(arg[1], 0);
    con_printf("wrote %u words, rang peer %u\n", SHM_WORDS, arg[1]);
    return check_finish("shm-write");
}

static int role_shm_read(const uint32_t *arg)
{
    WFI_UNTIL(doorbells != 0);
    CHECK(check_pattern(0, SHM_WORDS, arg[0]));
    return check_finish("shm-read");
}

static int role_pair(const uint32_t *arg)
{
    uint32_t seed = arg[0], other = arg[1];
    uint32_t half = SHM_WORDS / 2;
    uint32_t mine = self < other ? 0 : half, theirs = self < other ? half : 0;
    int later = self > other;
    if (later) {
        fill_pattern(mine, half, seed + self);
        ring(other, 0);
    }
    WFI_UNTIL(doorbells != 0);
    con_printf("doorbell from peer %u\n", other);
    CHECK(check_pattern(theirs, half, seed + other));
    if (!later) {
        fill_pattern(mine, half, seed + self);
        ring(other, 0);
    }
    return check_finish("pair");
}

static int ring_marks_complete(uint32_t n)
{
    for (uint32_t s = 0; s < n; s++) {
        if (s != self && RING_SLOT(self, s) != RING_MARK(s, self))
            return 0;
    }
    return 1;
}

static int role_ring(const uint32_t *arg)
{
    uint32_t n = arg[0], vectors = arg[1];
    if (n < 2 || n > RING_MAX || self >= n - 1 || vectors == 0) {
        con_printf("ring: need 2..%u peers, this one below the last, and vectors\n", RING_MAX);
        return 2;
    }
    uint32_t last = n - 1;
    WFI_UNTIL(RING_SLOT(self, last) == RING_MARK(last, self));
    con_printf("started by peer %u\n", last);
    for (uint32_t r = 0; r < n; r++) {
        if (r != self) {
            RING_SLOT(r, self) = RING_MARK(self, r);
            ring(r, self % vectors);
        }
    }
    WFI_UNTIL(ring_marks_complete(n));
    con_printf("marks from all %u other peers\n", n - 1);
    return check_finish("ring");
}

static int role_survive(const uint32_t *arg)
{
    start_ticks();
    WFI_UNTIL(board_getc() >= 0);
    con_puts("console byte: the server is gone\n");
    ring(arg[0], 0);
    uint32_t before = doorbells;
    ring(self, 0);
    WFI_UNTIL(doorbells != before);
    con_printf("rang peer %u, and own doorbell still interrupts\n", arg[0]);
    return check_finish("survive");
}

/* ---- command line ---- */

typedef struct {
    const char *name;
    int nargs;
    int (*run)(const uint32_t *arg);
    const char *usage;
} Role;

static const Role roles[] = {
    { "irq", 1, role_irq, "irq VECTORS" },
    { "shm-write", 2, role_shm_write, "shm-write SEED PEER" },
    { "shm-read", 1, role_shm_read, "shm-read SEED" },
    { "pair", 2, role_pair, "pair SEED OTHER" },
    { "ring", 2, role_ring, "ring N VECTORS" },
    { "survive", 1, role_survive, "survive PEER" },
};

static int parse_u32(const char *s, uint32_t *out)
{
    uint32_t base = 10, n = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0')
        return 0;
    for (; *s; s++) {
        uint32_t d;
        if (*s >= '0' && *s <= '9')
            d = (uint32_t)(*s - '0');
        else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
            d = (uint32_t)((*s | 0x20) - 'a' + 10);
        else
            return 0;
        if (d >= base)
            return 0;
        n = n * base + d;
    }
    *out = n;
    return 1;
}

/* SYS_GET_CMDLINE gives "<image path> ARGS" (as QEMU does): the words
 * after the first. Returns how many. */
static int read_args(char **argv)
{
    static char line[256];
    uint32_t block[2] = { (uintptr_t)line, sizeof line - 1 };
    if (sh_call(SYS_GET_CMDLINE, (uintptr_t)block) != 0)
        return 0;
    line[block[1]] = '\0';
    int argc = -1;
    for (char *p = line; *p;) {
        while (*p == ' ')
            *p++ = '\0';
        if (*p == '\0')
            break;
        if (argc >= 0 && argc < MAX_ARGS)
            argv[argc] = p;
        argc++;
        while (*p && *p != ' ')
            p++;
    }
    return argc < 0 ? 0 : argc > MAX_ARGS ? MAX_ARGS : argc;
}

static void usage(void)
{
    con_puts("usage: minivm --cmdline 'ROLE ARGS' ivshmem-selftest.elf, ROLE one of:\n");
    for (unsigned i = 0; i < sizeof roles / sizeof roles[0]; i++)
        con_printf("  %s\n", roles[i].usage);
}

int main(void)
{
    char *argv[MAX_ARGS];
    int argc = read_args(argv);
    const Role *role = NULL;
    for (unsigned i = 0; argc > 0 && i < sizeof roles / sizeof roles[0]; i++) {
        if (strcmp(argv[0], roles[i].name) == 0)
            role = &roles[i];
    }
    uint32_t arg[MAX_ARGS];
    int ok = role != NULL && argc - 1 == role->nargs;
    for (int i = 1; ok && i < argc; i++)
        ok = parse_u32(argv[i], &arg[i - 1]);
    if (!ok) {
        usage();
        return 2;
    }
    self = IVSHMEM->IVPOSITION;
    NVIC_EnableIRQ(IVSHMEM_IRQn);
    con_printf("ready: peer %u\n", self);
    return role->run(arg);
}
