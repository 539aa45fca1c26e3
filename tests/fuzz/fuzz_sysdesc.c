/*
 * libFuzzer harness for the system-description parser (core/config/sysdesc.c) with a bundle
 * made by the packer, as tests/unit/test_sysdesc.c calls it. The input describes one to five VM
 * nodes property by property (each present or not, a typical value, an edge value or raw bytes:
 * names, cpus, memory ranges, images and their load addresses, execute in place, initrd, dtb,
 * bootargs, domains, grant peers, pass-through devices with their interrupts), then a few raw
 * byte edits of the blob; its first bytes pick the CPU count and the IPA size (or, after two
 * bytes 0xff, the input is the blob itself: make fuzz seeds that way with the descriptions in
 * configs/ and tests/system/configs/). Whatever the
 * description, sysdesc_parse must not crash or read outside the blob, and keep its promises: a
 * refusal is a message naming the description; an acceptance is one to VM_MAX VMs with sane
 * names, CPUs that exist and are used once, page-aligned memory inside the IPA space that does
 * not overlap, images in the bundle that fit, distinct domains, and devices that are the host's
 * to give, outside memory, each range and each SPI (never the console's) one VM's.
 */
#include "septum-pack.h"
#include <assert.h>
#include <config/bundle.h>
#include <config/sysdesc.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOB        16384
#define CONSOLE_IRQ 33 /* SPI 1: the console UART's */

static uint8_t *bundle;
static size_t bundle_len;

static const char *const images[] = {"hello.bin",  "guest.dtb",   "junk.dtb",   "big.bin",
                                     "initrd.img", "missing.bin", "system.dtb", ""};

/* and the images the descriptions in configs/ and tests/system/configs/ name (raw mode) */
static const char *const more[] = {"ring.bin",          "echo.bin",    "isolation.bin",
                                   "xip.bin",           "devices.bin", "uart.bin",
                                   "granter.bin",       "mapper.bin",  "gntpeer.bin",
                                   "stress.bin",        "regions.bin", "smp.bin",
                                   "resetter.bin",      "vgic.bin",    "bench.bin",
                                   "ticker.bin",        "lender.bin",  "attacker.bin",
                                   "hostile.bin",       "victim.bin",  "Image",
                                   "initramfs.cpio.gz", "u-boot.bin"};
#define MORE (sizeof(more) / sizeof(more[0]))

static void make_bundle(void)
{
    static uint8_t img[5000], big[3 << 20], dtbimg[256], initrd[8192];
    fdt_create_empty_tree(dtbimg, sizeof(dtbimg));
    pack_input_t in[6 + MORE] = {{"system.dtb", img, 16},       {"hello.bin", img, sizeof(img)},
                                 {"guest.dtb", dtbimg, 256},    {"junk.dtb", img, 64},
                                 {"big.bin", big, sizeof(big)}, {"initrd.img", initrd, 8192}};
    for (unsigned i = 0; i < MORE; i++)
        in[6 + i] = (pack_input_t){more[i], img, sizeof(img)};
    char why[200];
    if (pack_build(in, 6 + MORE, &bundle, &bundle_len, why, sizeof(why)))
        abort();
}

/* The host's judgement: the GIC and the console are not to be given. */
static const char *host_refuses(void *ctx, const dev_query_t *dev)
{
    (void)ctx;
    assert(dev->base % 4096 == 0 && dev->size && dev->size % 4096 == 0);
    assert(dev->base + dev->size > dev->base && dev->vm && dev->name);
    if (dev->base < 0x9000000)
        return "it is the GIC";
    if (dev->base < 0x9001000 && dev->base + dev->size > 0x9000000)
        return "it is septum's console";
    if (dev->base == 0x9020000 && !dev->dma_unisolated)
        return "it can master DMA";
    return NULL;
}
static const dev_check_t chk = {host_refuses, NULL, CONSOLE_IRQ};

/* ---- the description ---- */

static const uint8_t *in;
static size_t left;
static uint8_t byte(void)
{
    if (!left)
        return 0;
    left--;
    return *in++;
}
static uint32_t word(void)
{
    return (uint32_t)byte() << 24 | (uint32_t)byte() << 16 | byte() << 8 | byte();
}

static const uint64_t addrs[] = {0x0,        0x1000,        0x9010000,     0x9020000,  0x9000000,
                                 0x40000000, 0x40080000,    0x40ff0000,    0x41000000, 0x50000000,
                                 0x80000000, 0x3000000000,  0xffff0000000, 1ULL << 40, 1ULL << 44,
                                 1ULL << 48, ~0ULL - 0xfff, 0x40001001,    0x7fff000,  0x40800000};
static const uint64_t sizes[] = {0,         0x1000, 0x20000,    0x100000, 0x1000000,
                                 0x4000000, 0x1001, 1ULL << 40, ~0ULL,    0x10000};

static uint64_t pick64(const uint64_t *t, size_t n)
{
    uint8_t b = byte();
    if (b < 200)
        return t[b % n];
    return (uint64_t)word() << 32 | word();
}

/* A property: absent, the given value, or raw bytes from the input. */
static void prop(void *f, const char *name, const void *val, int len)
{
    uint8_t how = byte();
    if (how < 40)
        return;
    if (how < 60) {
        uint8_t raw[16];
        int n = how % 17;
        for (int i = 0; i < n; i++)
            raw[i] = byte();
        fdt_property(f, name, raw, n);
        return;
    }
    fdt_property(f, name, val, len);
}

static void prop_pair(void *f, const char *name, const uint64_t *t, size_t n, unsigned count)
{
    fdt32_t c[16];
    for (unsigned i = 0; i < count; i++) {
        uint64_t v = pick64(t, n);
        c[2 * i] = cpu_to_fdt32((uint32_t)(v >> 32));
        c[2 * i + 1] = cpu_to_fdt32((uint32_t)v);
    }
    prop(f, name, c, (int)(8 * count));
}

static void prop_str(void *f, const char *name, const char *s)
{
    prop(f, name, s, (int)strlen(s) + 1);
}

static void device(void *f, unsigned k)
{
    char name[32];
    uint64_t base = pick64(addrs, sizeof(addrs) / 8);
    snprintf(name, sizeof(name), "dev%u@%lx", k, (unsigned long)base);
    fdt_begin_node(f, name);
    prop_str(f, "compatible", byte() < 240 ? "septum,passthrough" : "other");
    fdt32_t reg[4] = {cpu_to_fdt32((uint32_t)(base >> 32)), cpu_to_fdt32((uint32_t)base), 0,
                      cpu_to_fdt32((uint32_t)pick64(sizes, sizeof(sizes) / 8))};
    prop(f, "reg", reg, sizeof(reg));
    fdt32_t irq[6];
    unsigned n = byte() % 7;
    for (unsigned i = 0; i < n; i++)
        irq[i] = cpu_to_fdt32(byte() < 200 ? byte() % 8 : word());
    prop(f, "interrupts", irq, (int)(4 * n));
    if (byte() & 1)
        prop(f, "septum,dma-unisolated", NULL, 0);
    fdt_end_node(f);
}

static void vm(void *f, unsigned k)
{
    static const char *const vm_names[] = {
        "alpha", "beta", "gamma", "delta", "alpha", "Bad", "a-very-long-name-for-a-vm-indeed",
        "x_1"};
    char name[48];
    snprintf(name, sizeof(name), "%s", vm_names[byte() % 8]);
    if (byte() > 250)
        snprintf(name, sizeof(name), "vm%u@%x", k, word());
    fdt_begin_node(f, name);
    prop_str(f, "compatible", byte() < 245 ? "septum,vm" : "septum,system");
    fdt32_t cpus[5];
    unsigned nc = 1 + byte() % 5;
    for (unsigned i = 0; i < nc; i++)
        cpus[i] = cpu_to_fdt32(byte() < 230 ? (k + i * 4 + byte() % 2) % 9 : word());
    prop(f, "cpus", cpus, (int)(4 * nc));
    unsigned nm = 1 + byte() % 5;
    fdt32_t mem[20];
    for (unsigned i = 0; i < nm; i++) {
        uint64_t a = pick64(addrs, sizeof(addrs) / 8), s = pick64(sizes, sizeof(sizes) / 8);
        mem[4 * i] = cpu_to_fdt32((uint32_t)(a >> 32));
        mem[4 * i + 1] = cpu_to_fdt32((uint32_t)a);
        mem[4 * i + 2] = cpu_to_fdt32((uint32_t)(s >> 32));
        mem[4 * i + 3] = cpu_to_fdt32((uint32_t)s);
    }
    prop(f, "memory", mem, (int)(16 * nm));
    prop_str(f, "kernel", images[byte() % 8]);
    prop_pair(f, "kernel-load", addrs, sizeof(addrs) / 8, 1);
    if (byte() < 30)
        prop(f, "kernel-xip", NULL, 0);
    if (byte() < 30)
        prop_pair(f, "xip-size", sizes, sizeof(sizes) / 8, 1);
    if (byte() < 60) {
        prop_str(f, "initrd", images[byte() % 8]);
        prop_pair(f, "initrd-load", addrs, sizeof(addrs) / 8, 1);
    }
    if (byte() < 40)
        prop_str(f, "dtb", images[byte() % 8]);
    if (byte() < 40)
        prop_pair(f, "dtb-load", addrs, sizeof(addrs) / 8, 1);
    if (byte() < 100) {
        char args[200];
        unsigned n = byte() < 200 ? byte() % 40 : 100 + byte() % 100;
        memset(args, 'a' + k, n);
        args[n] = '\0';
        prop_str(f, "bootargs", args);
    }
    if (byte() < 60)
        prop_str(f, "on-fault", byte() & 1 ? "stop" : byte() & 1 ? "inject" : "explode");
    if (byte() < 40)
        prop(f, "septum,test-control", NULL, 0);
    if (byte() < 20)
        prop(f, "septum,pmu", NULL, 0);
    if (byte() < 120) {
        fdt32_t d = cpu_to_fdt32(byte() < 220 ? 1 + byte() % 5 : word());
        prop(f, "domid", &d, 4);
    }
    if (byte() < 80) {
        fdt32_t p[5];
        unsigned n = byte() % 6;
        for (unsigned i = 0; i < n; i++)
            p[i] = cpu_to_fdt32(byte() % 6);
        prop(f, "grant-peers", p, (int)(4 * n));
    }
    for (unsigned d = 0, n = byte() % 4; d < n; d++)
        device(f, d);
    fdt_end_node(f);
}

static void *describe(void)
{
    static uint64_t buf[BLOB / 8];
    void *f = buf;
    fdt_create(f, BLOB);
    fdt_finish_reservemap(f);
    fdt_begin_node(f, "");
    prop_str(f, "compatible", byte() < 250 ? "septum,system" : "septum,vm");
    for (unsigned k = 0, n = 1 + byte() % 5; k < n; k++)
        vm(f, k);
    fdt_end_node(f);
    if (fdt_finish(f) != 0)
        return NULL;
    /* and a few bytes of the finished blob changed */
    uint32_t total = fdt_totalsize(f);
    if (byte() < 8) { /* an older format version: libfdt's checks trip over some */
        fdt_set_version(f, byte() % 18);
        fdt_set_last_comp_version(f, byte() % 18);
    }
    for (unsigned n = byte() % 4; n--;) {
        uint16_t at = (uint16_t)(byte() << 8 | byte());
        ((uint8_t *)f)[at % total] = byte();
    }
    return f;
}

/* ---- the promises ---- */

static bool overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
    return a < b + bs && b < a + as;
}

static void check(int rc, const vm_config_t *cfg, unsigned n, unsigned pcpus, unsigned ipa,
                  const char *why)
{
    if (rc) {
        assert(memchr(why, '\0', 200) && !strncmp(why, "system description: ", 20));
        return;
    }
    assert(n >= 1 && n <= VM_MAX);
    bool cpu[64] = {false};
    for (unsigned v = 0; v < n; v++) {
        const vm_config_t *c = &cfg[v];
        size_t nl = strnlen(c->name, VM_NAME_MAX);
        assert(nl > 0 && nl < VM_NAME_MAX);
        for (size_t i = 0; i < nl; i++)
            assert((c->name[i] >= 'a' && c->name[i] <= 'z') ||
                   (c->name[i] >= '0' && c->name[i] <= '9') || c->name[i] == '-' ||
                   c->name[i] == '_');
        assert(c->vcpu_num >= 1 && c->vcpu_num <= VM_VCPU_MAX);
        for (unsigned i = 0; i < c->vcpu_num; i++) {
            assert(c->pcpu[i] < pcpus && !cpu[c->pcpu[i]]);
            cpu[c->pcpu[i]] = true;
        }
        assert(c->mem_num >= 1 && c->mem_num <= VM_MEM_MAX);
        assert(c->ram_gpa == c->mem[0].gpa && c->ram_size == c->mem[0].size);
        for (unsigned m = 0; m < c->mem_num; m++) {
            uint64_t g = c->mem[m].gpa, s = c->mem[m].size;
            assert(s && g % 4096 == 0 && s % 4096 == 0 && g + s > g && g + s <= 1ULL << ipa);
            for (unsigned o = 0; o < m; o++)
                assert(!overlap(g, s, c->mem[o].gpa, c->mem[o].size));
        }
        assert(c->ram_size >= 2 * VM_DTB_SIZE);
        assert(memchr(c->kernel, '\0', sizeof(c->kernel)) && c->kernel[0]);
        assert(bundle_find(bundle, c->kernel, &(int){0}));
        bool in_mem = false;
        for (unsigned m = 0; m < c->mem_num; m++)
            in_mem |= c->kernel_load >= c->mem[m].gpa &&
                      c->kernel_load - c->mem[m].gpa < c->mem[m].size;
        assert(in_mem != c->kernel_xip);
        if (c->initrd[0])
            assert(bundle_find(bundle, c->initrd, &(int){0}) && c->initrd_load % 4096 == 0);
        assert(c->dtb_load % 4096 == 0);
        assert(memchr(c->bootargs, '\0', sizeof(c->bootargs)));
        assert(c->domid >= 1 && c->domid < 0x7ff0);
        assert(c->peer_num <= VM_MAX);
        for (unsigned o = 0; o < v; o++)
            assert(c->domid != cfg[o].domid && strcmp(c->name, cfg[o].name));
        assert(c->dev_num <= VM_DEV_MAX);
        for (unsigned d = 0; d < c->dev_num; d++) {
            const vm_dev_t *dev = &c->dev[d];
            assert(dev->size && dev->base % 4096 == 0 && dev->size % 4096 == 0);
            assert(dev->base + dev->size > dev->base);
            dev_query_t q = {c->name, dev->name, dev->base, dev->size, true};
            assert(!host_refuses(NULL, &q) || dev->base == 0x9020000);
            for (unsigned m = 0; m < c->mem_num; m++)
                assert(!overlap(dev->base, dev->size, c->mem[m].gpa, c->mem[m].size));
            assert(dev->irq_num <= VM_DEV_IRQ_MAX);
            for (unsigned i = 0; i < dev->irq_num; i++) {
                assert(dev->irq[i] >= 32 && dev->irq[i] < 1020 && dev->irq[i] != CONSOLE_IRQ);
                for (unsigned o = 0; o < v; o++) /* an SPI is one VM's */
                    for (unsigned od = 0; od < cfg[o].dev_num; od++)
                        for (unsigned oi = 0; oi < cfg[o].dev[od].irq_num; oi++)
                            assert(cfg[o].dev[od].irq[oi] != dev->irq[i]);
            }
            for (unsigned o = 0; o <= v; o++) /* a device range is one VM's, once */
                for (unsigned od = 0; od < (o == v ? d : cfg[o].dev_num); od++)
                    assert(
                        !overlap(dev->base, dev->size, cfg[o].dev[od].base, cfg[o].dev[od].size));
        }
    }
}

/* Inputs that once broke a promise, checked first. */
static void regressions(void)
{
    static uint64_t buf[512];
    static vm_config_t cfg[VM_MAX];
    unsigned n;
    char why[200];
    /* a version-7 blob: libfdt's fdt_check_full read through a NULL root name (septum took a
     * data abort at EL2 at boot) */
    fdt_create_empty_tree(buf, sizeof(buf));
    fdt_setprop_string(buf, 0, "compatible", "septum,system");
    fdt_set_version(buf, 7);
    fdt_set_last_comp_version(buf, 2);
    check(sysdesc_parse(buf, sizeof(buf), 2, 40, bundle, &chk, cfg, &n, why, sizeof(why)), cfg, n,
          2, 40, why);
    assert(strstr(why, "not a valid device tree blob"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!bundle) {
        make_bundle();
        regressions();
    }
    in = data;
    left = size;
    unsigned pcpus = 1 + byte() % 8, ipa = 32 + byte() % 17;
    const void *f;
    size_t max;
    if (size > 2 && data[0] == 0xff && data[1] == 0xff) { /* raw: the rest is the blob */
        f = data + 2;
        max = size - 2;
        pcpus = 8;
        ipa = 44;
    } else {
        if (!(f = describe()))
            return 0;
        max = fdt_totalsize(f) <= BLOB ? fdt_totalsize(f) : BLOB;
        if (byte() > 240)
            max -= max > 64 ? byte() % 64 : 0;
    }
    /* exactly the blob's bytes (or fewer), so that a read past them is seen */
    void *blob = malloc(max ? max : 1);
    memcpy(blob, f, max);
    static vm_config_t cfg[VM_MAX];
    unsigned n = 0;
    char why[200];
    memset(why, 'x', sizeof(why));
    int rc = sysdesc_parse(blob, max, pcpus, ipa, bundle, &chk, cfg, &n, why, sizeof(why));
    check(rc, cfg, n, pcpus, ipa, why);
    free(blob);
    return 0;
}
