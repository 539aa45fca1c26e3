/*
 * log_guest (lib/console.h) for host unit tests that keep septum's log in the fake log
 * (fake_log.c): every message goes straight to it, unlimited, so a test of the code that logs
 * sees each one. The limiter itself is core/lib/console.c's, tested by test_console.c.
 */
#include "fake_log.h"

void log_guest(unsigned source, const char *name, enum log_level level, const char *fmt, ...)
{
    (void)source, (void)name;
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}
