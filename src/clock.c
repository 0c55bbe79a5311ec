#include "clock.h"

#include <glib.h>
#include <time.h>

#define NS_PER_SEC 1000000000ull
/* A callback that keeps re-arming in the past must not wedge the CPU. */
#define MAX_CALLBACKS_PER_RUN 10000

struct Timer {
    Clock *clock;
    TimerCallback cb;
    void *opaque;
    uint64_t deadline;
    bool armed;
    bool idle; /* cannot wake the CPU from WFI (timer_set_wakes_cpu) */
};

struct Clock {
    bool is_virtual;
    uint64_t hz;
    uint64_t insns;     /* virtual: executed instructions */
    uint64_t warp_ns;   /* virtual: time skipped while idle */
    /* The last change of rate (clock_set_cpu_hz), from which time and
     * cycles count on at the current rate; all 0 until one. */
    uint64_t base_insns;  /* virtual: instruction count then */
    uint64_t insn_ns;     /* virtual: time the instructions before it took */
    uint64_t base_ns;     /* guest time then */
    uint64_t base_cycles; /* cycle count then */
    uint64_t base_warp;   /* virtual: warp_ns then */
    uint64_t host_start;
    GPtrArray *timers;  /* Timer*, all of them, armed or not */
    void (*notify)(void *opaque);
    void *notify_opaque;
};

static void deadline_changed(Clock *clock);

static uint64_t host_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t clock_ns_to_ticks(uint64_t ns, uint64_t hz)
{
    return (uint64_t)((unsigned __int128)ns * hz / NS_PER_SEC);
}

/* Rounds up, so a deadline derived from a tick count never fires before
 * that many ticks have passed. */
uint64_t clock_ticks_to_ns(uint64_t ticks, uint64_t hz)
{
    unsigned __int128 ns = ((unsigned __int128)ticks * NS_PER_SEC + hz - 1) / hz;
    return ns > UINT64_MAX - 1 ? UINT64_MAX - 1 : (uint64_t)ns;
}

static Clock *clock_new(bool is_virtual, uint64_t cpu_hz)
{
    g_assert(cpu_hz > 0);
    Clock *clock = g_new0(Clock, 1);
    clock->is_virtual = is_virtual;
    clock->hz = cpu_hz;
    clock->host_start = host_now_ns();
    clock->timers = g_ptr_array_new();
    return clock;
}

Clock *clock_new_virtual(uint64_t cpu_hz) { return clock_new(true, cpu_hz); }
Clock *clock_new_host(uint64_t cpu_hz) { return clock_new(false, cpu_hz); }

void clock_free(Clock *clock)
{
    if (clock == NULL)
        return;
    for (guint i = 0; i < clock->timers->len; i++) {
        Timer *t = g_ptr_array_index(clock->timers, i);
        t->clock = NULL; /* timers outliving their clock become inert */
    }
    g_ptr_array_free(clock->timers, TRUE);
    g_free(clock);
}

bool clock_is_virtual(const Clock *clock) { return clock->is_virtual; }
uint64_t clock_cpu_hz(const Clock *clock) { return clock->hz; }

uint64_t clock_ns(Clock *clock)
{
    if (!clock->is_virtual)
        return host_now_ns() - clock->host_start;
    return clock->insn_ns + clock_ticks_to_ns(clock->insns - clock->base_insns, clock->hz) +
           clock->warp_ns;
}

uint64_t clock_cycles(Clock *clock)
{
    if (clock->is_virtual && clock->warp_ns == clock->base_warp) /* one cycle per instruction */
        return clock->base_cycles + (clock->insns - clock->base_insns);
    return clock->base_cycles + clock_ns_to_ticks(clock_ns(clock) - clock->base_ns, clock->hz);
}

uint64_t clock_cycles_to_ns(const Clock *clock, uint64_t cycles)
{
    if (cycles <= clock->base_cycles)
        return clock->base_ns;
    return clock->base_ns + clock_ticks_to_ns(cycles - clock->base_cycles, clock->hz);
}

/* Time and the cycle count go on from where they are: only what comes
 * after counts at the new rate. */
void clock_set_cpu_hz(Clock *clock, uint64_t hz)
{
    g_assert(hz > 0);
    if (hz == clock->hz)
        return;
    uint64_t now = clock_ns(clock);
    clock->base_cycles = clock_cycles(clock);
    clock->base_ns = now;
    if (clock->is_virtual) {
        clock->insn_ns = now - clock->warp_ns;
        clock->base_insns = clock->insns;
        clock->base_warp = clock->warp_ns;
    }
    clock->hz = hz;
    deadline_changed(clock); /* the instruction count of each deadline moved */
}

void clock_set_insns(Clock *clock, uint64_t insns) { clock->insns = insns; }
uint64_t clock_insns(const Clock *clock) { return clock->insns; }

uint64_t clock_insns_at_ns(const Clock *clock, uint64_t ns)
{
    if (ns == CLOCK_NEVER)
        return UINT64_MAX;
    if (ns <= clock->warp_ns + clock->insn_ns)
        return clock->base_insns;
    /* smallest n with ticks_to_ns(n) >= rel: floor-then-fix keeps it
     * consistent with the rounding in clock_ticks_to_ns() */
    uint64_t rel = ns - clock->warp_ns - clock->insn_ns;
    uint64_t n = clock_ns_to_ticks(rel, clock->hz);
    while (clock_ticks_to_ns(n, clock->hz) < rel)
        n++;
    return clock->base_insns + n;
}

void clock_warp_to(Clock *clock, uint64_t ns)
{
    uint64_t now = clock_ns(clock);
    if (clock->is_virtual && ns > now)
        clock->warp_ns += ns - now;
}

uint64_t clock_next_deadline(const Clock *clock)
{
    uint64_t next = CLOCK_NEVER;
    for (guint i = 0; i < clock->timers->len; i++) {
        const Timer *t = g_ptr_array_index(clock->timers, i);
        if (t->armed && t->deadline < next)
            next = t->deadline;
    }
    return next;
}

uint64_t clock_next_wake_deadline(const Clock *clock)
{
    uint64_t next = CLOCK_NEVER;
    for (guint i = 0; i < clock->timers->len; i++) {
        const Timer *t = g_ptr_array_index(clock->timers, i);
        if (t->armed && !t->idle && t->deadline < next)
            next = t->deadline;
    }
    return next;
}

static Timer *earliest_due(Clock *clock, uint64_t now)
{
    Timer *best = NULL;
    for (guint i = 0; i < clock->timers->len; i++) {
        Timer *t = g_ptr_array_index(clock->timers, i);
        if (t->armed && t->deadline <= now && (best == NULL || t->deadline < best->deadline))
            best = t;
    }
    return best;
}

unsigned clock_run_due(Clock *clock)
{
    unsigned ran = 0;
    uint64_t now = clock_ns(clock);
    Timer *t;
    while (ran < MAX_CALLBACKS_PER_RUN && (t = earliest_due(clock, now)) != NULL) {
        t->armed = false;
        t->cb(t->opaque);
        ran++;
    }
    return ran;
}

void clock_set_deadline_notify(Clock *clock, void (*fn)(void *opaque), void *opaque)
{
    clock->notify = fn;
    clock->notify_opaque = opaque;
}

static void deadline_changed(Clock *clock)
{
    if (clock != NULL && clock->notify != NULL)
        clock->notify(clock->notify_opaque);
}

Timer *timer_new(Clock *clock, TimerCallback cb, void *opaque)
{
    Timer *t = g_new0(Timer, 1);
    t->clock = clock;
    t->cb = cb;
    t->opaque = opaque;
    g_ptr_array_add(clock->timers, t);
    return t;
}

void timer_set_wakes_cpu(Timer *timer, bool wakes)
{
    timer->idle = !wakes;
}

void timer_free(Timer *timer)
{
    if (timer == NULL)
        return;
    if (timer->clock != NULL) {
        g_ptr_array_remove_fast(timer->clock->timers, timer);
        if (timer->armed)
            deadline_changed(timer->clock);
    }
    g_free(timer);
}

void timer_mod(Timer *timer, uint64_t deadline_ns)
{
    timer->deadline = deadline_ns;
    timer->armed = true;
    deadline_changed(timer->clock);
}

void timer_del(Timer *timer)
{
    if (!timer->armed)
        return;
    timer->armed = false;
    deadline_changed(timer->clock);
}

bool timer_pending(const Timer *timer) { return timer->armed; }
uint64_t timer_deadline(const Timer *timer) { return timer->deadline; }
