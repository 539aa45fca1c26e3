/*
 * Unit tests of core/board.c against real device trees that QEMU dumped (build/dtb, or
 * $SEPTUM_DTB_DIR) and against malformed ones made from them: every failure must come back as
 * an error code and a message naming the problem, never as a crash (ASan/UBSan watch).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <core/board.h>
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOAD_MAX (1024 * 1024)
#define MAX_DTB  (2 * LOAD_MAX) /* edited copies grow past what QEMU dumped */

static void *load(const char *name, size_t *size)
{
    char path[256];
    const char *dir = getenv("SEPTUM_DTB_DIR");
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "build/dtb", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (make builds it with QEMU's dumpdtb)", path);
    void *buf = calloc(1, MAX_DTB);
    *size = fread(buf, 1, LOAD_MAX, f);
    fclose(f);
    return buf;
}

/* A writable copy with room to grow, for editing with libfdt. */
static void *editable(const char *name)
{
    size_t size;
    void *orig = load(name, &size);
    void *buf = calloc(1, MAX_DTB);
    assert_int_equal(fdt_open_into(orig, buf, MAX_DTB), 0);
    free(orig);
    return buf;
}

static void expect_error(const void *fdt, size_t max, int rc, const char *needle)
{
    board_t b;
    char why[160];
    assert_int_equal(board_parse(fdt, max, &b, why, sizeof(why)), rc);
    if (!strstr(why, needle))
        fail_msg("message '%s' lacks '%s'", why, needle);
}

static void test_gicv3_smp4(void **state)
{
    (void)state;
    size_t size;
    void *fdt = load("virt-gicv3-smp4.dtb", &size);
    board_t b;
    char why[160];
    assert_int_equal(board_parse(fdt, MAX_DTB, &b, why, sizeof(why)), 0);
    assert_string_equal(b.model, "linux,dummy-virt");
    assert_int_equal(b.mem_num, 1);
    assert_int_equal(b.mem[0].base, 0x40000000);
    assert_int_equal(b.mem[0].size, 0x40000000);
    assert_int_equal(b.cpu_num, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(b.cpu[i].mpidr, i);
        assert_true(b.cpu[i].psci);
    }
    assert_true(b.psci.present);
    assert_int_equal(b.psci.conduit, BOARD_CONDUIT_SMC);
    assert_true(b.psci.v0_2);
    assert_int_equal(b.gic.version, 3);
    assert_int_equal(b.gic.dist.base, 0x08000000);
    assert_int_equal(b.gic.redist.base, 0x080a0000);
    assert_int_equal(b.gic.maint_irq, 25);
    assert_true(b.uart.present);
    assert_int_equal(b.uart.reg.base, 0x09000000);
    assert_int_equal(b.uart.reg.size, 0x1000);
    assert_int_equal(b.uart.irq, 33);
    assert_string_equal(b.uart.path, "/pl011@9000000");
    assert_true(b.timer.present);
    assert_int_equal(b.timer.irq[0], 29);
    assert_int_equal(b.timer.irq[1], 30);
    assert_int_equal(b.timer.irq[2], 27);
    assert_int_equal(b.timer.irq[3], 26);
    assert_int_equal(b.dtb_size, fdt_totalsize(fdt));
    free(fdt);
}

static void test_gicv3_smp1_and_gicv2(void **state)
{
    (void)state;
    size_t size;
    board_t b;
    char why[160];
    void *fdt = load("virt-gicv3-smp1.dtb", &size);
    assert_int_equal(board_parse(fdt, MAX_DTB, &b, why, sizeof(why)), 0);
    assert_int_equal(b.cpu_num, 1);
    free(fdt);

    fdt = load("virt-gicv2-smp2.dtb", &size);
    assert_int_equal(board_parse(fdt, MAX_DTB, &b, why, sizeof(why)), 0);
    assert_int_equal(b.cpu_num, 2);
    assert_int_equal(b.gic.version, 2);
    assert_int_equal(b.gic.dist.base, 0x08000000);
    assert_int_equal(b.gic.cpuif.base, 0x08010000);
    assert_int_equal(b.gic.hyp_ctrl.base, 0x08030000);
    assert_int_equal(b.gic.vcpuif.base, 0x08040000);
    free(fdt);
}

static void test_chosen(void **state)
{
    (void)state;
    void *fdt = editable("virt-gicv3-smp1.dtb");
    int chosen = fdt_path_offset(fdt, "/chosen");
    assert_int_equal(fdt_setprop_string(fdt, chosen, "bootargs", "septum.loglevel=debug"), 0);
    assert_int_equal(fdt_setprop_u64(fdt, chosen, "linux,initrd-start", 0x48000000), 0);
    assert_int_equal(fdt_setprop_u32(fdt, chosen, "linux,initrd-end", 0x48001000), 0);
    board_t b;
    char why[160];
    assert_int_equal(board_parse(fdt, MAX_DTB, &b, why, sizeof(why)), 0);
    assert_string_equal(b.bootargs, "septum.loglevel=debug");
    assert_int_equal(b.initrd_start, 0x48000000);
    assert_int_equal(b.initrd_end, 0x48001000);

    /* stdout-path naming a missing node: not an error, the first PL011 is used */
    assert_int_equal(fdt_setprop_string(fdt, chosen, "stdout-path", "/nowhere:115200n8"), 0);
    assert_int_equal(board_parse(fdt, MAX_DTB, &b, why, sizeof(why)), 0);
    assert_true(b.uart.present);
    /* no PL011 at all: absent, not an error */
    assert_int_equal(fdt_del_node(fdt, fdt_path_offset(fdt, "/pl011@9000000")), 0);
    assert_int_equal(board_parse(fdt, MAX_DTB, &b, why, sizeof(why)), 0);
    assert_false(b.uart.present);
    chosen = fdt_path_offset(fdt, "/chosen"); /* offsets move when nodes go */

    /* a string property without its NUL */
    assert_int_equal(fdt_setprop(fdt, chosen, "bootargs", "abc", 3), 0);
    expect_error(fdt, MAX_DTB, -EINVAL, "bootargs is not a string");
    char longargs[300];
    memset(longargs, 'x', sizeof(longargs) - 1);
    longargs[sizeof(longargs) - 1] = '\0';
    assert_int_equal(fdt_setprop_string(fdt, chosen, "bootargs", longargs), 0);
    expect_error(fdt, MAX_DTB, -E2BIG, "bootargs longer than 255");
    assert_int_equal(fdt_setprop_string(fdt, chosen, "bootargs", ""), 0);
    assert_int_equal(fdt_setprop(fdt, chosen, "linux,initrd-end", "abc", 3), 0);
    expect_error(fdt, MAX_DTB, -EINVAL, "initrd-end is 3 bytes");
    free(fdt);
}

static void test_bad_blobs(void **state)
{
    (void)state;
    size_t size;
    void *fdt = load("virt-gicv3-smp1.dtb", &size);
    board_t b;
    char why[160];
    uint8_t *raw = fdt;

    assert_int_equal(board_parse(NULL, MAX_DTB, &b, why, sizeof(why)), -EINVAL);
    expect_error(fdt, 8, -EINVAL, "none given");
    raw[0] ^= 0xff;
    expect_error(fdt, MAX_DTB, -EINVAL, "bad magic");
    raw[0] ^= 0xff;
    expect_error(fdt, 4096, -E2BIG, "exceeds limit 4096");

    fdt_set_totalsize(fdt, 16); /* smaller than its own header */
    expect_error(fdt, MAX_DTB, -EINVAL, "check failed");
    fdt_set_totalsize(fdt, (uint32_t)size);
    uint32_t off = fdt_off_dt_struct(fdt);
    fdt_set_off_dt_struct(fdt, (uint32_t)size - 4);
    expect_error(fdt, MAX_DTB, -EINVAL, "check failed");
    fdt_set_off_dt_struct(fdt, off);
    assert_int_equal(board_parse(fdt, MAX_DTB, &b, why, sizeof(why)), 0);
    free(fdt);
}

static void test_bad_nodes(void **state)
{
    (void)state;
    void *fdt = editable("virt-gicv3-smp1.dtb");
    int mem = fdt_path_offset(fdt, "/memory@40000000");
    static const uint32_t short_reg[3] = {0, 0x40, 0};
    assert_int_equal(fdt_setprop(fdt, mem, "reg", short_reg, sizeof(short_reg)), 0);
    expect_error(fdt, MAX_DTB, -EINVAL, "/memory@40000000: reg length 12 is not a multiple of 16");
    uint64_t wrap[2] = {cpu_to_fdt64(0xfffffffff0000000UL), cpu_to_fdt64(0x20000000)};
    assert_int_equal(fdt_setprop(fdt, mem, "reg", wrap, sizeof(wrap)), 0);
    expect_error(fdt, MAX_DTB, -EINVAL, "wraps");
    uint64_t odd[2] = {cpu_to_fdt64(0x40000800), cpu_to_fdt64(0x20000000)};
    assert_int_equal(fdt_setprop(fdt, mem, "reg", odd, sizeof(odd)), 0);
    expect_error(fdt, MAX_DTB, -EINVAL, "not page-aligned");
    assert_int_equal(fdt_del_node(fdt, mem), 0);
    expect_error(fdt, MAX_DTB, -ENOENT, "no memory node");
    free(fdt);

    fdt = editable("virt-gicv3-smp1.dtb");
    assert_int_equal(fdt_setprop_u32(fdt, 0, "#address-cells", 3), 0);
    expect_error(fdt, MAX_DTB, -EINVAL, "#address-cells 3 unsupported");
    free(fdt);

    fdt = editable("virt-gicv3-smp1.dtb");
    int cpu = fdt_path_offset(fdt, "/cpus/cpu@0");
    assert_int_equal(fdt_delprop(fdt, cpu, "reg"), 0);
    expect_error(fdt, MAX_DTB, -EINVAL, "/cpus/cpu@0: no reg");
    assert_int_equal(fdt_del_node(fdt, cpu), 0);
    expect_error(fdt, MAX_DTB, -ENOENT, "no CPUs");
    free(fdt);

    /* nine CPUs */
    fdt = editable("virt-gicv3-smp1.dtb");
    int cpus = fdt_path_offset(fdt, "/cpus");
    for (unsigned i = 1; i <= 8; i++) {
        char name[16];
        snprintf(name, sizeof(name), "cpu@%u", i);
        int n = fdt_add_subnode(fdt, cpus, name);
        assert_true(n >= 0);
        assert_int_equal(fdt_setprop_string(fdt, n, "device_type", "cpu"), 0);
        assert_int_equal(fdt_setprop_u32(fdt, n, "reg", i), 0);
    }
    expect_error(fdt, MAX_DTB, -E2BIG, "more than 8 CPUs");
    free(fdt);

    fdt = editable("virt-gicv3-smp1.dtb");
    assert_int_equal(fdt_del_node(fdt, fdt_path_offset(fdt, "/intc@8000000")), 0);
    expect_error(fdt, MAX_DTB, -ENOENT, "no GIC found");
    free(fdt);

    fdt = editable("virt-gicv3-smp1.dtb");
    int psci = fdt_path_offset(fdt, "/psci");
    assert_int_equal(fdt_setprop_string(fdt, psci, "method", "magic"), 0);
    expect_error(fdt, MAX_DTB, -EINVAL, "neither smc nor hvc");
    assert_int_equal(fdt_del_node(fdt, psci), 0);
    board_t b;
    char why[160];
    assert_int_equal(board_parse(fdt, MAX_DTB, &b, why, sizeof(why)), 0);
    assert_false(b.psci.present);
    free(fdt);
}

/* Random byte flips in a real DTB: board_parse must never crash, and must explain failures. */
static void test_fuzz(void **state)
{
    (void)state;
    size_t size;
    uint8_t *orig = load("virt-gicv3-smp4.dtb", &size);
    uint8_t *fdt = malloc(MAX_DTB);
    srand(1234);
    unsigned ok = 0, refused = 0;
    for (unsigned iter = 0; iter < 3000; iter++) {
        memcpy(fdt, orig, MAX_DTB);
        unsigned flips = 1 + (unsigned)rand() % 4;
        for (unsigned i = 0; i < flips; i++) {
            /* mostly in the header and structure block, where the damage is interesting */
            size_t at = (size_t)rand() % (iter % 2 ? 64 : size);
            fdt[at] ^= (uint8_t)(1u << (rand() % 8));
        }
        board_t b;
        char why[160] = "";
        if (board_parse(fdt, size, &b, why, sizeof(why)) == 0) {
            ok++;
        } else {
            refused++;
            assert_true(why[0] != '\0');
        }
    }
    assert_true(refused > 0);
    print_message("fuzz: %u parsed, %u refused with a reason\n", ok, refused);
    free(fdt);
    free(orig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gicv3_smp4), cmocka_unit_test(test_gicv3_smp1_and_gicv2),
        cmocka_unit_test(test_chosen),     cmocka_unit_test(test_bad_blobs),
        cmocka_unit_test(test_bad_nodes),  cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
