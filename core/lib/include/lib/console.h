/*
 * septum's console and log: printf-style messages through newlib's formatted output, one lock
 * so lines from several CPUs never interleave, "\n" sent as "\r\n", and log levels.
 */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Use the PL011 at base from now on (the early one until the DTB names another). */
void console_set_uart(uint64_t base);
uint64_t console_uart(void);
/* Locking starts once the MMU is on (exclusives need cacheable memory); before, one CPU runs. */
void console_enable_locking(void);
void console_set_level(enum log_level level);

/* Print a whole message at a level; lines are prefixed by "error: "/"warning: " as fits. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* A byte typed on septum's console, or -1 if none is waiting. */
int console_getc(void);

/* Raw output with no lock and no formatting, for the panic path. */
void console_puts_unlocked(const char *s);
#endif
