/*
 * Polled Arm PL011 (DDI 0183) driver for septum's console. Register offsets and flag bits are
 * named here once. Output is always polled, because septum's console must work inside any
 * exception; input can raise an interrupt, which core/irq.c routes to the guests' consoles.
 */
#include <platform/pl011.h>

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

void pl011_init(uint64_t base)
{
    uint32_t want = UARTCR_UARTEN | UARTCR_TXE | UARTCR_RXE;
    if ((*reg(base, UARTCR) & want) != want)
        *reg(base, UARTCR) |= want;
    *reg(base, UARTIMSC) = 0;
}

void pl011_putc(uint64_t base, char c)
{
    while (*reg(base, UARTFR) & UARTFR_TXFF)
        ;
    *reg(base, UARTDR) = (uint8_t)c;
}

int pl011_getc(uint64_t base)
{
    if (*reg(base, UARTFR) & UARTFR_RXFE)
        return -1;
    return (int)(*reg(base, UARTDR) & 0xff);
}

void pl011_rx_irq(uint64_t base, int on)
{
    *reg(base, UARTIMSC) = on ? (UARTINT_RX | UARTINT_RT) : 0;
}
