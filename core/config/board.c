/*
 * Board device-tree parsing with libfdt. The DTB comes from outside septum (QEMU, a loader, a
 * user), so it is hostile until proven otherwise: its size is checked against the buffer before
 * anything else is read, then fdt_check_header() and fdt_check_full() validate the header and
 * the whole structure block (so that later libfdt walks stay inside the blob), and from then on
 * every property is length-checked before use and every string is checked to end within its
 * property. Cell counts are taken from the right parent; only identity buses (empty ranges)
 * are understood. Failures name the node and the problem in the caller's buffer.
 *
 * Besides what septum drives, it records what it must never hand to a VM unawares: the GIC's
 * other frames (an ITS) and every device that can master DMA. Without an IOMMU, such a device
 * reads and writes any physical address for whoever programs it, so a VM given one reaches all
 * memory; board_passthrough_refuses() is the pass-through check built on these facts.
 */
#include <config/board.h>
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#define PSCI_0_2_CPU_ON_64 0xc4000003U
#define MPIDR_AFF_MASK     0xff00ffffffULL /* Aff3 [39:32], Aff2..Aff0 [23:0] */
#define GIC_PPI(n)         (16U + (n))
#define GIC_SPI(n)         (32U + (n))

#define NODE_TABLE_MAX 128
#define NODE_DEPTH_MAX 32

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Compatibles of devices that master DMA whatever else their node says (QEMU gives fw_cfg and
 * virtio-mmio dma-coherent, other boards may not): one table, a new one is one line. */
static const char *const dma_compat[] = {
    "qemu,fw-cfg-mmio",      /* QEMU's fw_cfg: its DMA interface writes any physical address */
    "virtio,mmio",           /* virtqueues and buffers: memory the device reads and writes */
    "arm,gic-v3-its",        /* the ITS keeps its tables in memory */
    "pci-host-ecam-generic", /* a PCI host bridge: every device behind it */
    "pci-host-cam-generic",
    "arm,smmu-v3", /* an IOMMU walks tables in memory, and whoever programs it */
    "arm,mmu-500", /* programs everyone's isolation */
    "arm,smmu-v2",
    "arm,mmu-401",
    "arm,pl330", /* DMA controllers */
    "arm,pl080",
    "arm,pl081",
    "arm,pl111", /* display controllers read their frame buffers */
    "arm,hdlcd",
    "generic-xhci", /* USB host controllers */
    "generic-ehci",
    "generic-ohci",
    "calxeda,hb-xgmac", /* Ethernet MACs (QEMU's platform-bus xgmac among them) */
    "snps,dwmac",
    "cdns,gem",
};

/* The properties the parse asks about by name, kept per node (see parse_t). */
enum {
    P_COMPATIBLE,
    P_ADDRESS_CELLS,
    P_SIZE_CELLS,
    P_REG,
    P_RANGES,
    P_DMA_RANGES,
    P_IOMMUS,
    P_DMA_COHERENT,
    P_DMA_NONCOHERENT,
    P_DEVICE_TYPE,
    P_STATUS,
    P_INTERRUPTS,
    P_INTERRUPT_PARENT,
    P_NUM
};
static const char *const prop_name[P_NUM] = {
    "compatible",      "#address-cells", "#size-cells",     "reg",         "ranges", "dma-ranges",
    "iommus",          "dma-coherent",   "dma-noncoherent", "device_type", "status", "interrupts",
    "interrupt-parent"};

/* One node of the table: pointers into the blob, as libfdt would return them. */
typedef struct node {
    int off, parent;  /* offsets of the node and its parent (root: -FDT_ERR_NOTFOUND) */
    const char *name; /* as fdt_get_name() gives it */
    int name_len;
    uint8_t depth;
    const void *val[P_NUM]; /* the first property of each name (NULL: none) */
    int len[P_NUM];
} node_t;

/* The table of one parse (board_parse runs once at a time: on the boot CPU before the others
 * start, or in a single-threaded test): too large for a 16 KiB stack. */
static node_t board_nodes[NODE_TABLE_MAX];

typedef struct parse {
    const void *fdt;
    board_t *b;
    char *why;
    size_t why_len;
    int gic;              /* offset of the GIC node, once found */
    uint32_t gic_phandle; /* its phandle (0: none) */
    /* Every node with its parent, depth, name and the properties lookups ask about, from one
     * walk that reads each node's properties once. libfdt finds a parent, a path, a node by
     * compatible or a property by rescanning the tree or the node; each walk of QEMU's tree
     * costs about 150,000 instructions and parsing made dozens (7.4 M instructions of boot).
     * node_all false: too many nodes or too deep, every lookup asks libfdt. */
    node_t *node; /* board_nodes */
    unsigned node_num;
    bool node_all;
    unsigned irq_cells; /* the GIC's #interrupt-cells */
    char path[128];     /* scratch for one node path per message */
} parse_t;

/* a reg property decoded with its parent's cell sizes */
typedef struct reg {
    const fdt32_t *c;
    unsigned ac, sc, num;
} reg_t;

/* Fill why and evaluate to err. */
#define FAIL(p, err, ...) (snprintf((p)->why, (p)->why_len, __VA_ARGS__), (err))

/* node's entry in the table (offsets ascend in walk order), or NULL */
static const node_t *node_at(const parse_t *p, int node)
{
    unsigned lo = 0, hi = p->node_all ? p->node_num : 0;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (p->node[mid].off < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->node_num && p->node_all && p->node[lo].off == node ? &p->node[lo] : NULL;
}

/* node's path from the table's parent links and names (fdt_get_path walks the tree from the
 * root to find it); -1 if a node is not in the table or the path is too long */
static int path_from_index(parse_t *p, int node)
{
    const node_t *chain[NODE_DEPTH_MAX], *n = node_at(p, node);
    unsigned num = 0;
    size_t at = 0;
    for (; n && n->depth; n = node_at(p, n->parent))
        chain[num++] = n;
    if (!n)
        return -1;
    p->path[at++] = '/';
    while (num--) {
        n = chain[num];
        if (!n->name || n->name_len < 0 || at + (size_t)n->name_len + 1 >= sizeof(p->path))
            return -1;
        memcpy(p->path + at, n->name, (size_t)n->name_len);
        at += (size_t)n->name_len;
        if (num)
            p->path[at++] = '/';
    }
    p->path[at] = '\0';
    return 0;
}

static const char *path_of(parse_t *p, int node)
{
    if (path_from_index(p, node) < 0 && fdt_get_path(p->fdt, node, p->path, sizeof(p->path)) < 0)
        snprintf(p->path, sizeof(p->path), "(node at offset %d)", node);
    return p->path;
}

/* The properties of node n that lookups ask about, read in one pass over them. */
static void index_props(parse_t *p, node_t *n)
{
    int prop;
    for (unsigned i = 0; i < P_NUM; i++)
        n->len[i] = -FDT_ERR_NOTFOUND;
    fdt_for_each_property_offset(prop, p->fdt, n->off)
    {
        const char *name;
        int len;
        const void *v = fdt_getprop_by_offset(p->fdt, prop, &name, &len);
        for (unsigned i = 0; v && name && i < P_NUM; i++)
            if (!n->val[i] && name[0] == prop_name[i][0] && !strcmp(name, prop_name[i])) {
                n->val[i] = v;
                n->len[i] = len;
                break;
            }
    }
}

/* fdt_getprop() for a property the table keeps */
static const void *getprop(const parse_t *p, int node, unsigned prop, int *lenp)
{
    const node_t *n = node_at(p, node);
    if (!n)
        return fdt_getprop(p->fdt, node, prop_name[prop], lenp);
    if (lenp)
        *lenp = n->len[prop];
    return n->val[prop];
}

static void index_nodes(parse_t *p)
{
    int stack[NODE_DEPTH_MAX], depth = 0;
    p->node = board_nodes;
    p->node_num = 0;
    p->node_all = true;
    for (int off = 0; off >= 0 && depth >= 0; off = fdt_next_node(p->fdt, off, &depth)) {
        if (depth >= NODE_DEPTH_MAX || p->node_num == NODE_TABLE_MAX) {
            p->node_all = false;
            return;
        }
        node_t *n = &p->node[p->node_num++];
        memset(n, 0, sizeof(*n));
        stack[depth] = off;
        n->off = off;
        n->parent = depth ? stack[depth - 1] : -FDT_ERR_NOTFOUND;
        n->depth = (uint8_t)depth;
        n->name = fdt_get_name(p->fdt, off, &n->name_len);
        index_props(p, n);
    }
}

/* fdt_node_offset_by_compatible() on the table: the first node after from (-1: from the root)
 * whose compatible list holds compat. */
static int find_compatible(const parse_t *p, int from, const char *compat)
{
    if (!p->node_all)
        return fdt_node_offset_by_compatible(p->fdt, from, compat);
    for (const node_t *n = p->node; n < p->node + p->node_num; n++)
        if (n->off > from && n->val[P_COMPATIBLE] &&
            fdt_stringlist_contains(n->val[P_COMPATIBLE], n->len[P_COMPATIBLE], compat))
            return n->off;
    return -FDT_ERR_NOTFOUND;
}

/* fdt_subnode_offset_namelen() on the table: parent's first child called name, or name@unit
 * when name has no unit address, as libfdt matches it. */
static int child_named(const parse_t *p, int parent, const char *name, size_t len)
{
    if (!p->node_all)
        return fdt_subnode_offset_namelen(p->fdt, parent, name, (int)len);
    for (const node_t *n = p->node + 1; n < p->node + p->node_num; n++)
        if (n->parent == parent && n->name && (size_t)n->name_len >= len &&
            !memcmp(n->name, name, len) &&
            ((size_t)n->name_len == len || (n->name[len] == '@' && !memchr(name, '@', len))))
            return n->off;
    return -FDT_ERR_NOTFOUND;
}

/* fdt_path_offset_namelen() on the table, for absolute paths: each component in turn,
 * repeated slashes skipped. */
static int path_lookup(const parse_t *p, const char *path, size_t len)
{
    const char *s = path, *end = path + len;
    int node = 0;
    if (!p->node_all || !len || path[0] != '/')
        return fdt_path_offset_namelen(p->fdt, path, (int)len);
    while (s < end) {
        while (s < end && *s == '/')
            s++;
        if (s == end)
            break;
        const char *q = memchr(s, '/', (size_t)(end - s));
        if (!q)
            q = end;
        if ((node = child_named(p, node, s, (size_t)(q - s))) < 0)
            return node;
        s = q;
    }
    return node;
}

/* fdt_path_offset(fdt, "/name") on the table. */
static int root_child(const parse_t *p, const char *name)
{
    char path[32]; /* names are short constants here */
    int n = snprintf(path, sizeof(path), "/%s", name);
    return path_lookup(p, path, (size_t)n);
}

/* fdt_next_node() on the table: the node after node in walk order, and its depth. */
static int next_node(const parse_t *p, int node, int *depth)
{
    const node_t *n = node_at(p, node);
    if (!n)
        return fdt_next_node(p->fdt, node, depth);
    if (++n == p->node + p->node_num)
        return -FDT_ERR_NOTFOUND;
    *depth = n->depth;
    return n->off;
}

static int parent_of(const parse_t *p, int node)
{
    const node_t *n = node_at(p, node);
    return n ? n->parent : fdt_parent_offset(p->fdt, node);
}

static int depth_of(const parse_t *p, int node)
{
    const node_t *n = node_at(p, node);
    return n ? n->depth : fdt_node_depth(p->fdt, node);
}

static uint64_t read_cells(const fdt32_t *c, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = (v << 32) | fdt32_ld(&c[i]);
    return v;
}

static bool wraps(board_range_t r) { return r.size > UINT64_MAX - r.base; }

/* status absent, "okay" or "ok" */
static bool enabled(parse_t *p, int node)
{
    int len;
    const char *s = getprop(p, node, P_STATUS, &len);
    return !s || (len == 5 && !memcmp(s, "okay", 5)) || (len == 3 && !memcmp(s, "ok", 3));
}

/* First string of a string property, NULL if absent (or empty); *rc is set, with a message,
 * when the property is there but its strings are not NUL-terminated inside it. */
static const char *prop_str(parse_t *p, int node, const char *name, int *rc)
{
    int len;
    const char *s = fdt_stringlist_get(p->fdt, node, name, 0, &len);
    *rc = 0;
    if (!s && len != -FDT_ERR_NOTFOUND)
        *rc = FAIL(p, -EINVAL, "%s: %s is not a NUL-terminated string", path_of(p, node), name);
    return s;
}

/* #address-cells / #size-cells that node gives its children (absent: 2 and 1, as the DT spec
 * says); septum reads 1..max_ac address cells (3 only where they are skipped: PCI) and
 * min_sc..2 size cells. */
static int cells_upto(parse_t *p, int node, unsigned *ac, unsigned *sc, unsigned min_sc,
                      unsigned max_ac)
{
    unsigned *out[2] = {ac, sc}, dflt[2] = {2, 1}, min[2] = {1, min_sc}, max[2] = {max_ac, 2};
    for (unsigned i = 0; i < 2; i++) {
        int len;
        const fdt32_t *v = getprop(p, node, P_ADDRESS_CELLS + i, &len);
        *out[i] = v ? fdt32_ld(v) : dflt[i];
        if (v && len != 4)
            return FAIL(p, -EINVAL, "%s: %s is %d bytes, expected 4", path_of(p, node),
                        prop_name[P_ADDRESS_CELLS + i], len);
        if (*out[i] < min[i] || *out[i] > max[i])
            return FAIL(p, -ENOTSUP, "%s: %s %u unsupported", path_of(p, node),
                        prop_name[P_ADDRESS_CELLS + i], *out[i]);
    }
    return 0;
}

static int cells(parse_t *p, int node, unsigned *ac, unsigned *sc, unsigned min_sc)
{
    return cells_upto(p, node, ac, sc, min_sc, 2);
}

/* node's reg, sized by its parent's cells. Every bus between node and the root must be an
 * identity bus (empty ranges): translation is not implemented, so it is refused. */
static int reg_of(parse_t *p, int node, reg_t *r)
{
    int depth = depth_of(p, node), len, rc;
    if (depth < 1)
        return FAIL(p, -EINVAL, "%s: not below the root", path_of(p, node));
    int bus = parent_of(p, node);
    for (int d = depth - 1; d >= 1; d--, bus = parent_of(p, bus)) {
        const void *ranges = getprop(p, bus, P_RANGES, &len);
        if (!ranges || len != 0)
            return FAIL(p, -ENOTSUP,
                        "%s: a parent bus has %s ranges; address translation is "
                        "unsupported",
                        path_of(p, node), ranges ? "non-empty" : "no");
    }
    int parent = parent_of(p, node);
    if ((rc = cells(p, parent, &r->ac, &r->sc, 1)))
        return rc;
    r->c = getprop(p, node, P_REG, &len);
    if (!r->c)
        return FAIL(p, -EINVAL, "%s: no reg", path_of(p, node));
    unsigned entry = 4 * (r->ac + r->sc);
    if (len <= 0 || (unsigned)len % entry)
        return FAIL(p, -EINVAL,
                    "%s: reg length %d is not a multiple of %u (#address-cells=%u, "
                    "#size-cells=%u)",
                    path_of(p, node), len, entry, r->ac, r->sc);
    r->num = (unsigned)len / entry;
    return 0;
}

static int reg_get(parse_t *p, int node, const reg_t *r, unsigned i, board_range_t *out)
{
    const fdt32_t *c = r->c + i * (r->ac + r->sc);
    out->base = read_cells(c, r->ac);
    out->size = read_cells(c + r->ac, r->sc);
    if (wraps(*out))
        return FAIL(p, -EINVAL, "%s: reg entry %u (0x%lx+0x%lx) wraps around", path_of(p, node), i,
                    (unsigned long)out->base, (unsigned long)out->size);
    return 0;
}

/* INTID of entry idx of node's interrupts (GIC binding: <type number flags [partition]>).
 * Outside the GIC node itself, the interrupt parent (node's or its nearest ancestor's
 * interrupt-parent) must be the GIC. -ENOENT, without a message, if there is no such entry. */
static int irq_get(parse_t *p, int node, unsigned idx, bool ppi_only, uint32_t *intid)
{
    int len, n = node;
    const fdt32_t *c = getprop(p, node, P_INTERRUPTS, &len);
    unsigned entry = 4 * p->irq_cells;
    if (!c || len <= 0)
        return -ENOENT;
    if ((unsigned)len % entry)
        return FAIL(p, -EINVAL,
                    "%s: interrupts length %d is not a multiple of %u "
                    "(#interrupt-cells=%u)",
                    path_of(p, node), len, entry, p->irq_cells);
    if ((unsigned)len / entry <= idx)
        return -ENOENT;
    /* the phandle is compared with the GIC's, not resolved: resolving one scans the whole tree,
     * and the timer alone has four interrupts */
    while (node != p->gic && n >= 0) {
        int plen;
        const fdt32_t *ph = getprop(p, n, P_INTERRUPT_PARENT, &plen);
        if (ph) {
            n = plen == 4 && p->gic_phandle && fdt32_ld(ph) == p->gic_phandle ? p->gic : -1;
            break;
        }
        n = parent_of(p, n);
    }
    if (n != p->gic)
        return FAIL(p, -ENOTSUP, "%s: interrupt parent is not the GIC", path_of(p, node));
    uint32_t type = fdt32_ld(&c[idx * p->irq_cells]), num = fdt32_ld(&c[idx * p->irq_cells + 1]);
    if (type == 1 && num < 16)
        *intid = GIC_PPI(num);
    else if (type == 0 && num < 988 && !ppi_only)
        *intid = GIC_SPI(num);
    else
        return FAIL(p, -EINVAL, "%s: interrupt %u <%u %u> is not a valid %s", path_of(p, node), idx,
                    type, num, ppi_only ? "PPI" : "PPI or SPI");
    return 0;
}

/* Insert r into arr, kept sorted by base. */
static int add_range(parse_t *p, board_range_t *arr, unsigned *num, unsigned max, board_range_t r,
                     const char *what)
{
    if (*num >= max)
        return FAIL(p, -E2BIG, "more than %u %s ranges", max, what);
    unsigned i = (*num)++;
    for (; i > 0 && arr[i - 1].base > r.base; i--)
        arr[i] = arr[i - 1];
    arr[i] = r;
    return 0;
}

/* ---- where a node answers, in root addresses, for the records below ---- */

typedef int (*range_add_t)(parse_t *p, int node, board_range_t r, const char *why);

/* How node's registers reach the root: -1 through identity buses only (its reg is in root
 * addresses); -2 not at all (a bus on the way has no ranges: the CPU cannot address node);
 * else the offset of the topmost bus that translates, whose windows hold node. */
static int translating_bus(parse_t *p, int node)
{
    int top = -1, len;
    for (int bus = parent_of(p, node); bus > 0; bus = parent_of(p, bus)) {
        if (!getprop(p, bus, P_RANGES, &len))
            return -2;
        if (len)
            top = bus;
    }
    return top;
}

/* The parent side of bus's ranges, each window to add: root addresses, as every bus above bus
 * is an identity bus. The child side is only skipped, so it may have 3 cells (PCI). */
static int bus_windows(parse_t *p, int bus, int node, range_add_t add, const char *why)
{
    unsigned cac, csc, pac, psc;
    int len, rc;
    if ((rc = cells_upto(p, bus, &cac, &csc, 1, 3)) ||
        (rc = cells(p, parent_of(p, bus), &pac, &psc, 1)))
        return rc;
    const fdt32_t *c = getprop(p, bus, P_RANGES, &len);
    unsigned entry = 4 * (cac + pac + csc);
    if (!c || len <= 0 || (unsigned)len % entry)
        return FAIL(p, -EINVAL, "%s: ranges length %d is not a multiple of %u", path_of(p, bus),
                    len, entry);
    for (unsigned i = 0; i < (unsigned)len / entry; i++, c += entry / 4) {
        board_range_t w = {read_cells(c + cac, pac), read_cells(c + cac + pac, csc)};
        if (wraps(w))
            return FAIL(p, -EINVAL, "%s: ranges entry %u (0x%lx+0x%lx) wraps around",
                        path_of(p, bus), i, (unsigned long)w.base, (unsigned long)w.size);
        if (w.size && (rc = add(p, node, w, why)))
            return rc;
    }
    return 0;
}

/* Every range where node's registers may answer: its reg entries, or, behind a translating
 * bus (which septum does not translate), that bus's whole windows. */
static int node_ranges(parse_t *p, int node, range_add_t add, const char *why)
{
    int bus = translating_bus(p, node), rc;
    reg_t r;
    if (bus >= 0)
        return bus_windows(p, bus, node, add, why);
    if (bus == -2 || !getprop(p, node, P_REG, NULL))
        return 0;
    if ((rc = reg_of(p, node, &r)))
        return rc;
    for (unsigned i = 0; i < r.num; i++) {
        board_range_t m;
        if ((rc = reg_get(p, node, &r, i, &m)))
            return rc;
        if (m.size && (rc = add(p, node, m, why)))
            return rc;
    }
    return 0;
}

/* The board table's DRAM windows: a range that starts inside a window and runs past its end is
 * cut there, and what ran past continues at the next window's base (where it may be cut again).
 * Ranges the DT states elsewhere are taken as stated. */
static int ddr_windows(parse_t *p)
{
    board_t *b = p->b;
    const plat_range_t *ddr = b->plat ? b->plat->ddr : NULL;
    /* each pass cuts one range and adds one, so add_range's limit ends the loop */
    for (bool again = ddr != NULL; again;) {
        again = false;
        for (unsigned i = 0; i < b->mem_num && !again; i++)
            for (unsigned w = 0; w + 1 < PLAT_DDR_MAX && ddr[w + 1].size && !again; w++) {
                board_range_t *m = &b->mem[i];
                uint64_t end = ddr[w].base + ddr[w].size;
                if (m->base < ddr[w].base || m->base >= end || m->size <= end - m->base)
                    continue;
                board_range_t rest = {ddr[w + 1].base, m->size - (end - m->base)};
                if (wraps(rest))
                    return FAIL(p, -EINVAL,
                                "memory 0x%lx+0x%lx: what lies past 0x%lx does not fit at 0x%lx",
                                (unsigned long)m->base, (unsigned long)m->size, (unsigned long)end,
                                (unsigned long)rest.base);
                m->size = end - m->base;
                b->mem_moved += rest.size;
                int rc = add_range(p, b->mem, &b->mem_num, BOARD_MEM_MAX, rest, "memory");
                if (rc)
                    return rc;
                again = true;
            }
    }
    return 0;
}

/* fdt_node_offset_by_prop_value(device_type = "memory") on the table: the next such node after
 * from. */
static int find_memory(const parse_t *p, int from)
{
    if (!p->node_all)
        return fdt_node_offset_by_prop_value(p->fdt, from, "device_type", "memory", 7);
    for (const node_t *n = p->node; n < p->node + p->node_num; n++)
        if (n->off > from && n->len[P_DEVICE_TYPE] == 7 &&
            !memcmp(n->val[P_DEVICE_TYPE], "memory", 7))
            return n->off;
    return -FDT_ERR_NOTFOUND;
}

/* Zero-sized memory entries are skipped (firmware leaves them for absent banks); anything not
 * 4 KiB-aligned is refused, as are overlapping banks. */
static int parse_memory(parse_t *p)
{
    board_t *b = p->b;
    int node = -1, rc;
    while ((node = find_memory(p, node)) >= 0) {
        reg_t r;
        if (!enabled(p, node))
            continue;
        if ((rc = reg_of(p, node, &r)))
            return rc;
        for (unsigned i = 0; i < r.num; i++) {
            board_range_t m;
            if ((rc = reg_get(p, node, &r, i, &m)))
                return rc;
            if (!m.size)
                continue;
            if ((m.base | m.size) & 0xfff)
                return FAIL(p, -EINVAL, "%s: memory 0x%lx+0x%lx is not 4 KiB-aligned",
                            path_of(p, node), (unsigned long)m.base, (unsigned long)m.size);
            if ((rc = add_range(p, b->mem, &b->mem_num, BOARD_MEM_MAX, m, "memory")))
                return rc;
        }
    }
    if (!b->mem_num)
        return FAIL(p, -ENOENT, "no memory node (device_type \"memory\") with a non-empty reg");
    if ((rc = ddr_windows(p)))
        return rc;
    for (unsigned i = 1; i < b->mem_num; i++)
        if (b->mem[i].base < b->mem[i - 1].base + b->mem[i - 1].size)
            return FAIL(p, -EINVAL, "memory ranges at 0x%lx and 0x%lx overlap",
                        (unsigned long)b->mem[i - 1].base, (unsigned long)b->mem[i].base);
    return 0;
}

static int parse_reserved(parse_t *p)
{
    board_t *b = p->b;
    int n = fdt_num_mem_rsv(p->fdt), node, rc;
    if (n < 0)
        return FAIL(p, -EINVAL, "DTB: /memreserve/ block: %s", fdt_strerror(n));
    for (int i = 0; i < n; i++) {
        board_range_t r;
        if ((rc = fdt_get_mem_rsv(p->fdt, i, &r.base, &r.size)) < 0)
            return FAIL(p, -EINVAL, "DTB: /memreserve/ entry %d: %s", i, fdt_strerror(rc));
        if (wraps(r))
            return FAIL(p, -EINVAL, "/memreserve/ entry %d (0x%lx+0x%lx) wraps around", i,
                        (unsigned long)r.base, (unsigned long)r.size);
        if ((rc = add_range(p, b->resv, &b->resv_num, BOARD_RESV_MAX, r, "reserved")))
            return rc;
    }
    int rmem = root_child(p, "reserved-memory");
    if (rmem < 0)
        return 0;
    fdt_for_each_subnode(node, p->fdt, rmem)
    {
        reg_t r;
        /* without reg, a region is placed dynamically by its user: nothing to avoid */
        if (!enabled(p, node) || !getprop(p, node, P_REG, NULL))
            continue;
        if ((rc = reg_of(p, node, &r)))
            return rc;
        for (unsigned i = 0; i < r.num; i++) {
            board_range_t m;
            if ((rc = reg_get(p, node, &r, i, &m)))
                return rc;
            if (m.size && (rc = add_range(p, b->resv, &b->resv_num, BOARD_RESV_MAX, m, "reserved")))
                return rc;
        }
    }
    return 0;
}

static int parse_cpus(parse_t *p)
{
    board_t *b = p->b;
    int cpus = root_child(p, "cpus"), node, len, rc;
    unsigned ac, sc;
    if (cpus < 0)
        return FAIL(p, -ENOENT, "no /cpus node");
    if ((rc = cells(p, cpus, &ac, &sc, 0)))
        return rc;
    fdt_for_each_subnode(node, p->fdt, cpus)
    {
        const char *type = prop_str(p, node, "device_type", &rc);
        if (rc)
            return rc;
        if (!type || strcmp(type, "cpu"))
            continue;
        if (b->cpu_num == BOARD_CPU_MAX)
            return FAIL(p, -E2BIG, "more than %u CPUs", BOARD_CPU_MAX);
        const fdt32_t *reg = getprop(p, node, P_REG, &len);
        if (!reg)
            return FAIL(p, -EINVAL, "%s: no reg", path_of(p, node));
        if (len <= 0 || (unsigned)len % (4 * ac))
            return FAIL(p, -EINVAL, "%s: reg length %d is not a multiple of %u (#address-cells=%u)",
                        path_of(p, node), len, 4 * ac, ac);
        uint64_t mpidr = read_cells(reg, ac);
        if (mpidr & ~MPIDR_AFF_MASK)
            return FAIL(p, -EINVAL, "%s: reg 0x%lx is not an MPIDR affinity value",
                        path_of(p, node), (unsigned long)mpidr);
        for (unsigned i = 0; i < b->cpu_num; i++)
            if (b->cpu[i].mpidr == mpidr)
                return FAIL(p, -EINVAL, "%s: MPIDR 0x%lx listed twice", path_of(p, node),
                            (unsigned long)mpidr);
        int m = fdt_stringlist_search(p->fdt, node, "enable-method", "psci");
        if (m < 0 && m != -FDT_ERR_NOTFOUND)
            return FAIL(p, -EINVAL, "%s: enable-method is not a NUL-terminated string list",
                        path_of(p, node));
        b->cpu[b->cpu_num].mpidr = mpidr;
        b->cpu[b->cpu_num].psci = m >= 0;
        b->cpu_num++;
    }
    if (!b->cpu_num)
        return FAIL(p, -ENOENT, "/cpus: no CPU nodes (device_type \"cpu\")");
    return 0;
}

static int parse_psci(parse_t *p)
{
    static const char *const compat[] = {"arm,psci-1.0", "arm,psci-0.2", "arm,psci"};
    int node = -FDT_ERR_NOTFOUND, len, rc;
    for (unsigned i = 0; i < 3 && node < 0; i++)
        node = find_compatible(p, -1, compat[i]);
    if (node < 0)
        return 0;
    const char *method = prop_str(p, node, "method", &rc);
    if (rc)
        return rc;
    if (!method)
        return FAIL(p, -EINVAL, "%s: no method", path_of(p, node));
    if (strcmp(method, "smc") && strcmp(method, "hvc"))
        return FAIL(p, -EINVAL, "%s: method \"%.16s\" is neither smc nor hvc", path_of(p, node),
                    method);
    p->b->psci.conduit = method[0] == 's' ? BOARD_CONDUIT_SMC : BOARD_CONDUIT_HVC;
    p->b->psci.v0_2_or_later = !fdt_node_check_compatible(p->fdt, node, "arm,psci-0.2") ||
                               !fdt_node_check_compatible(p->fdt, node, "arm,psci-1.0");
    p->b->psci.cpu_on_id = PSCI_0_2_CPU_ON_64;
    if (!p->b->psci.v0_2_or_later) {
        const fdt32_t *id = fdt_getprop(p->fdt, node, "cpu_on", &len);
        if (!id || len != 4)
            return FAIL(p, -EINVAL, "%s: PSCI 0.1 without a 4-byte cpu_on", path_of(p, node));
        p->b->psci.cpu_on_id = fdt32_ld(id);
    }
    p->b->psci.present = true;
    return 0;
}

static int parse_gic(parse_t *p)
{
    static const char *const compat[] = {"arm,gic-v3", "arm,gic-400", "arm,cortex-a15-gic"};
    board_t *b = p->b;
    int node = -FDT_ERR_NOTFOUND, len, rc;
    for (unsigned i = 0; i < 3 && node < 0; i++)
        node = find_compatible(p, -1, compat[i]);
    if (node < 0)
        return FAIL(p, -ENOENT,
                    "no GIC found (compatible arm,gic-v3, arm,gic-400 or "
                    "arm,cortex-a15-gic)");
    p->gic = node;
    p->gic_phandle = fdt_get_phandle(p->fdt, node);
    b->gic.version = fdt_node_check_compatible(p->fdt, node, "arm,gic-v3") ? 2 : 3;
    const fdt32_t *v = fdt_getprop(p->fdt, node, "#interrupt-cells", &len);
    if (!v || len != 4)
        return FAIL(p, -EINVAL, "%s: #interrupt-cells missing or not 4 bytes", path_of(p, node));
    p->irq_cells = fdt32_ld(v);
    if (p->irq_cells != 3 && !(p->irq_cells == 4 && b->gic.version == 3))
        return FAIL(p, -ENOTSUP, "%s: #interrupt-cells %u unsupported", path_of(p, node),
                    p->irq_cells);
    if (b->gic.version == 3 && (v = fdt_getprop(p->fdt, node, "#redistributor-regions", &len)) &&
        (len != 4 || fdt32_ld(v) != 1))
        return FAIL(p, -ENOTSUP, "%s: only one redistributor region is supported",
                    path_of(p, node));
    /* reg order: GICv3 GICD, GICR[, GICC, GICH, GICV]; GICv2 GICD, GICC[, GICH, GICV] */
    board_range_t *v3[] = {&b->gic.dist, &b->gic.redist, &b->gic.cpuif, &b->gic.hyp_ctrl,
                           &b->gic.vcpuif};
    board_range_t *v2[] = {&b->gic.dist, &b->gic.cpuif, &b->gic.hyp_ctrl, &b->gic.vcpuif};
    board_range_t **dst = b->gic.version == 3 ? v3 : v2;
    unsigned ndst = b->gic.version == 3 ? 5 : 4;
    reg_t r;
    if ((rc = reg_of(p, node, &r)))
        return rc;
    if (r.num < 2)
        return FAIL(p, -EINVAL, "%s: reg has %u entries; a GICv%u needs at least 2",
                    path_of(p, node), r.num, b->gic.version);
    for (unsigned i = 0; i < r.num && i < ndst; i++)
        if ((rc = reg_get(p, node, &r, i, dst[i])))
            return rc;
    if (!b->gic.dist.size || !dst[1]->size)
        return FAIL(p, -EINVAL, "%s: empty register frame in reg", path_of(p, node));
    rc = irq_get(p, node, 0, true, &b->gic.maint_irq);
    return rc == -ENOENT ? 0 : rc;
}

static int add_gic_frame(parse_t *p, int node, board_range_t r, const char *why)
{
    (void)why;
    if (p->b->gic.frame_num == BOARD_GIC_FRAME_MAX)
        return FAIL(p, -E2BIG, "%s: more than %u GIC frames below the GIC", path_of(p, node),
                    BOARD_GIC_FRAME_MAX);
    p->b->gic.frame[p->b->gic.frame_num++] = r;
    return 0;
}

/* The GIC's children with registers of their own (an ITS, GICv2m MSI frames) are the GIC too:
 * never a VM's, whatever their status. */
static int parse_gic_frames(parse_t *p)
{
    int node, rc;
    fdt_for_each_subnode(node, p->fdt, p->gic)
    {
        if ((rc = node_ranges(p, node, add_gic_frame, NULL)))
            return rc;
    }
    return 0;
}

static int parse_timer(parse_t *p)
{
    int node = find_compatible(p, -1, "arm,armv8-timer");
    if (node < 0)
        return 0;
    for (unsigned i = 0; i < 4; i++) {
        int rc = irq_get(p, node, i, true, &p->b->timer.irq[i]);
        if (rc == -ENOENT)
            return FAIL(p, -EINVAL, "%s: fewer than 4 interrupts", path_of(p, node));
        if (rc)
            return rc;
    }
    p->b->timer.present = true;
    return 0;
}

/* The node stdout-path names: "/full/path" or "alias", options after ':' ignored. Alias
 * values are checked to be strings here (libfdt would strlen() them unchecked). */
static int stdout_node(parse_t *p, const char *out)
{
    int n = (int)strcspn(out, ":"), len;
    if (out[0] == '/')
        return path_lookup(p, out, (size_t)n);
    int aliases = root_child(p, "aliases");
    const char *to = aliases < 0 ? NULL : fdt_getprop_namelen(p->fdt, aliases, out, n, &len);
    if (!to || len <= 0 || to[len - 1] != '\0' || to[0] != '/')
        return -FDT_ERR_BADPATH;
    return path_lookup(p, to, strlen(to));
}

/* Why stdout-path gave no console septum drives, for the boot log (the board's table may still
 * give one). */
#define UART_NOTE(p, ...) snprintf((p)->b->uart.note, sizeof((p)->b->uart.note), __VA_ARGS__)

/* node as the console, with drv as its driver */
static int uart_node(parse_t *p, int node, const uart_driver_t *drv)
{
    reg_t r;
    int rc;
    if ((rc = reg_of(p, node, &r)) || (rc = reg_get(p, node, &r, 0, &p->b->uart.reg)))
        return rc;
    if (!p->b->uart.reg.size)
        return FAIL(p, -EINVAL, "%s: empty reg", path_of(p, node));
    rc = irq_get(p, node, 0, false, &p->b->uart.irq);
    if (rc && rc != -ENOENT)
        return rc;
    if (path_from_index(p, node) < 0 && fdt_get_path(p->fdt, node, p->path, sizeof(p->path)) < 0)
        p->path[0] = '\0';
    if (strlen(p->path) < sizeof(p->b->uart.path)) /* "" if longer, as documented */
        memcpy(p->b->uart.path, p->path, strlen(p->path) + 1);
    p->b->uart.driver = drv;
    p->b->uart.present = true;
    return 0;
}

/* The driver for node's compatible (NULL if none), with a note saying why not. */
static const uart_driver_t *uart_driver_of(parse_t *p, int node)
{
    int len;
    const char *compat = getprop(p, node, P_COMPATIBLE, &len);
    const uart_driver_t *drv = uart_driver_find(compat, len, NULL);
    if (!drv && (!compat || len <= 0 || compat[len - 1]))
        UART_NOTE(p, "%s (stdout-path) has no usable compatible", path_of(p, node));
    else if (!drv)
        UART_NOTE(p, "%s (stdout-path): no console driver for compatible \"%.40s\"",
                  path_of(p, node), compat);
    return drv;
}

/* The board table's console, if the board has a table whose console septum drives. */
static bool uart_table(parse_t *p)
{
    const platform_t *plat = p->b->plat;
    const uart_driver_t *drv = plat ? uart_driver_named(plat->console.compatible) : NULL;
    if (!drv)
        return false;
    p->b->uart.reg = (board_range_t){plat->console.base, 0x1000};
    p->b->uart.irq = plat->console.irq;
    p->b->uart.driver = drv;
    p->b->uart.from_table = true;
    p->b->uart.present = true;
    return true;
}

/* The console: see board_parse. out is stdout-path's value (NULL: absent); garbled, that it is
 * there but no string. */
static int parse_uart(parse_t *p, const char *out, bool garbled)
{
    int node;
    const uart_driver_t *drv;
    if (garbled) {
        UART_NOTE(p, "/chosen: stdout-path is not a NUL-terminated string");
    } else if (out) {
        node = stdout_node(p, out);
        if (node < 0)
            UART_NOTE(p, "/chosen: stdout-path \"%.40s\" names no node", out);
        else if (!enabled(p, node))
            UART_NOTE(p, "%s (stdout-path) is disabled", path_of(p, node));
        else if ((drv = uart_driver_of(p, node)) != NULL)
            return uart_node(p, node, drv);
    }
    if (uart_table(p) || out || garbled)
        return 0;
    /* no stdout-path and no table: the first enabled UART a driver knows (a walk in offset
     * order, so "first" is the device tree's own order) */
    int depth = 0;
    for (node = next_node(p, 0, &depth); node >= 0 && depth > 0;
         node = next_node(p, node, &depth)) {
        int len;
        const char *compat = getprop(p, node, P_COMPATIBLE, &len);
        if (compat && (drv = uart_driver_find(compat, len, NULL)) != NULL && enabled(p, node))
            return uart_node(p, node, drv);
    }
    return 0;
}

/* A console inside RAM would have septum write its log into memory it hands out. */
static int check_uart(parse_t *p)
{
    const board_t *b = p->b;
    board_range_t u = b->uart.reg;
    for (unsigned i = 0; b->uart.present && i < b->mem_num; i++)
        if (u.base < b->mem[i].base + b->mem[i].size && b->mem[i].base < u.base + u.size)
            return FAIL(p, -EINVAL,
                        "%s: the console UART's registers 0x%lx+0x%lx lie inside memory "
                        "0x%lx+0x%lx",
                        b->uart.path[0]      ? b->uart.path
                        : b->uart.from_table ? "the board table's console"
                                             : "stdout-path",
                        (unsigned long)u.base, (unsigned long)u.size, (unsigned long)b->mem[i].base,
                        (unsigned long)b->mem[i].size);
    return 0;
}

/* Why node can master DMA, or NULL. Its status does not matter: a disabled device still does
 * what a VM given its registers programs it to. */
static const char *dma_reason(parse_t *p, int node, bool below_dma_bus)
{
    int len;
    const char *compat = getprop(p, node, P_COMPATIBLE, &len);
    for (unsigned c = 0; compat && len > 0 && c < ARRAY_LEN(dma_compat); c++)
        if (fdt_stringlist_contains(compat, len, dma_compat[c]))
            return dma_compat[c];
    for (unsigned c = P_IOMMUS; c <= P_DMA_NONCOHERENT; c++)
        if (getprop(p, node, c, NULL))
            return prop_name[c];
    return below_dma_bus ? "below a bus with dma-ranges" : NULL;
}

static int add_dma(parse_t *p, int node, board_range_t r, const char *why)
{
    board_t *b = p->b;
    for (unsigned i = 0; i < b->dma_num; i++) /* a bus's windows, once for all its devices */
        if (b->dma[i].reg.base == r.base && b->dma[i].reg.size == r.size)
            return 0;
    if (b->dma_num == BOARD_DMA_MAX)
        return FAIL(p, -E2BIG, "%s: more than %u ranges of devices that can master DMA",
                    path_of(p, node), BOARD_DMA_MAX);
    board_dma_t *d = &b->dma[b->dma_num++];
    d->reg = r;
    d->why = why;
    snprintf(d->path, sizeof(d->path), "%s", path_of(p, node));
    return 0;
}

/* Every node that can master DMA, wherever its registers answer; a bus among them (a PCI host
 * bridge) adds its windows too, where the devices behind it answer. */
static int parse_dma(parse_t *p)
{
    /* dma_bus[d]: the node at depth d on the current path, or a bus above it, has dma-ranges
     * (kept during the walk: asking libfdt for parents would rescan the tree per node) */
    bool dma_bus[NODE_DEPTH_MAX] = {false};
    int depth = 0, rc;
    for (int node = next_node(p, 0, &depth); node >= 0 && depth > 0;
         node = next_node(p, node, &depth)) {
        bool below = false;
        if (depth < NODE_DEPTH_MAX) {
            below = depth > 1 && dma_bus[depth - 1];
            dma_bus[depth] = below || getprop(p, node, P_DMA_RANGES, NULL);
        } else { /* deeper than the path kept: ask the slow way */
            for (int bus = parent_of(p, node); bus > 0 && !below; bus = parent_of(p, bus))
                below = getprop(p, bus, P_DMA_RANGES, NULL) != NULL;
        }
        const char *why = dma_reason(p, node, below);
        int len;
        if (!why)
            continue;
        if ((rc = node_ranges(p, node, add_dma, why)))
            return rc;
        if (getprop(p, node, P_RANGES, &len) && len > 0 && translating_bus(p, node) == -1 &&
            (rc = bus_windows(p, node, node, add_dma, why)))
            return rc;
    }
    return 0;
}

/* linux,initrd-start/-end: one or two cells, whatever the root's #address-cells. */
static int addr_prop(parse_t *p, int node, const char *name, uint64_t *v, unsigned *found)
{
    int len;
    const fdt32_t *c = fdt_getprop(p->fdt, node, name, &len);
    if (!c)
        return 0;
    if (len != 4 && len != 8)
        return FAIL(p, -EINVAL, "/chosen: %s is %d bytes, expected 4 or 8", name, len);
    *v = read_cells(c, (unsigned)len / 4);
    (*found)++;
    return 0;
}

/* The board's entropy (board_t.seed): rng-seed first, kaslr-seed after it where room is left.
 * Any length is taken as given; whether it is enough is the user's question (boot/main.c). */
static void parse_seed(parse_t *p, int chosen)
{
    board_t *b = p->b;
    static const char *const names[] = {"rng-seed", "kaslr-seed"};
    for (unsigned i = 0; i < 2; i++) {
        int len;
        const uint8_t *v = fdt_getprop(p->fdt, chosen, names[i], &len);
        if (!v || len <= 0)
            continue;
        size_t room = sizeof(b->seed) - b->seed_len, n = (size_t)len < room ? (size_t)len : room;
        memcpy(b->seed + b->seed_len, v, n);
        b->seed_len += (uint32_t)n;
        if (i == 0)
            b->seed_rng_len = (uint32_t)len;
    }
}

static int parse_chosen(parse_t *p)
{
    board_t *b = p->b;
    int chosen = root_child(p, "chosen"), rc;
    unsigned initrd = 0;
    if (chosen < 0)
        return parse_uart(p, NULL, false);
    const char *s = prop_str(p, chosen, "bootargs", &rc);
    if (rc)
        return rc;
    if (s && strlen(s) >= sizeof(b->bootargs))
        return FAIL(p, -E2BIG, "/chosen: bootargs is %lu bytes, longer than %lu",
                    (unsigned long)strlen(s), (unsigned long)sizeof(b->bootargs) - 1);
    if (s)
        memcpy(b->bootargs, s, strlen(s) + 1);
    if ((rc = addr_prop(p, chosen, "linux,initrd-start", &b->initrd_start, &initrd)) ||
        (rc = addr_prop(p, chosen, "linux,initrd-end", &b->initrd_end, &initrd)))
        return rc;
    if (initrd == 1)
        return FAIL(p, -EINVAL, "/chosen: only one of linux,initrd-start and linux,initrd-end");
    if (b->initrd_end < b->initrd_start)
        return FAIL(p, -EINVAL, "/chosen: initrd ends (0x%lx) before it starts (0x%lx)",
                    (unsigned long)b->initrd_end, (unsigned long)b->initrd_start);
    parse_seed(p, chosen);
    /* a garbled stdout-path is reported and the board's console used: a board whose log cannot
     * be read is no safer for it */
    s = prop_str(p, chosen, "stdout-path", &rc);
    if (!s && !rc)
        s = prop_str(p, chosen, "linux,stdout-path", &rc);
    if (p->why_len)
        p->why[0] = '\0';
    return parse_uart(p, rc ? NULL : s, rc != 0);
}

/* The header, field by field, before libfdt reads anything else; then the whole structure. */
static int check_blob(parse_t *p, const void *fdt, size_t max_size)
{
    int rc;
    if (!fdt)
        return FAIL(p, -EINVAL, "DTB: none given (NULL)");
    if ((uintptr_t)fdt & 7)
        return FAIL(p, -EINVAL, "DTB: at %p, not 8-byte aligned (FDT_ERR_ALIGNMENT)", fdt);
    if (max_size < sizeof(struct fdt_header))
        return FAIL(p, -EINVAL, "DTB: buffer of %lu bytes is truncated (header is %lu)",
                    (unsigned long)max_size, (unsigned long)sizeof(struct fdt_header));
    if (fdt_magic(fdt) != FDT_MAGIC)
        return FAIL(p, -EINVAL, "DTB: bad magic 0x%08x (FDT_ERR_BADMAGIC)", fdt_magic(fdt));
    if (fdt_totalsize(fdt) > max_size)
        return FAIL(p, -E2BIG, "DTB: totalsize %u exceeds limit %lu", fdt_totalsize(fdt),
                    (unsigned long)max_size);
    /* libfdt loads tags and reserve entries as words: misaligned blocks would fault with the
     * MMU off, and the spec forbids them anyway */
    if ((fdt_off_dt_struct(fdt) & 3) || (fdt_off_mem_rsvmap(fdt) & 7))
        return FAIL(p, -EINVAL,
                    "DTB: misaligned block (structure at 0x%x, memory reserve map "
                    "at 0x%x)",
                    fdt_off_dt_struct(fdt), fdt_off_mem_rsvmap(fdt));
    if ((rc = fdt_check_header(fdt)))
        return FAIL(p, -EINVAL, "DTB: header check failed: %s", fdt_strerror(rc));
    /* before version 16 a node's name is its path: libfdt's fdt_check_full then reads through
     * the NULL name of a root without a '/' (libfdt 1.6.1) */
    if (fdt_version(fdt) < 17)
        return FAIL(p, -EINVAL, "DTB: version %u, older than 17 (FDT_ERR_BADVERSION)",
                    fdt_version(fdt));
    if ((rc = fdt_check_full(fdt, fdt_totalsize(fdt))))
        return FAIL(p, -EINVAL, "DTB: structure check failed: %s", fdt_strerror(rc));
    if (!fdt_get_name(fdt, 0, &rc)) /* an FDT_END-only structure block passes the check */
        return FAIL(p, -EINVAL, "DTB: no root node (%s)", fdt_strerror(rc));
    return 0;
}

static const platform_t *root_platform(const void *fdt)
{
    int len;
    const char *compat = fdt_getprop(fdt, 0, "compatible", &len);
    return compat ? platform_find(compat, len) : NULL;
}

const platform_t *board_platform(const void *fdt, size_t max_size)
{
    parse_t p = {.fdt = fdt};
    return check_blob(&p, fdt, max_size) ? NULL : root_platform(fdt);
}

int board_parse(const void *fdt, size_t max_size, board_t *b, char *why, size_t why_len)
{
    parse_t p = {.fdt = fdt, .b = b, .why = why_len ? why : NULL, .why_len = why ? why_len : 0};
    int rc;
    if (p.why_len)
        why[0] = '\0';
    if (!b)
        return FAIL(&p, -EINVAL, "board_parse: no board_t");
    memset(b, 0, sizeof(*b));
    if ((rc = check_blob(&p, fdt, max_size)))
        return rc;
    b->plat = root_platform(fdt);
    b->dtb_size = fdt_totalsize(fdt);
    index_nodes(&p);

    unsigned ac, sc;
    const char *model = prop_str(&p, 0, "model", &rc);
    if (rc || (rc = cells(&p, 0, &ac, &sc, 1))) {
        memset(b, 0, sizeof(*b));
        return rc;
    }
    if (model)
        snprintf(b->model, sizeof(b->model), "%s", model);
    if ((rc = parse_memory(&p)) || (rc = parse_reserved(&p)) || (rc = parse_cpus(&p)) ||
        (rc = parse_psci(&p)) || (rc = parse_gic(&p)) || (rc = parse_gic_frames(&p)) ||
        (rc = parse_timer(&p)) || (rc = parse_chosen(&p)) || (rc = check_uart(&p)) ||
        (rc = parse_dma(&p))) {
        memset(b, 0, sizeof(*b)); /* nothing half-parsed escapes */
        return rc;
    }
    return 0;
}

static bool overlaps(board_range_t r, uint64_t base, uint64_t size)
{
    return r.size && base < r.base + r.size && r.base < base + size;
}

const char *board_passthrough_refuses(const board_t *b, uint64_t base, uint64_t size,
                                      bool dma_unisolated, const board_dma_t **dma, char *buf,
                                      size_t len)
{
    const board_range_t gic[] = {b->gic.dist, b->gic.redist, b->gic.cpuif, b->gic.hyp_ctrl,
                                 b->gic.vcpuif};
    if (dma)
        *dma = NULL;
    if (!size || size > UINT64_MAX - base)
        return "its range is empty or wraps around";
    for (unsigned i = 0; i < ARRAY_LEN(gic); i++)
        if (overlaps(gic[i], base, size))
            return "it is the GIC";
    for (unsigned i = 0; i < b->gic.frame_num; i++)
        if (overlaps(b->gic.frame[i], base, size))
            return "it is the GIC"; /* an ITS also masters DMA: not even with consent */
    for (unsigned i = 0; i < b->mem_num; i++)
        if (overlaps(b->mem[i], base, size))
            return "it is RAM, not a device";
    for (unsigned i = 0; i < b->dma_num; i++) {
        if (!overlaps(b->dma[i].reg, base, size))
            continue;
        if (!dma_unisolated) {
            if (!buf || !len)
                return "it can master DMA and no IOMMU isolates it";
            /* the board's detail last: a long line loses that, not the remedy */
            snprintf(buf, len,
                     "it can master DMA, no IOMMU isolates it and septum,dma-unisolated is not "
                     "set (%s: %s)",
                     b->dma[i].path, b->dma[i].why);
            return buf;
        }
        if (dma && !*dma)
            *dma = &b->dma[i];
    }
    return NULL;
}
