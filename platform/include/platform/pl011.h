/*
 * Polled driver for an Arm PL011 UART, septum's own console (guests get virtual UARTs).
 */
#ifndef PLATFORM_PL011_H
#define PLATFORM_PL011_H
#include <stdint.h>

/* Enable the transmitter and receiver; the baud rate is left as firmware or QEMU set it. */
void pl011_init(uint64_t base);
void pl011_putc(uint64_t base, char c);
/* A received byte, or -1 if none is waiting. */
int pl011_getc(uint64_t base);
/* Interrupt on received data (and receive timeout) on or off. */
void pl011_rx_irq(uint64_t base, int on);
#endif
