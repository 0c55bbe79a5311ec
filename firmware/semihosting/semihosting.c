/* Exercises the semihosting calls a program may use; all output goes
 * through semihosting itself. Exits 0 if every call answered sensibly. */
#include <stdarg.h>

#include "console.h"
#include "libc.h"
#include "semihost.h"

static int failures;

static void sh_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vprint(sh_writec, fmt, ap);
    va_end(ap);
}

static void expect(int ok, const char *what)
{
    if (!ok) {
        failures++;
        sh_printf("FAIL: %s\n", what);
    }
}

int main(void)
{
    sh_write0("SYS_WRITE0: hello\n");
    for (const char *s = "SYS_WRITEC: hello\n"; *s; s++)
        sh_writec(*s);

    static const char msg[] = "SYS_WRITE to :tt: hello\n";
    int tt = sh_open(":tt", SH_OPEN_W);
    expect(tt >= 0, "SYS_OPEN :tt");
    if (tt >= 0) {
        expect(sh_write(tt, msg, sizeof msg - 1) == 0, "SYS_WRITE wrote everything");
        expect(sh_close(tt) == 0, "SYS_CLOSE");
    }

    static char cmdline[256];
    uint32_t cmd_block[2] = {(uintptr_t)cmdline, sizeof cmdline};
    expect(sh_call(SYS_GET_CMDLINE, (uintptr_t)cmd_block) == 0, "SYS_GET_CMDLINE");
    sh_printf("SYS_GET_CMDLINE: \"%s\" (%u bytes)\n", cmdline, (unsigned)cmd_block[1]);
    expect(strlen(cmdline) == cmd_block[1], "command line length");

    /* HEAPINFO: r1 points to a word holding the address of 4 words. */
    uint32_t heap[4] = {0};
    uint32_t *heap_ptr = heap;
    sh_call(SYS_HEAPINFO, (uintptr_t)&heap_ptr);
    sh_printf("SYS_HEAPINFO: heap %p..%p stack %p..%p\n", (void *)heap[0], (void *)heap[1],
              (void *)heap[2], (void *)heap[3]);

    uint32_t c1 = sh_call(SYS_CLOCK, 0);
    expect(c1 != 0xFFFFFFFFu, "SYS_CLOCK");
    uint32_t elapsed[2] = {0, 0};
    expect(sh_call(SYS_ELAPSED, (uintptr_t)elapsed) == 0, "SYS_ELAPSED");
    uint32_t elapsed2[2] = {0, 0};
    sh_call(SYS_ELAPSED, (uintptr_t)elapsed2);
    uint64_t e1 = elapsed[0] | (uint64_t)elapsed[1] << 32;
    uint64_t e2 = elapsed2[0] | (uint64_t)elapsed2[1] << 32;
    expect(e2 >= e1, "SYS_ELAPSED does not go backwards");
    uint32_t c2 = sh_call(SYS_CLOCK, 0);
    expect(c2 >= c1, "SYS_CLOCK does not go backwards");
    sh_write0("SYS_CLOCK, SYS_ELAPSED: answered\n");

    sh_printf("semihosting: %s\n", failures ? "FAIL" : "PASS");
    return failures ? 1 : 0;
}
