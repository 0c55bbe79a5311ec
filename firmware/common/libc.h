/* The few C library functions the firmware needs (-nostdlib). GCC may also
 * emit calls to memcpy/memset/memmove/memcmp itself, even freestanding. */
#ifndef FW_LIBC_H
#define FW_LIBC_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#endif
