/* Console output over the board UART, with a printf-lite:
 * %d %u %x %s %c %p %%, optional '0' flag and field width (%08x).
 * Every integer argument is taken as 32 bits (int, unsigned, int32_t,
 * uint32_t alike; 'l' is accepted and ignored); there is no 64-bit type.
 * No format attribute: GCC would insist on %lu for uint32_t. */
#ifndef FW_CONSOLE_H
#define FW_CONSOLE_H

#include <stdarg.h>

void con_putc(char c);
/* Writes s as is (unlike C's puts, adds no newline). */
void con_puts(const char *s);
void con_printf(const char *fmt, ...);

/* The formatter behind con_printf, for other outputs (e.g. sh_writec). */
void fmt_vprint(void (*out)(char), const char *fmt, va_list ap);

/* Formats into buf (at most size-1 characters, then NUL). Not reentrant:
 * not for interrupt handlers. */
void fmt_snprint(char *buf, unsigned size, const char *fmt, ...);

#endif
