/*
 * Unit tests of core/sysdesc.c: system descriptions built with libfdt, checked against a bundle
 * made by the packer. A valid description yields the right configuration; each wrong one is
 * refused with a message naming the VM's node, the VM and the problem.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "septum-pack.h"
#include <config/bundle.h>
#include <config/sysdesc.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *bundle;

/* A VM node as property overrides: each "name=value" replaces a default; "name=" removes it. */
typedef struct prop {
    const char *name;
    const void *val;
    int len;
} prop_t;

#define CELLS(...) ((const fdt32_t[]){__VA_ARGS__}), (int)sizeof((const fdt32_t[]){__VA_ARGS__})
#define BE(x)      cpu_to_fdt32(x)

static void vm_node(void *fdt, const char *name, const prop_t *over, unsigned n, unsigned cpu)
{
    fdt32_t cpus[1] = {BE(cpu)};
    fdt32_t mem[4] = {0, BE(0x40000000), 0, BE(0x1000000)};
    fdt32_t load[2] = {0, BE(0x40080000)};
    const prop_t def[] = {{"compatible", "septum,vm", 10},
                          {"cpus", cpus, 4},
                          {"memory", mem, 16},
                          {"kernel", "hello.bin", 10},
                          {"kernel-load", load, 8}};
    assert_int_equal(fdt_begin_node(fdt, name), 0);
    for (unsigned i = 0; i < 5; i++) {
        const prop_t *p = &def[i];
        for (unsigned j = 0; j < n; j++)
            if (!strcmp(over[j].name, def[i].name))
                p = &over[j];
        if (p->val)
            assert_int_equal(fdt_property(fdt, p->name, p->val, p->len), 0);
    }
    for (unsigned j = 0; j < n; j++) {
        bool is_def = false;
        for (unsigned i = 0; i < 5; i++)
            is_def |= !strcmp(over[j].name, def[i].name);
        if (!is_def && over[j].val)
            assert_int_equal(fdt_property(fdt, over[j].name, over[j].val, over[j].len), 0);
    }
}

static void *begin(void)
{
    void *fdt = calloc(1, 65536);
    assert_int_equal(fdt_create(fdt, 65536), 0);
    assert_int_equal(fdt_finish_reservemap(fdt), 0);
    assert_int_equal(fdt_begin_node(fdt, ""), 0);
    assert_int_equal(fdt_property_string(fdt, "compatible", "septum,system"), 0);
    return fdt;
}

static void finish(void *fdt)
{
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_finish(fdt), 0);
}

static void *one_vm(const prop_t *over, unsigned n)
{
    void *fdt = begin();
    vm_node(fdt, "alpha", over, n, 0);
    assert_int_equal(fdt_end_node(fdt), 0);
    finish(fdt);
    return fdt;
}

/* The host's check as the tests see it: below 0x9000000 is the GIC; 0xa000000.. a DMA master
 * that the description must accept explicitly; the console raises SPI 1 (INTID 33). Every query
 * is kept, to see what the parser asked. */
static dev_query_t last_query;
static char last_vm[VM_NAME_MAX], last_name[32];
static const char *refuse_low(void *ctx, const dev_query_t *dev)
{
    (void)ctx;
    last_query = *dev;
    snprintf(last_vm, sizeof(last_vm), "%s", dev->vm);
    snprintf(last_name, sizeof(last_name), "%s", dev->name);
    if (dev->base < 0x9000000)
        return "it is the GIC";
    if (dev->base >= 0xa000000 && dev->base < 0xb000000 && !dev->dma_unisolated)
        return "it can master DMA";
    return NULL;
}
static const dev_check_t chk = {refuse_low, NULL, 33};

static int parse(void *fdt, vm_config_t *cfg, unsigned *n, char *why)
{
    return sysdesc_parse(fdt, 65536, 2, 40, bundle, &chk, cfg, n, why, 200);
}

static void expect_refused(void *fdt, const char *needle)
{
    static vm_config_t cfg[VM_MAX];
    unsigned n;
    char why[200] = "";
    if (parse(fdt, cfg, &n, why) == 0)
        fail_msg("accepted, expected: %s", needle);
    if (!strstr(why, needle))
        fail_msg("'%s' lacks '%s'", why, needle);
    assert_non_null(strstr(why, "system description: "));
    free(fdt);
}

static int setup(void **state)
{
    (void)state;
    static uint8_t img[5000], dtbimg[200];
    void *d = dtbimg;
    fdt_create_empty_tree(d, sizeof(dtbimg));
    pack_input_t in[] = {{"system.dtb", img, 16},
                         {"hello.bin", img, sizeof(img)},
                         {"guest.dtb", dtbimg, sizeof(dtbimg)},
                         {"junk.dtb", img, 64}};
    size_t len;
    char why[200];
    return pack_build(in, 4, &bundle, &len, why, sizeof(why));
}

/* Entries' data are checked before anything reads them, and only those a description names: a
 * corrupt entry no VM uses is never read; a device tree (read here) and an execute-in-place image
 * (mapped as it is) are refused; an image the loader copies is left to the loader, which checks
 * it in the same pass as the copy (config/load.c, tests/system/security-config.sh). */
static void test_entry_crc(void **state)
{
    (void)state;
    static vm_config_t cfg[VM_MAX];
    unsigned n;
    char why[200] = "";
    int err;
    uint8_t *junk = bundle + bundle_find(bundle, "junk.dtb", &err)->offset;
    uint8_t *hello = bundle + bundle_find(bundle, "hello.bin", &err)->offset;
    uint8_t *gdtb = bundle + bundle_find(bundle, "guest.dtb", &err)->offset;
    fdt32_t xip_at[2] = {0, BE(0x10000000)};
    junk[3] ^= 0x40;
    void *fdt = one_vm(NULL, 0);
    assert_int_equal(parse(fdt, cfg, &n, why), 0);
    free(fdt);
    junk[3] ^= 0x40;

    hello[4999] ^= 1;
    fdt = one_vm(NULL, 0); /* copied by the loader: its check is the loader's */
    assert_int_equal(parse(fdt, cfg, &n, why), 0);
    free(fdt);
    expect_refused(one_vm((prop_t[]){{"kernel-xip", "", 0}, {"kernel-load", xip_at, 8}}, 2),
                   "image \"hello.bin\": bundle: entry 'hello.bin' is corrupt (CRC mismatch)");
    hello[4999] ^= 1;
    fdt = one_vm((prop_t[]){{"kernel-xip", "", 0}, {"kernel-load", xip_at, 8}}, 2);
    assert_int_equal(parse(fdt, cfg, &n, why), 0);
    free(fdt);

    gdtb[150] ^= 0x10;
    expect_refused(one_vm((prop_t[]){{"dtb", "guest.dtb", 10}}, 1),
                   "image \"guest.dtb\": bundle: entry 'guest.dtb' is corrupt (CRC mismatch)");
    gdtb[150] ^= 0x10;
    fdt = one_vm((prop_t[]){{"dtb", "guest.dtb", 10}}, 1);
    assert_int_equal(parse(fdt, cfg, &n, why), 0);
    free(fdt);
}

static void test_valid(void **state)
{
    (void)state;
    void *fdt = begin();
    fdt32_t two[2] = {BE(0), BE(1)};
    fdt32_t mem2[8] = {0, BE(0x40000000), 0, BE(0x1000000), 0, BE(0x50000000), 0, BE(0x100000)};
    fdt32_t iload[2] = {0, BE(0x40800000)};
    prop_t over[] = {{"cpus", two, 8},
                     {"memory", mem2, 32},
                     {"bootargs", "x=1", 4},
                     {"on-fault", "stop", 5},
                     {"septum,test-control", NULL, 0},
                     {"initrd", "hello.bin", 10},
                     {"initrd-load", iload, 8},
                     {"dtb", "guest.dtb", 10}};
    vm_node(fdt, "alpha", over, 8, 0);
    fdt_property(fdt, "septum,test-control", NULL, 0);
    assert_int_equal(fdt_begin_node(fdt, "rtc@9010000"), 0);
    fdt_property_string(fdt, "compatible", "septum,passthrough");
    fdt_property(fdt, "reg", CELLS(0, BE(0x9010000), 0, BE(0x1000)));
    fdt_property(fdt, "interrupts", CELLS(BE(2)));
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_end_node(fdt), 0);
    finish(fdt);
    vm_config_t cfg[VM_MAX];
    unsigned n;
    char why[200] = "";
    if (parse(fdt, cfg, &n, why) != 0)
        fail_msg("%s", why);
    assert_int_equal(n, 1);
    assert_string_equal(cfg[0].name, "alpha");
    assert_string_equal(cfg[0].node, "/alpha");
    assert_int_equal(cfg[0].vcpu_num, 2);
    assert_int_equal(cfg[0].pcpu[1], 1);
    assert_int_equal(cfg[0].mem_num, 2);
    assert_int_equal(cfg[0].mem[1].gpa, 0x50000000);
    assert_int_equal(cfg[0].kernel_load, 0x40080000);
    assert_true(cfg[0].stop_on_fault);
    assert_true(cfg[0].test_control);
    assert_string_equal(cfg[0].bootargs, "x=1");
    assert_string_equal(cfg[0].initrd, "hello.bin");
    assert_string_equal(cfg[0].dtb, "guest.dtb");
    assert_int_equal(cfg[0].dev_num, 1);
    assert_int_equal(cfg[0].dev[0].irq[0], 34);
    free(fdt);
}

/* Two VMs (domains 1 and 2) with their own overrides. */
static void *two_vms(const prop_t *a, unsigned na, const prop_t *b, unsigned nb)
{
    void *fdt = begin();
    vm_node(fdt, "alpha", a, na, 0);
    assert_int_equal(fdt_end_node(fdt), 0);
    vm_node(fdt, "beta", b, nb, 1);
    assert_int_equal(fdt_end_node(fdt), 0);
    finish(fdt);
    return fdt;
}

/* Event channels the description declares: triples of paired VMs' ports, each declared once. */
static void test_declared_evtchns(void **state)
{
    (void)state;
    prop_t peers2 = {"grant-peers", CELLS(BE(2))};
    void *fdt = two_vms((prop_t[]){peers2,
                                   {"xen,evtchn", CELLS(BE(5), BE(2), BE(7), BE(6), BE(1), BE(8))}},
                        2, (prop_t[]){{"xen,evtchn", CELLS(BE(3), BE(1), BE(4))}}, 1);
    vm_config_t cfg[VM_MAX];
    unsigned n;
    char why[200] = "";
    if (parse(fdt, cfg, &n, why) != 0)
        fail_msg("%s", why);
    free(fdt);
    assert_int_equal(cfg[0].evtchn_num, 2);
    assert_int_equal(cfg[0].evtchn[0].port, 5);
    assert_int_equal(cfg[0].evtchn[0].peer, 2);
    assert_int_equal(cfg[0].evtchn[0].peer_port, 7);
    assert_int_equal(cfg[0].evtchn[1].peer, 1); /* a loopback */
    assert_int_equal(cfg[1].evtchn_num, 1);
    assert_int_equal(cfg[1].evtchn[0].peer_port, 4);

    expect_refused(two_vms((prop_t[]){{"xen,evtchn", CELLS(BE(5), BE(2), BE(7))}}, 1, NULL, 0),
                   "beta is not paired with it (grant-peers)");
    expect_refused(two_vms((prop_t[]){peers2, {"xen,evtchn", CELLS(BE(5), BE(9), BE(7))}}, 2, NULL,
                           0),
                   "no VM is domain 9");
    expect_refused(two_vms((prop_t[]){peers2, {"xen,evtchn", CELLS(BE(0), BE(2), BE(7))}}, 2, NULL,
                           0),
                   "ports are 1..63");
    expect_refused(two_vms((prop_t[]){peers2, {"xen,evtchn", CELLS(BE(5), BE(2), BE(64))}}, 2, NULL,
                           0),
                   "ports are 1..63");
    expect_refused(two_vms((prop_t[]){peers2, {"xen,evtchn", CELLS(BE(5), BE(2))}}, 2, NULL, 0),
                   "<port peer-domid peer-port> triples");
    expect_refused(two_vms((prop_t[]){peers2, {"xen,evtchn", CELLS(BE(5), BE(0), BE(7))}}, 2, NULL,
                           0),
                   "is not a domain id");
    expect_refused(two_vms((prop_t[]){peers2, {"xen,evtchn", CELLS(BE(5), BE(1), BE(5))}}, 2, NULL,
                           0),
                   "port 5 bound to itself");
    /* beta's port 7 is an end of alpha's channel already */
    expect_refused(two_vms((prop_t[]){peers2, {"xen,evtchn", CELLS(BE(5), BE(2), BE(7))}}, 2,
                           (prop_t[]){{"xen,evtchn", CELLS(BE(7), BE(1), BE(6))}}, 1),
                   "a port of channel 0 is declared already");
    /* and alpha's port 5, from beta's side */
    expect_refused(two_vms((prop_t[]){peers2, {"xen,evtchn", CELLS(BE(5), BE(2), BE(7))}}, 2,
                           (prop_t[]){{"xen,evtchn", CELLS(BE(8), BE(1), BE(5))}}, 1),
                   "is declared already");
    expect_refused(
        two_vms((prop_t[]){peers2, {"xen,evtchn", CELLS(BE(5), BE(2), BE(7), BE(5), BE(2), BE(9))}},
                2, NULL, 0),
        "a port of channel 1 is declared already");
}

/* dtb-load and xip-size as a firmware like U-Boot needs them */
static void test_firmware_layout(void **state)
{
    (void)state;
    static vm_config_t cfg[VM_MAX];
    unsigned n;
    char why[200] = "";
    fdt32_t zero[2] = {0, 0}, xs[2] = {0, BE(0x04040000)}, dl[2] = {0, BE(0x40000000)};
    void *fdt = one_vm((prop_t[]){{"kernel-load", zero, 8},
                                  {"kernel-xip", "", 0},
                                  {"xip-size", xs, 8},
                                  {"dtb-load", dl, 8}},
                       4);
    assert_int_equal(parse(fdt, cfg, &n, why), 0);
    assert_true(cfg[0].kernel_xip);
    assert_int_equal(cfg[0].xip_size, 0x04040000);
    assert_int_equal(cfg[0].dtb_load, 0x40000000);
    free(fdt);
    /* without dtb-load the device tree goes to the top of the first memory range */
    fdt = one_vm(NULL, 0);
    assert_int_equal(parse(fdt, cfg, &n, why), 0);
    assert_int_equal(cfg[0].dtb_load, 0x40000000 + 0x1000000 - VM_DTB_SIZE);
    assert_int_equal(cfg[0].xip_size, 0);
    free(fdt);
}

static void test_refusals(void **state)
{
    (void)state;
    fdt32_t cpu5[1] = {BE(5)}, cpus5[5] = {BE(0), BE(1), BE(0), BE(1), BE(0)};
    fdt32_t odd[4] = {0, BE(0x40000800), 0, BE(0x1000000)};
    fdt32_t far[4] = {BE(0x100), 0, 0, BE(0x1000000)};
    fdt32_t tiny[4] = {0, BE(0x40000000), 0, BE(0x1000)};
    fdt32_t ovl[8] = {0, BE(0x40000000), 0, BE(0x1000000), 0, BE(0x40800000), 0, BE(0x1000000)};
    fdt32_t out[2] = {0, BE(0x60000000)};
    fdt32_t xip0[2] = {0, BE(0x40000000)};
    fdt32_t iload[2] = {0, BE(0x40fff000)};
    char longargs[200];
    memset(longargs, 'a', sizeof(longargs) - 1);
    longargs[sizeof(longargs) - 1] = 0;

    expect_refused(one_vm((prop_t[]){{"cpus", cpu5, 4}}, 1),
                   "/alpha (alpha): vCPU 0 on physical CPU 5, but only 2 CPUs are online");
    expect_refused(one_vm((prop_t[]){{"cpus", cpus5, 20}}, 1), "5 vCPUs; at most 4");
    expect_refused(one_vm((prop_t[]){{"cpus", NULL, 0}}, 1), "needs cpus");
    expect_refused(one_vm((prop_t[]){{"memory", odd, 16}}, 1), "must be page-aligned");
    expect_refused(one_vm((prop_t[]){{"memory", far, 16}}, 1),
                   "outside the 40-bit guest address space");
    expect_refused(one_vm((prop_t[]){{"memory", tiny, 16}}, 1), "at least 128 KiB");
    expect_refused(one_vm((prop_t[]){{"memory", ovl, 32}}, 1), "overlap");
    expect_refused(one_vm((prop_t[]){{"memory", odd, 12}}, 1), "needs memory");
    expect_refused(one_vm((prop_t[]){{"kernel", "nope.bin", 9}}, 1),
                   "image \"nope.bin\" is not in the bundle");
    expect_refused(one_vm((prop_t[]){{"kernel", "abc", 3}}, 1),
                   "kernel is not a NUL-terminated string");
    expect_refused(one_vm((prop_t[]){{"kernel-load", out, 8}}, 1), "does not fit in memory");
    expect_refused(one_vm((prop_t[]){{"kernel-load", NULL, 0}}, 1), "needs kernel-load");
    expect_refused(
        one_vm((prop_t[]){{"kernel-load", xip0, 8}, {"kernel-xip", NULL, 0}, {"kernel-xip", "", 0}},
               3),
        "overlaps the VM's memory");
    expect_refused(one_vm((prop_t[]){{"on-fault", "explode", 8}}, 1),
                   "expected \"inject\" or \"stop\"");
    expect_refused(one_vm((prop_t[]){{"bootargs", longargs, sizeof(longargs)}}, 1),
                   "bootargs longer");
    expect_refused(one_vm((prop_t[]){{"initrd", "hello.bin", 10}}, 1), "initrd needs initrd-load");
    expect_refused(one_vm((prop_t[]){{"initrd", "hello.bin", 10}, {"initrd-load", iload, 8}}, 2),
                   "must be page-aligned and fit");
    expect_refused(one_vm((prop_t[]){{"dtb", "junk.dtb", 9}}, 1), "is not a valid device tree");

    /* dtb-load: aligned, inside memory with room for the device tree, clear of the kernel */
    fdt32_t dl_odd[2] = {0, BE(0x40000800)}, dl_out[2] = {0, BE(0x60000000)};
    fdt32_t dl_edge[2] = {0, BE(0x40ff8000)}, dl_kernel[2] = {0, BE(0x40080000)};
    expect_refused(one_vm((prop_t[]){{"dtb-load", dl_odd, 8}}, 1),
                   "dtb-load 0x40000800 must be page-aligned");
    expect_refused(one_vm((prop_t[]){{"dtb-load", dl_out, 8}}, 1),
                   "dtb-load 0x60000000 must be page-aligned with 64 KiB of memory there");
    expect_refused(one_vm((prop_t[]){{"dtb-load", dl_edge, 8}}, 1), "with 64 KiB of memory there");
    expect_refused(one_vm((prop_t[]){{"dtb-load", dl_kernel, 8}}, 1),
                   "dtb-load 0x40080000 overlaps the kernel");
    expect_refused(one_vm((prop_t[]){{"dtb-load", dl_odd, 4}}, 1), "dtb-load = <hi lo> expected");

    /* xip-size: holds the image, page-aligned, at most two flash banks, clear of RAM */
    fdt32_t zero[2] = {0, 0}, xs_small[2] = {0, BE(0x1000)}, xs_odd[2] = {0, BE(0x10800)};
    fdt32_t xs_huge[2] = {0, BE(0x10000000)}, xs_ram[2] = {0, BE(0x40001000)};
    expect_refused(one_vm((prop_t[]){{"kernel-load", zero, 8},
                                     {"kernel-xip", "", 0},
                                     {"xip-size", xs_small, 8}},
                          3),
                   "xip-size must be page-aligned, hold the image and be at most 128 MiB");
    expect_refused(
        one_vm((prop_t[]){{"kernel-load", zero, 8}, {"kernel-xip", "", 0}, {"xip-size", xs_odd, 8}},
               3),
        "xip-size must be page-aligned");
    expect_refused(one_vm((prop_t[]){{"kernel-load", zero, 8},
                                     {"kernel-xip", "", 0},
                                     {"xip-size", xs_huge, 8}},
                          3),
                   "at most 128 MiB");
    expect_refused(
        one_vm((prop_t[]){{"kernel-load", zero, 8}, {"kernel-xip", "", 0}, {"xip-size", xs_ram, 8}},
               3),
        "at most 128 MiB");

    void *fdt = begin();
    vm_node(fdt, "Bad.Name", NULL, 0, 0);
    fdt_end_node(fdt);
    finish(fdt);
    expect_refused(fdt, "use a-z, 0-9, - and _");

    fdt = begin();
    vm_node(fdt, "alpha", NULL, 0, 0);
    fdt_end_node(fdt);
    vm_node(fdt, "beta", NULL, 0, 0);
    fdt_end_node(fdt);
    finish(fdt);
    expect_refused(fdt, "/beta (beta): physical CPU 0 already runs another vCPU");

    fdt = begin();
    vm_node(fdt, "alpha", NULL, 0, 0);
    fdt_begin_node(fdt, "gic@8000000");
    fdt_property_string(fdt, "compatible", "septum,passthrough");
    fdt_property(fdt, "reg", CELLS(0, BE(0x8000000), 0, BE(0x10000)));
    fdt_end_node(fdt);
    fdt_end_node(fdt);
    finish(fdt);
    expect_refused(fdt, "device gic@8000000 at 0x8000000: it is the GIC");

    fdt = begin();
    for (unsigned i = 0; i < 2; i++) {
        vm_node(fdt, i ? "beta" : "alpha", NULL, 0, i);
        fdt_begin_node(fdt, "rtc@9010000");
        fdt_property_string(fdt, "compatible", "septum,passthrough");
        fdt_property(fdt, "reg", CELLS(0, BE(0x9010000), 0, BE(0x1000)));
        fdt_end_node(fdt);
        fdt_end_node(fdt);
    }
    finish(fdt);
    expect_refused(fdt, "/beta (beta): device rtc@9010000 is already given to alpha");

    fdt = begin();
    finish(fdt);
    expect_refused(fdt, "no VM");

    fdt = calloc(1, 65536);
    fdt_create(fdt, 65536);
    fdt_finish_reservemap(fdt);
    fdt_begin_node(fdt, "");
    fdt_property_string(fdt, "compatible", "acme,board");
    finish(fdt);
    expect_refused(fdt, "not compatible with \"septum,system\"");

    fdt = calloc(1, 65536);
    memset(fdt, 0x41, 100);
    expect_refused(fdt, "not a valid device tree blob");
}

/* One VM per entry, each with one pass-through device: name, base, SPI (or -1: none), and
 * whether it says septum,dma-unisolated. */
typedef struct dev_spec {
    const char *vm, *dev;
    uint32_t base;
    int spi;
    bool dma_unisolated;
} dev_spec_t;

static void *vms_with_devices(const dev_spec_t *spec, unsigned n)
{
    void *fdt = begin();
    for (unsigned i = 0, vm = 0; i < n; i++) {
        if (i == 0 || strcmp(spec[i].vm, spec[i - 1].vm)) {
            if (i)
                assert_int_equal(fdt_end_node(fdt), 0);
            vm_node(fdt, spec[i].vm, NULL, 0, vm++);
        }
        assert_int_equal(fdt_begin_node(fdt, spec[i].dev), 0);
        fdt_property_string(fdt, "compatible", "septum,passthrough");
        fdt_property(fdt, "reg", CELLS(0, BE(spec[i].base), 0, BE(0x1000)));
        if (spec[i].spi >= 0)
            fdt_property(fdt, "interrupts", CELLS(BE((uint32_t)spec[i].spi)));
        if (spec[i].dma_unisolated)
            fdt_property(fdt, "septum,dma-unisolated", NULL, 0);
        assert_int_equal(fdt_end_node(fdt), 0);
    }
    assert_int_equal(fdt_end_node(fdt), 0);
    finish(fdt);
    return fdt;
}

static void expect_accepted(void *fdt, unsigned vm_count)
{
    static vm_config_t cfg[VM_MAX];
    unsigned n;
    char why[200] = "";
    if (parse(fdt, cfg, &n, why) != 0)
        fail_msg("refused: %s", why);
    assert_int_equal(n, vm_count);
    free(fdt);
}

/* A device that can master DMA goes to a VM only when its node says septum,dma-unisolated (a
 * flag: no value); the host's check sees the VM, the device and that flag. */
static void test_dma_unisolated(void **state)
{
    (void)state;
    expect_refused(vms_with_devices((dev_spec_t[]){{"alpha", "virtio@a000000", 0xa000000, -1}}, 1),
                   "/alpha (alpha): device virtio@a000000 at 0xa000000: it can master DMA");
    assert_false(last_query.dma_unisolated);
    expect_accepted(
        vms_with_devices((dev_spec_t[]){{"alpha", "virtio@a000000", 0xa000000, -1, true}}, 1), 1);
    assert_true(last_query.dma_unisolated);
    assert_string_equal(last_vm, "alpha");
    assert_string_equal(last_name, "virtio@a000000");
    assert_int_equal(last_query.base, 0xa000000);
    assert_int_equal(last_query.size, 0x1000);
    /* the GIC is refused with or without it */
    expect_refused(vms_with_devices((dev_spec_t[]){{"alpha", "its@8080000", 0x8080000, -1, true}},
                                    1),
                   "device its@8080000 at 0x8080000: it is the GIC");

    void *fdt = begin();
    vm_node(fdt, "alpha", NULL, 0, 0);
    fdt_begin_node(fdt, "virtio@a000000");
    fdt_property_string(fdt, "compatible", "septum,passthrough");
    fdt_property(fdt, "reg", CELLS(0, BE(0xa000000), 0, BE(0x1000)));
    fdt_property(fdt, "septum,dma-unisolated", CELLS(BE(0)));
    fdt_end_node(fdt);
    fdt_end_node(fdt);
    finish(fdt);
    expect_refused(fdt, "/alpha (alpha): device virtio@a000000: septum,dma-unisolated takes no "
                        "value");
}

/* An SPI is one VM's at most, and never the one septum's console raises. */
static void test_spi_ownership(void **state)
{
    (void)state;
    expect_refused(vms_with_devices((dev_spec_t[]){{"alpha", "rtc@9010000", 0x9010000, 1}}, 1),
                   "/alpha (alpha): device rtc@9010000: SPI 1 is the interrupt of septum's "
                   "console");
    expect_refused(vms_with_devices((dev_spec_t[]){{"alpha", "rtc@9010000", 0x9010000, 2},
                                                   {"beta", "gpio@9030000", 0x9030000, 2}},
                                    2),
                   "/beta (beta): device gpio@9030000: SPI 2 is already alpha's (device "
                   "rtc@9010000)");
    /* a VM's second device, past a first that is fine */
    expect_refused(vms_with_devices((dev_spec_t[]){{"alpha", "rtc@9010000", 0x9010000, 2},
                                                   {"beta", "gpio@9030000", 0x9030000, 7},
                                                   {"beta", "x@9040000", 0x9040000, 2}},
                                    3),
                   "/beta (beta): device x@9040000: SPI 2 is already alpha's (device "
                   "rtc@9010000)");
    /* a device given twice is reported as that, not as its SPI */
    expect_refused(vms_with_devices((dev_spec_t[]){{"alpha", "rtc@9010000", 0x9010000, 2},
                                                   {"beta", "rtc@9010000", 0x9010000, 2}},
                                    2),
                   "/beta (beta): device rtc@9010000 is already given to alpha");
    /* distinct SPIs, and two devices of one VM on one line (shared inside that VM) */
    expect_accepted(vms_with_devices((dev_spec_t[]){{"alpha", "rtc@9010000", 0x9010000, 2},
                                                    {"beta", "gpio@9030000", 0x9030000, 7}},
                                     2),
                    2);
    expect_accepted(vms_with_devices((dev_spec_t[]){{"alpha", "rtc@9010000", 0x9010000, 2},
                                                    {"alpha", "gpio@9030000", 0x9030000, 2}},
                                     2),
                    1);
    /* with no console interrupt known, SPI 1 is a device's like any other */
    static vm_config_t cfg[VM_MAX];
    const dev_check_t open = {refuse_low, NULL, 0};
    unsigned n;
    char why[200] = "";
    void *fdt = vms_with_devices((dev_spec_t[]){{"alpha", "rtc@9010000", 0x9010000, 1}}, 1);
    if (sysdesc_parse(fdt, 65536, 2, 40, bundle, &open, cfg, &n, why, sizeof(why)) != 0)
        fail_msg("refused: %s", why);
    assert_int_equal(cfg[0].dev[0].irq[0], 33);
    free(fdt);
}

/* xen-guest: a flag without a value; without it the VM is no Xen guest. A property septum does
 * not know is refused by name (a misspelling must not pass silently). */
static void test_xen_guest_and_unknown(void **state)
{
    (void)state;
    vm_config_t cfg[VM_MAX];
    unsigned n;
    char why[200] = "";
    prop_t xg[] = {{"xen-guest", "", 0}};
    void *fdt = one_vm(xg, 1);
    if (parse(fdt, cfg, &n, why) != 0)
        fail_msg("%s", why);
    assert_true(cfg[0].xen_guest);
    free(fdt);
    fdt = one_vm(NULL, 0);
    if (parse(fdt, cfg, &n, why) != 0)
        fail_msg("%s", why);
    assert_false(cfg[0].xen_guest);
    free(fdt);
    prop_t xv[] = {{"xen-guest", "yes", 4}};
    expect_refused(one_vm(xv, 1), "xen-guest takes no value");
    prop_t typo[] = {{"xen-gust", "", 0}};
    expect_refused(one_vm(typo, 1), "unknown property \"xen-gust\"");
    prop_t typo2[] = {{"bootarg", "x", 2}};
    expect_refused(one_vm(typo2, 1), "(alpha): unknown property \"bootarg\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_firmware_layout),
        cmocka_unit_test(test_dma_unisolated),
        cmocka_unit_test(test_spi_ownership),
        cmocka_unit_test(test_declared_evtchns),
        cmocka_unit_test(test_xen_guest_and_unknown),
        cmocka_unit_test(test_entry_crc),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
