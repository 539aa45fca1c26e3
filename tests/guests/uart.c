/*
 * Test guest for fault routing: talks to its virtual PL011 with plain stores (ISV=1), with
 * pairs and writeback forms the hardware does not describe (ISV=0, septum decodes the
 * instruction), with sign-extending and xzr loads, and with accesses the device refuses.
 */
#include <septum/guest.h>

#define UART 0x09000000UL

static unsigned failed;

static void check(const char *what, bool ok)
{
    guest_printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    failed += !ok;
}

static void wide_read(void)
{
    uint64_t v;
    __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(UART + 0x20) : "memory");
}
static void write_fr(void) { *(volatile uint32_t *)(UART + 0x18) = 1; }

int main(const void *dtb)
{
    (void)dtb;
    const char *msg = "through the virtual PL011\n";
    for (const char *p = msg; *p; p++)
        __asm__ volatile("str %w0, [%1]" ::"r"((uint32_t)*p), "r"(UART) : "memory");

    uint32_t a = 0x1234, b = 0x2a, c = 0, d = 0;
    __asm__ volatile("stp %w0, %w1, [%2]" ::"r"(a), "r"(b), "r"(UART + 0x24) : "memory");
    __asm__ volatile("ldp %w0, %w1, [%2]" : "=&r"(c), "=&r"(d) : "r"(UART + 0x24) : "memory");
    check("stp/ldp pair (decoded instruction)", c == 0x1234 && d == 0x2a);

    uint64_t ptr = UART + 0xfe0, id0 = 0;
    __asm__ volatile("ldr %w0, [%1], #4" : "=&r"(id0), "+r"(ptr)::"memory");
    check("post-index load and writeback", id0 == 0x11 && ptr == UART + 0xfe4);

    uint64_t pre = UART + 0xff0, id5 = 0;
    __asm__ volatile("ldrb %w0, [%1, #4]!" : "=&r"(id5), "+r"(pre)::"memory");
    check("pre-index byte load and writeback", id5 == 0xf0 && pre == UART + 0xff4);

    int64_t sx = 0;
    __asm__ volatile("ldrsb %0, [%1]" : "=r"(sx) : "r"(UART + 0xff4) : "memory");
    check("sign-extended byte load", sx == -16);

    uint64_t keep = 0x5eed;
    __asm__ volatile("mov x9, %1\n ldr wzr, [%2, #0x18]\n mov %0, x9"
                     : "=r"(keep)
                     : "r"(keep), "r"(UART)
                     : "x9", "memory");
    check("load into wzr leaves registers alone", keep == 0x5eed);

    uint32_t fr = *(volatile uint32_t *)(UART + 0x18);
    check("flags: transmit FIFO empty", (fr & (1u << 7)) != 0);
    check("a 64-bit access is refused", guest_faults(wide_read));
    check("a write to the flag register is refused", guest_faults(write_fr));
    guest_printf("uart: %u failed\n", failed);
    guest_printf("done\n");
    return 0;
}
