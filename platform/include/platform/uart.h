/*
 * Host UART drivers for septum's own console, chosen by the compatible of the board device
 * tree's console node (/chosen/stdout-path). A driver is polled for output (septum's console
 * must work inside any exception) and may raise an interrupt on received data, which core/irq.c
 * routes to the guests' consoles. A new driver is one file filling uart_driver_t plus its line
 * in UART_LIST (platform/uart.c). Guests never see these: they get virtual UARTs.
 */
#ifndef PLATFORM_UART_H
#define PLATFORM_UART_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct uart_driver {
    const char *name; /* short, for messages: "pl011", "cadence" */
    /* Enable transmitter and receiver, receive interrupt off; the line settings (baud rate,
     * framing) stay as firmware or the emulator left them. */
    void (*init)(uint64_t base);
    void (*putc)(uint64_t base, char c);
    /* A received byte, or -1 if none is waiting. Called until -1 when the receive interrupt
     * fires: a driver whose interrupt status is sticky clears it there, before it looks again. */
    int (*getc)(uint64_t base);
    /* Interrupt on received data on or off. */
    void (*rx_irq)(uint64_t base, bool on);
} uart_driver_t;

extern const uart_driver_t uart_pl011, uart_cadence;

/*
 * The driver for a device-tree node's compatible property: compat is its raw value, len bytes
 * of NUL-terminated strings, most specific first, as the device-tree spec orders them; the first
 * string a driver knows wins. NULL if none is known or the property is malformed (empty, or its
 * last string not NUL-terminated). *which (if which is not NULL) is the string that matched.
 */
const uart_driver_t *uart_driver_find(const char *compat, int len, const char **which);

/* The driver that knows exactly this one compatible string, or NULL. */
const uart_driver_t *uart_driver_named(const char *compatible);
#endif
