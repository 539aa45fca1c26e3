/*
 * Unit tests of the platform tables (platform/): the console driver chosen from a node's
 * compatible property (its strings in order, the first a driver knows wins) and the board table
 * chosen from the root compatible. Device-tree properties come from outside septum: an empty
 * one, one without its final NUL, or one whose strings are all unknown gives NULL, never a read
 * past its end (AddressSanitizer watches: each property is copied into a buffer of exactly its
 * size). The drivers' register protocol is checked against a register file in memory: what
 * init, putc, getc and rx_irq write where.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <platform/platform.h>
#include <platform/uart.h>
#include <stdlib.h>
#include <string.h>

/* A property value of exactly len bytes on the heap, so a read past it is caught. */
static char *prop(const char *bytes, int len)
{
    char *p = malloc(len ? (size_t)len : 1);
    assert_non_null(p);
    memcpy(p, bytes, (size_t)len);
    return p;
}

static const uart_driver_t *uart_of(const char *bytes, int len, const char **which)
{
    char *p = prop(bytes, len);
    const uart_driver_t *d = uart_driver_find(p, len, which);
    if (which && *which) /* report the match as an offset: p is freed below */
        *which = bytes + (*which - p);
    free(p);
    return d;
}

#define LIT(s) s, (int)sizeof(s) /* a string literal with its NUL, as a DT property */

static void test_uart_by_compatible(void **state)
{
    (void)state;
    const char *which;
    assert_ptr_equal(uart_of(LIT("arm,pl011\0arm,primecell"), &which), &uart_pl011);
    assert_string_equal(which, "arm,pl011");
    /* the ZCU102's UART node: a specific part first, then the generic Cadence IP */
    static const char zynqmp[] = "xlnx,zynqmp-uart\0cdns,uart-r1p12";
    assert_ptr_equal(uart_of(zynqmp, (int)sizeof(zynqmp), &which), &uart_cadence);
    assert_string_equal(which, "cdns,uart-r1p12");
    assert_ptr_equal(uart_of(LIT("xlnx,xuartps"), NULL), &uart_cadence);
    assert_ptr_equal(uart_driver_named("cdns,uart-r1p12"), &uart_cadence);
    assert_ptr_equal(uart_driver_named("arm,pl011"), &uart_pl011);
    assert_string_equal(uart_pl011.name, "pl011");
    assert_string_equal(uart_cadence.name, "cadence");
}

static void test_uart_order(void **state)
{
    (void)state;
    const char *which;
    /* the node's order decides, not the table's */
    assert_ptr_equal(uart_of(LIT("xlnx,xuartps\0arm,pl011"), &which), &uart_cadence);
    assert_string_equal(which, "xlnx,xuartps");
    assert_ptr_equal(uart_of(LIT("arm,pl011\0xlnx,xuartps"), &which), &uart_pl011);
    assert_string_equal(which, "arm,pl011");
    /* an unknown first string is skipped */
    assert_ptr_equal(uart_of(LIT("acme,uart9\0\0arm,pl011"), NULL), &uart_pl011);
}

static void test_uart_hostile(void **state)
{
    (void)state;
    const char *which = "untouched";
    assert_null(uart_of(LIT("ns16550a"), &which)); /* a UART septum has no driver for */
    assert_null(which);
    assert_null(uart_of(LIT("snps,dw-apb-uart\0ns16550a"), NULL));
    assert_null(uart_of("", 0, NULL));                      /* empty */
    assert_null(uart_of("arm,pl011", 9, NULL));             /* no final NUL: refused whole */
    assert_null(uart_of("arm,pl011\0cdns,uart", 19, NULL)); /* its last string runs off */
    assert_null(uart_driver_find(NULL, 10, NULL));
    assert_null(uart_driver_find("arm,pl011", -1, NULL));
    assert_null(uart_of(LIT("arm,pl011x"), NULL)); /* a prefix is no match */
    assert_null(uart_of(LIT("arm,pl01"), NULL));
    assert_null(uart_driver_named(NULL));
    assert_null(uart_of(LIT("\0\0"), NULL)); /* empty strings only */
}

static const platform_t *board_of(const char *bytes, int len)
{
    char *p = prop(bytes, len);
    const platform_t *plat = platform_find(p, len);
    free(p);
    return plat;
}

static void test_board_by_root_compatible(void **state)
{
    (void)state;
    static const char zcu102[] = "xlnx,zynqmp-zcu102-rev1.0\0xlnx,zynqmp-zcu102\0xlnx,zynqmp";
    assert_ptr_equal(board_of(zcu102, (int)sizeof(zcu102)), &platform_zcu102);
    assert_ptr_equal(board_of(LIT("linux,dummy-virt")), &platform_qemu_virt);
    assert_null(board_of(LIT("xlnx,zynqmp"))); /* the SoC alone: not this board */
    assert_null(board_of(LIT("raspberrypi,4-model-b\0brcm,bcm2711")));
    assert_null(board_of("linux,dummy-virt", 16)); /* no final NUL */
    assert_null(board_of("", 0));
    assert_null(platform_find(NULL, 4));
    assert_ptr_equal(platform_fallback(), &platform_qemu_virt);
}

/* What the tables promise: each board's console has a driver, and its DRAM windows are in
 * ascending order, each ending below the next. */
static void test_board_tables(void **state)
{
    (void)state;
    const platform_t *all[] = {&platform_qemu_virt, &platform_zcu102};
    for (unsigned i = 0; i < 2; i++) {
        const platform_t *p = all[i];
        assert_non_null(p->name);
        assert_non_null(p->compatible[0]);
        assert_non_null(uart_driver_named(p->console.compatible));
        assert_true(p->console.base != 0);
        for (unsigned w = 1; w < PLAT_DDR_MAX && p->ddr[w].size; w++)
            assert_true(p->ddr[w - 1].base + p->ddr[w - 1].size <= p->ddr[w].base);
    }
    assert_ptr_equal(uart_driver_named(platform_zcu102.console.compatible), &uart_cadence);
    assert_int_equal(platform_zcu102.console.base, 0xff000000);
    assert_int_equal(platform_zcu102.ddr[0].size, 0x80000000);
    assert_int_equal(platform_zcu102.ddr[1].base, 0x800000000);
    assert_int_equal(platform_zcu102.flash.size, 0);
    assert_ptr_equal(uart_driver_named(platform_qemu_virt.console.compatible), &uart_pl011);
    assert_int_equal(platform_qemu_virt.console.base, 0x09000000);
    assert_int_equal(platform_qemu_virt.ddr[0].size, 0);
}

/* ---- the drivers' register protocol, against a register file in memory ---- */

static uint32_t regs[0x100 / 4]; /* one UART's registers: base is this array */
#define REG(off) regs[(off) / 4]
#define BASE     ((uint64_t)(uintptr_t)regs)

/* Out of reset the Cadence UART's transmitter and receiver are disabled (CR 0x128 under QEMU):
 * init enables both, clears the disable bits, masks and clears every interrupt. */
static void test_cadence_init(void **state)
{
    (void)state;
    memset(regs, 0, sizeof(regs));
    REG(0x00) = 0x128;
    uart_cadence.init(BASE);
    assert_int_equal(REG(0x00), 0x114); /* TX_EN | RX_EN | STOPBRK kept, no *_DIS */
    assert_int_equal(REG(0x0c), 0x3fff);
    assert_int_equal(REG(0x14), 0x3fff);
    /* already enabled by firmware: CR is left alone */
    REG(0x00) = 0x14;
    REG(0x0c) = 0;
    uart_cadence.init(BASE);
    assert_int_equal(REG(0x00), 0x14);
}

static void test_cadence_io(void **state)
{
    (void)state;
    memset(regs, 0, sizeof(regs));
    uart_cadence.putc(BASE, 'x'); /* TX FIFO not full: written at once */
    assert_int_equal(REG(0x30), 'x');
    /* a byte waiting: returned, the sticky status untouched */
    REG(0x2c) = 0;
    REG(0x30) = 0x141;
    REG(0x14) = 0;
    assert_int_equal(uart_cadence.getc(BASE), 0x41);
    assert_int_equal(REG(0x14), 0);
    /* FIFO empty: the receive status bits are cleared (write one to clear) before it says so */
    REG(0x2c) = 1u << 1;
    assert_int_equal(uart_cadence.getc(BASE), -1);
    assert_int_equal(REG(0x14), (1u << 0) | (1u << 8));
    /* receive interrupt on: trigger level 1, status cleared, RXTRIG enabled; off: disabled */
    memset(regs, 0, sizeof(regs));
    uart_cadence.rx_irq(BASE, true);
    assert_int_equal(REG(0x20), 1);
    assert_int_equal(REG(0x14), (1u << 0) | (1u << 8));
    assert_int_equal(REG(0x08), 1u << 0);
    uart_cadence.rx_irq(BASE, false);
    assert_int_equal(REG(0x0c), (1u << 0) | (1u << 8));
}

static void test_pl011_io(void **state)
{
    (void)state;
    memset(regs, 0, sizeof(regs));
    uart_pl011.init(BASE);
    assert_int_equal(REG(0x30), (1u << 0) | (1u << 8) | (1u << 9)); /* UARTEN, TXE, RXE */
    assert_int_equal(REG(0x38), 0);
    uart_pl011.putc(BASE, 'y');
    assert_int_equal(REG(0x00), 'y');
    REG(0x18) = 1u << 4; /* RXFE */
    assert_int_equal(uart_pl011.getc(BASE), -1);
    REG(0x18) = 0;
    REG(0x00) = 0x7a;
    assert_int_equal(uart_pl011.getc(BASE), 0x7a);
    uart_pl011.rx_irq(BASE, true);
    assert_int_equal(REG(0x38), (1u << 4) | (1u << 6));
    uart_pl011.rx_irq(BASE, false);
    assert_int_equal(REG(0x38), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uart_by_compatible), cmocka_unit_test(test_uart_order),
        cmocka_unit_test(test_uart_hostile),       cmocka_unit_test(test_board_by_root_compatible),
        cmocka_unit_test(test_board_tables),       cmocka_unit_test(test_cadence_init),
        cmocka_unit_test(test_cadence_io),         cmocka_unit_test(test_pl011_io),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
