/*
 * Polled Cadence UART driver for septum's console: the UART of Xilinx's Zynq-7000 and Zynq
 * UltraScale+ (ZCU102: 0xff000000 and 0xff010000; compatibles "cdns,uart-r1p12",
 * "xlnx,xuartps"). Register offsets and bits (Zynq UltraScale+ TRM UG1085, UART chapter) are
 * named here once. Output is polled like the PL011's. Unlike the PL011, the interrupt status
 * (ISR) is sticky, write one to clear: getc clears the receive bits when it finds the FIFO empty
 * and then looks once more, so a byte that arrived just before the clear is read now and one
 * that arrives after it raises the interrupt again; none waits unseen for the next keystroke.
 */
#include <platform/uart.h>

#define UART_CR   0x00 /* control */
#define UART_IER  0x08 /* interrupt enable (write one to set a mask bit) */
#define UART_IDR  0x0c /* interrupt disable (write one to clear a mask bit) */
#define UART_ISR  0x14 /* interrupt status, write one to clear */
#define UART_RXWM 0x20 /* receive FIFO trigger level */
#define UART_SR   0x2c /* channel status */
#define UART_FIFO 0x30 /* transmit and receive FIFO */

#define CR_RX_EN   (1u << 2)
#define CR_RX_DIS  (1u << 3)
#define CR_TX_EN   (1u << 4)
#define CR_TX_DIS  (1u << 5)
#define SR_RXEMPTY (1u << 1)
#define SR_TXFULL  (1u << 4)
#define INT_RXTRIG (1u << 0) /* the receive FIFO holds at least RXWM bytes */
#define INT_RXTOUT (1u << 8) /* receive timeout */
#define INT_ALL    0x3fffu   /* every interrupt source of the r1p12 */
#define INT_RX     (INT_RXTRIG | INT_RXTOUT)

static inline volatile uint32_t *reg(uint64_t base, unsigned off)
{
    return (volatile uint32_t *)(base + off);
}

/* Out of reset the transmitter and receiver are disabled (CR_TX_DIS, CR_RX_DIS); without
 * firmware in front of septum (QEMU's -kernel) nobody else enables them. */
static void cadence_init(uint64_t base)
{
    uint32_t cr = *reg(base, UART_CR);
    if ((cr & (CR_TX_EN | CR_RX_EN | CR_TX_DIS | CR_RX_DIS)) != (CR_TX_EN | CR_RX_EN))
        *reg(base, UART_CR) = (cr & ~(CR_TX_DIS | CR_RX_DIS)) | CR_TX_EN | CR_RX_EN;
    *reg(base, UART_IDR) = INT_ALL;
    *reg(base, UART_ISR) = INT_ALL;
}

static void cadence_putc(uint64_t base, char c)
{
    while (*reg(base, UART_SR) & SR_TXFULL)
        ;
    *reg(base, UART_FIFO) = (uint8_t)c;
}

static int cadence_getc(uint64_t base)
{
    if (*reg(base, UART_SR) & SR_RXEMPTY) {
        *reg(base, UART_ISR) = INT_RX;
        if (*reg(base, UART_SR) & SR_RXEMPTY)
            return -1;
    }
    return (int)(*reg(base, UART_FIFO) & 0xff);
}

static void cadence_rx_irq(uint64_t base, bool on)
{
    if (on) {
        *reg(base, UART_RXWM) = 1; /* every byte: console input is typed one key at a time */
        *reg(base, UART_ISR) = INT_RX;
        *reg(base, UART_IER) = INT_RXTRIG;
    } else {
        *reg(base, UART_IDR) = INT_RX;
    }
}

const uart_driver_t uart_cadence = {
    .name = "cadence",
    .init = cadence_init,
    .putc = cadence_putc,
    .getc = cadence_getc,
    .rx_irq = cadence_rx_irq,
};
