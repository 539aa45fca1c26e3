/*
 * Polled Arm PL011 (DDI 0183) driver for septum's console (QEMU virt's UART; compatible
 * "arm,pl011"). Register offsets and flag bits are named here once. Output is always polled,
 * because septum's console must work inside any exception; input can raise an interrupt, which
 * core/irq.c routes to the guests' consoles. Its receive interrupt is a level on the FIFO's
 * state, so nothing needs clearing after the FIFO is drained.
 */
#include <platform/uart.h>

#define UARTDR   0x00
#define UARTFR   0x18
#define UARTCR   0x30
#define UARTIMSC 0x38

#define UARTFR_TXFF   (1u << 5) /* transmit FIFO full */
#define UARTFR_RXFE   (1u << 4) /* receive FIFO empty */
#define UARTCR_UARTEN (1u << 0)
#define UARTCR_TXE    (1u << 8)
#define UARTCR_RXE    (1u << 9)
#define UARTINT_RX    (1u << 4)
#define UARTINT_RT    (1u << 6)

static inline volatile uint32_t *reg(uint64_t base, unsigned off)
{
    return (volatile uint32_t *)(base + off);
}

static void pl011_init(uint64_t base)
{
    uint32_t want = UARTCR_UARTEN | UARTCR_TXE | UARTCR_RXE;
    if ((*reg(base, UARTCR) & want) != want)
        *reg(base, UARTCR) |= want;
    *reg(base, UARTIMSC) = 0;
}

static void pl011_putc(uint64_t base, char c)
{
    while (*reg(base, UARTFR) & UARTFR_TXFF)
        ;
    *reg(base, UARTDR) = (uint8_t)c;
}

static int pl011_getc(uint64_t base)
{
    if (*reg(base, UARTFR) & UARTFR_RXFE)
        return -1;
    return (int)(*reg(base, UARTDR) & 0xff);
}

static void pl011_rx_irq(uint64_t base, bool on)
{
    *reg(base, UARTIMSC) = on ? (UARTINT_RX | UARTINT_RT) : 0;
}

const uart_driver_t uart_pl011 = {
    .name = "pl011",
    .init = pl011_init,
    .putc = pl011_putc,
    .getc = pl011_getc,
    .rx_irq = pl011_rx_irq,
};
