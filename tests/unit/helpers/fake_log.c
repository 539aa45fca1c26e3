/*
 * The fake log (see fake_log.h). Messages are also copied to stderr, which the test runner keeps
 * in the test's log file, so a failing case shows what septum said on its way there.
 */
#include "fake_log.h"
#include <stdio.h>
#include <string.h>

fake_log_t fake_log;

void fake_log_reset(void) { memset(&fake_log, 0, sizeof(fake_log)); }

bool fake_log_has(const char *s) { return strstr(fake_log.text, s) != NULL; }

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
    static const char *const prefix[] = {"error: ", "warning: ", "", ""};
    vsnprintf(fake_log.last, sizeof(fake_log.last), fmt, ap);
    fake_log.count[level]++;
    unsigned room = sizeof(fake_log.text) - fake_log.len; /* never 0: len stays below it */
    int n = snprintf(fake_log.text + fake_log.len, room, "%s%s", prefix[level], fake_log.last);
    if (n > 0)
        fake_log.len += (unsigned)n < room ? (unsigned)n : room - 1;
    fprintf(stderr, "# log: %s%s", prefix[level], fake_log.last);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

void console_set_uart(const uart_driver_t *drv, uint64_t base)
{
    (void)drv;
    (void)base;
}
uint64_t console_uart(void) { return 0; }
void console_enable_locking(void) {}
void console_set_level(enum log_level level) { (void)level; }
int console_getc(void) { return -1; }
void console_puts_unlocked(const char *s) { fprintf(stderr, "%s", s); }
