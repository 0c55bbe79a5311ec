/* Diagnostics for devices and the core.
 * - trace: a guest-visible happening, shown with --trace.
 * - guest error: the firmware did something the hardware does not define
 *   (shown with --trace, prefixed "guest error").
 * - unimp: the firmware used something minivm does not model (shown with
 *   --trace, prefixed "unimplemented").
 * Everything goes to stderr so the console (stdout) stays clean. */
#ifndef MINIVM_LOG_H
#define MINIVM_LOG_H

#include <glib.h>
#include <stdbool.h>

void log_set_trace(bool enabled);
bool log_trace_enabled(void);

void log_trace(const char *who, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void log_guest_error(const char *who, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void log_unimp(const char *who, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Always shown: something the user must know (e.g. a peer vanished). */
void log_warning(const char *who, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif
