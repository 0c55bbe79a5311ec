/* ARM semihosting for M-profile (BKPT 0xAB, operation in r0, parameter in
 * r1, result in r0). See DESIGN.md section 7. */
#ifndef FW_SEMIHOST_H
#define FW_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITEC 0x03
#define SYS_WRITE0 0x04
#define SYS_WRITE 0x05
#define SYS_READC 0x07
#define SYS_CLOCK 0x10
#define SYS_TIME 0x11
#define SYS_ERRNO 0x13
#define SYS_GET_CMDLINE 0x15
#define SYS_HEAPINFO 0x16
#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20
#define SYS_ELAPSED 0x30
#define SYS_TICKFREQ 0x31

#define ADP_Stopped_ApplicationExit 0x20026u

/* SYS_OPEN modes (index into the fopen mode strings "r", "rb", ..., "w", ...) */
#define SH_OPEN_R 0
#define SH_OPEN_W 4

static inline uint32_t sh_call(uint32_t op, uintptr_t param)
{
    register uint32_t r0 __asm__("r0") = op;
    register uintptr_t r1 __asm__("r1") = param;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void sh_writec(char c);
void sh_write0(const char *s);
/* Returns the number of bytes NOT written (0 on success). */
uint32_t sh_write(int handle, const void *buf, uint32_t len);
int sh_open(const char *name, uint32_t mode);
int sh_close(int handle);
/* Exit status 0: SYS_EXIT with ADP_Stopped_ApplicationExit; any other
 * status: SYS_EXIT_EXTENDED so the host sees exactly that status. */
__attribute__((noreturn)) void sh_exit(int status);

#endif
