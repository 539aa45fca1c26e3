/*
 * Test guest: reads lines typed on septum's console through its virtual PL011, interrupt
 * driven (receive interrupt, SPI 1 = INTID 33, through the virtual GIC), and prints each one
 * back as "got: LINE". Stops after bootargs lines=N lines (default 2).
 */
#include <septum/guest.h>

#define UART       0x09000000UL
#define UARTDR     0x000
#define UARTFR     0x018
#define UARTIMSC   0x038
#define UARTICR    0x044
#define FR_RXFE    (1U << 4)
#define INT_RX     (1U << 4)
#define INT_RT     (1U << 6)
#define UART_INTID 33

static volatile uint32_t *reg(uint64_t a) { return (volatile uint32_t *)a; }

static char line[128];
static volatile unsigned len, lines_done, irqs, shown;
static char done[4][128]; /* a ring: lines received but not yet printed back */

static void irq(void)
{
    uint32_t iar = guest_gic_ack(), id = guest_gic_intid(iar);
    if (id == UART_INTID) {
        irqs++;
        while (!(*reg(UART + UARTFR) & FR_RXFE)) {
            char c = (char)(*reg(UART + UARTDR) & 0xff);
            if (c == '\r' || c == '\n') {
                if (len && lines_done - shown < 4) {
                    line[len] = 0;
                    for (unsigned i = 0; i <= len; i++)
                        done[lines_done % 4][i] = line[i];
                    lines_done++;
                }
                len = 0;
            } else if (len < sizeof(line) - 1) {
                line[len++] = c;
            }
        }
    }
    if (id < 1020)
        guest_gic_eoi(iar);
}

int main(const void *dtb)
{
    uint64_t want = 2;
    (void)dtb;
    guest_arg("lines", &want);
    guest_irq_handler = irq;
    guest_gic_enable(UART_INTID, 0x80);
    *reg(UART + UARTIMSC) = INT_RX | INT_RT;
    guest_printf("waiting for %lu lines\n", (unsigned long)want);
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    while (shown < want) {
        if (shown < lines_done) {
            guest_printf("got: %s\n", done[shown % 4]);
            shown++;
        } else {
            guest_wfi_unless(shown < lines_done);
        }
    }
    guest_printf("done after %u receive interrupts\n", (unsigned)irqs);
    return 0;
}
