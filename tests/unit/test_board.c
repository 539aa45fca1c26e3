/*
 * Unit tests of core/board.c against real device trees that QEMU dumped ($SEPTUM_DTB_DIR, by
 * default build/dtb: virt-gicv3-smp1.dtb, virt-gicv3-smp4.dtb, virt-gicv2-smp2.dtb) and against
 * malformed ones made from them with the host libfdt. Every failure must come back as an error
 * code and a message naming the problem, never as a crash (ASan/UBSan watch), and random
 * damage to a real blob must be either parsed or explained.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <config/board.h>
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOAD_MAX (1024 * 1024)  /* QEMU dumps a 1 MiB blob */
#define EDIT_MAX (2 * LOAD_MAX) /* edited copies: room to grow */

static const char *const V3_1 = "virt-gicv3-smp1.dtb";
static const char *const V3_4 = "virt-gicv3-smp4.dtb";
static const char *const V2_2 = "virt-gicv2-smp2.dtb";

/* The named DTB in a zeroed EDIT_MAX buffer (malloc: 16-byte aligned). */
static uint8_t *load(const char *name, size_t *size)
{
    char path[512];
    const char *dir = getenv("SEPTUM_DTB_DIR");
    snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "build/dtb", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (make dumps it with QEMU's dumpdtb)", path);
    uint8_t *buf = calloc(1, EDIT_MAX);
    assert_non_null(buf);
    *size = fread(buf, 1, LOAD_MAX, f);
    fclose(f);
    assert_true(*size >= sizeof(struct fdt_header));
    return buf;
}

/* A writable copy with room to grow (totalsize becomes EDIT_MAX). */
static void *editable(const char *name)
{
    size_t size;
    uint8_t *orig = load(name, &size);
    void *buf = calloc(1, EDIT_MAX);
    assert_non_null(buf);
    assert_int_equal(fdt_open_into(orig, buf, EDIT_MAX), 0);
    free(orig);
    return buf;
}

static int node(void *fdt, const char *path)
{
    int n = fdt_path_offset(fdt, path);
    if (n < 0)
        fail_msg("%s: %s", path, fdt_strerror(n));
    return n;
}

static void parse_ok(const void *fdt, size_t max, board_t *b)
{
    char why[200] = "";
    int rc = board_parse(fdt, max, b, why, sizeof(why));
    if (rc != 0)
        fail_msg("board_parse: %d (%s)", rc, why);
}

static void expect_error(const void *fdt, size_t max, int rc, const char *needle)
{
    board_t b;
    char why[200] = "";
    int got = board_parse(fdt, max, &b, why, sizeof(why));
    if (got != rc || !strstr(why, needle))
        fail_msg("got %d '%s', wanted %d with '%s'", got, why, rc, needle);
    assert_int_equal(b.mem_num, 0); /* cleared on failure */
}

static void set_reg64(void *fdt, const char *path, const uint64_t *vals, unsigned n)
{
    fdt64_t cells[32];
    assert_true(n <= 32);
    for (unsigned i = 0; i < n; i++)
        cells[i] = cpu_to_fdt64(vals[i]);
    assert_int_equal(fdt_setprop(fdt, node(fdt, path), "reg", cells, n * 8), 0);
}

static void set_cells(void *fdt, const char *path, const char *prop, const uint32_t *vals,
                      unsigned n)
{
    fdt32_t cells[32];
    assert_true(n <= 32);
    for (unsigned i = 0; i < n; i++)
        cells[i] = cpu_to_fdt32(vals[i]);
    assert_int_equal(fdt_setprop(fdt, node(fdt, path), prop, cells, n * 4), 0);
}

/* ---- the real boards ---- */

static void check_common(const board_t *b, const void *fdt)
{
    assert_int_equal(b->dtb_size, fdt_totalsize(fdt));
    assert_string_equal(b->model, "linux,dummy-virt");
    assert_int_equal(b->mem_num, 1);
    assert_int_equal(b->mem[0].base, 0x40000000);
    assert_int_equal(b->mem[0].size, 0x40000000);
    assert_int_equal(b->resv_num, 0);
    for (unsigned i = 0; i < b->cpu_num; i++) {
        assert_int_equal(b->cpu[i].mpidr, i);
        assert_int_equal(b->cpu[i].psci, b->cpu_num > 1); /* QEMU gives -smp 1 no enable-method */
    }
    assert_true(b->psci.present);
    assert_int_equal(b->psci.conduit, BOARD_CONDUIT_SMC);
    assert_true(b->psci.v0_2_or_later);
    assert_int_equal(b->psci.cpu_on_id, 0xc4000003);
    assert_int_equal(b->gic.dist.base, 0x08000000);
    assert_int_equal(b->gic.dist.size, 0x10000);
    assert_int_equal(b->gic.maint_irq, 25);
    assert_true(b->uart.present);
    assert_int_equal(b->uart.reg.base, 0x09000000);
    assert_int_equal(b->uart.reg.size, 0x1000);
    assert_int_equal(b->uart.irq, 33);
    assert_string_equal(b->uart.path, "/pl011@9000000");
    assert_true(b->timer.present);
    assert_int_equal(b->timer.irq[0], 29);
    assert_int_equal(b->timer.irq[1], 30);
    assert_int_equal(b->timer.irq[2], 27);
    assert_int_equal(b->timer.irq[3], 26);
    assert_string_equal(b->bootargs, "");
    assert_int_equal(b->initrd_start, 0);
    assert_int_equal(b->initrd_end, 0);
}

static void test_gicv3_smp4(void **state)
{
    (void)state;
    size_t size;
    uint8_t *fdt = load(V3_4, &size);
    board_t b;
    parse_ok(fdt, size, &b);
    assert_int_equal(b.cpu_num, 4);
    check_common(&b, fdt);
    assert_int_equal(b.gic.version, 3);
    assert_int_equal(b.gic.redist.base, 0x080a0000);
    assert_int_equal(b.gic.redist.size, 0xf60000);
    assert_int_equal(b.gic.cpuif.size, 0);
    assert_int_equal(b.gic.hyp_ctrl.size, 0);
    assert_int_equal(b.gic.vcpuif.size, 0);
    free(fdt);
}

static void test_gicv3_smp1(void **state)
{
    (void)state;
    size_t size;
    uint8_t *fdt = load(V3_1, &size);
    board_t b;
    parse_ok(fdt, size, &b);
    assert_int_equal(b.cpu_num, 1);
    check_common(&b, fdt);
    assert_int_equal(b.gic.version, 3);
    assert_int_equal(b.gic.redist.base, 0x080a0000);
    free(fdt);
}

static void test_gicv2_smp2(void **state)
{
    (void)state;
    size_t size;
    uint8_t *fdt = load(V2_2, &size);
    board_t b;
    parse_ok(fdt, size, &b);
    assert_int_equal(b.cpu_num, 2);
    check_common(&b, fdt);
    assert_int_equal(b.gic.version, 2);
    assert_int_equal(b.gic.cpuif.base, 0x08010000);
    assert_int_equal(b.gic.hyp_ctrl.base, 0x08030000);
    assert_int_equal(b.gic.vcpuif.base, 0x08040000);
    assert_int_equal(b.gic.vcpuif.size, 0x10000);
    assert_int_equal(b.gic.redist.size, 0);
    free(fdt);
}

/* ---- the blob as a whole ---- */

static void test_header(void **state)
{
    (void)state;
    size_t size;
    uint8_t *fdt = load(V3_1, &size);
    board_t b;
    char why[200];
    uint32_t total = fdt_totalsize(fdt);

    expect_error(NULL, size, -EINVAL, "none given");
    assert_int_equal(board_parse(fdt, size, NULL, why, sizeof(why)), -EINVAL);
    assert_int_equal(board_parse(NULL, size, &b, NULL, 0), -EINVAL); /* no message wanted */
    expect_error(fdt, 8, -EINVAL, "truncated");
    expect_error(fdt, 0, -EINVAL, "truncated");
    expect_error(fdt, total - 1, -E2BIG, "exceeds limit");
    expect_error(fdt, 4096, -E2BIG, "DTB: totalsize 1048576 exceeds limit 4096");

    fdt[0] ^= 0xff;
    expect_error(fdt, size, -EINVAL, "bad magic");
    expect_error(fdt, size, -EINVAL, "FDT_ERR_BADMAGIC");
    fdt[0] ^= 0xff;

    fdt_set_totalsize(fdt, 16); /* smaller than its own header */
    expect_error(fdt, size, -EINVAL, "DTB: header check failed");
    fdt_set_totalsize(fdt, total);

    uint32_t off = fdt_off_dt_struct(fdt);
    fdt_set_off_dt_struct(fdt, total - 4); /* structure block runs off the end */
    expect_error(fdt, size, -EINVAL, "DTB: header check failed");
    fdt_set_off_dt_struct(fdt, off + 2); /* libfdt would load words from it */
    expect_error(fdt, size, -EINVAL, "DTB: misaligned block (structure at 0x42");
    fdt_set_off_dt_struct(fdt, off + 4); /* inside, but not on a tag */
    expect_error(fdt, size, -EINVAL, "check failed");
    fdt_set_off_dt_struct(fdt, off);

    fdt_set_version(fdt, 1);
    expect_error(fdt, size, -EINVAL, "FDT_ERR_BADVERSION");
    fdt_set_version(fdt, 17);

    /* a property length running past the structure block */
    uint8_t *st = fdt + off;
    int prop = fdt_first_property_offset(fdt, 0);
    assert_true(prop >= 0);
    uint32_t saved;
    memcpy(&saved, st + prop + 4, 4);
    uint32_t huge = cpu_to_fdt32(0x7ffffff0);
    memcpy(st + prop + 4, &huge, 4);
    expect_error(fdt, size, -EINVAL, "DTB: structure check failed");
    memcpy(st + prop + 4, &saved, 4);

    /* a structure block holding only FDT_END passes fdt_check_full: no root node */
    uint32_t end = cpu_to_fdt32(FDT_END), begin;
    memcpy(&begin, st, 4);
    memcpy(st, &end, 4);
    expect_error(fdt, size, -EINVAL, "DTB: no root node");
    memcpy(st, &begin, 4);

    /* unaligned */
    memmove(fdt + 4, fdt, size);
    expect_error(fdt + 4, size, -EINVAL, "aligned");
    memmove(fdt, fdt + 4, size);

    /* a tiny message buffer is still NUL-terminated */
    char small[8];
    memset(small, 'x', sizeof(small));
    assert_int_equal(board_parse(fdt, 4096, &b, small, sizeof(small)), -E2BIG);
    assert_int_equal(strlen(small), sizeof(small) - 1);

    parse_ok(fdt, size, &b); /* everything restored */
    free(fdt);
}

/* ---- memory ---- */

static void test_memory(void **state)
{
    (void)state;
    void *fdt = editable(V3_1);
    const char *mem = "/memory@40000000";
    board_t b;

    set_cells(fdt, mem, "reg", (const uint32_t[]){0, 0x40, 0}, 3);
    expect_error(fdt, EDIT_MAX, -EINVAL,
                 "/memory@40000000: reg length 12 is not a multiple of 16 (#address-cells=2, "
                 "#size-cells=2)");
    assert_int_equal(fdt_setprop(fdt, node(fdt, mem), "reg", "", 0), 0);
    expect_error(fdt, EDIT_MAX, -EINVAL, "reg length 0");
    set_reg64(fdt, mem, (const uint64_t[]){0xfffffffff0000000ULL, 0x20000000}, 2);
    expect_error(fdt, EDIT_MAX, -EINVAL,
                 "/memory@40000000: reg entry 0 (0xfffffffff0000000+0x20000000) wraps");
    set_reg64(fdt, mem, (const uint64_t[]){0xfffffffff0000000ULL, 0x10000000}, 2);
    expect_error(fdt, EDIT_MAX, -EINVAL, "wraps"); /* ends exactly at 2^64: base+size overflows */
    set_reg64(fdt, mem, (const uint64_t[]){0x40000800, 0x20000000}, 2);
    expect_error(fdt, EDIT_MAX, -EINVAL, "not 4 KiB-aligned");

    /* several banks, unsorted, with an empty one: sorted, empty skipped */
    set_reg64(fdt, mem,
              (const uint64_t[]){0x80000000, 0x1000000, 0x40000000, 0x10000000, 0x60000000, 0}, 6);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.mem_num, 2);
    assert_int_equal(b.mem[0].base, 0x40000000);
    assert_int_equal(b.mem[1].base, 0x80000000);
    assert_int_equal(b.mem[1].size, 0x1000000);

    /* a second memory node, overlapping, then disabled */
    int m2 = fdt_add_subnode(fdt, 0, "memory@48000000");
    assert_true(m2 >= 0);
    assert_int_equal(fdt_setprop_string(fdt, m2, "device_type", "memory"), 0);
    set_reg64(fdt, "/memory@48000000", (const uint64_t[]){0x48000000, 0x1000000}, 2);
    expect_error(fdt, EDIT_MAX, -EINVAL, "memory ranges at 0x40000000 and 0x48000000 overlap");
    assert_int_equal(fdt_setprop_string(fdt, node(fdt, "/memory@48000000"), "status", "disabled"),
                     0);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.mem_num, 2);

    /* too many banks */
    uint64_t many[18];
    for (unsigned i = 0; i < 9; i++) {
        many[2 * i] = 0x100000000ULL * (i + 1);
        many[2 * i + 1] = 0x1000;
    }
    set_reg64(fdt, mem, many, 18);
    expect_error(fdt, EDIT_MAX, -E2BIG, "more than 8 memory ranges");

    /* only empty banks, then none */
    set_reg64(fdt, mem, (const uint64_t[]){0x40000000, 0}, 2);
    expect_error(fdt, EDIT_MAX, -ENOENT, "no memory node");
    assert_int_equal(fdt_del_node(fdt, node(fdt, mem)), 0);
    assert_int_equal(fdt_del_node(fdt, node(fdt, "/memory@48000000")), 0);
    expect_error(fdt, EDIT_MAX, -ENOENT, "no memory node");
    free(fdt);
}

static void test_root_cells(void **state)
{
    (void)state;
    void *fdt = editable(V3_1);
    assert_int_equal(fdt_setprop_u32(fdt, 0, "#address-cells", 3), 0);
    expect_error(fdt, EDIT_MAX, -ENOTSUP, "/: #address-cells 3 unsupported");
    assert_int_equal(fdt_setprop_u32(fdt, 0, "#address-cells", 0), 0);
    expect_error(fdt, EDIT_MAX, -ENOTSUP, "#address-cells 0 unsupported");
    assert_int_equal(fdt_setprop(fdt, 0, "#address-cells", "\0\0\0\2\0", 5), 0);
    expect_error(fdt, EDIT_MAX, -EINVAL, "#address-cells is 5 bytes");
    assert_int_equal(fdt_setprop_u32(fdt, 0, "#address-cells", 2), 0);
    assert_int_equal(fdt_setprop_u32(fdt, 0, "#size-cells", 0), 0);
    expect_error(fdt, EDIT_MAX, -ENOTSUP, "#size-cells 0 unsupported");

    /* 1/1 cells throughout: memory and devices read with the root's sizes (the PCI host
     * bridge's ranges, written for 2/2, would not parse: it goes) */
    assert_int_equal(fdt_del_node(fdt, node(fdt, "/pcie@10000000")), 0);
    fdt_setprop_u32(fdt, 0, "#size-cells", 1);
    fdt_setprop_u32(fdt, 0, "#address-cells", 1);
    set_cells(fdt, "/memory@40000000", "reg", (const uint32_t[]){0x40000000, 0x20000000}, 2);
    set_cells(fdt, "/pl011@9000000", "reg", (const uint32_t[]){0x9000000, 0x1000}, 2);
    set_cells(fdt, "/intc@8000000", "reg",
              (const uint32_t[]){0x8000000, 0x10000, 0x80a0000, 0xf60000}, 4);
    board_t b;
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.mem[0].size, 0x20000000);
    assert_int_equal(b.uart.reg.base, 0x9000000);
    assert_int_equal(b.gic.redist.base, 0x80a0000);

    /* a string property without its NUL */
    assert_int_equal(fdt_setprop(fdt, 0, "model", "virt", 4), 0);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/: model is not a NUL-terminated string");
    free(fdt);
}

static void test_reserved(void **state)
{
    (void)state;
    void *fdt = editable(V3_1);
    board_t b;
    assert_int_equal(fdt_add_mem_rsv(fdt, 0x7f000000, 0x100000), 0);
    int rm = fdt_add_subnode(fdt, 0, "reserved-memory");
    assert_true(rm >= 0);
    fdt_setprop_u32(fdt, rm, "#address-cells", 2);
    fdt_setprop_u32(fdt, rm, "#size-cells", 2);
    fdt_setprop(fdt, rm, "ranges", NULL, 0);
    assert_true(fdt_add_subnode(fdt, rm, "a@48000000") >= 0);
    assert_true(fdt_add_subnode(fdt, node(fdt, "/reserved-memory"), "pool") >= 0); /* no reg */
    set_reg64(fdt, "/reserved-memory/a@48000000", (const uint64_t[]){0x48000000, 0x2000}, 2);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.resv_num, 2);
    assert_int_equal(b.resv[0].base, 0x48000000);
    assert_int_equal(b.resv[0].size, 0x2000);
    assert_int_equal(b.resv[1].base, 0x7f000000);
    assert_int_equal(b.resv[1].size, 0x100000);

    /* reserved-memory without ranges: its children are not CPU addresses */
    assert_int_equal(fdt_delprop(fdt, node(fdt, "/reserved-memory"), "ranges"), 0);
    expect_error(fdt, EDIT_MAX, -ENOTSUP,
                 "/reserved-memory/a@48000000: a parent bus has no ranges");
    fdt_setprop(fdt, node(fdt, "/reserved-memory"), "ranges", NULL, 0);
    set_reg64(fdt, "/reserved-memory/a@48000000", (const uint64_t[]){~0ULL, 2}, 2);
    expect_error(fdt, EDIT_MAX, -EINVAL, "wraps");
    free(fdt);

    fdt = editable(V3_1);
    assert_int_equal(fdt_add_mem_rsv(fdt, 0xfffffffffffff000ULL, 0x2000), 0);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/memreserve/ entry 0");
    free(fdt);
}

/* ---- CPUs ---- */

static void test_cpus(void **state)
{
    (void)state;
    void *fdt = editable(V3_4);
    board_t b;
    assert_int_equal(fdt_delprop(fdt, node(fdt, "/cpus/cpu@1"), "reg"), 0);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/cpus/cpu@1: no reg");
    assert_int_equal(fdt_setprop(fdt, node(fdt, "/cpus/cpu@1"), "reg", "ab", 2), 0);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/cpus/cpu@1: reg length 2 is not a multiple of 4");
    fdt_setprop_u32(fdt, node(fdt, "/cpus/cpu@1"), "reg", 2);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/cpus/cpu@2: MPIDR 0x2 listed twice");
    fdt_setprop_u32(fdt, node(fdt, "/cpus/cpu@1"), "reg", 0x81000000); /* U bit: not affinity */
    expect_error(fdt, EDIT_MAX, -EINVAL, "is not an MPIDR affinity value");
    fdt_setprop_u32(fdt, node(fdt, "/cpus/cpu@1"), "reg", 0x100);
    fdt_setprop_string(fdt, node(fdt, "/cpus/cpu@1"), "enable-method", "spin-table");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.cpu_num, 4);
    assert_int_equal(b.cpu[1].mpidr, 0x100);
    assert_false(b.cpu[1].psci);
    assert_true(b.cpu[2].psci);
    assert_int_equal(fdt_setprop(fdt, node(fdt, "/cpus/cpu@1"), "enable-method", "psci", 4), 0);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/cpus/cpu@1: enable-method is not a NUL-terminated");
    assert_int_equal(fdt_setprop(fdt, node(fdt, "/cpus/cpu@1"), "device_type", "cpu", 3), 0);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/cpus/cpu@1: device_type is not a NUL-terminated");
    free(fdt);

    /* #address-cells */
    fdt = editable(V3_1);
    fdt_setprop_u32(fdt, node(fdt, "/cpus"), "#address-cells", 3);
    expect_error(fdt, EDIT_MAX, -ENOTSUP, "/cpus: #address-cells 3 unsupported");
    fdt_setprop_u32(fdt, node(fdt, "/cpus"), "#address-cells", 2);
    set_cells(fdt, "/cpus/cpu@0", "reg", (const uint32_t[]){0x1, 0x010203}, 2);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.cpu[0].mpidr, 0x100010203ULL);

    /* zero CPUs */
    assert_int_equal(fdt_del_node(fdt, node(fdt, "/cpus/cpu@0")), 0);
    expect_error(fdt, EDIT_MAX, -ENOENT, "/cpus: no CPU nodes");
    assert_int_equal(fdt_del_node(fdt, node(fdt, "/cpus")), 0);
    expect_error(fdt, EDIT_MAX, -ENOENT, "no /cpus node");
    free(fdt);

    /* eight CPUs fit, nine do not */
    fdt = editable(V3_1);
    for (unsigned i = 1; i <= 8; i++) {
        char name[16];
        snprintf(name, sizeof(name), "cpu@%u", i);
        int n = fdt_add_subnode(fdt, node(fdt, "/cpus"), name);
        assert_true(n >= 0);
        assert_int_equal(fdt_setprop_string(fdt, n, "device_type", "cpu"), 0);
        assert_int_equal(fdt_setprop_u32(fdt, n, "reg", i), 0);
        if (i == 7)
            parse_ok(fdt, EDIT_MAX, &b);
    }
    assert_int_equal(b.cpu_num, 8);
    expect_error(fdt, EDIT_MAX, -E2BIG, "more than 8 CPUs");
    free(fdt);
}

/* ---- PSCI ---- */

static void test_psci(void **state)
{
    (void)state;
    void *fdt = editable(V3_1);
    board_t b;
    fdt_setprop_string(fdt, node(fdt, "/psci"), "method", "hvc");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.psci.conduit, BOARD_CONDUIT_HVC);

    /* PSCI 0.1: function IDs from the node */
    fdt_setprop_string(fdt, node(fdt, "/psci"), "compatible", "arm,psci");
    fdt_setprop_u32(fdt, node(fdt, "/psci"), "cpu_on", 0x95c1ba5e);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_true(b.psci.present);
    assert_false(b.psci.v0_2_or_later);
    assert_int_equal(b.psci.cpu_on_id, 0x95c1ba5e);
    fdt_delprop(fdt, node(fdt, "/psci"), "cpu_on");
    expect_error(fdt, EDIT_MAX, -EINVAL, "/psci: PSCI 0.1 without a 4-byte cpu_on");

    fdt_setprop_string(fdt, node(fdt, "/psci"), "compatible", "arm,psci-0.2");
    fdt_setprop_string(fdt, node(fdt, "/psci"), "method", "magic");
    expect_error(fdt, EDIT_MAX, -EINVAL, "/psci: method \"magic\" is neither smc nor hvc");
    fdt_setprop(fdt, node(fdt, "/psci"), "method", "smc", 3);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/psci: method is not a NUL-terminated string");
    fdt_delprop(fdt, node(fdt, "/psci"), "method");
    expect_error(fdt, EDIT_MAX, -EINVAL, "/psci: no method");

    assert_int_equal(fdt_del_node(fdt, node(fdt, "/psci")), 0);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_false(b.psci.present);
    assert_int_equal(b.psci.conduit, BOARD_CONDUIT_NONE);
    free(fdt);
}

/* ---- GIC and timer ---- */

static void test_gic(void **state)
{
    (void)state;
    void *fdt = editable(V3_1);
    const char *gic = "/intc@8000000";
    board_t b;
    set_reg64(fdt, gic, (const uint64_t[]){0x08000000, 0x10000}, 2);
    expect_error(fdt, EDIT_MAX, -EINVAL,
                 "/intc@8000000: reg has 1 entries; a GICv3 needs at least 2");
    set_reg64(fdt, gic, (const uint64_t[]){0x08000000, 0x10000, 0x080a0000, 0}, 4);
    expect_error(fdt, EDIT_MAX, -EINVAL, "empty register frame");
    set_reg64(fdt, gic, (const uint64_t[]){0x08000000, 0x10000, 0x080a0000, 0xf60000}, 4);
    fdt_setprop_u32(fdt, node(fdt, gic), "#redistributor-regions", 2);
    expect_error(fdt, EDIT_MAX, -ENOTSUP, "only one redistributor region");
    fdt_setprop_u32(fdt, node(fdt, gic), "#redistributor-regions", 1);
    fdt_setprop_u32(fdt, node(fdt, gic), "#interrupt-cells", 2);
    expect_error(fdt, EDIT_MAX, -ENOTSUP, "#interrupt-cells 2 unsupported");
    fdt_setprop_u32(fdt, node(fdt, gic), "#interrupt-cells", 3);
    set_cells(fdt, gic, "interrupts", (const uint32_t[]){0, 9, 4}, 3); /* an SPI */
    expect_error(fdt, EDIT_MAX, -EINVAL, "/intc@8000000: interrupt 0 <0 9> is not a valid PPI");
    set_cells(fdt, gic, "interrupts", (const uint32_t[]){1, 9}, 2);
    expect_error(fdt, EDIT_MAX, -EINVAL, "interrupts length 8 is not a multiple of 12");
    fdt_delprop(fdt, node(fdt, gic), "interrupts");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.gic.maint_irq, 0);
    assert_int_equal(fdt_del_node(fdt, node(fdt, gic)), 0);
    expect_error(fdt, EDIT_MAX, -ENOENT, "no GIC found");
    free(fdt);

    /* GICv2 without the virtualisation extensions */
    fdt = editable(V2_2);
    set_reg64(fdt, gic, (const uint64_t[]){0x08000000, 0x10000, 0x08010000, 0x10000}, 4);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.gic.version, 2);
    assert_int_equal(b.gic.cpuif.base, 0x08010000);
    assert_int_equal(b.gic.hyp_ctrl.size, 0);
    assert_int_equal(b.gic.vcpuif.size, 0);
    fdt_setprop_string(fdt, node(fdt, gic), "compatible", "arm,gic-400");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.gic.version, 2);
    free(fdt);
}

static void test_timer(void **state)
{
    (void)state;
    void *fdt = editable(V3_1);
    board_t b;
    set_cells(fdt, "/timer", "interrupts", (const uint32_t[]){1, 13, 4, 1, 14, 4, 1, 11, 4}, 9);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/timer: fewer than 4 interrupts");
    set_cells(fdt, "/timer", "interrupts",
              (const uint32_t[]){1, 13, 4, 1, 14, 4, 1, 11, 4, 0, 10, 4}, 12);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/timer: interrupt 3 <0 10> is not a valid PPI");
    set_cells(fdt, "/timer", "interrupts",
              (const uint32_t[]){1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 16, 4}, 12);
    expect_error(fdt, EDIT_MAX, -EINVAL, "interrupt 3 <1 16>");
    set_cells(fdt, "/timer", "interrupts",
              (const uint32_t[]){1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4}, 12);
    fdt_setprop_u32(fdt, node(fdt, "/timer"), "interrupt-parent", 0x1234); /* no such phandle */
    expect_error(fdt, EDIT_MAX, -ENOTSUP, "/timer: interrupt parent is not the GIC");
    fdt_setprop_u32(fdt, node(fdt, "/timer"), "interrupt-parent",
                    fdt_get_phandle(fdt, node(fdt, "/intc@8000000")));
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.timer.irq[3], 26);
    assert_int_equal(fdt_del_node(fdt, node(fdt, "/timer")), 0);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_false(b.timer.present);
    free(fdt);
}

/* ---- console and /chosen ---- */

/* The board table's console (QEMU virt's PL011 at 0x09000000, SPI 1) with a note saying why
 * stdout-path gave none. */
static void expect_table_console(const board_t *b, const char *note)
{
    assert_true(b->uart.present);
    assert_true(b->uart.from_table);
    assert_ptr_equal(b->uart.driver, &uart_pl011);
    assert_int_equal(b->uart.reg.base, 0x09000000);
    assert_int_equal(b->uart.irq, 33);
    assert_string_equal(b->uart.path, "");
    if (!strstr(b->uart.note, note))
        fail_msg("note \"%s\" does not say \"%s\"", b->uart.note, note);
}

static void test_uart(void **state)
{
    (void)state;
    void *fdt = editable(V3_1);
    board_t b;
    int chosen = node(fdt, "/chosen");

    fdt_setprop_string(fdt, chosen, "stdout-path", "/pl011@9000000:115200n8");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_true(b.uart.present);
    assert_string_equal(b.uart.path, "/pl011@9000000");

    int al = fdt_add_subnode(fdt, 0, "aliases");
    assert_true(al >= 0);
    fdt_setprop_string(fdt, al, "serial0", "/pl011@9000000");
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "stdout-path", "serial0:115200n8");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_true(b.uart.present);
    assert_int_equal(b.uart.reg.base, 0x09000000);
    assert_ptr_equal(b.uart.driver, &uart_pl011);
    assert_false(b.uart.from_table);
    assert_string_equal(b.uart.note, "");
    fdt_setprop(fdt, node(fdt, "/aliases"), "serial0", "/pl011@9000000", 14); /* no NUL */
    parse_ok(fdt, EDIT_MAX, &b);
    expect_table_console(&b, "/chosen: stdout-path \"serial0:115200n8\" names no node");

    /* stdout-path naming a missing node, a non-UART or a disabled one, or garbled: the board
     * table's console (QEMU virt's PL011), and a note saying why, never an error */
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "stdout-path", "/nowhere:115200n8");
    parse_ok(fdt, EDIT_MAX, &b);
    expect_table_console(&b, "/chosen: stdout-path \"/nowhere:115200n8\" names no node");
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "stdout-path", "/fw-cfg@9020000");
    parse_ok(fdt, EDIT_MAX, &b);
    expect_table_console(
        &b, "/fw-cfg@9020000 (stdout-path): no console driver for compatible \"qemu,fw-cfg-mmio\"");
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "stdout-path", ":");
    parse_ok(fdt, EDIT_MAX, &b);
    expect_table_console(&b, "names no node");
    fdt_setprop(fdt, node(fdt, "/chosen"), "stdout-path", "/pl011@9000000", 14);
    parse_ok(fdt, EDIT_MAX, &b);
    expect_table_console(&b, "/chosen: stdout-path is not a NUL-terminated string");
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "stdout-path", "/pl011@9000000");
    fdt_setprop_string(fdt, node(fdt, "/pl011@9000000"), "status", "disabled");
    parse_ok(fdt, EDIT_MAX, &b);
    expect_table_console(&b, "/pl011@9000000 (stdout-path) is disabled");
    fdt_setprop_string(fdt, node(fdt, "/pl011@9000000"), "status", "okay");
    fdt_setprop(fdt, node(fdt, "/pl011@9000000"), "compatible", "arm,pl011", 9); /* no NUL */
    parse_ok(fdt, EDIT_MAX, &b);
    expect_table_console(&b, "/pl011@9000000 (stdout-path) has no usable compatible");
    fdt_setprop(fdt, node(fdt, "/pl011@9000000"), "compatible", "arm,pl011\0arm,primecell", 24);

    /* no stdout-path: the board table's console */
    fdt_delprop(fdt, node(fdt, "/chosen"), "stdout-path");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_true(b.uart.present && b.uart.from_table);
    assert_string_equal(b.uart.note, "");
    assert_int_equal(b.uart.irq, 33);

    /* a board without a table: stdout-path that names nothing usable leaves no console; without
     * stdout-path, the first enabled UART a driver knows */
    fdt_setprop_string(fdt, 0, "compatible", "acme,board");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_null(b.plat);
    assert_true(b.uart.present);
    assert_false(b.uart.from_table);
    assert_ptr_equal(b.uart.driver, &uart_pl011);
    assert_int_equal(b.uart.irq, 33);
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "stdout-path", "/nowhere");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_false(b.uart.present);
    assert_non_null(strstr(b.uart.note, "names no node"));
    fdt_delprop(fdt, node(fdt, "/chosen"), "stdout-path");
    fdt_setprop_string(fdt, node(fdt, "/pl011@9000000"), "status", "disabled");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_false(b.uart.present);
    fdt_setprop_string(fdt, node(fdt, "/pl011@9000000"), "status", "okay");

    /* a bad UART register block is an error, not an absence */
    set_cells(fdt, "/pl011@9000000", "reg", (const uint32_t[]){0, 0x9000000, 0}, 3);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/pl011@9000000: reg length 12");
    set_reg64(fdt, "/pl011@9000000", (const uint64_t[]){0x9000000, 0}, 2);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/pl011@9000000: empty reg");
    assert_int_equal(fdt_del_node(fdt, node(fdt, "/pl011@9000000")), 0);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_false(b.uart.present);

    /* a PL011 on a simple-bus: an identity bus works, a translating one is refused */
    int soc = fdt_add_subnode(fdt, 0, "soc");
    assert_true(soc >= 0);
    fdt_setprop_string(fdt, soc, "compatible", "simple-bus");
    fdt_setprop_u32(fdt, soc, "#address-cells", 1);
    fdt_setprop_u32(fdt, soc, "#size-cells", 1);
    fdt_setprop(fdt, soc, "ranges", NULL, 0);
    int u = fdt_add_subnode(fdt, soc, "serial@9100000");
    assert_true(u >= 0);
    fdt_setprop_string(fdt, u, "compatible", "arm,pl011");
    set_cells(fdt, "/soc/serial@9100000", "reg", (const uint32_t[]){0x9100000, 0x1000}, 2);
    set_cells(fdt, "/soc/serial@9100000", "interrupts", (const uint32_t[]){0, 2, 4}, 3);
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "stdout-path", "/soc/serial@9100000");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_true(b.uart.present);
    assert_int_equal(b.uart.reg.base, 0x9100000);
    assert_int_equal(b.uart.reg.size, 0x1000);
    assert_int_equal(b.uart.irq, 34);
    assert_string_equal(b.uart.path, "/soc/serial@9100000");
    set_cells(fdt, "/soc", "ranges", (const uint32_t[]){0, 0, 0x10000000, 0x10000000}, 4);
    expect_error(fdt, EDIT_MAX, -ENOTSUP,
                 "/soc/serial@9100000: a parent bus has non-empty ranges; address translation "
                 "is unsupported");
    free(fdt);
}

static void test_chosen(void **state)
{
    (void)state;
    void *fdt = editable(V3_1);
    board_t b;
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "bootargs", "septum.loglevel=debug");
    fdt_setprop_u64(fdt, node(fdt, "/chosen"), "linux,initrd-start", 0x48000000);
    fdt_setprop_u32(fdt, node(fdt, "/chosen"), "linux,initrd-end", 0x48001000);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_string_equal(b.bootargs, "septum.loglevel=debug");
    assert_int_equal(b.initrd_start, 0x48000000);
    assert_int_equal(b.initrd_end, 0x48001000);
    assert_int_equal(b.seed_rng_len, 32); /* QEMU's: 32 bytes of rng-seed, 8 of kaslr-seed */
    assert_int_equal(b.seed_len, 40);
    fdt_delprop(fdt, node(fdt, "/chosen"), "rng-seed");
    fdt_delprop(fdt, node(fdt, "/chosen"), "kaslr-seed");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.seed_len, 0); /* no entropy given: none made up */
    assert_int_equal(b.seed_rng_len, 0);

    /* the board's entropy: rng-seed, then kaslr-seed, kept up to 64 bytes */
    uint8_t rng[40], kaslr[8];
    for (unsigned i = 0; i < sizeof(rng); i++)
        rng[i] = (uint8_t)(i + 1);
    memset(kaslr, 0xa5, sizeof(kaslr));
    fdt_setprop(fdt, node(fdt, "/chosen"), "rng-seed", rng, 32);
    fdt_setprop(fdt, node(fdt, "/chosen"), "kaslr-seed", kaslr, sizeof(kaslr));
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.seed_rng_len, 32);
    assert_int_equal(b.seed_len, 40);
    assert_memory_equal(b.seed, rng, 32);
    assert_memory_equal(b.seed + 32, kaslr, sizeof(kaslr));
    fdt_setprop(fdt, node(fdt, "/chosen"), "rng-seed", rng, sizeof(rng)); /* 40 + 8: 64 kept */
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.seed_rng_len, 40);
    assert_int_equal(b.seed_len, 48);
    fdt_setprop(fdt, node(fdt, "/chosen"), "rng-seed", rng, 16); /* short: kept, told as is */
    fdt_delprop(fdt, node(fdt, "/chosen"), "kaslr-seed");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.seed_rng_len, 16);
    assert_int_equal(b.seed_len, 16);
    fdt_delprop(fdt, node(fdt, "/chosen"), "rng-seed");

    fdt_setprop_u32(fdt, node(fdt, "/chosen"), "linux,initrd-end", 0x47000000);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/chosen: initrd ends (0x47000000) before it starts");
    fdt_setprop(fdt, node(fdt, "/chosen"), "linux,initrd-end", "abc", 3);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/chosen: linux,initrd-end is 3 bytes");
    fdt_delprop(fdt, node(fdt, "/chosen"), "linux,initrd-end");
    expect_error(fdt, EDIT_MAX, -EINVAL, "only one of linux,initrd-start and linux,initrd-end");
    fdt_delprop(fdt, node(fdt, "/chosen"), "linux,initrd-start");

    fdt_setprop(fdt, node(fdt, "/chosen"), "bootargs", "abc", 3);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/chosen: bootargs is not a NUL-terminated string");
    char args[300];
    memset(args, 'x', sizeof(args) - 1);
    args[255] = '\0';
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "bootargs", args); /* 255: fits */
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(strlen(b.bootargs), 255);
    args[255] = 'x';
    args[sizeof(args) - 1] = '\0';
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "bootargs", args);
    expect_error(fdt, EDIT_MAX, -E2BIG, "/chosen: bootargs is 299 bytes, longer than 255");

    /* no /chosen at all: fine, the first PL011 is the console */
    assert_int_equal(fdt_del_node(fdt, node(fdt, "/chosen")), 0);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_true(b.uart.present);
    assert_string_equal(b.bootargs, "");
    free(fdt);
}

/* ---- what a VM may not be given: the GIC's frames, DMA masters, a console in RAM ---- */

/* The entry of b->dma that holds addr, or NULL */
static const board_dma_t *dma_at(const board_t *b, uint64_t addr)
{
    for (unsigned i = 0; i < b->dma_num; i++)
        if (addr >= b->dma[i].reg.base && addr - b->dma[i].reg.base < b->dma[i].reg.size)
            return &b->dma[i];
    return NULL;
}

/* board_passthrough_refuses for one page, with and without septum,dma-unisolated */
static void expect_passthrough(const board_t *b, uint64_t base, const char *refused,
                               const char *unisolated_refused, const char *dma_path)
{
    char buf[160];
    const board_dma_t *dma = (const board_dma_t *)1;
    const char *why = board_passthrough_refuses(b, base, 0x1000, false, &dma, buf, sizeof(buf));
    if (refused ? !why || !strstr(why, refused) : why != NULL)
        fail_msg("0x%lx: got '%s', wanted '%s'", (unsigned long)base, why ? why : "(accepted)",
                 refused ? refused : "(accepted)");
    assert_null(dma);
    why = board_passthrough_refuses(b, base, 0x1000, true, &dma, buf, sizeof(buf));
    if (unisolated_refused ? !why || !strstr(why, unisolated_refused) : why != NULL)
        fail_msg("0x%lx with septum,dma-unisolated: got '%s', wanted '%s'", (unsigned long)base,
                 why ? why : "(accepted)", unisolated_refused ? unisolated_refused : "(accepted)");
    if (dma_path) {
        assert_non_null(dma);
        assert_string_equal(dma->path, dma_path);
    } else {
        assert_null(dma);
    }
}

static void test_gic_frames(void **state)
{
    (void)state;
    board_t b;
    void *fdt = editable(V3_1);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.gic.frame_num, 1); /* QEMU's ITS: a child of the GIC with its own reg */
    assert_int_equal(b.gic.frame[0].base, 0x8080000);
    assert_int_equal(b.gic.frame[0].size, 0x20000);
    /* the ITS between the distributor and the redistributors: never, with or without consent */
    expect_passthrough(&b, 0x8080000, "it is the GIC", "it is the GIC", NULL);
    expect_passthrough(&b, 0x809f000, "it is the GIC", "it is the GIC", NULL);
    expect_passthrough(&b, 0x8000000, "it is the GIC", "it is the GIC", NULL);
    expect_passthrough(&b, 0x80a0000, "it is the GIC", "it is the GIC", NULL);
    /* whatever its status */
    fdt_setprop_string(fdt, node(fdt, "/intc@8000000/its@8080000"), "status", "disabled");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.gic.frame_num, 1);
    /* a malformed frame is the board's error, not a frame forgotten */
    set_cells(fdt, "/intc@8000000/its@8080000", "reg", (const uint32_t[]){0, 0x8080000, 0}, 3);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/intc@8000000/its@8080000: reg length 12");
    set_reg64(fdt, "/intc@8000000/its@8080000", (const uint64_t[]){0x8080000, 0x20000}, 2);
    int gic = node(fdt, "/intc@8000000");
    for (unsigned i = 0; i < BOARD_GIC_FRAME_MAX; i++) {
        char name[32];
        snprintf(name, sizeof(name), "frame@%x", 0x8100000 + i * 0x1000);
        int f = fdt_add_subnode(fdt, gic, name);
        assert_true(f >= 0);
        fdt64_t reg[2] = {cpu_to_fdt64(0x8100000 + i * 0x1000), cpu_to_fdt64(0x1000)};
        assert_int_equal(fdt_setprop(fdt, f, "reg", reg, sizeof(reg)), 0);
    }
    expect_error(fdt, EDIT_MAX, -E2BIG, "more than 8 GIC frames");
    free(fdt);

    /* a GICv2's MSI frame (GICv2m) is the GIC too */
    fdt = editable(V2_2);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.gic.frame_num, 1);
    assert_int_equal(b.gic.frame[0].base, 0x8020000);
    expect_passthrough(&b, 0x8020000, "it is the GIC", "it is the GIC", NULL);
    free(fdt);
}

static void test_dma(void **state)
{
    (void)state;
    board_t b;
    void *fdt = editable(V3_1);
    parse_ok(fdt, EDIT_MAX, &b);
    /* QEMU's virt board: fw_cfg, 32 virtio-mmio transports, the ITS, the PCI host bridge's
     * configuration space and its three windows */
    assert_int_equal(b.dma_num, 1 + 32 + 1 + 1 + 3);
    const board_dma_t *d = dma_at(&b, 0x9020000);
    assert_non_null(d);
    assert_int_equal(d->reg.size, 0x18);
    assert_string_equal(d->path, "/fw-cfg@9020000");
    assert_string_equal(d->why, "qemu,fw-cfg-mmio");
    assert_non_null(d = dma_at(&b, 0xa003e00));
    assert_string_equal(d->path, "/virtio_mmio@a003e00");
    assert_string_equal(d->why, "virtio,mmio");
    assert_non_null(d = dma_at(&b, 0x8080000));
    assert_string_equal(d->why, "arm,gic-v3-its");
    assert_non_null(d = dma_at(&b, 0x4010000000));
    assert_string_equal(d->why, "pci-host-ecam-generic");
    for (unsigned i = 0; i < 3; i++) {
        static const uint64_t window[3] = {0x3eff0000, 0x10000000, 0x8000000000};
        assert_non_null(d = dma_at(&b, window[i]));
        assert_string_equal(d->path, "/pcie@10000000");
    }
    assert_null(dma_at(&b, 0x9010000)); /* the RTC does no DMA */

    expect_passthrough(&b, 0x9020000,
                       "it can master DMA, no IOMMU isolates it and septum,dma-unisolated is not "
                       "set (/fw-cfg@9020000: qemu,fw-cfg-mmio)",
                       NULL, "/fw-cfg@9020000");
    expect_passthrough(&b, 0xa000000, "(/virtio_mmio@a000000: virtio,mmio)", NULL,
                       "/virtio_mmio@a000000");
    expect_passthrough(&b, 0x10000000, "(/pcie@10000000: pci-host-ecam-generic)", NULL,
                       "/pcie@10000000");
    expect_passthrough(&b, 0x9010000, NULL, NULL, NULL);
    expect_passthrough(&b, 0x40000000, "it is RAM", "it is RAM", NULL);
    char buf[8];
    assert_non_null(board_passthrough_refuses(&b, 0x9020000, 0x1000, false, NULL, NULL, 0));
    assert_non_null(board_passthrough_refuses(&b, 0x9020000, 0x1000, false, NULL, buf, 8));
    assert_non_null(board_passthrough_refuses(&b, ~0xfffULL, 0x2000, true, NULL, NULL, 0));

    /* each rule alone: fw_cfg as an unknown device, then with dma-coherent, iommus,
     * dma-noncoherent, below a bus with dma-ranges; a disabled one is still a DMA master */
    int fw = node(fdt, "/fw-cfg@9020000");
    fdt_setprop_string(fdt, fw, "compatible", "acme,quiet");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_non_null(d = dma_at(&b, 0x9020000));
    assert_string_equal(d->why, "dma-coherent");
    fdt_delprop(fdt, fw, "dma-coherent");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_null(dma_at(&b, 0x9020000));
    expect_passthrough(&b, 0x9020000, NULL, NULL, NULL);
    fdt_setprop_u32(fdt, fw, "iommus", 1);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_string_equal(dma_at(&b, 0x9020000)->why, "iommus");
    fdt_delprop(fdt, fw, "iommus");
    fdt_setprop(fdt, fw, "dma-noncoherent", NULL, 0);
    fdt_setprop_string(fdt, fw, "status", "disabled");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_string_equal(dma_at(&b, 0x9020000)->why, "dma-noncoherent");
    /* a compatible list is searched whole, and an unterminated one is no crash */
    fdt_delprop(fdt, fw, "dma-noncoherent");
    fdt_setprop(fdt, fw, "compatible", "acme,x\0virtio,mmio", 19);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_string_equal(dma_at(&b, 0x9020000)->why, "virtio,mmio");
    fdt_setprop(fdt, fw, "compatible", "virtio,mmio", 11);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_null(dma_at(&b, 0x9020000));

    int soc = fdt_add_subnode(fdt, 0, "soc");
    assert_true(soc >= 0);
    fdt_setprop_u32(fdt, soc, "#address-cells", 1);
    fdt_setprop_u32(fdt, soc, "#size-cells", 1);
    fdt_setprop(fdt, soc, "ranges", NULL, 0);
    set_cells(fdt, "/soc", "dma-ranges", (const uint32_t[]){0, 0x40000000, 0x40000000}, 3);
    assert_true(fdt_add_subnode(fdt, soc, "eth@9100000") >= 0);
    set_cells(fdt, "/soc/eth@9100000", "reg", (const uint32_t[]){0x9100000, 0x1000}, 2);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_non_null(d = dma_at(&b, 0x9100000));
    assert_string_equal(d->why, "below a bus with dma-ranges");
    assert_string_equal(d->path, "/soc/eth@9100000");
    expect_passthrough(&b, 0x9100000, "(/soc/eth@9100000: below a bus with dma-ranges)", NULL,
                       "/soc/eth@9100000");
    /* ... however deep below it */
    int sub = fdt_add_subnode(fdt, node(fdt, "/soc"), "sub");
    assert_true(sub >= 0);
    fdt_setprop_u32(fdt, sub, "#address-cells", 1);
    fdt_setprop_u32(fdt, sub, "#size-cells", 1);
    fdt_setprop(fdt, sub, "ranges", NULL, 0);
    assert_true(fdt_add_subnode(fdt, sub, "usb@9200000") >= 0);
    set_cells(fdt, "/soc/sub/usb@9200000", "reg", (const uint32_t[]){0x9200000, 0x1000}, 2);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_non_null(d = dma_at(&b, 0x9200000));
    assert_string_equal(d->path, "/soc/sub/usb@9200000");
    assert_int_equal(fdt_del_node(fdt, node(fdt, "/soc/sub")), 0);

    /* behind a translating bus (septum does not translate): the bus's whole window */
    fdt_delprop(fdt, node(fdt, "/soc"), "dma-ranges");
    set_cells(fdt, "/soc", "ranges", (const uint32_t[]){0, 0, 0x9100000, 0x100000}, 4);
    set_cells(fdt, "/soc/eth@9100000", "reg", (const uint32_t[]){0x80000, 0x1000}, 2);
    fdt_setprop_string(fdt, node(fdt, "/soc/eth@9100000"), "compatible", "snps,dwmac");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_non_null(d = dma_at(&b, 0x9100000));
    assert_int_equal(d->reg.size, 0x100000);
    assert_non_null(dma_at(&b, 0x91ff000));
    set_cells(fdt, "/soc", "ranges", (const uint32_t[]){0, 0, 0x9100000}, 3);
    expect_error(fdt, EDIT_MAX, -EINVAL, "/soc: ranges length 12 is not a multiple of 16");
    set_cells(fdt, "/soc", "ranges", (const uint32_t[]){0, 0xffffffff, 0xfffff000, 0x2000}, 4);
    expect_error(fdt, EDIT_MAX, -EINVAL,
                 "/soc: ranges entry 0 (0xfffffffffffff000+0x2000) wraps around");
    fdt_setprop_u32(fdt, node(fdt, "/soc"), "#address-cells", 4);
    expect_error(fdt, EDIT_MAX, -ENOTSUP, "/soc: #address-cells 4 unsupported");
    /* a bus that maps nothing (no ranges): the CPU cannot reach the device there */
    fdt_setprop_u32(fdt, node(fdt, "/soc"), "#address-cells", 1);
    fdt_delprop(fdt, node(fdt, "/soc"), "ranges");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_null(dma_at(&b, 0x9100000));
    assert_null(dma_at(&b, 0x80000));

    /* more DMA masters than septum keeps: the board is refused, none is forgotten */
    for (unsigned i = 0; i < BOARD_DMA_MAX; i++) {
        char name[32];
        snprintf(name, sizeof(name), "dma@%x", 0x20000000 + i * 0x1000);
        int n = fdt_add_subnode(fdt, 0, name);
        assert_true(n >= 0);
        fdt_setprop_string(fdt, n, "compatible", "arm,pl330");
        fdt64_t reg[2] = {cpu_to_fdt64(0x20000000 + i * 0x1000), cpu_to_fdt64(0x1000)};
        assert_int_equal(fdt_setprop(fdt, n, "reg", reg, sizeof(reg)), 0);
    }
    expect_error(fdt, EDIT_MAX, -E2BIG, "more than 64 ranges of devices that can master DMA");
    free(fdt);
}

static void test_uart_in_ram(void **state)
{
    (void)state;
    board_t b;
    void *fdt = editable(V3_1);
    set_reg64(fdt, "/pl011@9000000", (const uint64_t[]){0x7f000000, 0x1000}, 2);
    expect_error(fdt, EDIT_MAX, -EINVAL,
                 "/pl011@9000000: the console UART's registers 0x7f000000+0x1000 lie inside "
                 "memory 0x40000000+0x40000000");
    /* straddling the start of RAM */
    set_reg64(fdt, "/pl011@9000000", (const uint64_t[]){0x3ffff000, 0x2000}, 2);
    expect_error(fdt, EDIT_MAX, -EINVAL, "lie inside memory");
    /* just below RAM: fine */
    set_reg64(fdt, "/pl011@9000000", (const uint64_t[]){0x3ffff000, 0x1000}, 2);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.uart.reg.base, 0x3ffff000);
    /* named by stdout-path through an alias */
    set_reg64(fdt, "/pl011@9000000", (const uint64_t[]){0x40000000, 0x1000}, 2);
    int al = fdt_add_subnode(fdt, 0, "aliases");
    assert_true(al >= 0);
    fdt_setprop_string(fdt, al, "serial0", "/pl011@9000000");
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "stdout-path", "serial0:115200n8");
    expect_error(fdt, EDIT_MAX, -EINVAL, "registers 0x40000000+0x1000 lie inside memory");
    /* a disabled PL011 in RAM is not the console: not septum's to refuse (the board table's
     * console is used) */
    fdt_setprop_string(fdt, node(fdt, "/pl011@9000000"), "status", "disabled");
    parse_ok(fdt, EDIT_MAX, &b);
    expect_table_console(&b, "is disabled");
    free(fdt);
}

/* ---- the ZCU102: its board table ---- */

static const char *const ZCU102 = "zcu102-qemu.dtb";

/* QEMU's ZCU102 device tree with -m 4G: the board table found by the root compatible, RAM past
 * the 2 GiB window moved to 0x800000000 where the SoC has it, the Cadence UART as console. */
static void test_zcu102(void **state)
{
    (void)state;
    void *fdt = editable(ZCU102);
    board_t b;
    parse_ok(fdt, EDIT_MAX, &b);
    assert_ptr_equal(b.plat, &platform_zcu102);
    assert_int_equal(b.mem_num, 2);
    assert_int_equal(b.mem[0].base, 0);
    assert_int_equal(b.mem[0].size, 0x80000000);
    assert_int_equal(b.mem[1].base, 0x800000000);
    assert_int_equal(b.mem[1].size, 0x80000000);
    assert_int_equal(b.mem_moved, 0x80000000);
    assert_true(b.uart.present);
    assert_false(b.uart.from_table);
    assert_ptr_equal(b.uart.driver, &uart_cadence);
    assert_int_equal(b.uart.reg.base, 0xff000000);
    assert_int_equal(b.uart.irq, 32 + 21);
    assert_string_equal(b.uart.path, "/axi/serial@ff000000");
    assert_string_equal(b.uart.note, "");
    assert_int_equal(b.cpu_num, 4);
    assert_int_equal(b.gic.version, 2);
    assert_int_equal(b.gic.dist.base, 0xf9010000);
    assert_int_equal(b.gic.cpuif.base, 0xf9020000);
    assert_int_equal(b.gic.hyp_ctrl.base, 0xf9040000);
    assert_int_equal(b.gic.vcpuif.base, 0xf9060000);
    assert_int_equal(b.gic.maint_irq, 16 + 9);
    assert_true(b.psci.present);
    assert_int_equal(b.psci.conduit, BOARD_CONDUIT_SMC);
    assert_ptr_equal(board_platform(fdt, EDIT_MAX), &platform_zcu102);

    /* stdout-path naming the second UART: that one */
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "stdout-path", "serial1");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.uart.reg.base, 0xff010000);
    assert_int_equal(b.uart.irq, 32 + 22);

    /* -m 2G: one range, inside the first window, taken as stated */
    set_reg64(fdt, "/memory@0", (const uint64_t[]){0, 0x80000000}, 2);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.mem_num, 1);
    assert_int_equal(b.mem[0].size, 0x80000000);
    assert_int_equal(b.mem_moved, 0);
    /* both banks stated, as U-Boot does on the board: taken as stated */
    set_reg64(fdt, "/memory@0", (const uint64_t[]){0, 0x7ff00000, 0x800000000, 0x80000000}, 4);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.mem_num, 2);
    assert_int_equal(b.mem[0].size, 0x7ff00000);
    assert_int_equal(b.mem_moved, 0);
    /* a range across the window and the high bank stated too: they overlap, refused */
    set_reg64(fdt, "/memory@0", (const uint64_t[]){0, 0x100000000, 0x800000000, 0x80000000}, 4);
    expect_error(fdt, EDIT_MAX, -EINVAL, "memory ranges at 0x800000000 and 0x800000000 overlap");
    /* more RAM than the windows hold: what the last window cannot take is taken as stated */
    set_reg64(fdt, "/memory@0", (const uint64_t[]){0, 0x1000000000}, 2);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.mem_num, 2);
    assert_int_equal(b.mem[1].base, 0x800000000);
    assert_int_equal(b.mem[1].size, 0x1000000000 - 0x80000000);
    /* RAM starting in the high window, past its end: nothing after it to move to */
    set_reg64(fdt, "/memory@0", (const uint64_t[]){0x800000000, 0x1000000000}, 2);
    parse_ok(fdt, EDIT_MAX, &b);
    assert_int_equal(b.mem_num, 1);
    assert_int_equal(b.mem_moved, 0);
    set_reg64(fdt, "/memory@0", (const uint64_t[]){0, 0x100000000}, 2);

    /* the console node with a UART septum has no driver for: the table's UART0, with why */
    fdt_setprop_string(fdt, node(fdt, "/chosen"), "stdout-path", "serial0:115200n8");
    fdt_setprop_string(fdt, node(fdt, "/axi/serial@ff000000"), "compatible", "acme,uart9");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_true(b.uart.present && b.uart.from_table);
    assert_ptr_equal(b.uart.driver, &uart_cadence);
    assert_int_equal(b.uart.reg.base, 0xff000000);
    assert_int_equal(b.uart.irq, 32 + 21);
    assert_string_equal(b.uart.note, "/axi/serial@ff000000 (stdout-path): no console driver for "
                                     "compatible \"acme,uart9\"");
    /* the older binding's compatible: the same driver */
    fdt_setprop_string(fdt, node(fdt, "/axi/serial@ff000000"), "compatible", "xlnx,xuartps");
    parse_ok(fdt, EDIT_MAX, &b);
    assert_false(b.uart.from_table);
    assert_ptr_equal(b.uart.driver, &uart_cadence);

    /* Without the board table (an unknown root compatible) QEMU's memory node is taken as
     * stated, and the console then lies inside it: refused, with why. */
    fdt_setprop_string(fdt, 0, "compatible", "acme,zynqmp-board");
    expect_error(fdt, EDIT_MAX, -EINVAL,
                 "/axi/serial@ff000000: the console UART's registers 0xff000000+0x1000 lie "
                 "inside memory 0x0+0x100000000");
    assert_null(board_platform(fdt, EDIT_MAX));
    free(fdt);
}

/* board_platform on blobs board_parse refuses: the table when the root compatible is readable,
 * NULL (never a crash) when the blob itself is broken. */
static void test_board_platform(void **state)
{
    (void)state;
    void *fdt = editable(ZCU102);
    board_t b;
    /* no CPUs: refused, but the board is still known, for the error's console */
    assert_int_equal(fdt_del_node(fdt, node(fdt, "/cpus")), 0);
    expect_error(fdt, EDIT_MAX, -ENOENT, "no /cpus node");
    assert_ptr_equal(board_platform(fdt, EDIT_MAX), &platform_zcu102);
    assert_int_equal(board_parse(fdt, EDIT_MAX, &b, NULL, 0), -ENOENT);
    assert_null(b.plat); /* a refused board is all zero */
    /* a garbled root compatible */
    fdt_setprop(fdt, 0, "compatible", "xlnx,zynqmp-zcu102", 18);
    assert_null(board_platform(fdt, EDIT_MAX));
    /* broken blobs */
    ((uint8_t *)fdt)[0] ^= 0xff;
    assert_null(board_platform(fdt, EDIT_MAX));
    ((uint8_t *)fdt)[0] ^= 0xff;
    assert_null(board_platform(fdt, 16));
    assert_null(board_platform(NULL, EDIT_MAX));
    assert_null(board_platform((const uint8_t *)fdt + 4, EDIT_MAX));
    free(fdt);
    /* QEMU virt's own */
    fdt = editable(V2_2);
    assert_ptr_equal(board_platform(fdt, EDIT_MAX), &platform_qemu_virt);
    free(fdt);
}

/* ---- random damage ---- */

static uint32_t rng_state = 0x5eb7u;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Flip bits and overwrite words in a real DTB (fixed seed): board_parse must never crash, must
 * explain every refusal, and whatever it accepts must be self-consistent. */
static void test_fuzz(void **state)
{
    (void)state;
    static const char *const names[] = {V3_4, V2_2};
    unsigned ok = 0, refused = 0;
    for (unsigned f = 0; f < 2; f++) {
        size_t size;
        uint8_t *orig = load(names[f], &size);
        size_t used = fdt_off_dt_strings(orig) + fdt_size_dt_strings(orig);
        assert_true(used <= size);
        uint8_t *fdt = malloc(size);
        assert_non_null(fdt);
        memcpy(fdt, orig, size);
        for (unsigned iter = 0; iter < 4000; iter++) {
            unsigned n = 1 + rng() % 4;
            for (unsigned i = 0; i < n; i++) {
                /* a quarter of the damage goes to the header, the rest to the content */
                size_t at = rng() % 4 == 0 ? rng() % sizeof(struct fdt_header) : rng() % used;
                if (rng() % 3 == 0 && at + 4 <= used) {
                    static const uint32_t words[] = {0,          1,      2,          3,
                                                     4,          9,      0xffffffff, 0x7fffffff,
                                                     0x80000000, 0x1000, 16};
                    uint32_t w = cpu_to_fdt32(words[rng() % 11]);
                    memcpy(fdt + (at & ~(size_t)3), &w, 4);
                } else {
                    fdt[at] ^= (uint8_t)(1u << (rng() % 8));
                }
            }
            board_t b;
            char why[200] = "";
            int rc = board_parse(fdt, size, &b, why, sizeof(why));
            if (rc == 0) {
                ok++;
                assert_true(b.mem_num >= 1 && b.mem_num <= BOARD_MEM_MAX);
                assert_true(b.cpu_num >= 1 && b.cpu_num <= BOARD_CPU_MAX);
                assert_true(b.resv_num <= BOARD_RESV_MAX);
                assert_true(b.gic.version == 2 || b.gic.version == 3);
                for (unsigned i = 0; i < b.mem_num; i++)
                    assert_true(b.mem[i].size && b.mem[i].base + b.mem[i].size > b.mem[i].base);
                assert_non_null(memchr(b.model, 0, sizeof(b.model)));
                assert_non_null(memchr(b.uart.path, 0, sizeof(b.uart.path)));
                assert_non_null(memchr(b.bootargs, 0, sizeof(b.bootargs)));
                assert_true(b.gic.frame_num <= BOARD_GIC_FRAME_MAX);
                assert_true(b.dma_num <= BOARD_DMA_MAX);
                for (unsigned i = 0; i < b.dma_num; i++) {
                    assert_non_null(b.dma[i].why);
                    assert_non_null(memchr(b.dma[i].path, 0, sizeof(b.dma[i].path)));
                    assert_true(b.dma[i].reg.size &&
                                b.dma[i].reg.base + b.dma[i].reg.size > b.dma[i].reg.base);
                }
                for (unsigned i = 0; b.uart.present && i < b.mem_num; i++)
                    assert_true(b.uart.reg.base >= b.mem[i].base + b.mem[i].size ||
                                b.mem[i].base >= b.uart.reg.base + b.uart.reg.size);
            } else {
                refused++;
                assert_true(rc < 0);
                if (why[0] == '\0')
                    fail_msg("iteration %u: refused (%d) without a reason", iter, rc);
            }
            memcpy(fdt, orig, used > sizeof(struct fdt_header) ? used : sizeof(struct fdt_header));
        }
        free(fdt);
        free(orig);
    }
    assert_true(ok > 0);
    assert_true(refused > 0);
    print_message("fuzz: %u parsed, %u refused with a reason\n", ok, refused);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gicv3_smp4), cmocka_unit_test(test_gicv3_smp1),
        cmocka_unit_test(test_gicv2_smp2), cmocka_unit_test(test_header),
        cmocka_unit_test(test_memory),     cmocka_unit_test(test_root_cells),
        cmocka_unit_test(test_reserved),   cmocka_unit_test(test_cpus),
        cmocka_unit_test(test_psci),       cmocka_unit_test(test_gic),
        cmocka_unit_test(test_timer),      cmocka_unit_test(test_uart),
        cmocka_unit_test(test_chosen),     cmocka_unit_test(test_gic_frames),
        cmocka_unit_test(test_dma),        cmocka_unit_test(test_uart_in_ram),
        cmocka_unit_test(test_zcu102),     cmocka_unit_test(test_board_platform),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
