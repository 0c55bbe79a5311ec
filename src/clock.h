/* Guest time and timers.
 *
 * A Clock gives guest time in nanoseconds and runs timer callbacks when
 * their deadline passes. Two kinds:
 * - virtual: time = executed guest instructions / CPU clock (deterministic;
 *   the rate may change, see clock_set_cpu_hz);
 *   the CPU loop reports instruction counts with clock_set_insns() and may
 *   warp time forward (idle skip) with clock_warp_to().
 * - host: time follows CLOCK_MONOTONIC since the clock was created.
 * Timers fire only from clock_run_due(), called on the CPU thread, so
 * device callbacks never race with MMIO accesses. */
#ifndef MINIVM_CLOCK_H
#define MINIVM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define CLOCK_NEVER UINT64_MAX

typedef struct Clock Clock;
typedef struct Timer Timer;
typedef void (*TimerCallback)(void *opaque);

Clock *clock_new_virtual(uint64_t cpu_hz);
Clock *clock_new_host(uint64_t cpu_hz);
void clock_free(Clock *clock);

bool clock_is_virtual(const Clock *clock);
uint64_t clock_cpu_hz(const Clock *clock);
/* A new CPU clock rate from now on (a PLL or divider reprogrammed): guest
 * time and the cycle count continue without a jump; later instructions
 * (virtual) or host nanoseconds (host) count at the new rate. Notifies
 * the deadline listener, since deadlines now fall at other instruction
 * counts. */
void clock_set_cpu_hz(Clock *clock, uint64_t hz);

/* Current guest time in ns. */
uint64_t clock_ns(Clock *clock);
/* Guest CPU cycles since start (DWT CYCCNT, SysTick on the CPU clock). */
uint64_t clock_cycles(Clock *clock);
/* The guest time at which clock_cycles() reaches `cycles` (for a timer
 * counting CPU cycles), assuming the rate stays as it is. */
uint64_t clock_cycles_to_ns(const Clock *clock, uint64_t cycles);
/* Convert between ns and ticks of a clock of `hz`. */
uint64_t clock_ns_to_ticks(uint64_t ns, uint64_t hz);
uint64_t clock_ticks_to_ns(uint64_t ticks, uint64_t hz);

/* Virtual clock only: the executed guest instruction count. */
void clock_set_insns(Clock *clock, uint64_t insns);
uint64_t clock_insns(const Clock *clock);
/* Virtual clock only: instruction count at which the time reaches ns. */
uint64_t clock_insns_at_ns(const Clock *clock, uint64_t ns);
/* Virtual clock only: jump time forward to ns (no instructions executed). */
void clock_warp_to(Clock *clock, uint64_t ns);

/* Earliest armed deadline in ns, or CLOCK_NEVER. */
uint64_t clock_next_deadline(const Clock *clock);
/* The same, among the timers that can wake the CPU from WFI (all but those
 * set otherwise with timer_set_wakes_cpu). */
uint64_t clock_next_wake_deadline(const Clock *clock);
/* Runs the callbacks of every timer whose deadline <= now, in deadline
 * order; callbacks may re-arm timers. Returns the number run. */
unsigned clock_run_due(Clock *clock);

Timer *timer_new(Clock *clock, TimerCallback cb, void *opaque);
void timer_free(Timer *timer);
/* Arm (or re-arm) for an absolute guest time in ns. */
void timer_mod(Timer *timer, uint64_t deadline_ns);
void timer_del(Timer *timer);
bool timer_pending(const Timer *timer);
/* Whether the callback can raise an interrupt now (default true). A timer
 * that cannot (its device's interrupt and reset are off) still fires, on
 * time while the CPU runs, but a sleeping CPU neither wakes nor waits for
 * it: it fires when the CPU next looks, late, with the expiries of the
 * interval coalesced as a late timer's are. */
void timer_set_wakes_cpu(Timer *timer, bool wakes);
uint64_t timer_deadline(const Timer *timer);

/* Called when the earliest deadline may have changed (CPU loop installs
 * it so it can recompute its instruction budget or host wake-up). */
void clock_set_deadline_notify(Clock *clock, void (*fn)(void *opaque), void *opaque);

#endif
