/*
 * System description parsing (see core/sysdesc.h). Format, one node per VM under the root:
 *
 *   alpha {                                           the VM's name
 *       compatible = "septum,vm";
 *       cpus = <1>;                                   physical CPU per vCPU
 *       memory = <0x0 0x40000000 0x0 0x1000000>;      guest-physical RAM base, size
 *       kernel = "hello.bin";                         bundle entry
 *       kernel-load = <0x0 0x40080000>;               load address and entry
 *       kernel-xip;                                   optional: map read-only in place
 *       xip-size = <hi lo>;                           optional: its read-only window, zero past it
 *       bootargs = "...";                             optional
 *       on-fault = "inject";                          or "stop"
 *       septum,test-control;                          optional: may change its own regions
 *       septum,pmu;                                   optional: drives the PMU itself (benchmarks)
 *       initrd = "rootfs.cpio.gz"; initrd-load = <..>;   optional
 *       dtb-load = <hi lo>;                           optional: where its device tree goes
 *       dtb = "board.dtb";                            optional: instead of a generated one
 *       domid = <2>; grant-peers = <1 3>;             optional: its Xen domain id, its grant peers
 *       xen-guest;                                    optional: Xen's /hypervisor node in its
 *                                                     generated device tree (Linux becomes a
 *                                                     Xen guest)
 *       rtc@9010000 {                                 optional pass-through devices
 *           compatible = "septum,passthrough";
 *           reg = <0x0 0x9010000 0x0 0x1000>;         same address for guest and host
 *           interrupts = <2>;                         SPI numbers, each one VM's at most
 *           septum,dma-unisolated;                    a DMA master no IOMMU isolates: the VM
 *       };                                            can reach all memory (warned at boot)
 *   };
 */
#include <arch/page.h>
#include <config/bundle.h>
#include <config/sysdesc.h>
#include <errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct ctx {
    const void *fdt;
    char *why;
    size_t len;
    const char *node;
    const char *vm;
    const char *bad_prop; /* a string property that was not one: reported before anything else */
    uint64_t checked;     /* the bundle entries whose data was checked, by index */
} ctx_t;

static int bad(ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(ctx_t *c, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->bad_prop)
        snprintf(msg, sizeof(msg), "%s is not a NUL-terminated string", c->bad_prop);
    snprintf(c->why, c->len, "system description: %s%s%s%s: %s", c->node ? c->node : "/",
             c->vm ? " (" : "", c->vm ? c->vm : "", c->vm ? ")" : "", msg);
    return -EINVAL;
}

static const char *str(ctx_t *c, int node, const char *name, bool *bad_str)
{
    int len;
    const char *s = fdt_getprop(c->fdt, node, name, &len);
    if (!s)
        return NULL;
    if (len <= 0 || s[len - 1] != '\0' || strlen(s) + 1 != (size_t)len) {
        *bad_str = true;
        if (!c->bad_prop)
            c->bad_prop = name;
        return NULL;
    }
    return s;
}

static bool u64_pair(ctx_t *c, int node, const char *name, unsigned cells, uint64_t *v)
{
    int len;
    const fdt32_t *p = fdt_getprop(c->fdt, node, name, &len);
    if (!p || len != (int)(cells * 4))
        return false;
    for (unsigned i = 0; i < cells / 2; i++)
        v[i] = ((uint64_t)fdt32_ld(&p[2 * i]) << 32) | fdt32_ld(&p[2 * i + 1]);
    return true;
}

/* gpa..gpa+size lies inside one of the VM's memory ranges (the first stops at its DTB slot). */
#define XIP_SIZE_MAX (128UL << 20) /* both flash banks of QEMU's virt board */

static bool in_memory(const vm_config_t *cfg, uint64_t gpa, uint64_t size)
{
    for (unsigned m = 0; m < cfg->mem_num; m++) {
        uint64_t end = cfg->mem[m].gpa + cfg->mem[m].size - (m == 0 ? VM_DTB_SIZE : 0);
        if (gpa >= cfg->mem[m].gpa && gpa <= end && size <= end - gpa)
            return true;
    }
    return false;
}

static bool overlaps_memory(const vm_config_t *cfg, uint64_t gpa, uint64_t size)
{
    for (unsigned m = 0; m < cfg->mem_num; m++)
        if (gpa < cfg->mem[m].gpa + cfg->mem[m].size && cfg->mem[m].gpa < gpa + size)
            return true;
    return false;
}

/* A whole, well-formed blob of version 17 within max bytes. Before version 16 a node's name is
 * its path, and libfdt's fdt_check_full reads through the NULL name of a root without a '/'
 * (libfdt 1.6.1): such a blob is refused before it is checked. */
static bool valid_blob(const void *fdt, size_t max)
{
    return max >= FDT_V1_SIZE && fdt_magic(fdt) == FDT_MAGIC && fdt_totalsize(fdt) <= max &&
           fdt_version(fdt) >= 17 && fdt_check_full(fdt, fdt_totalsize(fdt)) == 0;
}

/* A bundle entry's data against its CRC, once per entry (bundle_check_layout checked the
 * rest); 0 or a message. */
static int check_image(ctx_t *c, const void *bundle, const bundle_entry_t *e)
{
    _Static_assert(BUNDLE_ENTRY_MAX <= 64, "one bit per entry in ctx_t.checked");
    uint64_t bit = 1ULL << (e - (const bundle_entry_t *)((const bundle_header_t *)bundle + 1));
    if (c->checked & bit)
        return 0;
    char why[BUNDLE_NAME_MAX + 48];
    if (bundle_check_entry(bundle, e, why, sizeof(why)))
        return bad(c, "image \"%s\": %s", e->name, why);
    c->checked |= bit;
    return 0;
}

/* A named image of the bundle, or a message. Its data is checked here if `check`; an image
 * the loader copies into the VM is checked by the loader as it copies it (config/load.c), in
 * the same pass, and nothing reads it before. */
static const bundle_entry_t *image(ctx_t *c, const void *bundle, const char *name, bool check)
{
    int err;
    const bundle_entry_t *e = bundle ? bundle_find(bundle, name, &err) : NULL;
    if (!e) {
        bad(c, "image \"%s\" %s", name,
            bundle ? "is not in the bundle" : "cannot be found: no bundle");
        return NULL;
    }
    return check && check_image(c, bundle, e) ? NULL : e;
}

/* Pass-through devices: subnodes with compatible "septum,passthrough", reg = <base size> (guest
 * and host alike), optional interrupts = <SPI numbers> and septum,dma-unisolated (the host's
 * check refuses a device that can master DMA without it). The SPI septum's console raises is
 * never a VM's; sysdesc_parse checks that no SPI is two VMs'. */
static int parse_devices(ctx_t *c, int node, vm_config_t *cfg, const dev_check_t *chk)
{
    int d;
    fdt_for_each_subnode(d, c->fdt, node)
    {
        if (fdt_node_check_compatible(c->fdt, d, "septum,passthrough") != 0)
            continue;
        int nlen;
        const char *dname = fdt_get_name(c->fdt, d, &nlen);
        if (!dname)
            return bad(c, "a device node without a name");
        if (cfg->dev_num >= VM_DEV_MAX)
            return bad(c, "more than %u pass-through devices", VM_DEV_MAX);
        uint64_t reg[2];
        if (!u64_pair(c, d, "reg", 4, reg))
            return bad(c, "device %s needs reg = <base-hi base-lo size-hi size-lo>", dname);
        if ((reg[0] | reg[1]) % PAGE_SIZE || !reg[1] || reg[0] + reg[1] < reg[0])
            return bad(c, "device %s at 0x%lx+0x%lx must be page-aligned and not empty", dname,
                       (unsigned long)reg[0], (unsigned long)reg[1]);
        int ulen;
        dev_query_t q = {cfg->name, dname, reg[0], reg[1],
                         fdt_getprop(c->fdt, d, "septum,dma-unisolated", &ulen) != NULL};
        if (q.dma_unisolated && ulen != 0)
            return bad(c, "device %s: septum,dma-unisolated takes no value", dname);
        const char *why = chk ? chk->host_refuses(chk->ctx, &q) : NULL;
        if (why)
            return bad(c, "device %s at 0x%lx: %s", dname, (unsigned long)reg[0], why);
        if (overlaps_memory(cfg, reg[0], reg[1]))
            return bad(c, "device %s at 0x%lx overlaps the VM's memory", dname,
                       (unsigned long)reg[0]);
        vm_dev_t *dev = &cfg->dev[cfg->dev_num];
        dev->base = reg[0];
        dev->size = reg[1];
        snprintf(dev->name, sizeof(dev->name), "%.*s", nlen, dname);
        int ilen;
        const fdt32_t *irq = fdt_getprop(c->fdt, d, "interrupts", &ilen);
        if (irq && (ilen % 4 || ilen / 4 > VM_DEV_IRQ_MAX))
            return bad(c, "device %s: interrupts must be 1..%u SPI numbers", dname, VM_DEV_IRQ_MAX);
        dev->irq_num = irq ? (unsigned)ilen / 4 : 0;
        for (unsigned i = 0; i < dev->irq_num; i++) {
            uint32_t spi = fdt32_ld(&irq[i]);
            if (spi >= 988)
                return bad(c, "device %s: SPI %u does not exist", dname, spi);
            if (chk && chk->console_irq == 32 + spi)
                return bad(c, "device %s: SPI %u is the interrupt of septum's console", dname, spi);
            dev->irq[i] = 32 + spi;
        }
        cfg->dev_num++;
    }
    return 0;
}

/* Every property a VM node may have: any other is refused by name, so a misspelt one is not
 * silently ignored. */
static const char *const vm_props[] = {
    "compatible",    "cpus",
    "memory",        "kernel",
    "kernel-load",   "kernel-xip",
    "xip-size",      "initrd",
    "initrd-load",   "dtb",
    "dtb-load",      "bootargs",
    "on-fault",      "septum,test-control",
    "septum,pmu",    "domid",
    "grant-peers",   "xen,evtchn",
    "xen-guest",     "phandle",
    "linux,phandle",
};

static int unknown_props(ctx_t *c, int node)
{
    int p;
    fdt_for_each_property_offset(p, c->fdt, node)
    {
        const char *name;
        if (!fdt_getprop_by_offset(c->fdt, p, &name, NULL) || !name)
            return bad(c, "a property cannot be read");
        bool known = false;
        for (size_t i = 0; i < sizeof(vm_props) / sizeof(vm_props[0]) && !known; i++)
            known = !strcmp(name, vm_props[i]);
        if (!known)
            return bad(c, "unknown property \"%s\"", name);
    }
    return 0;
}

static int parse_vm(ctx_t *c, int node, unsigned pcpus, unsigned ipa_bits, const void *bundle,
                    vm_config_t *cfg, bool *cpu_used, const vm_config_t *all, unsigned idx,
                    const dev_check_t *chk)
{
    bool bs = false;
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->node, sizeof(cfg->node), "%s", c->node);

    /* the node name is the VM's name */
    int nlen;
    const char *name = fdt_get_name(c->fdt, node, &nlen);
    if (!name || nlen <= 0 || nlen >= VM_NAME_MAX)
        return bad(c, "the node name (the VM's name) must have 1..%d characters", VM_NAME_MAX - 1);
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return bad(c, "VM name \"%s\": use a-z, 0-9, - and _ (no unit address)", name);
    strcpy(cfg->name, name);
    c->vm = cfg->name;
    int rc = unknown_props(c, node);
    if (rc)
        return rc;
    for (unsigned i = 0; i < idx; i++)
        if (!strcmp(all[i].name, name))
            return bad(c, "name already used by %s", all[i].node);

    int len;
    const fdt32_t *cpus = fdt_getprop(c->fdt, node, "cpus", &len);
    if (!cpus || len <= 0 || len % 4)
        return bad(c, "needs cpus = <physical CPU for each vCPU>");
    cfg->vcpu_num = (unsigned)len / 4;
    if (cfg->vcpu_num > VM_VCPU_MAX)
        return bad(c, "%u vCPUs; at most %u", cfg->vcpu_num, VM_VCPU_MAX);
    for (unsigned v = 0; v < cfg->vcpu_num; v++) {
        uint32_t p = fdt32_ld(&cpus[v]);
        if (p >= pcpus)
            return bad(c, "vCPU %u on physical CPU %u, but only %u CPU%s online", v, p, pcpus,
                       pcpus == 1 ? " is" : "s are");
        if (cpu_used[p])
            return bad(c, "physical CPU %u already runs another vCPU", p);
        cpu_used[p] = true;
        cfg->pcpu[v] = p;
    }

    int mlen;
    const fdt32_t *mp = fdt_getprop(c->fdt, node, "memory", &mlen);
    if (!mp || mlen <= 0 || mlen % 16)
        return bad(c, "needs memory = <base-hi base-lo size-hi size-lo> (one or more ranges)");
    cfg->mem_num = (unsigned)mlen / 16;
    if (cfg->mem_num > VM_MEM_MAX)
        return bad(c, "%u memory ranges; at most %u", cfg->mem_num, VM_MEM_MAX);
    for (unsigned m = 0; m < cfg->mem_num; m++) {
        uint64_t gpa = ((uint64_t)fdt32_ld(&mp[4 * m]) << 32) | fdt32_ld(&mp[4 * m + 1]);
        uint64_t size = ((uint64_t)fdt32_ld(&mp[4 * m + 2]) << 32) | fdt32_ld(&mp[4 * m + 3]);
        if ((gpa | size) % PAGE_SIZE || size == 0 || (m == 0 && size < 2 * VM_DTB_SIZE))
            return bad(c, "memory 0x%lx+0x%lx must be page-aligned and not empty%s",
                       (unsigned long)gpa, (unsigned long)size,
                       m == 0 ? " (the first range at least 128 KiB)" : "");
        if (gpa + size < gpa || gpa + size > (1ULL << ipa_bits))
            return bad(c, "memory 0x%lx+0x%lx lies outside the %u-bit guest address space",
                       (unsigned long)gpa, (unsigned long)size, ipa_bits);
        for (unsigned o = 0; o < m; o++)
            if (gpa < cfg->mem[o].gpa + cfg->mem[o].size && cfg->mem[o].gpa < gpa + size)
                return bad(c, "memory ranges 0x%lx and 0x%lx overlap",
                           (unsigned long)cfg->mem[o].gpa, (unsigned long)gpa);
        cfg->mem[m].gpa = gpa;
        cfg->mem[m].size = size;
    }
    cfg->ram_gpa = cfg->mem[0].gpa;
    cfg->ram_size = cfg->mem[0].size;

    const char *kernel = str(c, node, "kernel", &bs);
    if (!kernel || !kernel[0] || strlen(kernel) >= sizeof(cfg->kernel))
        return bad(c, "needs kernel = \"<bundle entry>\"");
    strcpy(cfg->kernel, kernel);
    const bundle_entry_t *e = image(c, bundle, kernel, false); /* copied: the loader checks */
    if (!e)
        return -EINVAL;
    uint64_t load;
    if (!u64_pair(c, node, "kernel-load", 2, &load))
        return bad(c, "needs kernel-load = <hi lo>");
    cfg->kernel_load = load;
    cfg->kernel_xip = fdt_getprop(c->fdt, node, "kernel-xip", NULL) != NULL;
    if (cfg->kernel_xip && check_image(c, bundle, e)) /* mapped in place, never copied */
        return -EINVAL;
    uint64_t ram_end = cfg->ram_gpa + cfg->ram_size - VM_DTB_SIZE;
    if (cfg->kernel_xip) {
        uint64_t end = load + ((e->size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
        if (load % PAGE_SIZE || end < load || end > (1ULL << ipa_bits))
            return bad(c,
                       "execute-in-place image at 0x%lx must be page-aligned and inside the "
                       "guest address space",
                       (unsigned long)load);
        if (fdt_getprop(c->fdt, node, "xip-size", NULL)) {
            if (!u64_pair(c, node, "xip-size", 2, &cfg->xip_size) || cfg->xip_size % PAGE_SIZE ||
                cfg->xip_size < end - load || cfg->xip_size > XIP_SIZE_MAX)
                return bad(c,
                           "xip-size must be page-aligned, hold the image and be at most "
                           "%lu MiB",
                           XIP_SIZE_MAX >> 20);
            end = load + cfg->xip_size;
            if (end < load || end > (1ULL << ipa_bits))
                return bad(c, "xip-size reaches outside the guest address space");
        }
        if (overlaps_memory(cfg, load, end - load))
            return bad(c, "execute-in-place image at 0x%lx overlaps the VM's memory",
                       (unsigned long)load);
    } else if (!in_memory(cfg, load, e->size)) {
        return bad(c,
                   "image \"%s\" (%lu bytes at 0x%lx) does not fit in memory below the "
                   "device tree at 0x%lx",
                   kernel, (unsigned long)e->size, (unsigned long)load, (unsigned long)ram_end);
    }

    const char *initrd = str(c, node, "initrd", &bs);
    if (initrd) {
        if (!initrd[0] || strlen(initrd) >= sizeof(cfg->initrd))
            return bad(c, "initrd names no bundle entry");
        const bundle_entry_t *ie = image(c, bundle, initrd, false); /* copied */
        if (!ie)
            return -EINVAL;
        if (!u64_pair(c, node, "initrd-load", 2, &cfg->initrd_load))
            return bad(c, "initrd needs initrd-load = <hi lo>");
        if (cfg->initrd_load % PAGE_SIZE || !in_memory(cfg, cfg->initrd_load, ie->size))
            return bad(c,
                       "initrd \"%s\" (%lu bytes at 0x%lx) must be page-aligned and fit in "
                       "memory",
                       initrd, (unsigned long)ie->size, (unsigned long)cfg->initrd_load);
        if (!cfg->kernel_xip && cfg->initrd_load < load + e->size &&
            load < cfg->initrd_load + ie->size)
            return bad(c, "initrd at 0x%lx overlaps the kernel", (unsigned long)cfg->initrd_load);
        strcpy(cfg->initrd, initrd);
    }
    const char *dtb = str(c, node, "dtb", &bs);
    if (dtb) {
        if (!dtb[0] || strlen(dtb) >= sizeof(cfg->dtb))
            return bad(c, "dtb names no bundle entry");
        const bundle_entry_t *de = image(c, bundle, dtb, true); /* read here */
        if (!de)
            return -EINVAL;
        const void *blob = (const uint8_t *)bundle + de->offset;
        if (de->size > VM_DTB_SIZE || !valid_blob(blob, de->size))
            return bad(c, "dtb \"%s\" is not a valid device tree of at most %lu KiB", dtb,
                       VM_DTB_SIZE / 1024);
        strcpy(cfg->dtb, dtb);
    }
    /* where the device tree goes: the top of the first memory range unless dtb-load says (a
     * firmware such as U-Boot for QEMU looks for it at the start of RAM) */
    cfg->dtb_load = cfg->ram_gpa + cfg->ram_size - VM_DTB_SIZE;
    if (fdt_getprop(c->fdt, node, "dtb-load", NULL)) {
        if (!u64_pair(c, node, "dtb-load", 2, &cfg->dtb_load))
            return bad(c, "dtb-load = <hi lo> expected");
        if (cfg->dtb_load % PAGE_SIZE || !in_memory(cfg, cfg->dtb_load, VM_DTB_SIZE))
            return bad(c, "dtb-load 0x%lx must be page-aligned with %lu KiB of memory there",
                       (unsigned long)cfg->dtb_load, VM_DTB_SIZE / 1024);
        if (!cfg->kernel_xip && cfg->dtb_load < load + e->size &&
            load < cfg->dtb_load + VM_DTB_SIZE)
            return bad(c, "dtb-load 0x%lx overlaps the kernel", (unsigned long)cfg->dtb_load);
    }
    rc = parse_devices(c, node, cfg, chk);
    if (rc)
        return rc;

    const char *args = str(c, node, "bootargs", &bs);
    if (args && strlen(args) >= VM_ARGS_MAX)
        return bad(c, "bootargs longer than %d characters", VM_ARGS_MAX - 1);
    if (args)
        strcpy(cfg->bootargs, args);
    const char *on_fault = str(c, node, "on-fault", &bs);
    if (on_fault && strcmp(on_fault, "inject") && strcmp(on_fault, "stop"))
        return bad(c, "on-fault = \"%s\": expected \"inject\" or \"stop\"", on_fault);
    cfg->stop_on_fault = on_fault && !strcmp(on_fault, "stop");
    cfg->test_control = fdt_getprop(c->fdt, node, "septum,test-control", NULL) != NULL;
    cfg->pmu = fdt_getprop(c->fdt, node, "septum,pmu", NULL) != NULL;
    int xlen;
    cfg->xen_guest = fdt_getprop(c->fdt, node, "xen-guest", &xlen) != NULL;
    if (cfg->xen_guest && xlen != 0)
        return bad(c, "xen-guest takes no value");
    int dlen;
    const fdt32_t *dp = fdt_getprop(c->fdt, node, "domid", &dlen);
    cfg->domid = (uint16_t)(idx + 1);
    if (dp) {
        uint32_t d = dlen == 4 ? fdt32_ld(dp) : 0;
        if (d == 0 || d >= 0x7ff0)
            return bad(c, "domid must be one cell between 1 and 0x7fef");
        cfg->domid = (uint16_t)d;
    }
    for (unsigned i = 0; i < idx; i++)
        if (all[i].domid == cfg->domid)
            return bad(c, "domid %u is already %s's", cfg->domid, all[i].name);
    const fdt32_t *pp = fdt_getprop(c->fdt, node, "grant-peers", &dlen);
    if (pp && (dlen % 4 || dlen / 4 > VM_MAX))
        return bad(c, "grant-peers must be 1..%u domain ids", VM_MAX);
    cfg->peer_num = pp ? (unsigned)dlen / 4 : 0;
    for (unsigned i = 0; i < cfg->peer_num; i++)
        cfg->peers[i] = (uint16_t)fdt32_ld(&pp[i]);
    const fdt32_t *ep = fdt_getprop(c->fdt, node, "xen,evtchn", &dlen);
    if (ep && (dlen <= 0 || dlen % 12 || dlen / 12 > VM_EVTCHN_MAX))
        return bad(c, "xen,evtchn must be 1..%u <port peer-domid peer-port> triples",
                   VM_EVTCHN_MAX);
    cfg->evtchn_num = ep ? (unsigned)dlen / 12 : 0;
    for (unsigned i = 0; i < cfg->evtchn_num; i++) {
        uint32_t port = fdt32_ld(&ep[3 * i]), peer = fdt32_ld(&ep[3 * i + 1]),
                 peer_port = fdt32_ld(&ep[3 * i + 2]);
        if (!port || port > VM_EVTCHN_PORT || !peer_port || peer_port > VM_EVTCHN_PORT)
            return bad(c, "xen,evtchn: ports are 1..%u", VM_EVTCHN_PORT);
        if (!peer || peer >= 0x7ff0)
            return bad(c, "xen,evtchn: peer domid %u is not a domain id", peer);
        cfg->evtchn[i].port = (uint16_t)port;
        cfg->evtchn[i].peer = (uint16_t)peer;
        cfg->evtchn[i].peer_port = (uint16_t)peer_port;
    }
    if (bs)
        return bad(c, "a string property is not NUL-terminated");
    return 0;
}

static const vm_config_t *by_domid(const vm_config_t *all, unsigned n, uint16_t domid)
{
    for (unsigned i = 0; i < n; i++)
        if (all[i].domid == domid)
            return &all[i];
    return NULL;
}

static bool lists_peer(const vm_config_t *cfg, uint16_t domid)
{
    for (unsigned i = 0; i < cfg->peer_num; i++)
        if (cfg->peers[i] == domid)
            return true;
    return false;
}

/* Whether VM a's declared channel k uses port (domid, port) at either end. */
static bool evtchn_uses(const vm_config_t *a, unsigned k, uint16_t domid, uint16_t port)
{
    return (a->domid == domid && a->evtchn[k].port == port) ||
           (a->evtchn[k].peer == domid && a->evtchn[k].peer_port == port);
}

/* Declared event channels join two paired VMs of the description, and no port is declared
 * twice (as either end). */
static int check_evtchns(ctx_t *c, const vm_config_t *all, unsigned n)
{
    for (unsigned a = 0; a < n; a++)
        for (unsigned i = 0; i < all[a].evtchn_num; i++) {
            c->node = all[a].node;
            c->vm = all[a].name;
            const vm_config_t *p = by_domid(all, n, all[a].evtchn[i].peer);
            if (!p)
                return bad(c, "xen,evtchn: no VM is domain %u", all[a].evtchn[i].peer);
            if (p != &all[a] && !lists_peer(&all[a], p->domid) && !lists_peer(p, all[a].domid))
                return bad(c, "xen,evtchn: %s is not paired with it (grant-peers)", p->name);
            if (p == &all[a] && all[a].evtchn[i].port == all[a].evtchn[i].peer_port)
                return bad(c, "xen,evtchn: port %u bound to itself", all[a].evtchn[i].port);
            for (unsigned b = 0; b <= a; b++)
                for (unsigned k = 0; k < (b == a ? i : all[b].evtchn_num); k++)
                    if (evtchn_uses(&all[b], k, all[a].domid, all[a].evtchn[i].port) ||
                        evtchn_uses(&all[b], k, p->domid, all[a].evtchn[i].peer_port))
                        return bad(c, "xen,evtchn: a port of channel %u is declared already", i);
        }
    return 0;
}

/* cfg's device that is given the interrupt intid, or NULL */
static const vm_dev_t *spi_owner(const vm_config_t *cfg, uint32_t intid)
{
    for (unsigned i = 0; i < cfg->dev_num; i++)
        for (unsigned k = 0; k < cfg->dev[i].irq_num; k++)
            if (cfg->dev[i].irq[k] == intid)
                return &cfg->dev[i];
    return NULL;
}

int sysdesc_parse(const void *fdt, size_t max, unsigned pcpus, unsigned ipa_bits,
                  const void *bundle, const dev_check_t *chk, vm_config_t *out, unsigned *n,
                  char *why, size_t why_len)
{
    ctx_t c = {fdt, why, why_len, NULL, NULL, NULL, 0};
    bool cpu_used[CPU_MAX] = {false};
    *n = 0;
    if (!fdt || !valid_blob(fdt, max))
        return bad(&c, "not a valid device tree blob");
    if (fdt_node_check_compatible(fdt, 0, "septum,system") != 0)
        return bad(&c, "root is not compatible with \"septum,system\"");
    int node;
    fdt_for_each_subnode(node, fdt, 0)
    {
        if (fdt_node_check_compatible(fdt, node, "septum,vm") != 0)
            continue;
        static char path[48];
        if (fdt_get_path(fdt, node, path, sizeof(path)) < 0)
            snprintf(path, sizeof(path), "(a VM node)");
        c.node = path;
        c.vm = NULL;
        if (*n >= VM_MAX)
            return bad(&c, "more than %u VMs", VM_MAX);
        int rc = parse_vm(&c, node, pcpus < CPU_MAX ? pcpus : CPU_MAX, ipa_bits, bundle, &out[*n],
                          cpu_used, out, *n, chk);
        if (rc)
            return rc;
        (*n)++;
    }
    for (unsigned a = 0; a < *n; a++)
        for (unsigned i = 0; i < out[a].dev_num; i++)
            for (unsigned b = a; b < *n; b++)
                for (unsigned j = (b == a ? i + 1 : 0); j < out[b].dev_num; j++)
                    if (out[a].dev[i].base < out[b].dev[j].base + out[b].dev[j].size &&
                        out[b].dev[j].base < out[a].dev[i].base + out[a].dev[i].size) {
                        c.node = out[b].node;
                        c.vm = out[b].name;
                        return bad(&c, "device %s is already given to %s", out[b].dev[j].name,
                                   out[a].name);
                    }
    /* an SPI forwarded to two VMs would go to whichever routed it last */
    for (unsigned b = 1; b < *n; b++)
        for (unsigned j = 0; j < out[b].dev_num; j++)
            for (unsigned k = 0; k < out[b].dev[j].irq_num; k++)
                for (unsigned a = 0; a < b; a++) {
                    const vm_dev_t *owner = spi_owner(&out[a], out[b].dev[j].irq[k]);
                    if (owner) {
                        c.node = out[b].node;
                        c.vm = out[b].name;
                        return bad(&c, "device %s: SPI %u is already %s's (device %s)",
                                   out[b].dev[j].name, out[b].dev[j].irq[k] - 32, out[a].name,
                                   owner->name);
                    }
                }
    if (*n == 0) {
        c.node = NULL;
        return bad(&c, "no VM (a node compatible with \"septum,vm\")");
    }
    return check_evtchns(&c, out, *n);
}
