/* CPU-bound benchmark workload for mps2-an385 (bench/cpu.sh), in the spirit
 * of CoreMark: every iteration runs five integer kernels, heavy in loads
 * and stores, over data the iteration re-seeds:
 *
 *   crc     table-driven CRC-32 (IEEE 802.3) over a 1 KiB buffer
 *   list    relink 256 nodes in a random order, walk, reverse, merge sort
 *   matrix  12x12 int32 multiply with bit-field extraction of the products
 *   state   a number-scanner state machine over a 512-byte text
 *   sort    quicksort (insertion sort below 8) of 128 words, then a check
 *
 * Deterministic: no interrupts, no timing in the results. UART0 gets the
 * iteration count, one CRC per kernel and a final checksum, identical
 * under minivm and qemu-system-arm. The measurement (DWT CYCCNT and
 * CMSDK timer0 ticks over the work) goes to the semihosting stderr, so it
 * never changes the console output:
 *   - minivm, --clock virtual: CYCCNT and timer0 (25 MHz, as the CPU)
 *     both advance one per executed guest instruction;
 *   - QEMU has no DWT (CYCCNT reads 0); with -icount shift=0 its virtual
 *     clock advances 1 ns per guest instruction, so timer0 ticks * 40 is
 *     the instruction count to within 40.
 *
 * Iterations: BENCH_ITERATIONS (about 116 700 guest instructions each), or
 * the last word of the semihosting command line when it is a number
 * (minivm --cmdline 200; QEMU -semihosting-config enable=on,arg=x,arg=200). */
#include <stdint.h>

#include "armv7m.h"
#include "console.h"
#include "libc.h"
#include "mps2-an385.h"
#include "semihost.h"

#ifndef BENCH_ITERATIONS
#define BENCH_ITERATIONS 12000u
#endif

#define CRC_BYTES 1024
#define LIST_NODES 256
#define MAT_N 12
#define STATE_BYTES 512
#define SORT_N 128
#define SORT_SMALL 8

/* --- pseudo-random numbers (xorshift32) ----------------------------------- */

static uint32_t rng_state = 0x2545F491u;

static uint32_t rng(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

/* --- CRC-32 --------------------------------------------------------------- */

#define CRC32_POLY 0xEDB88320u

static uint32_t crc_table[256];
static uint8_t crc_buf[CRC_BYTES];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ CRC32_POLY : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(uint32_t crc, const void *data, uint32_t n)
{
    const uint8_t *p = data;
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static uint32_t crc_word(uint32_t crc, uint32_t w)
{
    return crc32(crc, &w, sizeof w);
}

static uint32_t bench_crc(void)
{
    /* rewrite an eighth of the buffer, then CRC all of it */
    for (int i = 0; i < CRC_BYTES / 8; i++)
        crc_buf[rng() % CRC_BYTES] = (uint8_t)rng();
    return crc32(0, crc_buf, CRC_BYTES);
}

/* --- linked list ---------------------------------------------------------- */

typedef struct Node {
    struct Node *next;
    int32_t value;
    uint32_t key;
} Node;

static Node nodes[LIST_NODES];
static uint16_t order[LIST_NODES];

static Node *list_build(void)
{
    for (int i = 0; i < LIST_NODES; i++)
        order[i] = (uint16_t)i;
    for (int i = LIST_NODES - 1; i > 0; i--) { /* Fisher-Yates */
        int j = (int)(rng() % (uint32_t)(i + 1));
        uint16_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    Node *head = 0;
    for (int i = 0; i < LIST_NODES; i++) {
        Node *n = &nodes[order[i]];
        n->value = (int32_t)(rng() & 0xFFFF) - 0x8000;
        n->key = (uint32_t)i;
        n->next = head;
        head = n;
    }
    return head;
}

static Node *list_reverse(Node *head)
{
    Node *prev = 0;
    while (head) {
        Node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

/* Bottom-up merge sort by value (stable: equal values keep their order). */
static Node *list_sort(Node *head)
{
    for (int width = 1;; width *= 2) {
        Node *p = head, *tail = 0;
        int merges = 0;
        head = 0;
        while (p) {
            merges++;
            Node *q = p;
            int psize = 0;
            for (int i = 0; i < width && q; i++) {
                psize++;
                q = q->next;
            }
            int qsize = width;
            while (psize > 0 || (qsize > 0 && q)) {
                Node *e;
                if (psize == 0) {
                    e = q;
                    q = q->next;
                    qsize--;
                } else if (qsize == 0 || !q || p->value <= q->value) {
                    e = p;
                    p = p->next;
                    psize--;
                } else {
                    e = q;
                    q = q->next;
                    qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    head = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1)
            return head;
    }
}

static uint32_t bench_list(void)
{
    Node *head = list_build();
    uint32_t crc = 0;
    int32_t sum = 0;
    for (Node *n = head; n; n = n->next)
        sum += n->value ^ (int32_t)n->key;
    crc = crc_word(crc, (uint32_t)sum);
    head = list_reverse(head);
    crc = crc_word(crc, head->key);
    head = list_sort(head);
    uint32_t ordered = 1, keys = 0;
    for (Node *n = head; n->next; n = n->next) {
        ordered &= n->value <= n->next->value;
        keys = keys * 31 + n->key;
    }
    crc = crc_word(crc, keys);
    return crc_word(crc, ordered);
}

/* --- matrix --------------------------------------------------------------- */

static int32_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];

static uint32_t bench_matrix(void)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] = (int32_t)(rng() & 0x3FF) - 0x200;
            mat_b[i][j] = (int32_t)(rng() & 0x3FF) - 0x200;
        }
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t acc = 0;
            for (int k = 0; k < MAT_N; k++)
                acc += mat_a[i][k] * mat_b[k][j];
            mat_c[i][j] = acc;
        }
    /* CoreMark's bit extraction: fold fields of each product */
    int32_t sum = 0;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t v = mat_c[i][j];
            sum += ((v >> 2) & 0xF) * ((v >> 5) & 0x7F) + (v / 7);
        }
    return crc32(crc_word(0, (uint32_t)sum), mat_c, sizeof mat_c);
}

/* --- state machine -------------------------------------------------------- */

enum State { S_START, S_INT, S_FRAC, S_EXP_SIGN, S_EXP, S_INVALID, S_COUNT };

static char text[STATE_BYTES];
static const char alphabet[] = "0123456789012345678.,,,e-+x";

static void state_init(void)
{
    for (int i = 0; i < STATE_BYTES; i++)
        text[i] = alphabet[rng() % (sizeof alphabet - 1)];
}

/* Classifies comma-separated tokens: integers, decimals, scientific, bad. */
static uint32_t bench_state(void)
{
    for (int i = 0; i < STATE_BYTES / 16; i++)
        text[rng() % STATE_BYTES] = alphabet[rng() % (sizeof alphabet - 1)];
    uint32_t finals[S_COUNT] = { 0 }, transitions = 0;
    enum State s = S_START;
    for (int i = 0; i < STATE_BYTES; i++) {
        char c = text[i];
        enum State next = s;
        if (c == ',') {
            finals[s]++;
            next = S_START;
        } else {
            int digit = c >= '0' && c <= '9';
            switch (s) {
            case S_START:
                next = digit || c == '-' || c == '+' ? S_INT : S_INVALID;
                break;
            case S_INT:
                next = digit ? S_INT : c == '.' ? S_FRAC : c == 'e' ? S_EXP_SIGN : S_INVALID;
                break;
            case S_FRAC:
                next = digit ? S_FRAC : c == 'e' ? S_EXP_SIGN : S_INVALID;
                break;
            case S_EXP_SIGN:
                next = digit || c == '-' || c == '+' ? S_EXP : S_INVALID;
                break;
            case S_EXP:
                next = digit ? S_EXP : S_INVALID;
                break;
            default:
                break;
            }
        }
        transitions += next != s;
        s = next;
    }
    finals[s]++;
    return crc_word(crc32(0, finals, sizeof finals), transitions);
}

/* --- sort ----------------------------------------------------------------- */

static uint32_t sort_data[SORT_N];

static void insertion_sort(uint32_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        uint32_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void quicksort(uint32_t *a, int n)
{
    while (n > SORT_SMALL) {
        uint32_t pivot = a[n / 2];
        int i = 0, j = n - 1;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                uint32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        /* recurse into the smaller part, loop on the larger */
        if (j + 1 < n - i) {
            quicksort(a, j + 1);
            a += i;
            n -= i;
        } else {
            quicksort(a + i, n - i);
            n = j + 1;
        }
    }
    insertion_sort(a, n);
}

static uint32_t bench_sort(void)
{
    for (int i = 0; i < SORT_N; i++)
        sort_data[i] = rng() >> (i & 7); /* some small values, some repeats */
    quicksort(sort_data, SORT_N);
    uint32_t ordered = 1;
    for (int i = 1; i < SORT_N; i++)
        ordered &= sort_data[i - 1] <= sort_data[i];
    return crc_word(crc32(0, sort_data, sizeof sort_data), ordered);
}

/* --- measurement, reported on the semihosting stderr ---------------------- */

typedef struct {
    uint64_t cycles, ticks;
    uint32_t last_cycles, last_value;
} Meter;

static void meter_start(Meter *m)
{
    CoreDebug_DEMCR |= CoreDebug_DEMCR_TRCENA;
    DWT->CYCCNT = 0;
    DWT->CTRL |= DWT_CTRL_CYCCNTENA;
    CMSDK_TIMER0->RELOAD = 0xFFFFFFFFu;
    CMSDK_TIMER0->VALUE = 0xFFFFFFFFu;
    CMSDK_TIMER0->CTRL = CMSDK_TIMER_CTRL_EN;
    m->cycles = m->ticks = 0;
    m->last_cycles = DWT->CYCCNT;
    m->last_value = CMSDK_TIMER0->VALUE;
}

/* Often enough that neither 32-bit counter can wrap twice in between. */
static void meter_sample(Meter *m)
{
    uint32_t c = DWT->CYCCNT, v = CMSDK_TIMER0->VALUE;
    m->cycles += c - m->last_cycles;
    m->ticks += m->last_value - v; /* timer0 counts down */
    m->last_cycles = c;
    m->last_value = v;
}

static char *u64_to_str(char *end, uint64_t v)
{
    *--end = '\0';
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

static void report_meter(const Meter *m)
{
    char cycles[24], ticks[24], line[96];
    fmt_snprint(line, sizeof line, "bench-cpu: dwt-cycles %s timer0-ticks %s\n",
                u64_to_str(cycles + sizeof cycles, m->cycles),
                u64_to_str(ticks + sizeof ticks, m->ticks));
    int err = sh_open(":tt", 8); /* append mode: stderr */
    if (err >= 0) {
        sh_write(err, line, strlen(line));
        sh_close(err);
    }
}

/* --- main ----------------------------------------------------------------- */

static uint32_t iterations_from_cmdline(void)
{
    static char cmdline[128];
    uint32_t block[2] = { (uintptr_t)cmdline, sizeof cmdline };
    if (sh_call(SYS_GET_CMDLINE, (uintptr_t)block) != 0)
        return BENCH_ITERATIONS;
    const char *word = cmdline;
    for (const char *p = cmdline; *p; p++)
        if (*p == ' ')
            word = p + 1;
    uint32_t n = 0;
    const char *p = word;
    for (; *p >= '0' && *p <= '9'; p++)
        n = n * 10 + (uint32_t)(*p - '0');
    return p != word && *p == '\0' && n > 0 ? n : BENCH_ITERATIONS;
}

int main(void)
{
    uint32_t iterations = iterations_from_cmdline();
    con_printf("bench-cpu: %u iterations\n", iterations);
    crc_init();
    state_init();
    for (int i = 0; i < CRC_BYTES; i++)
        crc_buf[i] = (uint8_t)rng();

    Meter meter;
    meter_start(&meter);
    uint32_t k_crc = 0, k_list = 0, k_matrix = 0, k_state = 0, k_sort = 0;
    for (uint32_t it = 0; it < iterations; it++) {
        k_crc = crc_word(k_crc, bench_crc());
        k_list = crc_word(k_list, bench_list());
        k_matrix = crc_word(k_matrix, bench_matrix());
        k_state = crc_word(k_state, bench_state());
        k_sort = crc_word(k_sort, bench_sort());
        meter_sample(&meter);
    }

    con_printf("crc    %08x\nlist   %08x\nmatrix %08x\nstate  %08x\nsort   %08x\n", k_crc,
               k_list, k_matrix, k_state, k_sort);
    uint32_t sums[5] = { k_crc, k_list, k_matrix, k_state, k_sort };
    con_printf("checksum %08x\n", crc32(iterations, sums, sizeof sums));
    report_meter(&meter);
    return 0;
}
