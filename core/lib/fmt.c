/*
 * septum's snprintf and vsnprintf: the formats its messages use and nothing more, in place of
 * newlib's (which brought its reentrancy structure, a malloc heap and locale code: about 6 KiB
 * of the image). Conversions d i u x X p s c %, flags '-' and '0', a field width and a
 * precision (digits or '*'), length modifiers h hh l ll z j t. Anything else is copied as it
 * stands. Output is always NUL-terminated when size > 0; the return value is the length the
 * whole output would have had, as C11 says. tests/unit/test_fmt.c compares it with the host C
 * library's on many formats and values.
 */
#include <lib/fmt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct out {
    char *buf;
    size_t size, len; /* len: characters produced so far, written or not */
} out_t;

static void put(out_t *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(out_t *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

/* s (n characters) in a field of width, padded on the left unless left */
static void field(out_t *o, const char *s, int n, int width, bool left)
{
    if (!left)
        pad(o, ' ', width - n);
    for (int i = 0; i < n; i++)
        put(o, s[i]);
    if (left)
        pad(o, ' ', width - n);
}

/* An integer: sign or 0x prefix, at least prec digits (zeros), in a field of width padded
 * with spaces or, with zero and no precision, zeros after the prefix. */
static void number(out_t *o, uint64_t v, bool neg, unsigned base, bool upper, const char *prefix,
                   int width, int prec, bool left, bool zero)
{
    char digits[24];
    int n = 0, plen = 0;
    while (prefix[plen])
        plen++;
    if (prec < 0)
        prec = 1;
    else
        zero = false; /* a precision makes '0' ignored */
    for (; v; v /= base)
        digits[n++] = (upper ? "0123456789ABCDEF" : "0123456789abcdef")[v % base];
    int zeros = prec > n ? prec - n : 0, total = plen + (neg ? 1 : 0) + zeros + n;
    if (zero && !left && width > total) {
        zeros += width - total;
        total = width;
    }
    if (!left)
        pad(o, ' ', width - total);
    if (neg)
        put(o, '-');
    for (int i = 0; i < plen; i++)
        put(o, prefix[i]);
    pad(o, '0', zeros);
    while (n)
        put(o, digits[--n]);
    if (left)
        pad(o, ' ', width - total);
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    out_t o = {buf, size, 0};
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        const char *start = f++;
        bool left = false, zero = false;
        for (;; f++) {
            if (*f == '-')
                left = true;
            else if (*f == '0')
                zero = true;
            else
                break;
        }
        int width = 0, prec = -1;
        if (*f == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = true;
                width = -width;
            }
            f++;
        } else {
            for (; *f >= '0' && *f <= '9'; f++)
                width = width * 10 + (*f - '0');
        }
        if (*f == '.') {
            f++;
            prec = 0;
            if (*f == '*') {
                prec = va_arg(ap, int);
                f++;
            } else {
                for (; *f >= '0' && *f <= '9'; f++)
                    prec = prec * 10 + (*f - '0');
            }
        }
        /* length: 0 int, 1 long (and long long, size_t, intmax_t, ptrdiff_t: all 64 bits) */
        int lng = 0;
        for (; *f == 'l' || *f == 'z' || *f == 'j' || *f == 't' || *f == 'h'; f++)
            lng = *f != 'h' ? 1 : lng;
        switch (*f) {
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);
            number(&o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0, 10, false, "", width, prec,
                   left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            number(&o, v, false, *f == 'u' ? 10 : 16, *f == 'X', "", width, prec, left, zero);
            break;
        }
        case 'p':
            number(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, "0x", width, prec, left,
                   zero);
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            field(&o, &c, 1, width, left);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            int n = 0;
            if (!s)
                s = "(null)";
            while ((prec < 0 || n < prec) && s[n])
                n++;
            field(&o, s, n, width, left);
            break;
        }
        case '%': put(&o, '%'); break;
        default: /* not a conversion septum uses: shown as written */
            for (; start <= f && *start; start++)
                put(&o, *start);
            if (!*f)
                f--;
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len > INT32_MAX ? -1 : (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

#ifndef SEPTUM_HOST
/* The C library's names, for every caller and for libfdt: newlib's are never linked. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return fmt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
#endif
