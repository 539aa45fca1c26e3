/*
 * septum's formatted output (core/lib/fmt.c): the snprintf and vsnprintf every room calls
 * through <stdio.h> are these, under the C library's names. fmt_* are the same functions under
 * names of their own, for the host tests that compare them with the host C library.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H
#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#endif
