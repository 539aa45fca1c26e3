/*
 * The table of host UART drivers by device-tree compatible (platform/uart.h). One line per
 * compatible string a driver answers to; the lookup walks the node's strings in their order, so a
 * node that names a specific part before a generic one gets the specific driver if there is one.
 */
#include <platform/uart.h>
#include <string.h>

/* compatible string, driver */
#define UART_LIST(X)                                                                               \
    X("arm,pl011", uart_pl011)                                                                     \
    X("cdns,uart-r1p12", uart_cadence) /* Zynq UltraScale+ (ZCU102, ZCU104): Cadence r1p12 */      \
    X("xlnx,xuartps", uart_cadence)    /* Zynq-7000 and older ZynqMP device trees */

typedef struct uart_entry {
    const char *compatible;
    const uart_driver_t *driver;
} uart_entry_t;

#define UART_ENTRY(c, d) {c, &d},
static const uart_entry_t uart_table[] = {UART_LIST(UART_ENTRY)};

const uart_driver_t *uart_driver_named(const char *compatible)
{
    for (size_t i = 0; compatible && i < sizeof(uart_table) / sizeof(uart_table[0]); i++)
        if (!strcmp(uart_table[i].compatible, compatible))
            return uart_table[i].driver;
    return NULL;
}

const uart_driver_t *uart_driver_find(const char *compat, int len, const char **which)
{
    if (which)
        *which = NULL;
    /* a property that does not end in NUL could be read past its end: refuse it whole */
    if (!compat || len <= 0 || compat[len - 1] != '\0')
        return NULL;
    for (const char *s = compat; s < compat + len; s += strlen(s) + 1) {
        const uart_driver_t *d = uart_driver_named(s);
        if (d) {
            if (which)
                *which = s;
            return d;
        }
    }
    return NULL;
}
