/*
 * Unit tests of septum's console (core/lib/console.c) over a fake PL011 that keeps what it is
 * sent, with the generic counter (virtual time) as the test sets it. Covered: the rate limiter
 * for messages a guest can trigger at will (log_guest): a burst goes through, the rest is
 * counted and not printed, the count comes out as one line with the next message let through,
 * the rate afterwards, every message either printed or counted, sources limited independently,
 * messages below the log level neither printed nor counted; and plain messages, never limited.
 * A guest's message ends a VM's unfinished line first, as any other message does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fake_arch.h>
#include <lib/console.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FREQ 62500000UL /* QEMU's generic counter: 62.5 MHz */

/* ---- the UART, faked: what septum sent, "\r" dropped ---- */

static char out[1 << 16];
static unsigned out_len;

static void fake_init(uint64_t base) { (void)base; }
static void fake_putc(uint64_t base, char c)
{
    (void)base;
    if (c != '\r' && out_len < sizeof(out) - 1)
        out[out_len++] = c;
}
static int fake_getc(uint64_t base)
{
    (void)base;
    return -1;
}
static void fake_rx_irq(uint64_t base, bool on)
{
    (void)base;
    (void)on;
}
static const uart_driver_t fake_uart = {"fake", fake_init, fake_putc, fake_getc, fake_rx_irq};

static unsigned lines_with(const char *s)
{
    unsigned n = 0;
    for (const char *p = out; (p = strstr(p, s)) != NULL; p += strlen(s))
        n++;
    return n;
}

/* The sum of N over "vm NAME: N messages suppressed" lines ("1 message"). */
static unsigned long suppressed(const char *name)
{
    char key[64];
    snprintf(key, sizeof(key), "vm %s: ", name);
    unsigned long sum = 0;
    for (const char *p = out; (p = strstr(p, key)) != NULL; p += strlen(key)) {
        char *end;
        unsigned long n = strtoul(p + strlen(key), &end, 10);
        if (!strncmp(end, " message", 8) &&
            !strncmp(end + 8 + (end[8] == 's'), " suppressed\n", 12))
            sum += n;
    }
    return sum;
}

static void at(uint64_t ticks) { fake_sysregs()->cntpct_el0 = ticks; }

/* The limiter's buckets live as long as the program: each test uses its own sources. */
static int setup(void **state)
{
    (void)state;
    fake_arch_reset();
    fake_sysregs()->cntfrq_el0 = FREQ;
    at(1000 * FREQ); /* far from zero: the buckets start full whenever they are first used */
    memset(out, 0, sizeof(out));
    out_len = 0;
    console_set_level(LOG_INFO);
    console_enable_locking();
    console_set_uart(&fake_uart, 0x9000000);
    return 0;
}

/* Before the board's device tree names the console nothing reaches a device: the banner waits
 * and comes out first, whole, once the console is known; what does not fit the early buffer is
 * dropped, never written past it. Runs first: no test before it has set a console. */
static void test_early_log(void **state)
{
    (void)state;
    memset(out, 0, sizeof(out));
    out_len = 0;
    assert_int_equal(console_uart(), 0);
    log_info("septum test at EL2, boot flow: kernel\n");
    log_warn("before the console\n");
    for (unsigned i = 0; i < 200; i++) /* far more than the early buffer holds */
        log_info("filler line %u\n", i);
    assert_int_equal(out_len, 0);
    assert_int_equal(console_getc(), -1); /* no UART: no input, no crash */
    console_rx_irq(true);
    console_set_uart(&fake_uart, 0xff000000);
    assert_int_equal(console_uart(), 0xff000000);
    assert_ptr_equal(console_driver(), &fake_uart);
    assert_non_null(strstr(out, "septum test at EL2, boot flow: kernel\nwarning: before the "
                                "console\nfiller line 0\n"));
    assert_true(out_len < 1024);
    assert_null(strstr(out, "filler line 199"));
    log_info("after\n");
    assert_non_null(strstr(out, "after\n"));
}

static void test_burst_then_count(void **state)
{
    (void)state;
    for (unsigned i = 0; i < LOG_GUEST_BURST + 100; i++)
        log_guest(0, "flood", LOG_WARN, "vm flood vcpu 0: refused access %u\n", i);
    assert_int_equal(lines_with("refused access"), LOG_GUEST_BURST);
    assert_non_null(strstr(out, "warning: vm flood vcpu 0: refused access 0\n"));
    assert_null(strstr(out, "suppressed"));

    /* one interval later one more goes through, preceded by what was dropped meanwhile */
    at(1000 * FREQ + FREQ / LOG_GUEST_PER_S);
    log_guest(0, "flood", LOG_WARN, "vm flood vcpu 0: refused access again\n");
    assert_non_null(strstr(out, "warning: vm flood: 100 messages suppressed\n"
                                "warning: vm flood vcpu 0: refused access again\n"));
    log_guest(0, "flood", LOG_WARN, "vm flood vcpu 0: and once more\n");
    assert_null(strstr(out, "once more"));

    /* a quiet guest gets its whole burst back */
    at(1000 * FREQ + 100 * FREQ);
    for (unsigned i = 0; i < LOG_GUEST_BURST; i++)
        log_guest(0, "flood", LOG_WARN, "vm flood vcpu 0: late %u\n", i);
    assert_int_equal(lines_with(": late "), LOG_GUEST_BURST);
    assert_int_equal(suppressed("flood"), 101);
}

/* A guest faulting every millisecond for a minute: the burst, then LOG_GUEST_PER_S a second;
 * and nothing is lost: printed + counted = sent. */
static void test_rate(void **state)
{
    (void)state;
    const unsigned seconds = 60, per_s = 1000;
    for (unsigned i = 0; i < seconds * per_s; i++) {
        at(2000 * FREQ + (uint64_t)i * FREQ / per_s);
        log_guest(1, "steady", LOG_WARN, "vm steady vcpu 0: fault %u\n", i);
    }
    at(2000 * FREQ + (uint64_t)(seconds + 1) * FREQ);
    log_guest(1, "steady", LOG_WARN, "vm steady vcpu 0: fault %u\n", seconds * per_s);
    unsigned printed = lines_with(": fault ");
    assert_true(printed <= LOG_GUEST_BURST + LOG_GUEST_PER_S * (seconds + 1) + 1);
    assert_true(printed >= LOG_GUEST_PER_S * seconds);
    assert_int_equal(printed + suppressed("steady"), seconds * per_s + 1);
    assert_true(lines_with("messages suppressed") <= printed);
}

/* One guest's flood leaves another's messages alone; a source beyond the table is limited
 * too (it shares the last bucket), and writes nothing out of bounds. */
static void test_sources(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 1000; i++)
        log_guest(2, "noisy", LOG_WARN, "vm noisy: x\n");
    log_guest(3, "quiet", LOG_WARN, "vm quiet: one message\n");
    assert_non_null(strstr(out, "warning: vm quiet: one message\n"));
    assert_int_equal(lines_with("vm noisy: x"), LOG_GUEST_BURST);
    for (unsigned i = 0; i < 1000; i++)
        log_guest(LOG_GUEST_SOURCES + 5, "far", LOG_WARN, "vm far: y\n");
    assert_true(lines_with("vm far: y") <= LOG_GUEST_BURST);
}

/* Below the log level: neither printed nor counted (they would not have been printed anyway);
 * plain messages are never limited. */
static void test_levels(void **state)
{
    (void)state;
    console_set_level(LOG_WARN);
    for (unsigned i = 0; i < 1000; i++)
        log_guest(4, "chatty", LOG_INFO, "vm chatty: region change refused\n");
    assert_int_equal(out_len, 0);
    console_set_level(LOG_INFO);
    log_guest(4, "chatty", LOG_INFO, "vm chatty: region change refused\n");
    assert_string_equal(out, "vm chatty: region change refused\n");
    for (unsigned i = 0; i < 100; i++)
        log_msg(LOG_INFO, "septum %u\n", i);
    assert_int_equal(lines_with("septum "), 100);
}

/* A VM's unfinished line (the input VM's, printed as it is typed) is ended before a guest's
 * message, as before any other: the message starts a line of its own. */
static void test_ends_unfinished_line(void **state)
{
    (void)state;
    static const int owner;
    console_part_start(&owner, "[typist] hal");
    log_guest(5, "other", LOG_WARN, "vm other vcpu 0: refused\n");
    assert_string_equal(out, "[typist] hal\nwarning: vm other vcpu 0: refused\n");
    assert_false(console_part_continue(&owner, "f", false)); /* it starts again, whole */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_early_log),
        cmocka_unit_test_setup(test_burst_then_count, setup),
        cmocka_unit_test_setup(test_rate, setup),
        cmocka_unit_test_setup(test_sources, setup),
        cmocka_unit_test_setup(test_levels, setup),
        cmocka_unit_test_setup(test_ends_unfinished_line, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
