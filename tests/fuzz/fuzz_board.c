/*
 * libFuzzer harness for the board device-tree parser (core/config/board.c). The input is a
 * script of edits applied to a real board DTB (one of those QEMU dumped into $SEPTUM_DTB_DIR,
 * chosen by the first byte; a small built-in board if there are none): properties set to raw
 * bytes, to cell lists of telling numbers or to strings septum looks for, properties and nodes
 * deleted and added, raw bytes and header fields overwritten. Whatever the blob, board_parse
 * must not crash or read outside it (AddressSanitizer), and its answer must keep its promises:
 * on success sorted, aligned, non-overlapping memory, CPUs and a GIC, ranges that never wrap,
 * a console UART outside memory, terminated strings; on failure a known error, a message, and
 * a zeroed board. board_passthrough_refuses then never lets RAM or a GIC frame through.
 */
#include <assert.h>
#include <config/board.h>
#include <dirent.h>
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF   (64 * 1024)
#define BASES 8

static void *base[BASES];
static unsigned bases;

/* A small board like QEMU's virt, for when no dumped DTB is at hand. */
static void *builtin(void)
{
    void *f = calloc(1, BUF);
    fdt_create(f, BUF);
    fdt_finish_reservemap(f);
    fdt_begin_node(f, "");
    fdt_property_u32(f, "#address-cells", 2);
    fdt_property_u32(f, "#size-cells", 2);
    fdt_property_string(f, "model", "fuzz,board");
    fdt_begin_node(f, "memory@40000000");
    fdt_property_string(f, "device_type", "memory");
    fdt64_t mem[2] = {cpu_to_fdt64(0x40000000), cpu_to_fdt64(0x40000000)};
    fdt_property(f, "reg", mem, sizeof(mem));
    fdt_end_node(f);
    fdt_begin_node(f, "cpus");
    fdt_property_u32(f, "#address-cells", 1);
    fdt_property_u32(f, "#size-cells", 0);
    for (unsigned c = 0; c < 2; c++) {
        char name[16];
        snprintf(name, sizeof(name), "cpu@%u", c);
        fdt_begin_node(f, name);
        fdt_property_string(f, "device_type", "cpu");
        fdt_property_string(f, "enable-method", "psci");
        fdt_property_u32(f, "reg", c);
        fdt_end_node(f);
    }
    fdt_end_node(f);
    fdt_begin_node(f, "psci");
    fdt_property_string(f, "compatible", "arm,psci-1.0");
    fdt_property_string(f, "method", "smc");
    fdt_end_node(f);
    fdt_begin_node(f, "intc@8000000");
    fdt_property_string(f, "compatible", "arm,gic-v3");
    fdt_property(f, "interrupt-controller", NULL, 0);
    fdt_property_u32(f, "#interrupt-cells", 3);
    fdt64_t gic[4] = {cpu_to_fdt64(0x8000000), cpu_to_fdt64(0x10000), cpu_to_fdt64(0x80a0000),
                      cpu_to_fdt64(0xf60000)};
    fdt_property(f, "reg", gic, sizeof(gic));
    fdt_end_node(f);
    fdt_begin_node(f, "pl011@9000000");
    fdt_property_string(f, "compatible", "arm,pl011");
    fdt64_t uart[2] = {cpu_to_fdt64(0x9000000), cpu_to_fdt64(0x1000)};
    fdt_property(f, "reg", uart, sizeof(uart));
    fdt32_t irq[3] = {0, cpu_to_fdt32(1), cpu_to_fdt32(4)};
    fdt_property(f, "interrupts", irq, sizeof(irq));
    fdt_end_node(f);
    fdt_begin_node(f, "timer");
    fdt_property_string(f, "compatible", "arm,armv8-timer");
    fdt_end_node(f);
    fdt_begin_node(f, "chosen");
    fdt_property_string(f, "stdout-path", "/pl011@9000000");
    fdt_property_string(f, "bootargs", "septum.loglevel=info");
    fdt_end_node(f);
    fdt_end_node(f);
    fdt_finish(f);
    return f;
}

static void load_bases(void)
{
    const char *dir = getenv("SEPTUM_DTB_DIR");
    DIR *d = opendir(dir && *dir ? dir : "build/dtb");
    for (struct dirent *e; d && bases < BASES - 1 && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 4, ".dtb"))
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "build/dtb", e->d_name);
        FILE *f = fopen(path, "rb");
        void *raw = calloc(1, 1 << 20), *packed = calloc(1, BUF);
        size_t got = f ? fread(raw, 1, 1 << 20, f) : 0;
        if (f)
            fclose(f);
        /* packed: QEMU's blob is 1 MiB of mostly padding */
        if (got >= sizeof(struct fdt_header) && fdt_check_header(raw) == 0 &&
            fdt_totalsize(raw) <= got && fdt_pack(raw) == 0 && fdt_totalsize(raw) <= BUF) {
            memcpy(packed, raw, fdt_totalsize(raw));
            base[bases++] = packed;
        } else
            free(packed);
        free(raw);
    }
    if (d)
        closedir(d);
    base[bases++] = builtin();
}

static void check(const void *f, size_t max, int rc, const board_t *b, const char *why);

/* Inputs that once broke a promise, checked first. */
static void regressions(void)
{
    static uint64_t buf[BUF / 8];
    board_t b;
    char why[200];
    /* a root whose #size-cells is refused left dtb_size set in the board */
    fdt_open_into(base[bases - 1], buf, BUF);
    fdt_setprop(buf, 0, "#size-cells", "nineteen bytes long", 19);
    memset(&b, 0x5a, sizeof(b));
    check(buf, BUF, board_parse(buf, BUF, &b, why, sizeof(why)), &b, why);
    /* a version-7 blob (a root name without a '/'): libfdt's fdt_check_full read through a NULL
     * name, a data abort at EL2 at boot */
    fdt_open_into(base[bases - 1], buf, BUF);
    fdt_set_version(buf, 7);
    fdt_set_last_comp_version(buf, 2);
    check(buf, BUF, board_parse(buf, BUF, &b, why, sizeof(why)), &b, why);
}

/* ---- the edits ---- */

static const char *const names[] = {"compatible",
                                    "device_type",
                                    "status",
                                    "enable-method",
                                    "method",
                                    "stdout-path",
                                    "bootargs",
                                    "#address-cells",
                                    "#size-cells",
                                    "#interrupt-cells",
                                    "interrupt-controller",
                                    "ranges",
                                    "reg",
                                    "interrupts",
                                    "linux,initrd-start",
                                    "linux,initrd-end",
                                    "model",
                                    "cpu_on",
                                    "dma-coherent",
                                    "iommus",
                                    "dma-ranges",
                                    "interrupt-parent",
                                    "phandle",
                                    "msi-controller"};
static const char *const strings[] = {"memory",
                                      "okay",
                                      "disabled",
                                      "psci",
                                      "arm,psci-0.2",
                                      "arm,psci-1.0",
                                      "arm,psci",
                                      "smc",
                                      "hvc",
                                      "arm,gic-v3",
                                      "arm,cortex-a15-gic",
                                      "arm,gic-400",
                                      "arm,pl011",
                                      "arm,primecell",
                                      "/pl011@9000000",
                                      "serial0",
                                      "/pl011@9000000:115200",
                                      "arm,armv8-timer",
                                      "cpu",
                                      "arm,gic-v3-its",
                                      "qemu,fw-cfg-mmio",
                                      "virtio,mmio",
                                      "arm,gic-v2m-frame",
                                      "simple-bus",
                                      "reserved-memory",
                                      "/",
                                      "",
                                      "fail"};
static const uint32_t cells[] = {0,          1,          2,         3,          4,
                                 0x1000,     0x8000000,  0x9000000, 0x40000000, 0x80000000,
                                 0xfffff000, 0xffffffff, 0x10000,   0x80a0000,  27,
                                 0x7fffffff, 8,          0x1001,    0xf60000,   0x100,
                                 7,          16,         17};

/* The offset of the n-th node (wrapping around), the root included. */
static int nth_node(const void *f, unsigned n)
{
    int count = 0, off;
    for (off = 0; off >= 0; off = fdt_next_node(f, off, NULL))
        count++;
    n %= (unsigned)count;
    for (off = 0; n--;)
        off = fdt_next_node(f, off, NULL);
    return off;
}

/* The name of the n-th property of a node, or one of the names septum looks for. */
static const char *prop_name(const void *f, int node, unsigned n, bool existing)
{
    int off, count = 0;
    if (existing) {
        fdt_for_each_property_offset(off, f, node) count++;
        if (count) {
            n %= (unsigned)count;
            fdt_for_each_property_offset(off, f, node) if (!n--)
            {
                const char *name;
                fdt_getprop_by_offset(f, off, &name, NULL);
                return name;
            }
        }
    }
    return names[n % (sizeof(names) / sizeof(names[0]))];
}

/* Once a raw byte or a header field is overwritten, libfdt's writers could go astray (they trust
 * the header): only raw edits follow. */
static bool raw;
static size_t size_now; /* the blob's size before any raw edit */

static size_t edit(void *f, const uint8_t *d, size_t size)
{
    if (size < 4)
        return size;
    unsigned kind = d[0] % 9;
    if (raw && kind != 6 && kind != 7)
        return 4;
    if (kind == 6 || kind == 7)
        goto raw_edit;
    int node = nth_node(f, d[1]);
    char name[64];
    const char *pn = prop_name(f, node, d[2], !(d[0] & 0x80));
    snprintf(name, sizeof(name), "%s", pn ? pn : "reg");
raw_edit:
    switch (kind) {
    case 0: { /* raw bytes */
        size_t n = d[3] % 24;
        if (n > size - 4)
            n = size - 4;
        fdt_setprop(f, node, name, d + 4, (int)n);
        return 4 + n;
    }
    case 1: { /* cells */
        fdt32_t v[8];
        size_t n = 1 + d[3] % 8;
        if (n > size - 4)
            n = size - 4;
        for (size_t i = 0; i < n; i++)
            v[i] = cpu_to_fdt32(d[4 + i] & 0x80 ? (uint32_t)d[4 + i] << 24 | d[4 + i]
                                                : cells[d[4 + i] % (sizeof(cells) / 4)]);
        fdt_setprop(f, node, name, v, (int)(n * 4));
        return 4 + n;
    }
    case 2: /* a string septum knows */
        fdt_setprop_string(f, node, name, strings[d[3] % (sizeof(strings) / sizeof(char *))]);
        return 4;
    case 3: fdt_delprop(f, node, name); return 4;
    case 4:
        if (node > 0 && d[3] < 40)
            fdt_del_node(f, node);
        return 4;
    case 5: { /* a new node */
        char n2[24];
        snprintf(n2, sizeof(n2), "%s@%x",
                 d[3] & 1   ? "memory"
                 : d[3] & 2 ? "cpu"
                            : "dev",
                 (unsigned)d[3] << 20);
        fdt_add_subnode(f, node, n2);
        return 4;
    }
    case 6: /* a byte anywhere in the blob */
        ((uint8_t *)f)[((unsigned)d[1] << 8 | d[2]) % size_now] = d[3];
        raw = true;
        return 4;
    case 7: { /* a header field */
        raw = true;
        uint32_t v = d[3] & 0x80 ? cells[d[3] % (sizeof(cells) / 4)] : fdt_totalsize(f) + d[3] - 64;
        ((fdt32_t *)f)[1 + d[2] % 9] = cpu_to_fdt32(v); /* totalsize .. size_dt_struct */
        return 4;
    }
    default: /* a memory reservation */
        fdt_add_mem_rsv(f, (uint64_t)cells[d[2] % (sizeof(cells) / 4)] << (d[3] % 33),
                        (uint64_t)d[3] << 12);
        return 4;
    }
}

/* ---- the promises ---- */

static bool range_ok(board_range_t r) { return r.base + r.size >= r.base; }
static bool meets(board_range_t a, board_range_t b)
{
    return a.size && b.size && a.base < b.base + b.size && b.base < a.base + a.size;
}

static void check(const void *f, size_t max, int rc, const board_t *b, const char *why)
{
    if (rc) {
        assert(rc == -EINVAL || rc == -E2BIG || rc == -ENOENT || rc == -ENOTSUP);
        assert(why[0] && memchr(why, '\0', 200));
        static const board_t zero;
        assert(!memcmp(b, &zero, sizeof(zero)));
        return;
    }
    assert(b->dtb_size == fdt_totalsize(f) && b->dtb_size <= max);
    assert(memchr(b->model, '\0', sizeof(b->model)) &&
           memchr(b->bootargs, '\0', sizeof(b->bootargs)));
    assert(memchr(b->uart.path, '\0', sizeof(b->uart.path)));
    assert(b->mem_num >= 1 && b->mem_num <= BOARD_MEM_MAX);
    for (unsigned i = 0; i < b->mem_num; i++) {
        assert(b->mem[i].size && range_ok(b->mem[i]));
        assert(b->mem[i].base % 4096 == 0 && b->mem[i].size % 4096 == 0);
        if (i)
            assert(b->mem[i - 1].base + b->mem[i - 1].size <= b->mem[i].base);
    }
    assert(b->resv_num <= BOARD_RESV_MAX);
    for (unsigned i = 0; i < b->resv_num; i++) {
        assert(range_ok(b->resv[i]));
        if (i)
            assert(b->resv[i - 1].base <= b->resv[i].base);
    }
    assert(b->cpu_num >= 1 && b->cpu_num <= BOARD_CPU_MAX);
    for (unsigned i = 0; i < b->cpu_num; i++)
        assert(!(b->cpu[i].mpidr & ~0xff00ffffffULL));
    assert(b->gic.version == 2 || b->gic.version == 3);
    assert(b->gic.dist.size && range_ok(b->gic.dist) && range_ok(b->gic.redist) &&
           range_ok(b->gic.cpuif) && range_ok(b->gic.hyp_ctrl) && range_ok(b->gic.vcpuif));
    assert(b->gic.version == 2 || b->gic.redist.size);
    assert(b->gic.frame_num <= BOARD_GIC_FRAME_MAX);
    for (unsigned i = 0; i < b->gic.frame_num; i++)
        assert(range_ok(b->gic.frame[i]));
    if (b->uart.present) {
        assert(b->uart.reg.size && range_ok(b->uart.reg));
        for (unsigned i = 0; i < b->mem_num; i++)
            assert(!meets(b->uart.reg, b->mem[i]));
    }
    assert(b->dma_num <= BOARD_DMA_MAX);
    for (unsigned i = 0; i < b->dma_num; i++)
        assert(range_ok(b->dma[i].reg) && b->dma[i].why &&
               memchr(b->dma[i].path, '\0', sizeof(b->dma[i].path)));
    assert(b->initrd_start <= b->initrd_end);
    if (b->psci.present)
        assert(b->psci.conduit == BOARD_CONDUIT_SMC || b->psci.conduit == BOARD_CONDUIT_HVC);

    /* pass-through: never RAM, never the GIC, a DMA master only with consent */
    char buf[160];
    board_range_t probe[4] = {b->mem[0], b->gic.dist, b->mem[b->mem_num - 1], {0x9010000, 0x1000}};
    for (unsigned i = 0; i < 4; i++) {
        board_range_t r = {probe[i].base & ~0xfffULL, 0x1000};
        if (!range_ok(r))
            continue;
        const board_dma_t *dma = NULL;
        const char *no = board_passthrough_refuses(b, r.base, r.size, false, &dma, buf,
                                                   sizeof(buf));
        const char *no_u = board_passthrough_refuses(b, r.base, r.size, true, &dma, buf,
                                                     sizeof(buf));
        bool ram = false, gic = meets(r, b->gic.dist) || meets(r, b->gic.redist);
        for (unsigned m = 0; m < b->mem_num; m++)
            ram |= meets(r, b->mem[m]);
        for (unsigned g = 0; g < b->gic.frame_num; g++)
            gic |= meets(r, b->gic.frame[g]);
        if (ram || gic)
            assert(no && no_u);
        if (no_u)
            assert(no);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint64_t buf[BUF / 8];
    if (!bases) {
        load_bases();
        regressions();
    }
    if (!size)
        return 0;
    void *f = buf;
    if (fdt_open_into(base[data[0] % bases], f, BUF) != 0)
        return 0;
    size_t i = 1;
    raw = false;
    for (unsigned n = 0; i < size && n < 8; n++) { /* more edits find little more, slowly */
        if (!raw)
            size_now = fdt_totalsize(f) < BUF ? fdt_totalsize(f) : BUF;
        i += edit(f, data + i, size - i);
    }
    /* exactly the readable bytes, so that AddressSanitizer sees a read past them: the size the
     * blob had, or a little less */
    size_t max = size_now;
    if (size > 1 && data[1] % 7 == 0)
        max = max > data[size - 1] ? max - data[size - 1] : 0;
    void *blob = malloc(max ? max : 1);
    memcpy(blob, f, max);
    board_t b;
    memset(&b, 0x5a, sizeof(b));
    char why[200];
    memset(why, 'x', sizeof(why));
    int rc = board_parse(blob, max, &b, why, sizeof(why));
    check(blob, max, rc, &b, why);
    free(blob);
    return 0;
}
