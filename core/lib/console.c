/*
 * Console and log. Messages are formatted with newlib's vsnprintf into a stack buffer and sent
 * under one lock, so every line reaches the UART whole even when all CPUs print at once.
 * Messages a guest can trigger at will go through a rate limiter per guest (log_guest).
 *
 * Until the board's device tree has named the console UART and its driver, nothing is written
 * to any device: which UART a board has, and where, is exactly what the device tree says, and a
 * guess (QEMU virt's PL011 at 0x09000000) would be RAM on a ZCU102. What is printed before then
 * (the banner) waits in a small buffer and comes out when console_set_uart is called.
 */
#include <arch/spinlock.h>
#include <arch/timer.h>
#include <lib/console.h>
#include <stdbool.h>
#include <stdio.h>

#define LOG_LINE_MAX  256
#define EARLY_LOG_MAX 1024

static const uart_driver_t *console_drv; /* NULL: no console (yet) */
static uint64_t console_base;
static bool console_locking;
static enum log_level console_level = LOG_INFO;
static spinlock_t console_lock;
static char early_log[EARLY_LOG_MAX]; /* output before the console was known */
static unsigned early_len;

static void put_str(const char *s);

void console_set_uart(const uart_driver_t *drv, uint64_t base)
{
    console_drv = drv;
    console_base = base;
    if (!drv)
        return;
    drv->init(base);
    if (early_len) {
        early_log[early_len < EARLY_LOG_MAX ? early_len : EARLY_LOG_MAX - 1] = '\0';
        early_len = 0;
        put_str(early_log);
    }
}

uint64_t console_uart(void) { return console_drv ? console_base : 0; }
const uart_driver_t *console_driver(void) { return console_drv; }
void console_enable_locking(void) { console_locking = true; }
void console_set_level(enum log_level level) { console_level = level; }

void console_rx_irq(bool on)
{
    if (console_drv)
        console_drv->rx_irq(console_base, on);
}

static void put_str(const char *s)
{
    if (!console_drv) { /* kept for the console to come; a full buffer drops the rest */
        for (; *s && early_len < EARLY_LOG_MAX - 1; s++)
            early_log[early_len++] = *s;
        return;
    }
    for (; *s; s++) {
        if (*s == '\n')
            console_drv->putc(console_base, '\r');
        console_drv->putc(console_base, *s);
    }
}

void console_puts_unlocked(const char *s) { put_str(s); }

static const char *const prefix[] = {"error: ", "warning: ", "", ""};

static void format(char line[LOG_LINE_MAX], const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void format(char line[LOG_LINE_MAX], const char *fmt, va_list ap)
{
    int n = vsnprintf(line, LOG_LINE_MAX, fmt, ap);
    if (n >= LOG_LINE_MAX) /* say so rather than cut silently */
        snprintf(line + LOG_LINE_MAX - 5, 5, "...\n");
}

static void end_part(void);

__attribute__((cold)) void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];

    if (level > console_level)
        return;
    format(line, fmt, ap);
    if (console_locking)
        spin_lock(&console_lock);
    end_part();
    put_str(prefix[level]);
    put_str(line);
    if (console_locking)
        spin_unlock(&console_lock);
}

/* ---- unfinished lines ---- */

static const void *part_owner; /* whose unfinished line is on the console, or NULL */

static void end_part(void)
{
    if (part_owner)
        put_str("\n"); /* any other output starts on a line of its own */
    part_owner = NULL;
}

void console_part_start(const void *owner, const char *s)
{
    if (console_locking)
        spin_lock(&console_lock);
    end_part();
    put_str(s);
    part_owner = owner;
    if (console_locking)
        spin_unlock(&console_lock);
}

bool console_part_continue(const void *owner, const char *s, bool end)
{
    if (console_locking)
        spin_lock(&console_lock);
    bool ok = part_owner == owner && owner;
    if (ok) {
        put_str(s);
        if (end) {
            put_str("\n");
            part_owner = NULL;
        }
    }
    if (console_locking)
        spin_unlock(&console_lock);
    return ok;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

/* One guest's bucket, lock-free (a guest's vCPUs log from several CPUs at once), as the generic
 * cell rate algorithm keeps it: full is the counter value at which the bucket is full again;
 * each message lets it fill one interval later, and a message is let through while that leaves
 * it no more than a burst's worth of intervals ahead of now. */
typedef struct guest_limit {
    uint64_t full;
    uint64_t suppressed; /* messages dropped since the last one let through */
} guest_limit_t;
static guest_limit_t guest_limits[LOG_GUEST_SOURCES];

static bool guest_admit(guest_limit_t *g)
{
    uint64_t interval = arch_counter_freq() / LOG_GUEST_PER_S;
    if (!interval)
        interval = 1;
    uint64_t now = arch_counter(), full = __atomic_load_n(&g->full, __ATOMIC_RELAXED);
    for (;;) {
        uint64_t from = full > now ? full : now;
        if (from + interval - now > interval * LOG_GUEST_BURST)
            return false;
        if (__atomic_compare_exchange_n(&g->full, &full, from + interval, false, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            return true;
    }
}

__attribute__((cold)) void log_guest(unsigned source, const char *name, enum log_level level,
                                     const char *fmt, ...)
{
    if (level > console_level)
        return; /* not printed anyway: nothing to limit */
    /* sources beyond the table share its last bucket: limited all the same */
    guest_limit_t *g = &guest_limits[source < LOG_GUEST_SOURCES ? source : LOG_GUEST_SOURCES - 1];
    if (!guest_admit(g)) {
        __atomic_fetch_add(&g->suppressed, 1, __ATOMIC_RELAXED);
        return; /* not even formatted: a flood costs septum as little as possible */
    }
    uint64_t dropped = __atomic_exchange_n(&g->suppressed, 0, __ATOMIC_RELAXED);
    char line[LOG_LINE_MAX], note[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    format(line, fmt, ap);
    va_end(ap);
    if (dropped)
        snprintf(note, sizeof(note), "vm %s: %lu message%s suppressed\n", name,
                 (unsigned long)dropped, dropped == 1 ? "" : "s");
    /* the count and the message that ends it under one lock: they stay together, on a line
     * of their own */
    if (console_locking)
        spin_lock(&console_lock);
    end_part();
    if (dropped) {
        put_str(prefix[LOG_WARN]);
        put_str(note);
    }
    put_str(prefix[level]);
    put_str(line);
    if (console_locking)
        spin_unlock(&console_lock);
}

int console_getc(void) { return console_drv ? console_drv->getc(console_base) : -1; }
