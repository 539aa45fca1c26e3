/*
 * Grant-table concurrency test: four vCPUs map and unmap the same grant (domain 1, ref 8) at
 * their own addresses, many thousand times each, in parallel. No operation may fail and, at
 * the end, the granter must be able to revoke (no pin lost or leaked).
 */
#include <septum/gnttab.h>
#include <septum/guest.h>

#define VCPUS 4
#define ITER  750

static uint8_t stacks[VCPUS][8192] __attribute__((aligned(16)));
static volatile unsigned done_count, failures;
/* operation arrays must not cross a page: one aligned slot per vCPU */
static struct {
    struct gnttab_map_grant_ref m;
    struct gnttab_unmap_grant_ref u;
} slots[VCPUS] __attribute__((aligned(64)));

static void worker(unsigned id)
{
    uint64_t addr = SEPTUM_GRANT_WINDOW + 0x200000 + id * XEN_PAGE_SIZE;
    for (unsigned i = 0; i < ITER; i++) {
        struct gnttab_map_grant_ref *m = &slots[id].m;
        struct gnttab_unmap_grant_ref *u = &slots[id].u;
        *m = (struct gnttab_map_grant_ref){addr, GNTMAP_host_map, 8, 1, 99, 0, 0};
        long rc = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, (uintptr_t)m,
                                1, 0, 0);
        if (rc || m->status) {
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
            continue;
        }
        *(volatile uint32_t *)(uintptr_t)(addr + 4 * (id + 1)) = i; /* touch it */
        *u = (struct gnttab_unmap_grant_ref){addr, 0, m->handle, 99};
        rc = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, (uintptr_t)u, 1,
                           0, 0);
        if (rc || u->status)
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    }
    __atomic_add_fetch(&done_count, 1, __ATOMIC_RELEASE);
}

void guest_secondary(uint64_t stack_top)
{
    worker((unsigned)((stack_top - (uintptr_t)stacks) / sizeof(stacks[0])) - 1);
}

int main(const void *dtb)
{
    (void)dtb;
    if (gnttab_init())
        return 1;
    /* wait for the grant to exist */
    static struct gnttab_map_grant_ref m __attribute__((aligned(64)));
    m = (struct gnttab_map_grant_ref){
        SEPTUM_GRANT_WINDOW + 0x100000, GNTMAP_host_map, 8, 1, 0, 0, 0};
    do {
        m.status = 0;
        xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, (uintptr_t)&m, 1, 0, 0);
    } while (m.status == GNTST_bad_gntref);
    char *shared = (char *)(uintptr_t)m.host_addr;
    for (unsigned v = 1; v < VCPUS; v++)
        psci_cpu_on(v, (uint64_t)(uintptr_t)guest_secondary_start,
                    (uint64_t)(uintptr_t)stacks[v] + sizeof(stacks[v]));
    worker(0);
    while (done_count != VCPUS)
        ;
    guest_printf("stress: %u vCPUs x %u map+unmap pairs, %u failures\n", VCPUS, ITER, failures);
    shared[0] = 1; /* tell the granter */
    slots[0].u = (struct gnttab_unmap_grant_ref){m.host_addr, 0, m.handle, 0};
    xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, (uintptr_t)&slots[0].u, 1,
                  0, 0);
    guest_printf("done\n");
    return 0;
}
