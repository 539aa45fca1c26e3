/*
 * Board device-tree parsing with libfdt. The DTB comes from outside septum (a loader, QEMU, a
 * user), so it is validated as a whole (header, then fdt_check_full) before any node is read,
 * and every property is length-checked before use.
 */
#include <core/board.h>
#include <errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define GIC_SPI_BASE 32
#define GIC_PPI_BASE 16
#define GIC_IRQ_TYPE_SPI 0
#define GIC_IRQ_TYPE_PPI 1
#define PSCI_CPU_ON_64_ID 0xc4000003U

typedef struct parse {
    const void *fdt;
    board_t *b;
    char *why;
    size_t why_len;
} parse_t;

static int fail(parse_t *p, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(parse_t *p, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->why, p->why_len, fmt, ap);
    va_end(ap);
    return err;
}

static const char *node_path(parse_t *p, int node)
{
    static char path[96];
    if (fdt_get_path(p->fdt, node, path, sizeof(path)) < 0)
        snprintf(path, sizeof(path), "(node at offset %d)", node);
    return path;
}

/* A string property, or NULL if absent. *bad is set when present but not a proper string. */
static const char *prop_str(parse_t *p, int node, const char *name, bool *bad)
{
    int len;
    const char *s = fdt_getprop(p->fdt, node, name, &len);
    if (!s)
        return NULL;
    if (len <= 0 || s[len - 1] != '\0') {
        *bad = true;
        return NULL;
    }
    return s;
}

/* #address-cells / #size-cells of a node, checked to be what septum can read. */
static int cells(parse_t *p, int node, unsigned *ac, unsigned *sc, bool size_may_be_zero)
{
    int a = fdt_address_cells(p->fdt, node), s = fdt_size_cells(p->fdt, node);
    if (a < 1 || a > 2)
        return fail(p, -EINVAL, "%s: #address-cells %d unsupported", node_path(p, node), a);
    if (s < (size_may_be_zero ? 0 : 1) || s > 2)
        return fail(p, -EINVAL, "%s: #size-cells %d unsupported", node_path(p, node), s);
    *ac = (unsigned)a;
    *sc = (unsigned)s;
    return 0;
}

static uint64_t read_cells(const fdt32_t *c, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = (v << 32) | fdt32_ld(&c[i]);
    return v;
}

/* Entry idx of node's reg, with the parent's cell sizes. -ENOENT if it has fewer entries. */
static int read_reg(parse_t *p, int node, unsigned idx, board_range_t *out)
{
    int parent = fdt_parent_offset(p->fdt, node), len;
    unsigned ac, sc;
    if (parent < 0)
        return fail(p, -EINVAL, "%s: no parent", node_path(p, node));
    int rc = cells(p, parent, &ac, &sc, false);
    if (rc)
        return rc;
    if (parent != 0) {
        /* only an identity bus is understood: no address translation through ranges */
        const void *ranges = fdt_getprop(p->fdt, parent, "ranges", &len);
        if (ranges && len > 0)
            return fail(p, -EINVAL, "%s: parent bus translates addresses (ranges); unsupported",
                        node_path(p, node));
    }
    const fdt32_t *reg = fdt_getprop(p->fdt, node, "reg", &len);
    if (!reg)
        return fail(p, -ENOENT, "%s: no reg", node_path(p, node));
    unsigned entry = (ac + sc) * 4;
    if (len <= 0 || (unsigned)len % entry)
        return fail(p, -EINVAL, "%s: reg length %d is not a multiple of %u (#address-cells=%u, "
                    "#size-cells=%u)", node_path(p, node), len, entry, ac, sc);
    if (idx >= (unsigned)len / entry)
        return fail(p, -ENOENT, "%s: reg has no entry %u", node_path(p, node), idx);
    out->base = read_cells(reg + idx * (ac + sc), ac);
    out->size = read_cells(reg + idx * (ac + sc) + ac, sc);
    if (out->size && out->base + out->size - 1 < out->base)
        return fail(p, -EINVAL, "%s: reg entry %u wraps around", node_path(p, node), idx);
    return 0;
}

static int reg_count(parse_t *p, int node)
{
    int parent = fdt_parent_offset(p->fdt, node), len;
    unsigned ac, sc;
    if (parent < 0 || cells(p, parent, &ac, &sc, false))
        return 0;
    if (!fdt_getprop(p->fdt, node, "reg", &len) || len <= 0)
        return 0;
    return len / (int)((ac + sc) * 4);
}

/* INTID of interrupts entry idx (GIC three-cell form). */
static int read_irq(parse_t *p, int node, unsigned idx, uint32_t *intid)
{
    int len;
    const fdt32_t *irq = fdt_getprop(p->fdt, node, "interrupts", &len);
    if (!irq || len < 0 || (unsigned)len < (idx + 1) * 12)
        return -ENOENT;
    uint32_t type = fdt32_ld(&irq[idx * 3]), num = fdt32_ld(&irq[idx * 3 + 1]);
    if (type == GIC_IRQ_TYPE_SPI && num < 988)
        *intid = GIC_SPI_BASE + num;
    else if (type == GIC_IRQ_TYPE_PPI && num < 16)
        *intid = GIC_PPI_BASE + num;
    else
        return fail(p, -EINVAL, "%s: interrupt %u has type %u number %u", node_path(p, node),
                    idx, type, num);
    return 0;
}

static int add_range(parse_t *p, board_range_t *arr, unsigned *num, unsigned max,
                     board_range_t r, const char *what)
{
    if (*num >= max)
        return fail(p, -E2BIG, "more than %u %s ranges", max, what);
    unsigned i = *num;
    while (i > 0 && arr[i - 1].base > r.base) {
        arr[i] = arr[i - 1];
        i--;
    }
    arr[i] = r;
    (*num)++;
    return 0;
}

static int parse_memory(parse_t *p)
{
    board_t *b = p->b;
    int node = -1;
    bool any = false;
    while ((node = fdt_node_offset_by_prop_value(p->fdt, node, "device_type", "memory", 7)) >= 0) {
        any = true;
        int n = reg_count(p, node);
        if (n == 0) {
            board_range_t r;
            return read_reg(p, node, 0, &r); /* says why */
        }
        for (int i = 0; i < n; i++) {
            board_range_t r;
            int rc = read_reg(p, node, (unsigned)i, &r);
            if (rc)
                return rc;
            if (r.size == 0)
                continue;
            if (r.base & 0xfff || r.size & 0xfff)
                return fail(p, -EINVAL, "%s: memory 0x%lx+0x%lx is not page-aligned",
                            node_path(p, node), (unsigned long)r.base, (unsigned long)r.size);
            rc = add_range(p, b->mem, &b->mem_num, BOARD_MEM_MAX, r, "memory");
            if (rc)
                return rc;
        }
    }
    if (!any || b->mem_num == 0)
        return fail(p, -ENOENT, "no memory node (device_type = \"memory\") with a non-empty reg");
    for (unsigned i = 1; i < b->mem_num; i++)
        if (b->mem[i].base < b->mem[i - 1].base + b->mem[i - 1].size)
            return fail(p, -EINVAL, "memory ranges at 0x%lx and 0x%lx overlap",
                        (unsigned long)b->mem[i - 1].base, (unsigned long)b->mem[i].base);
    return 0;
}

static int parse_reserved(parse_t *p)
{
    int n = fdt_num_mem_rsv(p->fdt);
    for (int i = 0; i < n; i++) {
        board_range_t r;
        if (fdt_get_mem_rsv(p->fdt, i, &r.base, &r.size) < 0)
            return fail(p, -EINVAL, "DTB: bad /memreserve/ entry %d", i);
        if (r.size && r.base + r.size - 1 < r.base)
            return fail(p, -EINVAL, "/memreserve/ entry %d wraps around", i);
        int rc = r.size ? add_range(p, p->b->resv, &p->b->resv_num, BOARD_RESV_MAX, r, "reserved")
                        : 0;
        if (rc)
            return rc;
    }
    int rmem = fdt_path_offset(p->fdt, "/reserved-memory");
    if (rmem < 0)
        return 0;
    int child;
    fdt_for_each_subnode(child, p->fdt, rmem)
    {
        board_range_t r;
        if (!fdt_getprop(p->fdt, child, "reg", NULL))
            continue; /* dynamically placed: nothing to avoid yet */
        int rc = read_reg(p, child, 0, &r);
        if (!rc && r.size)
            rc = add_range(p, p->b->resv, &p->b->resv_num, BOARD_RESV_MAX, r, "reserved");
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_cpus(parse_t *p)
{
    board_t *b = p->b;
    int cpus = fdt_path_offset(p->fdt, "/cpus"), node;
    unsigned ac, sc;
    if (cpus < 0)
        return fail(p, -ENOENT, "no /cpus node");
    int rc = cells(p, cpus, &ac, &sc, true);
    if (rc)
        return rc;
    fdt_for_each_subnode(node, p->fdt, cpus)
    {
        bool bad = false;
        const char *type = prop_str(p, node, "device_type", &bad);
        if (bad)
            return fail(p, -EINVAL, "%s: device_type is not a string", node_path(p, node));
        if (!type || strcmp(type, "cpu"))
            continue;
        if (b->cpu_num >= BOARD_CPU_MAX)
            return fail(p, -E2BIG, "more than %u CPUs", BOARD_CPU_MAX);
        int len;
        const fdt32_t *reg = fdt_getprop(p->fdt, node, "reg", &len);
        if (!reg)
            return fail(p, -EINVAL, "%s: no reg", node_path(p, node));
        if (len < (int)(ac * 4))
            return fail(p, -EINVAL, "%s: reg is %d bytes, expected %u", node_path(p, node), len,
                        ac * 4);
        const char *method = prop_str(p, node, "enable-method", &bad);
        if (bad)
            return fail(p, -EINVAL, "%s: enable-method is not a string", node_path(p, node));
        b->cpu[b->cpu_num].mpidr = read_cells(reg, ac);
        b->cpu[b->cpu_num].psci = method && !strcmp(method, "psci");
        for (unsigned i = 0; i < b->cpu_num; i++)
            if (b->cpu[i].mpidr == b->cpu[b->cpu_num].mpidr)
                return fail(p, -EINVAL, "%s: MPIDR 0x%lx listed twice", node_path(p, node),
                            (unsigned long)b->cpu[i].mpidr);
        b->cpu_num++;
    }
    if (b->cpu_num == 0)
        return fail(p, -ENOENT, "no CPUs in /cpus");
    return 0;
}

static int parse_psci(parse_t *p)
{
    board_t *b = p->b;
    static const char *const compat[] = {"arm,psci-1.0", "arm,psci-0.2", "arm,psci"};
    int node = -1;
    unsigned i;
    for (i = 0; i < 3 && node < 0; i++)
        node = fdt_node_offset_by_compatible(p->fdt, -1, compat[i]);
    if (node < 0)
        return 0;
    bool bad = false;
    const char *method = prop_str(p, node, "method", &bad);
    if (!method)
        return fail(p, -EINVAL, "%s: no method", node_path(p, node));
    if (!strcmp(method, "smc"))
        b->psci.conduit = BOARD_CONDUIT_SMC;
    else if (!strcmp(method, "hvc"))
        b->psci.conduit = BOARD_CONDUIT_HVC;
    else
        return fail(p, -EINVAL, "%s: method \"%s\" is neither smc nor hvc", node_path(p, node),
                    method);
    b->psci.present = true;
    b->psci.v0_2 = fdt_node_check_compatible(p->fdt, node, "arm,psci-0.2") == 0 ||
                   fdt_node_check_compatible(p->fdt, node, "arm,psci-1.0") == 0;
    if (b->psci.v0_2) {
        b->psci.cpu_on_id = PSCI_CPU_ON_64_ID;
    } else {
        int len;
        const fdt32_t *id = fdt_getprop(p->fdt, node, "cpu_on", &len);
        if (!id || len != 4)
            return fail(p, -EINVAL, "%s: PSCI 0.1 without a cpu_on ID", node_path(p, node));
        b->psci.cpu_on_id = fdt32_ld(id);
    }
    return 0;
}

static int parse_gic(parse_t *p)
{
    board_t *b = p->b;
    static const char *const v2[] = {"arm,cortex-a15-gic", "arm,gic-400", "arm,cortex-a9-gic"};
    int node = fdt_node_offset_by_compatible(p->fdt, -1, "arm,gic-v3"), rc;
    if (node >= 0) {
        b->gic.version = 3;
        if ((rc = read_reg(p, node, 0, &b->gic.dist)) || (rc = read_reg(p, node, 1, &b->gic.redist)))
            return rc;
    } else {
        for (unsigned i = 0; i < 3 && node < 0; i++)
            node = fdt_node_offset_by_compatible(p->fdt, -1, v2[i]);
        if (node < 0)
            return fail(p, -ENOENT, "no GIC found (arm,gic-v3 or arm,cortex-a15-gic)");
        b->gic.version = 2;
        if ((rc = read_reg(p, node, 0, &b->gic.dist)) || (rc = read_reg(p, node, 1, &b->gic.cpuif)))
            return rc;
        /* virtualisation extensions are optional in the binding */
        if (reg_count(p, node) >= 4 && ((rc = read_reg(p, node, 2, &b->gic.hyp_ctrl)) ||
                                        (rc = read_reg(p, node, 3, &b->gic.vcpuif))))
            return rc;
    }
    rc = read_irq(p, node, 0, &b->gic.maint_irq);
    return rc == -ENOENT ? 0 : rc;
}

static int parse_timer(parse_t *p)
{
    int node = fdt_node_offset_by_compatible(p->fdt, -1, "arm,armv8-timer");
    if (node < 0)
        node = fdt_node_offset_by_compatible(p->fdt, -1, "arm,armv7-timer");
    if (node < 0)
        return 0;
    for (unsigned i = 0; i < 4; i++) {
        int rc = read_irq(p, node, i, &p->b->timer.irq[i]);
        if (rc == -ENOENT)
            return fail(p, -EINVAL, "%s: fewer than 4 interrupts", node_path(p, node));
        if (rc)
            return rc;
    }
    p->b->timer.present = true;
    return 0;
}

static int parse_uart(parse_t *p, int chosen)
{
    board_t *b = p->b;
    bool bad = false;
    int node = -1;
    const char *out = chosen >= 0 ? prop_str(p, chosen, "stdout-path", &bad) : NULL;
    if (bad)
        return fail(p, -EINVAL, "/chosen: stdout-path is not a string");
    if (out) {
        /* "path-or-alias[:options]" */
        const char *colon = strchr(out, ':');
        int len = colon ? (int)(colon - out) : (int)strlen(out);
        node = out[0] == '/' ? fdt_path_offset_namelen(p->fdt, out, len) : -1;
        if (out[0] != '/') {
            const char *alias = fdt_get_alias_namelen(p->fdt, out, len);
            node = alias ? fdt_path_offset(p->fdt, alias) : -1;
        }
        if (node >= 0 && fdt_node_check_compatible(p->fdt, node, "arm,pl011") != 0)
            node = -1; /* not a UART septum can drive: fall back to the first PL011 */
    }
    if (node < 0)
        node = fdt_node_offset_by_compatible(p->fdt, -1, "arm,pl011");
    if (node < 0)
        return 0;
    int rc = read_reg(p, node, 0, &b->uart.reg);
    if (rc)
        return rc;
    rc = read_irq(p, node, 0, &b->uart.irq);
    if (rc && rc != -ENOENT)
        return rc;
    snprintf(b->uart.path, sizeof(b->uart.path), "%s", node_path(p, node));
    b->uart.present = true;
    return 0;
}

static int read_addr_prop(parse_t *p, int node, const char *name, uint64_t *v)
{
    int len;
    const fdt32_t *c = fdt_getprop(p->fdt, node, name, &len);
    if (!c)
        return 0;
    if (len != 4 && len != 8)
        return fail(p, -EINVAL, "/chosen: %s is %d bytes, expected 4 or 8", name, len);
    *v = read_cells(c, (unsigned)len / 4);
    return 0;
}

static int parse_chosen(parse_t *p)
{
    board_t *b = p->b;
    int chosen = fdt_path_offset(p->fdt, "/chosen"), rc;
    if (chosen >= 0) {
        bool bad = false;
        const char *args = prop_str(p, chosen, "bootargs", &bad);
        if (bad)
            return fail(p, -EINVAL, "/chosen: bootargs is not a string");
        if (args && strlen(args) >= sizeof(b->bootargs))
            return fail(p, -E2BIG, "/chosen: bootargs longer than %lu bytes",
                        (unsigned long)(sizeof(b->bootargs) - 1));
        if (args)
            strcpy(b->bootargs, args);
        if ((rc = read_addr_prop(p, chosen, "linux,initrd-start", &b->initrd_start)) ||
            (rc = read_addr_prop(p, chosen, "linux,initrd-end", &b->initrd_end)))
            return rc;
        if (b->initrd_end < b->initrd_start)
            return fail(p, -EINVAL, "/chosen: initrd ends before it starts");
    }
    return parse_uart(p, chosen);
}

int board_parse(const void *fdt, size_t max_size, board_t *b, char *why, size_t why_len)
{
    parse_t p = {fdt, b, why, why_len};
    memset(b, 0, sizeof(*b));
    if (why_len)
        why[0] = '\0';
    if (!fdt || max_size < FDT_V1_SIZE)
        return fail(&p, -EINVAL, "DTB: none given");
    if (fdt_magic(fdt) != FDT_MAGIC)
        return fail(&p, -EINVAL, "DTB: bad magic 0x%08x (FDT_ERR_BADMAGIC)", fdt_magic(fdt));
    uint32_t size = fdt_totalsize(fdt);
    if (size > max_size)
        return fail(&p, -E2BIG, "DTB: totalsize %u exceeds limit %lu", size,
                    (unsigned long)max_size);
    int rc = fdt_check_header(fdt);
    if (rc)
        return fail(&p, -EINVAL, "DTB: header check failed: %s", fdt_strerror(rc));
    rc = fdt_check_full(fdt, size);
    if (rc)
        return fail(&p, -EINVAL, "DTB: structure check failed: %s", fdt_strerror(rc));
    b->dtb_size = size;

    unsigned ac, sc;
    if ((rc = cells(&p, 0, &ac, &sc, false)))
        return rc;
    bool bad = false;
    const char *model = prop_str(&p, 0, "model", &bad);
    if (model)
        snprintf(b->model, sizeof(b->model), "%s", model);
    if ((rc = parse_memory(&p)) || (rc = parse_reserved(&p)) || (rc = parse_cpus(&p)) ||
        (rc = parse_psci(&p)) || (rc = parse_gic(&p)) || (rc = parse_timer(&p)) ||
        (rc = parse_chosen(&p)))
        return rc;
    return 0;
}
