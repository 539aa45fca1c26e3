/*
 * Console and log. Messages are formatted with newlib's vsnprintf into a stack buffer and sent
 * under one lock, so every line reaches the UART whole even when all CPUs print at once.
 */
#include <arch/spinlock.h>
#include <lib/console.h>
#include <platform/pl011.h>
#include <platform/platform.h>
#include <stdbool.h>
#include <stdio.h>

#define LOG_LINE_MAX 256

static uint64_t console_base = PLAT_EARLY_UART_BASE;
static bool console_locking;
static enum log_level console_level = LOG_INFO;
static spinlock_t console_lock;

void console_set_uart(uint64_t base)
{
    console_base = base;
    pl011_init(base);
}

uint64_t console_uart(void) { return console_base; }
void console_enable_locking(void) { console_locking = true; }
void console_set_level(enum log_level level) { console_level = level; }

static void put_str(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            pl011_putc(console_base, '\r');
        pl011_putc(console_base, *s);
    }
}

void console_puts_unlocked(const char *s) { put_str(s); }

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
    static const char *const prefix[] = {"error: ", "warning: ", "", ""};
    char line[LOG_LINE_MAX];

    if (level > console_level)
        return;
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    if (n >= (int)sizeof(line)) /* say so rather than cut silently */
        snprintf(line + sizeof(line) - 5, 5, "...\n");
    if (console_locking)
        spin_lock(&console_lock);
    put_str(prefix[level]);
    put_str(line);
    if (console_locking)
        spin_unlock(&console_lock);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

int console_getc(void) { return pl011_getc(console_base); }
