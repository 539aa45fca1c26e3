/*
 * Unit tests of the virtual PL011 (vdev/pl011.c) through its public face: the reservation its
 * attach makes, accessed as a guest accesses it, its console input hook, and its interrupt line
 * as the VM's interrupt controller hears it (a fake irqchip that records each level it is told).
 * Covered: reset values and identification; the baud, line and control registers kept as
 * written (masked); transmission to the VM's console; the receive FIFO and its flags; the
 * interrupt status, mask, masked status and clear registers; the line told only when it changes;
 * sizes and offsets the device refuses. (The ordering that keeps the lock-free IMSC write and a
 * resync from losing a level is argued in vdev/pl011.c; on one host thread it cannot be raced.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <threads.h>
#include <cmocka.h>

#include <core/irqchip.h>
#include <core/vdev.h>
#include <fake_arch.h>
#include <test_vm.h>

extern const vdev_type_t vdev_pl011;

#define UART       0x09000000UL
#define DR         0x000
#define RSR        0x004
#define FR         0x018
#define ILPR       0x020
#define IBRD       0x024
#define FBRD       0x028
#define LCR_H      0x02c
#define CR         0x030
#define IFLS       0x034
#define IMSC       0x038
#define RIS        0x03c
#define MIS        0x040
#define ICR        0x044
#define DMACR      0x048
#define PID0       0xfe0
#define FR_RXFE    (1U << 4)
#define FR_RXFF    (1U << 6)
#define FR_TXFE    (1U << 7)
#define INT_RX     (1U << 4)
#define INT_TX     (1U << 5)
#define INT_RT     (1U << 6)
#define UART_INTID 33 /* SPI 1 */

static vm_t vm;

/* ---- what the device calls, faked ---- */

static char console[256];
static unsigned console_len;
void vm_console_putc(vm_t *v, char c)
{
    assert_ptr_equal(v, &vm);
    if (console_len < sizeof(console) - 1)
        console[console_len++] = c;
}

/* The interrupt controller: every level the device sets, in order, and how often a level was
 * told twice running (never: the device tells only changes). */
static unsigned levels_num, levels_repeated;
static bool level_last;
static void fake_set_level(vm_t *v, uint32_t intid, bool level)
{
    assert_ptr_equal(v, &vm);
    assert_int_equal(intid, UART_INTID);
    if (levels_num && level == level_last)
        levels_repeated++;
    levels_num++;
    level_last = level;
}
static const irqchip_t fake_chip = {.name = "fake", .set_level = fake_set_level};

/* Levels told since the last look. */
static unsigned told(void)
{
    assert_int_equal(levels_repeated, 0);
    unsigned n = levels_num;
    levels_num = 0;
    return n;
}

/* ---- the guest's accesses ---- */

static memory_fault_result_t access(uint64_t off, unsigned size, bool write, uint64_t *value)
{
    mem_access_t a = {UART + off, size, write, write ? *value : 0, 0};
    memory_fault_result_t r = vm_memory_handle_fault(&vm.mem, &a);
    if (!write)
        *value = a.value;
    return r;
}

static void wr(uint64_t off, uint32_t v)
{
    uint64_t x = v;
    assert_int_equal(access(off, 4, true, &x), FAULT_HANDLED);
}

static uint32_t rd(uint64_t off)
{
    uint64_t x = 0xdeadbeefdeadbeefULL;
    assert_int_equal(access(off, 4, false, &x), FAULT_HANDLED);
    return (uint32_t)x;
}

static void refused(uint64_t off, unsigned size, bool write)
{
    uint64_t x = 0;
    assert_int_equal(access(off, size, write, &x), FAULT_UNHANDLED);
}

static int setup(void **state)
{
    (void)state;
    fake_arch_reset();
    test_vm_init(&vm, 0, "uart", 1);
    vm.irqchip = &fake_chip;
    assert_int_equal(vdev_pl011.attach(&vm), 0);
    test_vm_run(&vm, 0);
    console_len = 0;
    memset(console, 0, sizeof(console));
    levels_num = levels_repeated = 0;
    level_last = false;
    return 0;
}

static void test_reset_and_ids(void **state)
{
    (void)state;
    assert_int_equal(rd(FR), FR_TXFE | FR_RXFE);
    assert_int_equal(rd(CR), 0x300);
    assert_int_equal(rd(IFLS), 0x12);
    assert_int_equal(rd(IMSC), 0);
    assert_int_equal(rd(RIS), 0);
    assert_int_equal(rd(MIS), 0);
    static const uint8_t ids[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(rd(PID0 + 4 * i), ids[i]);
    assert_string_equal(vdev_pl011.stdout_path(&vm), "/pl011@9000000");
    assert_int_equal(told(), 0);
}

/* Baud, line and control settings are kept as written, to their width. */
static void test_settings(void **state)
{
    (void)state;
    wr(IBRD, 0xffffffff);
    wr(FBRD, 0xffffffff);
    wr(LCR_H, 0xffffffff);
    wr(CR, 0xffffffff);
    wr(IFLS, 0xffffffff);
    wr(ILPR, 0xffffffff);
    wr(DMACR, 0xffffffff);
    assert_int_equal(rd(IBRD), 0xffff);
    assert_int_equal(rd(FBRD), 0x3f);
    assert_int_equal(rd(LCR_H), 0xff);
    assert_int_equal(rd(CR), 0xffff);
    assert_int_equal(rd(IFLS), 0x3f);
    assert_int_equal(rd(ILPR), 0xff);
    assert_int_equal(rd(DMACR), 0x7);
    wr(IBRD, 13);
    wr(FBRD, 1);
    assert_int_equal(rd(IBRD), 13);
    assert_int_equal(rd(FBRD), 1);
    assert_int_equal(told(), 0);
}

/* Transmitted bytes go to the VM's console; the (virtual) FIFO drains at once, so the TX
 * interrupt is raised, and reaches the line when it is unmasked. */
static void test_transmit(void **state)
{
    (void)state;
    wr(DR, 'h');
    wr(DR, 'i' | 0x100); /* only the data byte */
    assert_string_equal(console, "hi");
    assert_int_equal(rd(RIS), INT_TX);
    assert_int_equal(rd(MIS), 0);
    assert_int_equal(told(), 0);
    wr(IMSC, INT_TX);
    assert_int_equal(told(), 1);
    assert_true(level_last);
    assert_int_equal(rd(MIS), INT_TX);
    wr(DR, '!');
    assert_int_equal(told(), 0); /* no change */
    wr(ICR, INT_TX);
    assert_int_equal(told(), 1);
    assert_false(level_last);
    assert_int_equal(rd(RIS), 0);
    wr(DR, '?');
    assert_int_equal(told(), 1);
    assert_true(level_last);
    wr(IMSC, 0);
    assert_int_equal(told(), 1);
    assert_false(level_last);
    wr(IMSC, 0x7ff);
    assert_int_equal(rd(IMSC), 0x7ff);
    assert_int_equal(told(), 1);
    assert_true(level_last);
    wr(IMSC, 0xffffffff); /* the same mask: the line does not change */
    assert_int_equal(rd(IMSC), 0x7ff);
    assert_int_equal(told(), 0);
    assert_string_equal(console, "hi!?");
}

/* Console input fills the receive FIFO (32 bytes): flags, interrupts, and reading it empty. */
static void test_receive(void **state)
{
    (void)state;
    wr(IMSC, INT_RX);
    assert_int_equal(told(), 0);
    assert_true(vdev_pl011.console_rx(&vm, 'a'));
    assert_int_equal(told(), 1);
    assert_true(level_last);
    assert_int_equal(rd(FR), FR_TXFE);
    assert_int_equal(rd(RIS), INT_RX | INT_RT);
    assert_int_equal(rd(MIS), INT_RX);
    assert_true(vdev_pl011.console_rx(&vm, 'b'));
    assert_int_equal(told(), 0);
    assert_int_equal(rd(DR), 'a');
    assert_int_equal(told(), 0); /* one byte still there */
    assert_int_equal(rd(DR), 'b');
    assert_int_equal(told(), 1);
    assert_false(level_last);
    assert_int_equal(rd(RIS), 0);
    assert_int_equal(rd(FR), FR_TXFE | FR_RXFE);
    assert_int_equal(rd(DR), 0); /* empty */

    /* full: 32 bytes, the 33rd is refused */
    for (unsigned i = 0; i < 32; i++)
        assert_true(vdev_pl011.console_rx(&vm, (char)('A' + i)));
    assert_false(vdev_pl011.console_rx(&vm, 'x'));
    assert_int_equal(rd(FR), FR_TXFE | FR_RXFF);
    for (unsigned i = 0; i < 32; i++)
        assert_int_equal(rd(DR), 'A' + i);
    assert_int_equal(rd(FR), FR_TXFE | FR_RXFE);

    /* input while masked raises nothing; unmasking raises the line, clearing lowers it */
    wr(IMSC, 0);
    told();
    assert_true(vdev_pl011.console_rx(&vm, 'z'));
    assert_int_equal(told(), 0);
    wr(IMSC, INT_RT);
    assert_int_equal(told(), 1);
    assert_true(level_last);
    wr(ICR, INT_RX | INT_RT);
    assert_int_equal(told(), 1);
    assert_false(level_last);
    assert_int_equal(rd(RIS), 0);
    assert_int_equal(rd(FR), FR_TXFE); /* the byte is still there */
    assert_int_equal(rd(DR), 'z');
    assert_int_equal(told(), 0);
}

/* Byte and halfword reads give the register's lane; doublewords, misaligned accesses, writes to
 * read-only registers and offsets without a register are refused. */
static void test_sizes_and_holes(void **state)
{
    (void)state;
    uint64_t x;
    wr(IBRD, 0x1234);
    x = 0;
    assert_int_equal(access(IBRD + 1, 1, false, &x), FAULT_HANDLED);
    assert_int_equal(x & 0xff, 0x12);
    assert_int_equal(access(IBRD, 2, false, &x), FAULT_HANDLED);
    assert_int_equal(x & 0xffff, 0x1234);
    x = 0x56;
    assert_int_equal(access(IBRD, 1, true, &x), FAULT_HANDLED); /* a byte written: the register */
    assert_int_equal(rd(IBRD), 0x56);
    refused(IBRD, 8, false);
    refused(IBRD, 8, true);
    refused(IBRD + 2, 4, false);
    refused(IBRD + 1, 2, true);
    refused(FR, 4, true);
    refused(RIS, 4, true);
    refused(MIS, 4, true);
    refused(PID0, 4, true);
    refused(0x04c, 4, false);
    refused(0x04c, 4, true);
    refused(0x800, 4, false);
    refused(0xfdc, 4, false);
    x = 0;
    assert_int_equal(access(ICR, 4, false, &x), FAULT_UNHANDLED); /* write-only */
    x = 0;
    assert_int_equal(access(RSR, 4, false, &x), FAULT_HANDLED);
    assert_int_equal(x, 0);
    wr(RSR, 0xff); /* clears errors: there are none */
    assert_int_equal(told(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reset_and_ids, setup),
        cmocka_unit_test_setup(test_settings, setup),
        cmocka_unit_test_setup(test_transmit, setup),
        cmocka_unit_test_setup(test_receive, setup),
        cmocka_unit_test_setup(test_sizes_and_holes, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
