/*
 * septum's console and log: printf-style messages through newlib's formatted output, one lock
 * so lines from several CPUs never interleave, "\n" sent as "\r\n", and log levels.
 */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H
#include <platform/uart.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Use the UART at base, driven by drv, from now on (NULL: none); what was printed before there
 * was a console comes out first. Until the first call nothing reaches any device. */
void console_set_uart(const uart_driver_t *drv, uint64_t base);
/* The console UART's registers, 0 if there is none. */
uint64_t console_uart(void);
const uart_driver_t *console_driver(void);
/* Its receive interrupt on or off (nothing without a console). */
void console_rx_irq(bool on);
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

/* A message a guest can make septum print at will (an isolation abort, a refused device access,
 * an undefined system register, a refused region change, an instruction septum does not
 * decode...), by guest: source is its index (below LOG_GUEST_SOURCES), name its name. A guest
 * looping on such a fault must not flood the console, where every VM's output and septum's own
 * would queue behind it: per source a token bucket in virtual time (the generic counter) lets
 * LOG_GUEST_BURST messages through at once and then LOG_GUEST_PER_S a second. The rest are
 * counted, and the next message let through is preceded by "vm NAME: N messages suppressed". */
#define LOG_GUEST_SOURCES 8
#define LOG_GUEST_BURST   20
#define LOG_GUEST_PER_S   5
void log_guest(unsigned source, const char *name, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Unfinished lines (a VM's line as it is typed): console_part_start prints s and leaves the
 * line open for owner; console_part_continue adds s to it (and ends it with a newline if end)
 * only while owner's line is still the open one, and returns false otherwise (other output
 * came between, which ended it: the caller prints the line again from its start). Every other
 * message first ends an open line. */
void console_part_start(const void *owner, const char *s);
bool console_part_continue(const void *owner, const char *s, bool end);

/* A byte typed on septum's console, or -1 if none is waiting. */
int console_getc(void);

/* Raw output with no lock and no formatting, for the panic path. */
void console_puts_unlocked(const char *s);
#endif
