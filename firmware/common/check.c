#include "check.h"

#include "armv7m.h"
#include "console.h"
#include "libc.h"

static int failures;
static char trace_buf[64];
static volatile unsigned trace_len;

void check_(int ok, const char *what, const char *file, int line)
{
    if (ok)
        return;
    failures++;
    con_printf("FAIL: %s:%d: %s\n", file, line, what);
}

int check_finish(const char *name)
{
    if (failures == 0) {
        con_printf("%s: PASS\n", name);
        return 0;
    }
    con_printf("%s: FAIL (%d failed checks)\n", name, failures);
    return 1;
}

void trace(char c)
{
    uint32_t primask = __get_PRIMASK();
    __disable_irq();
    if (trace_len < sizeof trace_buf - 1)
        trace_buf[trace_len++] = c;
    __set_PRIMASK(primask);
}

void trace_expect(const char *expected)
{
    trace_buf[trace_len] = '\0';
    con_printf("order: %s\n", trace_buf);
    if (strcmp(trace_buf, expected) != 0) {
        failures++;
        con_printf("FAIL: expected order %s\n", expected);
    }
    trace_len = 0;
}
