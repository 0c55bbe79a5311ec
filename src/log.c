#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static bool trace_enabled;

void log_set_trace(bool enabled) { trace_enabled = enabled; }
bool log_trace_enabled(void) { return trace_enabled; }

static void log_emit(const char *prefix, const char *who, const char *fmt, va_list ap)
{
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    fprintf(stderr, "minivm: %s%s: %s\n", prefix, who, msg);
}

#define LOG_IF(cond, prefix)                                                   \
    do {                                                                       \
        if (!(cond))                                                           \
            return;                                                            \
        va_list ap;                                                            \
        va_start(ap, fmt);                                                     \
        log_emit(prefix, who, fmt, ap);                                        \
        va_end(ap);                                                            \
    } while (0)

void log_trace(const char *who, const char *fmt, ...) { LOG_IF(trace_enabled, "trace: "); }
void log_guest_error(const char *who, const char *fmt, ...) { LOG_IF(trace_enabled, "guest error: "); }
void log_unimp(const char *who, const char *fmt, ...) { LOG_IF(trace_enabled, "unimplemented: "); }
void log_warning(const char *who, const char *fmt, ...) { LOG_IF(true, "warning: "); }
