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

/* The callbacks' fast paths are counted in instructions (make bench): OPAQUE(x) keeps the
 * compiler from folding what it knows of x into a wider constant (it emits nothing). */
#define OPAQUE(x) __asm__("" : "+r"(x))
/* The slow paths: out of line, called with the callback's own arguments in the same registers
 * (GCC would otherwise drop or reorder them, and the fast paths would pay for the shuffle). */
#if __has_attribute(noipa)
#define OUT_OF_LINE __attribute__((noipa))
#else
#define OUT_OF_LINE __attribute__((noinline))
#endif

#define INT_ALL 0x7ffu /* IMSC, RIS, MIS: eleven interrupts */

/* ILPR, IBRD, FBRD, LCR_H, CR, IFLS: consecutive words */
#define SET_FIRST UARTILPR
#define SET_NUM   6
#define REG_WORDS (UARTDMACR / 4 + 1)
/* What a word of the register file reads as: its bits kept in `reg` masked by this (each
 * setting as wide as the register); 0 for the words read some other way (MIS) or not at all
 * (reserved, ICR). The data register's changes with the receive FIFO (see fifo_changed_locked). */
static const uint32_t read_mask[REG_WORDS] = {
    [UARTRSR / 4] = ~0U,     [UARTFR / 4] = ~0U,    [UARTILPR / 4] = 0xff,
    [UARTIBRD / 4] = 0xffff, [UARTFBRD / 4] = 0x3f, [UARTLCR_H / 4] = 0xff,
    [UARTCR / 4] = 0xffff,   [UARTIFLS / 4] = 0x3f, [UARTIMSC / 4] = INT_ALL,
    [UARTRIS / 4] = ~0U,     [UARTDMACR / 4] = ~0U,
};

/* A word of the register file as kept: its value, and what of it a read returns (read_mask),
 * side by side so that one doubleword load fetches both (value low, mask high). The interrupt
 * word is also reached in halves. */
typedef union vpl011_reg {
    struct {
        union {
            uint32_t w;
            uint16_t h[2];
        } v;
        uint32_t mask;
    };
    uint64_t pair;
} vpl011_reg_t;
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "vpl011_reg_t.pair: value low");

typedef struct vpl011 {
    /* The register file from 0x00 to DMACR by word (first: the reservation's cookie), read as
     * read_mask says, so a read of any of these is one load pair and a mask:
     * - the settings as the guest last wrote them (they have no effect and nothing else reads
     *   them, so a write is one store);
     * - at DR's word zero, read as it is (its mask all ones) while the receive FIFO is empty,
     *   else not at all (mask zero: the read takes a character, under the lock); FR as the guest
     *   reads it; both written with the FIFO, under the lock; RSR always zero;
     * - at IMSC's word the interrupt state, IMSC as written (only its low eleven bits count)
     *   and RIS, each a halfword, so that the masked status is one load (see "the interrupt
     *   line"); at RIS's word a copy of RIS, written with it under the lock;
     * - DMACR as kept (three bits). */
    vpl011_reg_t reg[REG_WORDS];
    uint8_t line; /* the level the interrupt controller was told last: written under the lock */
    bool present;
    vm_t *vm;
    spinlock_t lock; /* the receive FIFO, RIS, the line, transmission */
    uint8_t rx[RX_FIFO];
    unsigned rx_head, rx_num;
} vpl011_t;

#define IRQ_WORD (UARTIMSC / 4) /* IMSC | RIS << 16 */

static vpl011_t uarts[VM_MAX];
static const uint8_t ids[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

/*
 * The interrupt line follows the masked status (RIS & IMSC); the VM's interrupt controller hears
 * only of changes, the last level told being kept in `line`. RIS changes under the lock (console
 * input, the data register, ICR); IMSC, which a driver rewrites all the time, is one store of
 * its halfword with no lock. Whoever changes either then compares the line the word now gives
 * with `line`, and if they differ resyncs under the lock: tells the controller the level the
 * word gives and stores it in `line`, until the two agree. Every such step stores (IMSC, RIS or
 * `line`), fences, then reads what the other side stores, so of two that race at least one sees
 * the other's store: an IMSC writer that missed a resync's `line` is seen by that resync, which
 * reads the word again after telling; one that saw it resyncs itself if the levels differ; a RIS
 * change and an IMSC write that race are seen by one of the two. Resyncs are serialised by the
 * lock, so the controller hears the levels in order, the last of them the latest state's: no
 * level is lost or stale.
 */
static bool line_of(uint32_t irq) { return (irq & irq >> 16 & INT_ALL) != 0; }

static void resync_locked(vpl011_t *u)
{
    for (;;) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST); /* RIS or `line` stored before the word is read */
        bool line = line_of(__atomic_load_n(&u->reg[IRQ_WORD].v.w, __ATOMIC_RELAXED));
        if (line == u->line)
            return;
        __atomic_store_n(&u->line, line, __ATOMIC_RELAXED);
        vm_irq_set_level(u->vm, IRQCHIP_PRIV_NUM + VPL011_SPI, line);
    }
}

static __attribute__((noinline, cold)) memory_fault_result_t resync(vpl011_t *u)
{
    spin_lock(&u->lock);
    resync_locked(u);
    spin_unlock(&u->lock);
    return FAULT_HANDLED;
}

/* RIS changed by clear and set, under the lock. */
static void ris_change_locked(vpl011_t *u, uint32_t clear, uint32_t set)
{
    uint16_t *ris = &u->reg[IRQ_WORD].v.h[1];
    uint16_t now = (uint16_t)((__atomic_load_n(ris, __ATOMIC_RELAXED) & ~clear) | set);
    __atomic_store_n(ris, now, __ATOMIC_RELAXED);
    __atomic_store_n(&u->reg[UARTRIS / 4].v.w, now, __ATOMIC_RELAXED); /* as the guest reads it */
    resync_locked(u);
}

/* (Single loads and stores of aligned halfwords, words and bytes: volatile, which lets the
 * compiler address them at an offset, where its atomics would want a register.) */
static inline __attribute__((always_inline)) memory_fault_result_t imsc_write(vpl011_t *u,
                                                                              uint32_t v)
{
    *(volatile uint16_t *)&u->reg[IRQ_WORD].v.h[0] = (uint16_t)v;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* IMSC stored before `line` is read */
    uint8_t told = u->line;                  /* after the fence: read once, where it stands */
    if (line_of(*(const volatile uint32_t *)&u->reg[IRQ_WORD].v.w) ? !told : told)
        return resync(u);
    return FAULT_HANDLED;
}

/* FR follows the receive FIFO (the transmit FIFO is always empty), and so does whether a read
 * of DR is one load (of zero: an empty FIFO's); under the lock. */
static void fifo_changed_locked(vpl011_t *u)
{
    __atomic_store_n(&u->reg[UARTDR / 4].mask, u->rx_num ? 0 : ~0U, __ATOMIC_RELAXED);
    __atomic_store_n(&u->reg[UARTFR / 4].v.w,
                     FR_TXFE | (u->rx_num ? 0 : FR_RXFE) | (u->rx_num == RX_FIFO ? FR_RXFF : 0),
                     __ATOMIC_RELAXED);
}

/* The registers shared with console input (data, interrupt clear): under the lock. */
static memory_fault_result_t shared_access(vpl011_t *u, uint64_t reg, mem_access_t *a)
{
    spin_lock(&u->lock);
    if (reg == UARTICR) {
        ris_change_locked(u, (uint32_t)a->value & INT_ALL, 0);
    } else if (a->write) {
        vm_console_putc(u->vm, (char)a->value);
        ris_change_locked(u, 0, INT_TX); /* the (virtual) FIFO drains at once */
    } else {
        uint32_t r = 0;
        if (u->rx_num) {
            r = u->rx[u->rx_head];
            u->rx_head = (u->rx_head + 1) % RX_FIFO;
            if (--u->rx_num == 0)
                ris_change_locked(u, INT_RX | INT_RT, 0);
            fifo_changed_locked(u);
        }
        a->value = r;
    }
    spin_unlock(&u->lock);
    return FAULT_HANDLED;
}

/* Everything but what vpl011_access finishes itself. Only the data register and ICR take the
 * lock. */
static OUT_OF_LINE memory_fault_result_t vpl011_other(vm_memory_t *mem, mem_access_t *a,
                                                      void *cookie)
{
    vpl011_t *u = cookie;
    uint64_t off = a->addr & (VPL011_SIZE - 1), reg = off & ~3UL;
    uint32_t v = (uint32_t)a->value, r;
    (void)mem;
    if (a->size > 4 || (off & (a->size - 1)))
        return FAULT_UNHANDLED; /* the PL011 has 32-bit registers and no 64-bit access */
    if (reg == UARTDR || (reg == UARTICR && a->write))
        return shared_access(u, reg, a);
    if (reg >= SET_FIRST && reg < SET_FIRST + 4 * SET_NUM && a->write) {
        __atomic_store_n(&u->reg[reg / 4].v.w, v, __ATOMIC_RELAXED);
        return FAULT_HANDLED;
    }
    if (a->write) {
        switch (reg) {
        case UARTRSR: return FAULT_HANDLED; /* clears errors: there are none */
        case UARTIMSC: return imsc_write(u, v);
        case UARTDMACR:
            __atomic_store_n(&u->reg[reg / 4].v.w, v & 0x7, __ATOMIC_RELAXED);
            return FAULT_HANDLED;
        default: return FAULT_UNHANDLED; /* read-only or reserved */
        }
    }
    uint32_t irq = __atomic_load_n(&u->reg[IRQ_WORD].v.w, __ATOMIC_RELAXED);
    switch (reg) {
    case UARTMIS: r = irq & irq >> 16 & INT_ALL; break;
    default:
        if (reg < 4 * REG_WORDS && u->reg[reg / 4].mask) { /* a byte or halfword of a word */
            r = __atomic_load_n(&u->reg[reg / 4].v.w, __ATOMIC_RELAXED) & u->reg[reg / 4].mask;
            break;
        }
        if (off >= UARTID && off < UARTID + 0x20) {
            r = ids[(off - UARTID) / 4];
            break;
        }
        return FAULT_UNHANDLED; /* write-only or reserved */
    }
    a->value = r >> (8 * (off & 3));
    return FAULT_HANDLED;
}

/* The device (cookie: its state, so there is nothing to look up). 32-bit writes of the settings,
 * of the interrupt mask, DMACR and RSR, of ICR when it clears nothing (no bit of it is raised:
 * the write takes effect at the load of RIS, before any later change), and 32-bit reads of
 * every register but the data register with a character waiting are finished here in a few
 * instructions and without the lock; the rest goes to vpl011_other. */
static memory_fault_result_t vpl011_access(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    vpl011_t *u = cookie;
    /* the offset: the device's page is 64 KiB-aligned, so the address's low half is it */
    _Static_assert((VPL011_BASE & 0xffff) == 0 && VPL011_SIZE <= 0x10000, "PL011 alignment");
    uint64_t off = a->addr & 0xffff;
    OPAQUE(off);
    if (a->size == 4) {
        if (a->write) {
            if (off == UARTIMSC)
                return imsc_write(u, (uint32_t)a->value);
            /* a settings word: s aligned (rotated, its low bits would be high), below the last */
            uint64_t s = off - SET_FIRST;
            if (((s >> 2) | (s << 62)) < SET_NUM) {
                *(volatile uint32_t *)((uintptr_t)&u->reg[SET_FIRST / 4] +
                                       2 * s) = (uint32_t)a->value;
                return FAULT_HANDLED;
            }
            /* ICR clearing no raised interrupt (RIS's copy: written with RIS, one load) */
            if (off == UARTICR &&
                !((uint32_t)a->value & *(const volatile uint32_t *)&u->reg[UARTRIS / 4].v.w))
                return FAULT_HANDLED;
            if (off == UARTDMACR) {
                *(volatile uint32_t *)&u->reg[UARTDMACR / 4].v.w = (uint32_t)a->value & 0x7;
                return FAULT_HANDLED;
            }
            if (off == UARTRSR) /* clears errors: there are none */
                return FAULT_HANDLED;
        } else {
            /* a word of the register file: w aligned (rotated, its low bits would be high),
             * below the last, and one read_mask says is kept: one load of value and mask */
            uint64_t w = (off >> 2) | (off << 62);
            if (w < REG_WORDS) {
                uint64_t r = *(const volatile uint64_t *)&u->reg[w].pair;
                if (r >> 32) {
                    a->value = (uint32_t)r & (uint32_t)(r >> 32);
                    return FAULT_HANDLED;
                }
                if (w == UARTMIS / 4) { /* IMSC & RIS, from the one word that holds both */
                    uint32_t irq = *(const volatile uint32_t *)&u->reg[IRQ_WORD].v.w;
                    a->value = irq & irq >> 16 & INT_ALL;
                    return FAULT_HANDLED;
                }
            } else if (w - UARTID / 4 < sizeof(ids)) { /* the ID registers */
                a->value = ids[w - UARTID / 4];
                return FAULT_HANDLED;
            }
        }
    }
    return vpl011_other(mem, a, cookie);
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
        fifo_changed_locked(u);
        ris_change_locked(u, 0, INT_RX | INT_RT);
    }
    spin_unlock(&u->lock);
    return room;
}

__attribute__((cold)) static int vpl011_attach(vm_t *vm)
{
    /* a pass-through device at the same address wins */
    for (unsigned d = 0; d < vm->cfg.dev_num; d++)
        if (vm->cfg.dev[d].base < VPL011_BASE + VPL011_SIZE &&
            VPL011_BASE < vm->cfg.dev[d].base + vm->cfg.dev[d].size)
            return 1;
    uarts[vm->id] = (vpl011_t){.present = true, .vm = vm};
    vpl011_t *u = &uarts[vm->id];
    for (unsigned w = 0; w < REG_WORDS; w++)
        u->reg[w].mask = read_mask[w];
    u->reg[UARTFR / 4].v.w = FR_TXFE | FR_RXFE;
    u->reg[UARTDR / 4].mask = ~0U; /* the receive FIFO is empty */
    u->reg[UARTCR / 4].v.w = CR_RESET;
    u->reg[UARTIFLS / 4].v.w = IFLS_RESET;
    if (!vm_reserve_memory_at(&vm->mem, VPL011_BASE, VPL011_SIZE, vpl011_access, &uarts[vm->id]))
        return -1;
    return 0;
}

__attribute__((cold)) static int vpl011_dt_nodes(const vm_t *vm, void *fdt)
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
