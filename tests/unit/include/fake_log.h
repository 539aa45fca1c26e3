/*
 * A fake of septum's log (lib/console.h) for host unit tests: messages are kept, not sent to a
 * UART, so a test can check what septum reported (an isolation fault is logged with its VM and
 * address, a refused region change says why). tests/unit/helpers/fake_log.c.
 */
#ifndef FAKE_LOG_H
#define FAKE_LOG_H
#include <lib/console.h>
#include <stdbool.h>

#define FAKE_LOG_TEXT 8192

typedef struct fake_log {
    unsigned count[LOG_DEBUG + 1]; /* messages per level */
    char last[256];                /* the last message, as formatted */
    char text[FAKE_LOG_TEXT];      /* every message since the reset, as far as it fits */
    unsigned len;
} fake_log_t;

extern fake_log_t fake_log;

void fake_log_reset(void);
/* Whether any message since the reset contains s. */
bool fake_log_has(const char *s);
#endif
