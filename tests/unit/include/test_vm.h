/*
 * A VM for host unit tests of core and vdev code, built as core/config/load.c would leave one
 * but without images or a stage 2: a region table without host checks, its reservations, and
 * vCPUs pinned one per fake CPU (vCPU n on CPU n). test_vm_run() puts a vCPU on its CPU and
 * makes that the CPU the test runs on, so vcpu_current() is that vCPU, as in its trap handlers.
 */
#ifndef TEST_VM_H
#define TEST_VM_H
#include <core/vm.h>
#include <fake_arch.h>
#include <string.h>

static inline void test_vm_init(vm_t *vm, unsigned id, const char *name, unsigned vcpus)
{
    memset(vm, 0, sizeof(*vm));
    vm->id = id;
    strncpy(vm->cfg.name, name, sizeof(vm->cfg.name) - 1);
    vm->cfg.vcpu_num = vcpus;
    vm->cfg.domid = (uint16_t)(id + 1);
    region_table_init(&vm->regions, 1ULL << 40, NULL);
    vm_memory_init(&vm->mem, &vm->regions, VM_ANON_BASE, VM_ANON_SIZE);
    vm->state = VM_RUNNING;
    for (unsigned i = 0; i < vcpus; i++) {
        vm->cfg.pcpu[i] = i;
        vm->vcpu[i] = (vcpu_t){.vm = vm, .id = i, .pcpu = i, .state = VCPU_OFF};
    }
    vm->vcpu[0].state = VCPU_RUNNING;
}

/* Add a region (no host checks: the table has no ops); the region-table error code. */
static inline int test_vm_region(vm_t *vm, uint64_t gpa, uint64_t len, uint64_t hpa,
                                 region_type_t type, unsigned flags)
{
    region_req_t q = {REGION_ADD, {gpa, len, hpa, type, flags}};
    unsigned failed;
    return region_set_soft(&vm->regions, 1, &q, &failed);
}

/* The test's code runs on vCPU n's CPU from now on, in a trap handler of vCPU n. */
static inline vcpu_t *test_vm_run(vm_t *vm, unsigned n)
{
    vcpu_t *v = &vm->vcpu[n];
    fake_arch_switch(v->pcpu);
    fake_cpu()->pcpu.vcpu = v;
    return v;
}
#endif
