/*
 * Unit tests of the guest hypercall dispatch (core/hvc.c) and PSCI (core/psci.c), called as the
 * trap path calls them: hvc_dispatch(vcpu, frame, immediate) on the calling vCPU's CPU, results
 * read back from the frame. Covered: the SMCCC and PSCI discovery calls, CPU_ON's every refusal
 * (bad MPIDR, entry not executable or not aligned, already on, on pending) and its success,
 * AFFINITY_INFO, CPU_OFF and SYSTEM_OFF/RESET (which do not return: faked here with longjmp),
 * unknown function IDs, septum's vendor calls (NULL, VM_INFO, CONSOLE_WRITE and its length
 * limit, REGION_SET with and without test control) and HVC immediates other than 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arch/psci.h>
#include <core/hvc.h>
#include <fake_arch.h>
#include <fake_log.h>
#include <septum/abi.h>
#include <septum/xen.h>
#include <string.h>
#include <test_vm.h>

#define MiB     (1ULL << 20)
#define RAM     0x40000000ULL
#define RAM_HPA 0x80000000ULL

/* ---- what hvc.c and psci.c call, faked ---- */

/* The calls that leave the guest for good: recorded, then back to the test. */
typedef enum { OUT_STAYED, OUT_VCPU_EXIT, OUT_VM_STOP, OUT_VM_RESET } outcome_t;
static jmp_buf left_guest;
static outcome_t outcome;
static vm_t *outcome_vm;
static const char *stop_why;

_Noreturn void vcpu_exit(void)
{
    outcome = OUT_VCPU_EXIT;
    longjmp(left_guest, 1);
}

/* On hardware vm_stop returns only to a caller outside the VM; PSCI callers are inside it. */
void vm_stop(vm_t *vm, const char *why)
{
    outcome = OUT_VM_STOP;
    outcome_vm = vm;
    stop_why = why;
    longjmp(left_guest, 1);
}

_Noreturn void vm_reset(vm_t *vm)
{
    outcome = OUT_VM_RESET;
    outcome_vm = vm;
    longjmp(left_guest, 1);
}

static unsigned xen_calls;
static const arch_regs_t *xen_frame;
void xen_hypercall(vcpu_t *v, arch_regs_t *f)
{
    (void)v;
    xen_calls++;
    xen_frame = f;
}

/* The VM's console: the bytes it was given, in order. */
static char console[256];
static unsigned console_len;
static const vm_t *console_vm;
void vm_console_putc(vm_t *vm, char c)
{
    console_vm = vm;
    if (console_len < sizeof(console) - 1)
        console[console_len++] = c;
}

/* ---- the VM and the calls ---- */

static vm_t vm;
static arch_regs_t frame;

/* A VM of three vCPUs: RAM at 1 GiB (executable), a data-only RAM range, ROM at 0 (executable),
 * a pass-through device and two emulated ranges. vCPU 0 runs. */
static int setup(void **state)
{
    (void)state;
    fake_arch_reset();
    fake_log_reset();
    xen_calls = 0;
    console_len = 0;
    memset(console, 0, sizeof(console));
    test_vm_init(&vm, 2, "psci", 3);
    vm.cfg.mem[0].gpa = RAM;
    vm.cfg.mem[0].size = 16 * MiB;
    vm.cfg.mem_num = 1;
    vm.mem_hpa[0] = RAM_HPA;
    const unsigned rwx = REGION_R | REGION_W | REGION_X;
    assert_int_equal(test_vm_region(&vm, RAM, 16 * MiB, RAM_HPA, REGION_RAM, rwx), 0);
    assert_int_equal(test_vm_region(&vm, 0x50000000, MiB, 0x90000000, REGION_RAM,
                                    REGION_R | REGION_W),
                     0);
    assert_int_equal(test_vm_region(&vm, 0, 2 * MiB, 0xa0000000, REGION_ROM, REGION_R | REGION_X),
                     0);
    assert_int_equal(test_vm_region(&vm, 0x09000000, 0x1000, 0x09000000, REGION_DEVICE,
                                    REGION_R | REGION_W),
                     0);
    assert_int_equal(test_vm_region(&vm, 0x08000000, 0x10000, REGION_NO_HOST, REGION_EMULATED,
                                    REGION_R | REGION_W),
                     0);
    /* emulated, and marked executable: still nothing a vCPU could run from */
    assert_int_equal(test_vm_region(&vm, 0x08010000, 0x10000, REGION_NO_HOST, REGION_EMULATED, rwx),
                     0);
    test_vm_run(&vm, 0);
    return 0;
}

/* HVC #imm with x0-x6 from the caller, by the vCPU the test runs on. Whether it returned to the
 * guest; the results are in frame. */
static bool hvc_imm(uint64_t imm, uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t x4)
{
    memset(&frame, 0, sizeof(frame));
    frame.x[0] = x0, frame.x[1] = x1, frame.x[2] = x2, frame.x[3] = x3, frame.x[4] = x4;
    outcome = OUT_STAYED;
    if (setjmp(left_guest))
        return false;
    hvc_dispatch(vcpu_current(), &frame, imm);
    return true;
}

/* An SMCCC call over HVC #0; x0 afterwards (as the guest reads it: signed). */
static int64_t call(uint64_t fid, uint64_t x1, uint64_t x2, uint64_t x3)
{
    assert_true(hvc_imm(0, fid, x1, x2, x3, 0));
    return (int64_t)frame.x[0];
}

static void test_discovery(void **state)
{
    (void)state;
    assert_int_equal(call(PSCI_VERSION, 0, 0, 0), 0x10001);  /* PSCI 1.1 */
    assert_int_equal(call(SMCCC_VERSION, 0, 0, 0), 0x10001); /* SMCCC 1.1 */
    assert_int_equal(call(SMCCC_ARCH_FEATURES, 0x80008000, 0, 0), PSCI_NOT_SUPPORTED);
    assert_int_equal(call(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0), 2); /* no Trusted OS */
    assert_int_equal(call(PSCI_CPU_SUSPEND_64, 0, RAM, 0), PSCI_SUCCESS);
    /* the function ID is w0: the upper half of x0 is not looked at */
    assert_int_equal(call(0xffffffff00000000ULL | PSCI_VERSION, 0, 0, 0), 0x10001);

    static const uint32_t offered[] = {PSCI_VERSION,          PSCI_CPU_SUSPEND_64,
                                       PSCI_CPU_OFF,          PSCI_CPU_ON_64,
                                       PSCI_AFFINITY_INFO_64, PSCI_MIGRATE_INFO_TYPE,
                                       PSCI_SYSTEM_OFF,       PSCI_SYSTEM_RESET,
                                       PSCI_FEATURES,         SMCCC_VERSION};
    for (unsigned i = 0; i < sizeof(offered) / sizeof(offered[0]); i++)
        assert_int_equal(call(PSCI_FEATURES, offered[i], 0, 0), PSCI_SUCCESS);
    /* the 32-bit CPU_ON, CPU_FREEZE, SYSTEM_SUSPEND: not offered */
    assert_int_equal(call(PSCI_FEATURES, 0x84000003, 0, 0), PSCI_NOT_SUPPORTED);
    assert_int_equal(call(PSCI_FEATURES, 0x8400000b, 0, 0), PSCI_NOT_SUPPORTED);
    assert_int_equal(call(PSCI_FEATURES, 0xc400000e, 0, 0), PSCI_NOT_SUPPORTED);

    /* unknown function IDs, in PSCI's range, the vendor range and elsewhere */
    assert_int_equal(call(0x84000100, 0, 0, 0), PSCI_NOT_SUPPORTED);
    assert_int_equal(call(0xc4000100, 0, 0, 0), PSCI_NOT_SUPPORTED);
    assert_int_equal(call(SEPTUM_HC_VM_INFO + 1, 0, 0, 0), PSCI_NOT_SUPPORTED);
    assert_int_equal(call(0x82000000, 0, 0, 0), PSCI_NOT_SUPPORTED);
    assert_int_equal(call(0, 0, 0, 0), PSCI_NOT_SUPPORTED);
    assert_int_equal(xen_calls, 0);
}

static void test_cpu_on(void **state)
{
    (void)state;
    unsigned sev = fake_arch.sev;
    /* no such vCPU: index 3 of 3, Aff1 or Aff3 set */
    assert_int_equal(call(PSCI_CPU_ON_64, 3, RAM, 0), PSCI_INVALID_PARAMETERS);
    assert_int_equal(call(PSCI_CPU_ON_64, 0x101, RAM, 0), PSCI_INVALID_PARAMETERS);
    assert_int_equal(call(PSCI_CPU_ON_64, 0x100000001ULL, RAM, 0), PSCI_INVALID_PARAMETERS);
    /* entries it could not execute: data-only RAM, unaligned, nowhere, emulated, a device */
    assert_int_equal(call(PSCI_CPU_ON_64, 1, 0x50000000, 0), PSCI_INVALID_ADDRESS);
    assert_int_equal(call(PSCI_CPU_ON_64, 1, RAM + 2, 0), PSCI_INVALID_ADDRESS);
    assert_int_equal(call(PSCI_CPU_ON_64, 1, 0x60000000, 0), PSCI_INVALID_ADDRESS);
    assert_int_equal(call(PSCI_CPU_ON_64, 1, 0x08000000, 0), PSCI_INVALID_ADDRESS);
    assert_int_equal(call(PSCI_CPU_ON_64, 1, 0x08010000, 0), PSCI_INVALID_ADDRESS);
    assert_int_equal(call(PSCI_CPU_ON_64, 1, 0x09000000, 0), PSCI_INVALID_ADDRESS);
    assert_int_equal(vm.vcpu[1].state, VCPU_OFF);
    assert_int_equal(fake_arch.sev, sev);
    assert_int_equal(call(PSCI_AFFINITY_INFO_64, 1, 0, 0), 1); /* OFF */

    /* on: pending until its CPU picks it up, with the entry and context given; the CPUs
     * waiting in WFE are woken */
    assert_int_equal(call(PSCI_CPU_ON_64, 1, RAM + 0x1000, 0x1234), PSCI_SUCCESS);
    assert_int_equal(vm.vcpu[1].state, VCPU_ON_PENDING);
    assert_int_equal(vm.vcpu[1].entry, RAM + 0x1000);
    assert_int_equal(vm.vcpu[1].context, 0x1234);
    assert_int_equal(fake_arch.sev, sev + 1);
    assert_true(fake_arch.dsb > 0);
    assert_int_equal(call(PSCI_AFFINITY_INFO_64, 1, 0, 0), 2); /* ON_PENDING */
    assert_int_equal(call(PSCI_CPU_ON_64, 1, RAM + 0x2000, 0), PSCI_ON_PENDING);

    /* its CPU runs it: already on, as is the caller itself */
    vm.vcpu[1].state = VCPU_RUNNING;
    assert_int_equal(call(PSCI_AFFINITY_INFO_64, 1, 0, 0), 0); /* ON */
    assert_int_equal(call(PSCI_CPU_ON_64, 1, RAM, 0), PSCI_ALREADY_ON);
    assert_int_equal(call(PSCI_CPU_ON_64, 0, RAM, 0), PSCI_ALREADY_ON);

    /* an MPIDR as the guest reads it (bit 31 RES1) names the vCPU; ROM is executable */
    assert_int_equal(call(PSCI_CPU_ON_64, 0x80000002ULL, 0x1000, 7), PSCI_SUCCESS);
    assert_int_equal(vm.vcpu[2].entry, 0x1000);
    assert_int_equal(vm.vcpu[2].context, 7);

    /* AFFINITY_INFO: only level 0, only the VM's own vCPUs */
    assert_int_equal(call(PSCI_AFFINITY_INFO_64, 1, 1, 0), PSCI_INVALID_PARAMETERS);
    assert_int_equal(call(PSCI_AFFINITY_INFO_64, 3, 0, 0), PSCI_INVALID_PARAMETERS);
    assert_int_equal(call(PSCI_AFFINITY_INFO_64, 0, 0, 0), 0);
}

/* A CPU_ON that is refused (ON_PENDING) must have no effect: the vCPU still starts where the
 * first, successful call said. */
static void test_cpu_on_pending_keeps_entry(void **state)
{
    (void)state;
    assert_int_equal(call(PSCI_CPU_ON_64, 1, RAM + 0x1000, 0x1111), PSCI_SUCCESS);
    assert_int_equal(call(PSCI_CPU_ON_64, 1, RAM + 0x2000, 0x2222), PSCI_ON_PENDING);
    assert_int_equal(vm.vcpu[1].entry, RAM + 0x1000);
    assert_int_equal(vm.vcpu[1].context, 0x1111);
}

/* CPU_OFF, SYSTEM_OFF and SYSTEM_RESET do not return to the caller's guest. */
static void test_off_and_reset(void **state)
{
    (void)state;
    vm.vcpu[1].state = VCPU_RUNNING;
    test_vm_run(&vm, 1);
    assert_false(hvc_imm(0, PSCI_CPU_OFF, 0, 0, 0, 0));
    assert_int_equal(outcome, OUT_VCPU_EXIT);
    assert_int_equal(vm.vcpu[1].state, VCPU_OFF);
    assert_int_equal(vm.vcpu[0].state, VCPU_RUNNING);
    assert_int_equal(frame.x[0], PSCI_CPU_OFF); /* no result: the vCPU is gone */

    test_vm_run(&vm, 0);
    assert_false(hvc_imm(0, PSCI_SYSTEM_OFF, 0, 0, 0, 0));
    assert_int_equal(outcome, OUT_VM_STOP);
    assert_ptr_equal(outcome_vm, &vm);
    assert_string_equal(stop_why, "PSCI SYSTEM_OFF");

    assert_false(hvc_imm(0, PSCI_SYSTEM_RESET, 0, 0, 0, 0));
    assert_int_equal(outcome, OUT_VM_RESET);
    assert_ptr_equal(outcome_vm, &vm);
}

static void test_vendor_calls(void **state)
{
    (void)state;
    assert_int_equal(call(SEPTUM_HC_NULL, 5, 6, 7), SEPTUM_OK);

    vm.vcpu[1].state = VCPU_RUNNING;
    test_vm_run(&vm, 1);
    assert_int_equal(call(SEPTUM_HC_VM_INFO, 0, 0, 0), SEPTUM_OK);
    assert_int_equal(frame.x[1], 2); /* VM id */
    assert_int_equal(frame.x[2], 1); /* the caller's vCPU */
    assert_int_equal(frame.x[3], 3); /* vCPUs */
    test_vm_run(&vm, 0);
}

/* CONSOLE_WRITE: up to 40 bytes in x2-x6, little-endian, to the caller's VM console. */
static void test_console_write(void **state)
{
    (void)state;
    uint64_t x2;
    memcpy(&x2, "hello\n\0\0", 8);
    assert_int_equal(call(SEPTUM_HC_CONSOLE_WRITE, 6, x2, 0), 6);
    assert_int_equal(console_len, 6);
    assert_memory_equal(console, "hello\n", 6);
    assert_ptr_equal(console_vm, &vm);

    /* exactly the limit: every byte of x2-x6 in order */
    static const char text[41] = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
    memset(&frame, 0, sizeof(frame));
    frame.x[0] = SEPTUM_HC_CONSOLE_WRITE;
    frame.x[1] = SEPTUM_CONSOLE_WRITE_MAX;
    memcpy(&frame.x[2], text, SEPTUM_CONSOLE_WRITE_MAX);
    console_len = 0;
    hvc_dispatch(vcpu_current(), &frame, 0);
    assert_int_equal(frame.x[0], SEPTUM_CONSOLE_WRITE_MAX);
    assert_int_equal(console_len, SEPTUM_CONSOLE_WRITE_MAX);
    assert_memory_equal(console, text, SEPTUM_CONSOLE_WRITE_MAX);

    /* one more than the limit, or a huge count: refused, nothing printed */
    console_len = 0;
    assert_int_equal(call(SEPTUM_HC_CONSOLE_WRITE, SEPTUM_CONSOLE_WRITE_MAX + 1, x2, 0),
                     SEPTUM_INVALID);
    assert_int_equal(call(SEPTUM_HC_CONSOLE_WRITE, 1ULL << 63, x2, 0), SEPTUM_INVALID);
    assert_int_equal(call(SEPTUM_HC_CONSOLE_WRITE, 0, x2, 0), 0);
    assert_int_equal(console_len, 0);
}

/* REGION_SET: only a test-control VM may change its own regions, only with R/W/X, and only
 * pages of its own memory may come back. */
static void test_region_set(void **state)
{
    (void)state;
    const uint64_t page = RAM + 0x2000, r = REGION_R;
    region_t before = *region_find(&vm.regions, page);
    assert_int_equal(call(SEPTUM_HC_REGION_SET, SEPTUM_REGION_OP_MODIFY, page, 0x1000),
                     SEPTUM_DENIED);
    assert_true(hvc_imm(0, SEPTUM_HC_REGION_SET, SEPTUM_REGION_OP_DELETE, page, 0x1000, 0));
    assert_int_equal((int64_t)frame.x[0], SEPTUM_DENIED);
    assert_memory_equal(region_find(&vm.regions, page), &before, sizeof(before));

    vm.cfg.test_control = true;
    assert_true(hvc_imm(0, SEPTUM_HC_REGION_SET, SEPTUM_REGION_OP_MODIFY, page, 0x1000, r));
    assert_int_equal(frame.x[0], SEPTUM_OK);
    const region_t *now = region_find(&vm.regions, page);
    assert_non_null(now);
    assert_int_equal(now->flags, REGION_R);
    assert_int_equal(now->gpa, page);
    assert_int_equal(now->hpa, RAM_HPA + 0x2000);
    /* flags beyond R/W/X (here non-cacheable), an unknown op */
    assert_true(hvc_imm(0, SEPTUM_HC_REGION_SET, SEPTUM_REGION_OP_MODIFY, page, 0x1000,
                        REGION_R | REGION_NC));
    assert_int_equal((int64_t)frame.x[0], SEPTUM_INVALID);
    assert_true(hvc_imm(0, SEPTUM_HC_REGION_SET, 3, page, 0x1000, r));
    assert_int_equal((int64_t)frame.x[0], SEPTUM_INVALID);

    /* delete, and add back: the same host page */
    assert_true(hvc_imm(0, SEPTUM_HC_REGION_SET, SEPTUM_REGION_OP_DELETE, page, 0x1000, 0));
    assert_int_equal(frame.x[0], SEPTUM_OK);
    assert_null(region_find(&vm.regions, page));
    assert_true(
        hvc_imm(0, SEPTUM_HC_REGION_SET, SEPTUM_REGION_OP_ADD, page, 0x1000, REGION_R | REGION_W));
    assert_int_equal(frame.x[0], SEPTUM_OK);
    now = region_find(&vm.regions, page);
    assert_non_null(now);
    assert_int_equal(now->hpa, RAM_HPA + 0x2000);
    assert_int_equal(now->flags, REGION_R | REGION_W);
    /* not its memory (no backing to give), a change the table refuses (overlap) */
    assert_true(hvc_imm(0, SEPTUM_HC_REGION_SET, SEPTUM_REGION_OP_ADD, 0x70000000, 0x1000, r));
    assert_int_equal((int64_t)frame.x[0], SEPTUM_INVALID);
    assert_null(region_find(&vm.regions, 0x70000000));
    assert_true(hvc_imm(0, SEPTUM_HC_REGION_SET, SEPTUM_REGION_OP_ADD, RAM, 0x1000, r));
    assert_int_equal((int64_t)frame.x[0], SEPTUM_INVALID);
    assert_true(fake_log_has("region change refused"));
}

/* The immediate picks the ABI: 0xEA1 is Xen's, any other but 0 is refused. */
static void test_immediates(void **state)
{
    (void)state;
    assert_true(hvc_imm(XEN_HVC_IMM, 7, 0, 0, 0, 0));
    assert_int_equal(xen_calls, 1);
    assert_ptr_equal(xen_frame, &frame);
    assert_int_equal(frame.x[0], 7); /* the Xen side answers, not SMCCC */

    assert_true(hvc_imm(1, SEPTUM_HC_NULL, 0, 0, 0, 0));
    assert_int_equal((int64_t)frame.x[0], PSCI_NOT_SUPPORTED);
    assert_true(hvc_imm(0xffff, PSCI_VERSION, 0, 0, 0, 0));
    assert_int_equal((int64_t)frame.x[0], PSCI_NOT_SUPPORTED);
    assert_true(hvc_imm(1, PSCI_SYSTEM_OFF, 0, 0, 0, 0)); /* not PSCI: it returns */
    assert_int_equal(outcome, OUT_STAYED);
    assert_int_equal(xen_calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_discovery, setup),
        cmocka_unit_test_setup(test_cpu_on, setup),
        cmocka_unit_test_setup(test_cpu_on_pending_keeps_entry, setup),
        cmocka_unit_test_setup(test_off_and_reset, setup),
        cmocka_unit_test_setup(test_vendor_calls, setup),
        cmocka_unit_test_setup(test_console_write, setup),
        cmocka_unit_test_setup(test_region_set, setup),
        cmocka_unit_test_setup(test_immediates, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
