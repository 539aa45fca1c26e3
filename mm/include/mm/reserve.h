/*
 * Reservations with fault callbacks, after libsel4vm's guest_memory.h. A reservation is an
 * emulated region of the VM's region table: accesses to it fault into septum and reach its
 * callback, which is all a virtual device is. vm_map_reservation backs it with frames, after
 * which accesses no longer fault. Both APIs stay consistent because the reservation lives in
 * the region table itself.
 */
#ifndef MM_RESERVE_H
#define MM_RESERVE_H
#include <mm/region.h>
#include <stddef.h>
#include <stdint.h>

#define RESERVATION_MAX 16

typedef enum {
    FAULT_HANDLED,   /* emulated: the guest continues after the access */
    FAULT_UNHANDLED, /* refused: the guest gets an abort */
    FAULT_RESTART,   /* the mapping changed: retry the access */
    FAULT_ERROR,     /* the device failed: the guest gets an abort */
} memory_fault_result_t;

/* One guest access to emulate. For a read the callback sets value (the low size bytes). */
typedef struct mem_access {
    uint64_t addr; /* guest-physical */
    unsigned size; /* 1, 2, 4 or 8 */
    bool write;
    uint64_t value;
    unsigned vcpu; /* which vCPU of the VM */
} mem_access_t;

struct vm_memory;
typedef struct reservation reservation_t;
typedef memory_fault_result_t (*memory_fault_callback_fn)(struct vm_memory *vm,
                                                          mem_access_t *access, void *cookie);

typedef struct vm_frame {
    uint64_t hpa;    /* host frame for the page at the iterator's address; REGION_NO_HOST: none */
    unsigned rights; /* REGION_R/W/X */
} vm_frame_t;
typedef vm_frame_t (*memory_map_iterator_fn)(uintptr_t addr, void *cookie);

struct reservation {
    bool live, mapped;
    bool trapping; /* live and not mapped: accesses fault to the callback (the fast check) */
    uint64_t addr, size;
    memory_fault_callback_fn callback;
    void *cookie;
};

typedef struct vm_memory {
    region_table_t *regions;
    reservation_t res[RESERVATION_MAX];
    uint64_t anon_base, anon_size; /* guest-physical space handed out by anon reservations */
} vm_memory_t;

/* The VM's reservations over its region table; anonymous reservations come from
 * [anon_base, anon_base + anon_size). */
int vm_memory_init(vm_memory_t *vm, region_table_t *regions, uint64_t anon_base,
                   uint64_t anon_size);
/* NULL on failure: bad size/alignment, overlap with any region or reservation, table full. */
reservation_t *vm_reserve_memory_at(vm_memory_t *vm, uintptr_t addr, size_t size,
                                    memory_fault_callback_fn fault_callback, void *cookie);
reservation_t *vm_reserve_anon_memory(vm_memory_t *vm, size_t size,
                                      memory_fault_callback_fn fault_callback, void *cookie,
                                      uintptr_t *addr);
/* Remove the reservation (and its mapping, if it was mapped). 0 or a negative errno. */
int vm_free_reserved_memory(vm_memory_t *vm, reservation_t *reservation);
/* Back every page with the frame the iterator gives. 0 or a negative errno (nothing changes
 * then: the reservation stays emulated). */
int vm_map_reservation(vm_memory_t *vm, reservation_t *reservation,
                       memory_map_iterator_fn map_iterator, void *cookie);
void vm_get_reservation_memory_region(reservation_t *reservation, uintptr_t *addr, size_t *size);

/* The fault path: route an access to the reservation covering it. FAULT_UNHANDLED if none. */
memory_fault_result_t vm_memory_handle_fault(vm_memory_t *vm, mem_access_t *access);
/* Whether a live, unmapped reservation covers [addr, addr + size). */
static inline bool reservation_covers(const reservation_t *r, uint64_t addr, unsigned size)
{
    /* one comparison for the range: below the base, addr - r->addr wraps to a huge value; a
     * reservation is whole pages, so size (at most 8) never exceeds r->size */
    return r && r->trapping && addr - r->addr <= r->size - size;
}

/* The same, when the caller already found the region (its owner is the reservation). */
memory_fault_result_t vm_memory_handle_fault_at(vm_memory_t *vm, const region_t *region,
                                                mem_access_t *access);
#endif
