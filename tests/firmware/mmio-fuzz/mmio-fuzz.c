/* Guest-level MMIO fuzzer for mps2-an385: firmware is untrusted, so no
 * sequence of loads and stores to the board's device windows may crash
 * minivm, hang it or upset its sanitizers (issue 3).
 *
 * --cmdline "SEED ITERATIONS [WILD]" seeds a xorshift32 that picks, ITERATIONS
 * times, a window (timers, dual timer, UARTs, the unimplemented windows,
 * a hole between devices, the bit-band aliases, the SCS with NVIC, SCB,
 * SysTick, MPU and CoreDebug, the DWT), an offset (mostly near registers),
 * a size (1, 2 or 4, sometimes unaligned outside the PPB) and a value, and
 * loads or stores it; now and then it executes an SVC.
 *
 * The program must be able to go on, so a few values are tamed (tame()):
 * no SYSRESETREQ, no watchdog interrupt or reset (an NMI storm or a
 * reset loop), no SLEEPONEXIT, no UNALIGN_TRP (the compiler may use
 * unaligned accesses), VTOR only 0 or a RAM copy of the vector table, no
 * SHCSR active bits, and MPU regions that grant privileged code
 * everything (PRIVDEFENA with ENABLE, AP 0b011, no XN). Everything else
 * goes through: pended and enabled interrupts, priorities, PRIGROUP,
 * SysTick, timers, software-pended faults, NMI, DebugMonitor. WILD 1
 * tames VTOR only (a random vector table would run random code, which
 * may exit with any status): the program may then reset the machine,
 * sleep for ever, fault where it cannot recover or lock up, and minivm
 * must end the run with one of its documented statuses.
 *
 * Every exception has a handler that counts and returns. An interrupt
 * handler disables its line (a level-sensitive line left high would
 * re-enter for ever); SysTick's clears TICKINT. A fault handler skips the
 * faulting access with frame_skip_instruction() when the fault is one of
 * the fuzzer's own accesses (the only instructions that may fault; with
 * --strict every unassigned register is a bus fault), returns when the
 * fault was only pended by software (no status bit), and exits with
 * status 3 for anything else. At the end it prints a summary on the
 * console and exits 0 through semihosting. */
#include <stdbool.h>

#include "armv7m.h"
#include "console.h"
#include "mps2-an385.h"
#include "semihost.h"
#include "startup.h"

#define EXIT_UNEXPECTED_FAULT 3
#define NUM_IRQS 32
#define NUM_EXC (16 + NUM_IRQS)

/* The only instructions that may fault: each a 16-bit load or store of
 * r1 at [r0], returning the loaded value in r0. */
extern const uint16_t fuzz_access_start[], fuzz_access_end[];
uint32_t fuzz_ldrb(uint32_t addr);
uint32_t fuzz_ldrh(uint32_t addr);
uint32_t fuzz_ldr(uint32_t addr);
void fuzz_strb(uint32_t addr, uint32_t value);
void fuzz_strh(uint32_t addr, uint32_t value);
void fuzz_str(uint32_t addr, uint32_t value);
__asm__(".text\n.thumb\n.syntax unified\n.align 2\n"
        ".global fuzz_access_start, fuzz_access_end\n"
        ".global fuzz_ldrb, fuzz_ldrh, fuzz_ldr, fuzz_strb, fuzz_strh, fuzz_str\n"
        "fuzz_access_start:\n"
        ".thumb_func\nfuzz_ldrb: ldrb r0, [r0]\n bx lr\n"
        ".thumb_func\nfuzz_ldrh: ldrh r0, [r0]\n bx lr\n"
        ".thumb_func\nfuzz_ldr: ldr r0, [r0]\n bx lr\n"
        ".thumb_func\nfuzz_strb: strb r1, [r0]\n bx lr\n"
        ".thumb_func\nfuzz_strh: strh r1, [r0]\n bx lr\n"
        ".thumb_func\nfuzz_str: str r1, [r0]\n bx lr\n"
        "fuzz_access_end:\n");

static volatile uint32_t exc_count[NUM_EXC];
static volatile uint32_t faults_skipped;
static volatile uint32_t faults_pended;

/* A RAM copy of the vector table, the only other value VTOR may take. */
static Vector ram_vectors[VECTOR_COUNT] __attribute__((aligned(512)));
/* SRAM the bit-band alias may flip bits of (the rest holds our state). */
static volatile uint32_t scratch[64];

/* ---- handlers ---- */

static uint32_t ipsr(void) { return __get_IPSR() & 0x1FF; }

static void count(uint32_t exc)
{
    if (exc < NUM_EXC)
        exc_count[exc]++;
}

/* Interrupts, SysTick, PendSV, SVC, NMI, DebugMonitor. */
static void plain_handler(void)
{
    uint32_t exc = ipsr();
    count(exc);
    if (exc >= EXC_IRQ(0)) {
        uint32_t irq = exc - EXC_IRQ(0);
        NVIC->ICER[irq >> 5] = 1u << (irq & 31);
    } else if (exc == EXC_SYSTICK) {
        SysTick->CTRL &= ~2u; /* TICKINT */
    }
}

void NMI_Handler(void) { plain_handler(); }
void SVC_Handler(void) { plain_handler(); }
void DebugMon_Handler(void) { plain_handler(); }
void PendSV_Handler(void) { plain_handler(); }
void SysTick_Handler(void) { plain_handler(); }

#define IRQ_DEF(n) \
    void IRQ##n##_Handler(void) { plain_handler(); }
#define IRQ_TENS(t) \
    IRQ_DEF(t##0) IRQ_DEF(t##1) IRQ_DEF(t##2) IRQ_DEF(t##3) IRQ_DEF(t##4) \
    IRQ_DEF(t##5) IRQ_DEF(t##6) IRQ_DEF(t##7) IRQ_DEF(t##8) IRQ_DEF(t##9)
IRQ_DEF(0) IRQ_DEF(1) IRQ_DEF(2) IRQ_DEF(3) IRQ_DEF(4)
IRQ_DEF(5) IRQ_DEF(6) IRQ_DEF(7) IRQ_DEF(8) IRQ_DEF(9)
IRQ_TENS(1) IRQ_TENS(2) IRQ_DEF(30) IRQ_DEF(31)

__attribute__((used)) void fault_c(ExcFrame *f)
{
    uint32_t exc = ipsr();
    uint32_t cfsr = SCB->CFSR;
    uint32_t hfsr = SCB->HFSR;
    count(exc);
    if (cfsr == 0 && (hfsr & (SCB_HFSR_FORCED | SCB_HFSR_VECTTBL)) == 0) {
        faults_pended++; /* SHCSR.xxxPENDED: nothing to skip */
        return;
    }
    if (f->pc < (uint32_t)fuzz_access_start || f->pc >= (uint32_t)fuzz_access_end) {
        con_printf("unexpected fault: exception %u, CFSR %x, HFSR %x, stacked PC %x\n",
                   (unsigned)exc, (unsigned)cfsr, (unsigned)hfsr, (unsigned)f->pc);
        sh_exit(EXIT_UNEXPECTED_FAULT);
    }
    frame_skip_instruction(f);
    faults_skipped++;
    SCB->CFSR = cfsr; /* write one to clear */
    SCB->HFSR = hfsr;
}
HANDLER_WITH_FRAME(HardFault_Handler, fault_c)
HANDLER_WITH_FRAME(MemManage_Handler, fault_c)
HANDLER_WITH_FRAME(BusFault_Handler, fault_c)
HANDLER_WITH_FRAME(UsageFault_Handler, fault_c)

/* ---- random choices ---- */

static uint32_t rng_state;

static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static uint32_t rnd_below(uint32_t n) { return rnd() % n; }

typedef struct {
    uint32_t base, size;
    bool ppb; /* aligned accesses only, and values tamed */
} Window;

static const Window windows[] = {
    { 0x40000000, 0x1000, false },   /* timer0 */
    { 0x40001000, 0x1000, false },   /* timer1 */
    { 0x40002000, 0x1000, false },   /* dual timer */
    { 0x40003000, 0x1000, false },   /* nothing: bus errors */
    { 0x40004000, 0x1000, false },   /* uart0 (the console) */
    { 0x40005000, 0x1000, false },   /* uart1 */
    { 0x40006000, 0x1000, false },   /* uart2 */
    { 0x40007000, 0x1000, false },   /* uart3 */
    { 0x40008000, 0x1000, false },   /* watchdog */
    { 0x40009000, 0x1000, false },   /* uart4 */
    { 0x40010000, 0x4000, false },   /* gpio (unimplemented) */
    { 0x4002f000, 0x1000, false },   /* scc (unimplemented) */
    { 0x400ff000, 0x1000, false },   /* ivshmem registers, if connected */
    { 0x42000000, 0x140000, false }, /* bit-band alias of the above */
    { 0xe000e000, 0x1000, true },    /* SCS: NVIC, SCB, SysTick, MPU, CoreDebug */
    { 0xe000e000, 0x1000, true },    /* (twice: it has the most registers) */
    { 0xe0001000, 0x1000, true },    /* DWT */
};

/* Where the SCS keeps its registers, to aim at them more often. */
static const uint16_t scs_areas[][2] = {
    { 0x000, 0x020 }, { 0x100, 0x120 }, { 0x180, 0x1a0 }, { 0x200, 0x220 }, { 0x280, 0x2a0 },
    { 0x300, 0x320 }, { 0x400, 0x420 }, { 0xd00, 0xd40 }, { 0xd88, 0xdbc }, { 0xdf0, 0xe00 },
    { 0xf00, 0xf04 },
};

static uint32_t pick_offset(const Window *w)
{
    uint32_t r = rnd_below(10);
    if (w->base == 0xe000e000u && r < 7) {
        const uint16_t *a = scs_areas[rnd_below(sizeof(scs_areas) / sizeof(scs_areas[0]))];
        return a[0] + rnd_below(a[1] - a[0]);
    }
    if (r < 6)
        return rnd_below(0x40);
    if (r < 7)
        return 0xfd0 + rnd_below(0x30);
    return rnd_below(w->size);
}

static uint32_t pick_value(void)
{
    static const uint32_t boundary[] = { 0, 1, 0xff, 0xffff, 0x7fffffff, 0x80000000,
                                         0xffffffff, 0x00ffffff, 0x05fa0000, 0x05fa0500 };
    switch (rnd_below(5)) {
    case 0: return boundary[rnd_below(sizeof(boundary) / sizeof(boundary[0]))];
    case 1: return 1u << rnd_below(32);
    case 2: return rnd_below(0x100);
    default: return rnd();
    }
}

/* Keeps a PPB store from making the program unable to go on (see the top
 * of the file); works on the word the store falls in. */
static bool wild;

static uint32_t tame(uint32_t addr, uint32_t value, unsigned size)
{
    unsigned shift = 8 * (addr & 3);
    uint32_t lanes = (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1) << shift;
    uint32_t w = (value << shift) & lanes;
    if ((addr & ~3u) == 0xe000ed08) /* VTOR */
        w = (rnd() & 1) ? (uint32_t)ram_vectors : 0;
    if (wild)
        return (w & lanes) >> shift;
    switch (addr & ~3u) {
    case 0xe000ed0c: w &= ~SCB_AIRCR_SYSRESETREQ; break;
    case 0xe000ed10: w &= ~SCB_SCR_SLEEPONEXIT; break;
    case 0xe000ed14: w &= ~SCB_CCR_UNALIGN_TRP; break;
    case 0xe000ed24: w &= ~0xfffu; break; /* SHCSR active bits */
    case 0x40008008: w &= ~3u; break;      /* watchdog INTEN, RESEN: NMIs, reset */
    case 0xe000ed94: /* MPU_CTRL */
        if (w & 1)
            w |= 4; /* PRIVDEFENA */
        break;
    case 0xe000eda0: /* MPU_RASR and its aliases: privileged RW, executable */
    case 0xe000eda8:
    case 0xe000edb0:
    case 0xe000edb8:
        w = (w & ~0x17000000u) | (3u << 24);
        break;
    default: break;
    }
    return (w & lanes) >> shift;
}

static uint32_t accesses, loads, stores, svcs;

static void one_access(void)
{
    const Window *w = &windows[rnd_below(sizeof(windows) / sizeof(windows[0]))];
    static const unsigned sizes[] = { 4, 4, 2, 1 };
    unsigned size = sizes[rnd_below(4)];
    uint32_t addr = w->base + pick_offset(w);
    if (w->ppb || rnd_below(20) != 0)
        addr &= ~(size - 1); /* sometimes unaligned outside the PPB */
    if (w->base == 0x42000000u && rnd_below(2)) {
        /* bit-band alias of SRAM: only over the scratch words */
        uint32_t byte = (uint32_t)scratch - 0x20000000u + rnd_below(sizeof(scratch));
        addr = 0x22000000u + byte * 32 + rnd_below(8) * 4;
    }
    accesses++;
    if (rnd() & 1) {
        loads++;
        if (size == 1)
            fuzz_ldrb(addr);
        else if (size == 2)
            fuzz_ldrh(addr);
        else
            fuzz_ldr(addr);
        return;
    }
    uint32_t value = pick_value();
    if (w->ppb || w->base == (uint32_t)CMSDK_WATCHDOG)
        value = tame(addr, value, size);
    stores++;
    if (size == 1)
        fuzz_strb(addr, value);
    else if (size == 2)
        fuzz_strh(addr, value);
    else
        fuzz_str(addr, value);
}

/* ---- command line ---- */

static uint32_t parse_u32(const char **p, uint32_t fallback)
{
    while (**p == ' ')
        (*p)++;
    if (**p < '0' || **p > '9')
        return fallback;
    uint32_t v = 0;
    while (**p >= '0' && **p <= '9')
        v = v * 10 + (uint32_t)(*(*p)++ - '0');
    return v;
}

int main(void)
{
    static char cmdline[128];
    uint32_t block[2] = { (uint32_t)cmdline, sizeof(cmdline) };
    if (sh_call(SYS_GET_CMDLINE, (uintptr_t)block) != 0)
        cmdline[0] = '\0';
    const char *p = cmdline; /* "IMAGE SEED ITERATIONS", as QEMU passes it */
    while (*p != ' ' && *p != '\0')
        p++;
    uint32_t seed = parse_u32(&p, 1);
    uint32_t iterations = parse_u32(&p, 10000);
    wild = parse_u32(&p, 0) != 0;
    rng_state = seed != 0 ? seed : 1;

    for (unsigned i = 0; i < VECTOR_COUNT; i++)
        ram_vectors[i] = vector_table[i];

    for (uint32_t i = 0; i < iterations; i++) {
        if (rnd_below(64) == 0) {
            __asm__ volatile("svc #0" ::: "memory");
            svcs++;
        }
        one_access();
    }

    /* The console may have been reconfigured: put it back. */
    CMSDK_UART0->BAUDDIV = 16;
    CMSDK_UART0->CTRL = CMSDK_UART_CTRL_TXEN;
    uint32_t irqs = 0;
    for (unsigned e = EXC_IRQ(0); e < NUM_EXC; e++)
        irqs += exc_count[e];
    con_printf("\nmmio-fuzz seed %u: %u accesses (%u loads, %u stores), %u SVCs\n",
               (unsigned)seed, (unsigned)accesses, (unsigned)loads, (unsigned)stores,
               (unsigned)svcs);
    con_printf("faults skipped %u, pended faults %u; NMI %u HardFault %u MemManage %u "
               "BusFault %u UsageFault %u SVCall %u DebugMon %u PendSV %u SysTick %u IRQs %u\n",
               (unsigned)faults_skipped, (unsigned)faults_pended, (unsigned)exc_count[2],
               (unsigned)exc_count[3], (unsigned)exc_count[4], (unsigned)exc_count[5],
               (unsigned)exc_count[6], (unsigned)exc_count[11], (unsigned)exc_count[12],
               (unsigned)exc_count[14], (unsigned)exc_count[15], (unsigned)irqs);
    return 0;
}
