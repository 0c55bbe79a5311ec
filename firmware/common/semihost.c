#include "semihost.h"

#include "libc.h"

void sh_writec(char c)
{
    sh_call(SYS_WRITEC, (uintptr_t)&c);
}

void sh_write0(const char *s)
{
    sh_call(SYS_WRITE0, (uintptr_t)s);
}

uint32_t sh_write(int handle, const void *buf, uint32_t len)
{
    uint32_t block[3] = {(uint32_t)handle, (uintptr_t)buf, len};
    return sh_call(SYS_WRITE, (uintptr_t)block);
}

int sh_open(const char *name, uint32_t mode)
{
    uint32_t block[3] = {(uintptr_t)name, mode, strlen(name)};
    return (int)sh_call(SYS_OPEN, (uintptr_t)block);
}

int sh_close(int handle)
{
    uint32_t h = (uint32_t)handle;
    return (int)sh_call(SYS_CLOSE, (uintptr_t)&h);
}

void sh_exit(int status)
{
    if (status == 0) {
        /* On 32-bit targets SYS_EXIT takes the reason itself in r1. */
        sh_call(SYS_EXIT, ADP_Stopped_ApplicationExit);
    } else {
        uint32_t block[2] = {ADP_Stopped_ApplicationExit, (uint32_t)status};
        sh_call(SYS_EXIT_EXTENDED, (uintptr_t)block);
    }
    for (;;)
        ;
}
