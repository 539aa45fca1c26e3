/*
 * A virtual Arm PL011 UART per VM at the guest address QEMU's virt board uses, multiplexed onto
 * septum's console: what a guest transmits comes out as its own lines, prefixed with its name.
 * Registers follow the PL011 TRM (DDI 0183): data, flags, the baud/line/control registers
 * (stored, no effect), interrupt mask/status/clear, and the peripheral and PrimeCell IDs that
 * Linux's amba bus probes. Input comes from septum's console while this VM has it (see
 * vm_console_input) into a 32-byte receive FIFO; the interrupt line (SPI 1) follows the masked
 * status, level-sensitive, through the VM's interrupt controller.
 */
#include <core/vdev.h>
#include <core/vm.h>
#include <libfdt.h>

#define VPL011_BASE  0x09000000UL
#define VPL011_SIZE  0x1000UL
#define VPL011_SPI   1
#define VPL011_CLOCK 24000000
#define CLK_PHANDLE  2

#define UARTDR    0x000
#define UARTRSR   0x004
#define UARTFR    0x018
#define UARTILPR  0x020
#define UARTIBRD  0x024
#define UARTFBRD  0x028
#define UARTLCR_H 0x02c
#define UARTCR    0x030
#define UARTIFLS  0x034
#define UARTIMSC  0x038
#define UARTRIS   0x03c
#define UARTMIS   0x040
#define UARTICR   0x044
#define UARTDMACR 0x048
#define UARTID    0xfe0 /* PeriphID0..3, then PCellID0..3 */

#define FR_RXFE (1u << 4)
#define FR_RXFF (1u << 6)
#define INT_RX  (1u << 4)
#define INT_RT  (1u << 6)
#define RX_FIFO 32
#define FR_TXFE (1u << 7)
#define INT_TX  (1u << 5)
/* reset values (PL011 TRM, DDI 0183, 3.2): transmit and receive enabled, FIFO levels at half */
#define CR_RESET   0x300u
#define IFLS_RESET 0x12u

typedef struct vpl011 {
    bool present, line;
    vm_t *vm;
    spinlock_t lock;
    uint8_t rx[RX_FIFO];
    unsigned rx_head, rx_num;
    uint32_t ibrd, fbrd, lcr_h, cr, ifls, imsc, ris, dmacr, ilpr;
} vpl011_t;

static vpl011_t uarts[VM_MAX];
static const uint8_t ids[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

/* The interrupt line follows the masked status; the vGIC hears only of changes, so stores to
 * other registers stay cheap. */
static void update_line(vm_t *vm, vpl011_t *u)
{
    bool line = (u->ris & u->imsc) != 0;
    if (line != u->line) {
        u->line = line;
        vm_irq_set_level(vm, IRQCHIP_PRIV_NUM + VPL011_SPI, line);
    }
}

static memory_fault_result_t vpl011_access_locked(vm_t *vm, vpl011_t *u, mem_access_t *a)
{
    uint64_t off = a->addr - VPL011_BASE;
    if (a->size > 4 || (off & (a->size - 1)))
        return FAULT_UNHANDLED; /* the PL011 has 32-bit registers and no 64-bit access */
    uint32_t v = (uint32_t)a->value;
    if (a->write) {
        switch (off & ~3UL) {
        case UARTDR:
            vm_console_putc(vm, (char)v);
            u->ris |= INT_TX; /* the (virtual) FIFO drains at once */
            break;
        case UARTRSR: break; /* clears errors: there are none */
        case UARTILPR: u->ilpr = v & 0xff; break;
        case UARTIBRD: u->ibrd = v & 0xffff; break;
        case UARTFBRD: u->fbrd = v & 0x3f; break;
        case UARTLCR_H: u->lcr_h = v & 0xff; break;
        case UARTCR: u->cr = v & 0xffff; break;
        case UARTIFLS: u->ifls = v & 0x3f; break;
        case UARTIMSC: u->imsc = v & 0x7ff; break;
        case UARTICR: u->ris &= ~v; break;
        case UARTDMACR: u->dmacr = v & 0x7; break;
        default: return FAULT_UNHANDLED; /* read-only or reserved */
        }
        update_line(vm, u);
        return FAULT_HANDLED;
    }
    uint32_t r;
    switch (off & ~3UL) {
    case UARTDR:
        r = 0;
        if (u->rx_num) {
            r = u->rx[u->rx_head];
            u->rx_head = (u->rx_head + 1) % RX_FIFO;
            if (--u->rx_num == 0)
                u->ris &= ~(INT_RX | INT_RT);
            update_line(vm, u);
        }
        break;
    case UARTRSR: r = 0; break;
    case UARTFR:
        r = FR_TXFE | (u->rx_num ? 0 : FR_RXFE) | (u->rx_num == RX_FIFO ? FR_RXFF : 0);
        break;
    case UARTILPR: r = u->ilpr; break;
    case UARTIBRD: r = u->ibrd; break;
    case UARTFBRD: r = u->fbrd; break;
    case UARTLCR_H: r = u->lcr_h; break;
    case UARTCR: r = u->cr; break;
    case UARTIFLS: r = u->ifls; break;
    case UARTIMSC: r = u->imsc; break;
    case UARTRIS: r = u->ris; break;
    case UARTMIS: r = u->ris & u->imsc; break;
    case UARTDMACR: r = u->dmacr; break;
    default:
        if (off >= UARTID && off < UARTID + 0x20) {
            r = ids[(off - UARTID) / 4];
            break;
        }
        return FAULT_UNHANDLED;
    }
    a->value = r >> (8 * (off & 3));
    return FAULT_HANDLED;
}

/* Registers shared with console input (data, flags, interrupt state): under the device's lock. */
static __attribute__((noinline)) memory_fault_result_t vpl011_access_shared(vm_t *vm, vpl011_t *u,
                                                                            mem_access_t *a)
{
    spin_lock(&u->lock);
    memory_fault_result_t r = vpl011_access_locked(vm, u, a);
    spin_unlock(&u->lock);
    return r;
}

static memory_fault_result_t vpl011_access(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    vpl011_t *u = cookie; /* the device itself: no lookup on the fast path */
    (void)mem;
    /* baud, line and control settings are the guest's alone and touch no shared state: no lock
     * and no stack frame (a driver programming its baud rate costs a trap and little more) */
    uint64_t off = a->addr & (VPL011_SIZE - 1); /* the reservation is exactly the device */
    if (a->write && a->size == 4) {             /* only aligned offsets match below */
        uint32_t v = (uint32_t)a->value;
        switch (off) {
        case UARTIBRD: u->ibrd = v & 0xffff; return FAULT_HANDLED;
        case UARTFBRD: u->fbrd = v & 0x3f; return FAULT_HANDLED;
        case UARTLCR_H: u->lcr_h = v & 0xff; return FAULT_HANDLED;
        case UARTCR: u->cr = v & 0xffff; return FAULT_HANDLED;
        case UARTIFLS: u->ifls = v & 0x3f; return FAULT_HANDLED;
        default: break;
        }
    }
    return vpl011_access_shared(u->vm, u, a);
}

static bool vpl011_console_rx(vm_t *vm, char c)
{
    vpl011_t *u = &uarts[vm->id];
    if (!u->present)
        return false;
    spin_lock(&u->lock);
    bool room = u->rx_num < RX_FIFO;
    if (room) {
        u->rx[(u->rx_head + u->rx_num++) % RX_FIFO] = (uint8_t)c;
        u->ris |= INT_RX | INT_RT;
        update_line(vm, u);
    }
    spin_unlock(&u->lock);
    return room;
}

static int vpl011_attach(vm_t *vm)
{
    /* a pass-through device at the same address wins */
    for (unsigned d = 0; d < vm->cfg.dev_num; d++)
        if (vm->cfg.dev[d].base < VPL011_BASE + VPL011_SIZE &&
            VPL011_BASE < vm->cfg.dev[d].base + vm->cfg.dev[d].size)
            return 1;
    uarts[vm->id] = (vpl011_t){.present = true, .vm = vm, .cr = CR_RESET, .ifls = IFLS_RESET};
    if (!vm_reserve_memory_at(&vm->mem, VPL011_BASE, VPL011_SIZE, vpl011_access, &uarts[vm->id]))
        return -1;
    return 0;
}

static int vpl011_dt_nodes(const vm_t *vm, void *fdt)
{
    if (!uarts[vm->id].present)
        return 0;
    int rc;
    if ((rc = fdt_begin_node(fdt, "apb-pclk")) ||
        (rc = fdt_property_string(fdt, "compatible", "fixed-clock")) ||
        (rc = fdt_property_u32(fdt, "#clock-cells", 0)) ||
        (rc = fdt_property_u32(fdt, "clock-frequency", VPL011_CLOCK)) ||
        (rc = fdt_property_string(fdt, "clock-output-names", "clk24mhz")) ||
        (rc = fdt_property_u32(fdt, "phandle", CLK_PHANDLE)) || (rc = fdt_end_node(fdt)))
        return rc;
    static const char compat[] = "arm,pl011\0arm,primecell";
    static const char clock_names[] = "uartclk\0apb_pclk";
    fdt32_t reg[4] = {0, cpu_to_fdt32(VPL011_BASE), 0, cpu_to_fdt32(VPL011_SIZE)};
    fdt32_t irq[3] = {0, cpu_to_fdt32(VPL011_SPI), cpu_to_fdt32(4)};
    fdt32_t clocks[2] = {cpu_to_fdt32(CLK_PHANDLE), cpu_to_fdt32(CLK_PHANDLE)};
    if ((rc = fdt_begin_node(fdt, "pl011@9000000")) ||
        (rc = fdt_property(fdt, "compatible", compat, sizeof(compat))) ||
        (rc = fdt_property(fdt, "reg", reg, sizeof(reg))) ||
        (rc = fdt_property(fdt, "interrupts", irq, sizeof(irq))) ||
        (rc = fdt_property(fdt, "clocks", clocks, sizeof(clocks))) ||
        (rc = fdt_property(fdt, "clock-names", clock_names, sizeof(clock_names))) ||
        (rc = fdt_end_node(fdt)))
        return rc;
    return 0;
}

static const char *vpl011_stdout_path(const vm_t *vm)
{
    return uarts[vm->id].present ? "/pl011@9000000" : NULL;
}

const vdev_type_t vdev_pl011 = {"pl011", vpl011_attach, vpl011_dt_nodes, vpl011_stdout_path,
                                vpl011_console_rx};
