/*
 * Reservations (see mm/reserve.h). The reservation table is small and fixed; the address space
 * bookkeeping is the region table's: a reservation is added there as an emulated region, so
 * overlaps with RAM, devices or other reservations are refused by the same rules.
 */
#include <arch/page.h>
#include <errno.h>
#include <mm/reserve.h>
#include <string.h>

int vm_memory_init(vm_memory_t *vm, region_table_t *regions, uint64_t anon_base, uint64_t anon_size)
{
    if (!vm || !regions || (anon_base | anon_size) % PAGE_SIZE || anon_base + anon_size < anon_base)
        return -EINVAL;
    memset(vm, 0, sizeof(*vm));
    vm->regions = regions;
    vm->anon_base = anon_base;
    vm->anon_size = anon_size;
    return 0;
}

static reservation_t *free_slot(vm_memory_t *vm)
{
    for (unsigned i = 0; i < RESERVATION_MAX; i++)
        if (!vm->res[i].live)
            return &vm->res[i];
    return NULL;
}

reservation_t *vm_reserve_memory_at(vm_memory_t *vm, uintptr_t addr, size_t size,
                                    memory_fault_callback_fn fault_callback, void *cookie)
{
    if (!vm || !fault_callback || size == 0 || (addr | size) % PAGE_SIZE)
        return NULL;
    reservation_t *r = free_slot(vm);
    if (!r)
        return NULL;
    region_req_t q = {REGION_ADD,
                      {addr, size, REGION_NO_HOST, REGION_EMULATED, REGION_R | REGION_W, r}};
    unsigned failed;
    if (region_set_soft(vm->regions, 1, &q, &failed) != REGION_OK)
        return NULL;
    *r = (reservation_t){true, false, true, addr, size, fault_callback, cookie};
    return r;
}

reservation_t *vm_reserve_anon_memory(vm_memory_t *vm, size_t size,
                                      memory_fault_callback_fn fault_callback, void *cookie,
                                      uintptr_t *addr)
{
    if (!vm || size == 0 || size % PAGE_SIZE || !addr)
        return NULL;
    /* first fit in the anonymous window, skipping whatever the region table already holds */
    for (uint64_t a = vm->anon_base; a + size <= vm->anon_base + vm->anon_size; a += PAGE_SIZE) {
        const region_t *hit = NULL;
        for (uint64_t p = a; p < a + size && !hit; p += PAGE_SIZE)
            hit = region_find(vm->regions, p);
        if (hit) {
            a = ((hit->gpa + hit->len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)) - PAGE_SIZE;
            continue;
        }
        reservation_t *r = vm_reserve_memory_at(vm, a, size, fault_callback, cookie);
        if (r)
            *addr = a;
        return r;
    }
    return NULL;
}

static bool owns(vm_memory_t *vm, reservation_t *r)
{
    return vm && r && r >= vm->res && r < vm->res + RESERVATION_MAX && r->live;
}

int vm_free_reserved_memory(vm_memory_t *vm, reservation_t *r)
{
    if (!owns(vm, r))
        return -EINVAL;
    region_req_t q = {REGION_DELETE, {r->addr, r->size, REGION_NO_HOST, REGION_EMULATED, 0}};
    unsigned failed;
    int rc = region_set_soft(vm->regions, 1, &q, &failed);
    if (rc != REGION_OK)
        return -EIO; /* the table no longer matches the reservation: a bug elsewhere */
    r->live = false;
    r->trapping = false;
    return 0;
}

int vm_map_reservation(vm_memory_t *vm, reservation_t *r, memory_map_iterator_fn it, void *cookie)
{
    if (!owns(vm, r) || !it)
        return -EINVAL;
    if (r->mapped)
        return -EALREADY;
    region_req_t q[2];
    unsigned failed;
    /* collect the frames first: a bad one changes nothing */
    for (uint64_t a = r->addr; a < r->addr + r->size; a += PAGE_SIZE) {
        vm_frame_t f = it((uintptr_t)a, cookie);
        if (f.hpa == REGION_NO_HOST || f.hpa % PAGE_SIZE ||
            !(f.rights & (REGION_R | REGION_W | REGION_X)))
            return -EINVAL;
    }
    q[0] = (region_req_t){REGION_DELETE, {r->addr, r->size, REGION_NO_HOST, REGION_EMULATED, 0}};
    if (region_set_soft(vm->regions, 1, q, &failed) != REGION_OK)
        return -EIO;
    for (uint64_t a = r->addr; a < r->addr + r->size; a += PAGE_SIZE) {
        vm_frame_t f = it((uintptr_t)a, cookie);
        q[1] = (region_req_t){REGION_ADD,
                              {a, PAGE_SIZE, f.hpa, REGION_RAM, f.rights & REGION_FLAGS}};
        int rc = region_set_soft(vm->regions, 1, &q[1], &failed);
        if (rc != REGION_OK) {
            /* undo: back to an emulated reservation */
            region_req_t undo = {REGION_DELETE,
                                 {r->addr, a - r->addr, REGION_NO_HOST, REGION_RAM, 0}};
            if (a > r->addr)
                region_set_soft(vm->regions, 1, &undo, &failed);
            q[0].op = REGION_ADD;
            q[0].r.flags = REGION_R | REGION_W;
            q[0].r.owner = r;
            region_set_soft(vm->regions, 1, q, &failed);
            return rc == REGION_EHOST ? -EPERM : -ENOSPC;
        }
    }
    r->mapped = true;
    r->trapping = false;
    return 0;
}

void vm_get_reservation_memory_region(reservation_t *r, uintptr_t *addr, size_t *size)
{
    *addr = (uintptr_t)r->addr;
    *size = (size_t)r->size;
}

memory_fault_result_t vm_memory_handle_fault_at(vm_memory_t *vm, const region_t *region,
                                                mem_access_t *a)
{
    reservation_t *r = region ? region->owner : NULL;
    if (!r || r < vm->res || r >= vm->res + RESERVATION_MAX || !r->live || r->mapped)
        return vm_memory_handle_fault(vm, a);
    if (a->addr < r->addr || a->addr - r->addr >= r->size || a->size > r->addr + r->size - a->addr)
        return FAULT_UNHANDLED;
    return r->callback(vm, a, r->cookie);
}

memory_fault_result_t vm_memory_handle_fault(vm_memory_t *vm, mem_access_t *a)
{
    for (unsigned i = 0; i < RESERVATION_MAX; i++) {
        reservation_t *r = &vm->res[i];
        if (r->live && !r->mapped && a->addr >= r->addr && a->addr - r->addr < r->size) {
            if (a->size > r->addr + r->size - a->addr)
                return FAULT_UNHANDLED; /* straddles the end of the device */
            return r->callback(vm, a, r->cookie);
        }
    }
    return FAULT_UNHANDLED;
}
