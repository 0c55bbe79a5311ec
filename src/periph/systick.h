/* ARMv7-M SysTick timer (ARMv7-M ARM B3.3): a 24-bit down-counter on the
 * CPU clock or the board's reference clock that pends the SysTick
 * exception when it reaches zero.
 *
 * The SCS device (scs.c) maps its four registers at 0xE000E010; the
 * offsets here are relative to that base (0x0 CSR, 0x4 RVR, 0x8 CVR,
 * 0xC CALIB). The count is computed from the Clock when read, and a
 * Timer is armed only for the next interrupt, so a running SysTick costs
 * nothing per tick. */
#ifndef MINIVM_SYSTICK_H
#define MINIVM_SYSTICK_H

#include <stdint.h>

#include "clock.h"
#include "device.h"

#define SYSTICK_OFFSET 0x10u /* within the SCS window */
#define SYSTICK_SIZE 0x10u

typedef struct SysTick SysTick;

/* "armv7m-systick": the 16-byte register block, for completeness; boards
 * normally reach it through the SCS. */
extern const DeviceClass systick_class;

/* exc_line: pulsed when the counter reaches 0 with TICKINT set (wire it to
 * nvic_exception_line(nvic, EXC_SYSTICK)). ref_hz: the reference clock,
 * 0 if the board has none (CLKSOURCE then reads 1 and CALIB.NOREF is 1). */
SysTick *systick_new(Clock *clock, IrqLine exc_line, uint64_t ref_hz);
void systick_free(SysTick *st);
void systick_reset(SysTick *st);
/* Call after clock_set_cpu_hz(): on the processor clock the counter keeps
 * its value and counts on at the new rate (its wrap deadline moves). */
void systick_cpu_clock_changed(SysTick *st);
MmioResult systick_read(SysTick *st, uint32_t offset, unsigned size, uint32_t *value);
MmioResult systick_write(SysTick *st, uint32_t offset, uint32_t value, unsigned size);

#endif
