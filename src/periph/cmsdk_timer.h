/* ARM CMSDK APB timer (Cortex-M System Design Kit TRM, ARM DDI 0479C,
 * section 4.4), timer0/timer1 of the MPS2 boards; and the down-counter it
 * shares with the CMSDK APB dual timer (cmsdk_dualtimer.c). */
#ifndef MINIVM_CMSDK_TIMER_H
#define MINIVM_CMSDK_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "device.h"

typedef struct CmsdkTimer CmsdkTimer;

extern const DeviceClass cmsdk_timer_class; /* "cmsdk-apb-timer" */

/* Created in its reset state. name is for traces (NULL: the type name);
 * the counter decrements at pclk_hz (the APB clock; on mps2-an385 the
 * 25 MHz CPU clock) measured on `clock`, which must outlive the timer. */
CmsdkTimer *cmsdk_timer_new(const char *name, Clock *clock, uint64_t pclk_hz, IrqLine irq);

/* The CMSDK down-counter: both timers count the same way (QEMU models
 * both with one ptimer configuration). Nothing happens per tick: the
 * count is computed from the Clock when read, and one Timer is armed for
 * the next decrement to zero.
 *
 * Behaviour (from QEMU's model; the TRM leaves the details open): the
 * counter decrements once per `divisor` input ticks; reaching zero by a
 * decrement is an expiry (the callback runs). Then, unless it is
 * one-shot or the limit is 0 (it stops at zero), it holds zero for one
 * tick and reloads the limit, so a periodic counter expires every
 * limit + 1 ticks. A count set to zero is not an expiry. */
typedef struct CmsdkCounter CmsdkCounter;

CmsdkCounter *cmsdk_counter_new(Clock *clock, uint64_t hz, void (*expired)(void *opaque),
                                void *opaque);
void cmsdk_counter_free(CmsdkCounter *c);

/* Runs an expiry whose deadline has passed but which clock_run_due() has
 * not run yet. Call it first in every register access, so the access
 * sees what happened before it and no parameter change loses an expiry. */
void cmsdk_counter_sync(CmsdkCounter *c);

void cmsdk_counter_run(CmsdkCounter *c);  /* no-op while running */
void cmsdk_counter_stop(CmsdkCounter *c); /* freezes the count */
/* Whether reaching zero can raise an interrupt now (timer_set_wakes_cpu) */
void cmsdk_counter_set_wakes_cpu(CmsdkCounter *c, bool wakes);
bool cmsdk_counter_running(const CmsdkCounter *c);

uint32_t cmsdk_counter_value(CmsdkCounter *c);
/* Sets the count; a running counter counts on from it now. */
void cmsdk_counter_set_value(CmsdkCounter *c, uint32_t value);
uint32_t cmsdk_counter_limit(const CmsdkCounter *c);
/* Takes effect at the next reload; the current count is kept. */
void cmsdk_counter_set_limit(CmsdkCounter *c, uint32_t limit);
void cmsdk_counter_set_oneshot(CmsdkCounter *c, bool oneshot);
/* Prescaler: the current count restarts now at the new rate. */
void cmsdk_counter_set_divisor(CmsdkCounter *c, unsigned divisor);

#endif
