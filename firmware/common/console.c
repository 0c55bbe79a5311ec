#include "console.h"

#include <stdint.h>

#include "board.h"

void con_putc(char c)
{
    board_putc(c);
}

void con_puts(const char *s)
{
    while (*s)
        board_putc(*s++);
}

static void put_padded(void (*out)(char), const char *digits, int len, int width, char pad)
{
    for (; width > len; width--)
        out(pad);
    while (len)
        out(digits[--len]);
}

/* Writes v in base 10 or 16 (digits reversed into buf), returns the count. */
static int to_digits(char *buf, uint32_t v, unsigned base)
{
    int n = 0;
    do {
        buf[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    return n;
}

void fmt_vprint(void (*out)(char), const char *fmt, va_list ap)
{
    char buf[12];
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out(*fmt);
            continue;
        }
        char pad = ' ';
        int width = 0;
        if (*++fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        if (*fmt == 'l')
            fmt++;
        switch (*fmt) {
        case 'd': {
            int32_t v = va_arg(ap, int32_t);
            uint32_t mag = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
            int n = to_digits(buf, mag, 10);
            if (v < 0 && pad == '0') {
                out('-');
                width--;
            } else if (v < 0) {
                buf[n++] = '-';
            }
            put_padded(out, buf, n, width, pad);
            break;
        }
        case 'u':
            put_padded(out, buf, to_digits(buf, va_arg(ap, uint32_t), 10), width, pad);
            break;
        case 'x':
            put_padded(out, buf, to_digits(buf, va_arg(ap, uint32_t), 16), width, pad);
            break;
        case 'p':
            out('0');
            out('x');
            put_padded(out, buf, to_digits(buf, (uintptr_t)va_arg(ap, void *), 16), 8, '0');
            break;
        case 'c':
            out((char)va_arg(ap, int));
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            int len = 0;
            while (s[len])
                len++;
            for (; width > len; width--)
                out(' ');
            while (*s)
                out(*s++);
            break;
        }
        case '\0':
            return;
        default:
            out(*fmt);
            break;
        }
    }
}

void con_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vprint(board_putc, fmt, ap);
    va_end(ap);
}

static struct {
    char *p, *end;
} fmt_buf;

static void buf_putc(char c)
{
    if (fmt_buf.p < fmt_buf.end)
        *fmt_buf.p++ = c;
}

void fmt_snprint(char *buf, unsigned size, const char *fmt, ...)
{
    if (size == 0)
        return;
    fmt_buf.p = buf;
    fmt_buf.end = buf + size - 1;
    va_list ap;
    va_start(ap, fmt);
    fmt_vprint(buf_putc, fmt, ap);
    va_end(ap);
    *fmt_buf.p = '\0';
}
