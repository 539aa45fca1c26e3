/*
 * Unit tests of mm/reserve.c: reservations are emulated regions of the region table, so both
 * stay consistent; overlaps and bad sizes are refused; anonymous reservations skip what is
 * taken; faults reach the right callback; mapping a reservation turns it into RAM (no more
 * faults) and a failed mapping leaves it emulated; freeing gives the address space back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <mm/reserve.h>
#include <string.h>

#define PG 4096ULL

static bool host_ok(void *ctx, uint64_t hpa, uint64_t len, region_type_t t)
{
    (void)ctx, (void)len, (void)t;
    return hpa >= 0x80000000;
}
static region_ops_t ops = {host_ok, NULL, NULL, NULL, NULL, NULL};

static unsigned calls;
static memory_fault_result_t dev_cb(vm_memory_t *vm, mem_access_t *a, void *cookie)
{
    (void)vm;
    calls++;
    if (!a->write)
        a->value = (uint64_t)(uintptr_t)cookie + (a->addr & 0xfff);
    return a->addr & 0x800 ? FAULT_UNHANDLED : FAULT_HANDLED;
}

static vm_frame_t frames(uintptr_t addr, void *cookie)
{
    (void)cookie;
    return (vm_frame_t){0x80000000 + (addr & 0xffffff), REGION_R | REGION_W};
}

static vm_frame_t bad_frames(uintptr_t addr, void *cookie)
{
    (void)cookie;
    return (vm_frame_t){(addr & 0x1000) ? 0x1000 : 0x80000000 + (addr & 0xffffff),
                        REGION_R | REGION_W};
}

static void test_reservations(void **state)
{
    (void)state;
    static region_table_t rt;
    static vm_memory_t vm;
    region_table_init(&rt, 1ULL << 40, &ops);
    assert_int_equal(vm_memory_init(&vm, &rt, 0x10000000, 16 * PG), 0);
    assert_int_equal(vm_memory_init(&vm, NULL, 0, 0), -EINVAL);
    assert_int_equal(vm_memory_init(&vm, &rt, 0x10000000, 16 * PG), 0);
    region_req_t ram = {REGION_ADD, {0x40000000, 0x100000, 0x80000000, REGION_RAM, 7}};
    unsigned failed;
    assert_int_equal(region_set_soft(&rt, 1, &ram, &failed), 0);

    reservation_t *uart = vm_reserve_memory_at(&vm, 0x9000000, PG, dev_cb, (void *)0x1000);
    assert_non_null(uart);
    const region_t *r = region_find(&rt, 0x9000000);
    assert_non_null(r);
    assert_int_equal(r->type, REGION_EMULATED);
    /* refusals: overlap with RAM, with another reservation, bad sizes, no callback */
    assert_null(vm_reserve_memory_at(&vm, 0x400ff000, 2 * PG, dev_cb, NULL));
    assert_null(vm_reserve_memory_at(&vm, 0x9000000, PG, dev_cb, NULL));
    assert_null(vm_reserve_memory_at(&vm, 0x9100000, 0, dev_cb, NULL));
    assert_null(vm_reserve_memory_at(&vm, 0x9100000, 100, dev_cb, NULL));
    assert_null(vm_reserve_memory_at(&vm, 0x9100800, PG, dev_cb, NULL));
    assert_null(vm_reserve_memory_at(&vm, 0x9100000, PG, NULL, NULL));

    /* routing */
    mem_access_t a = {0x9000010, 4, false, 0, 0};
    assert_int_equal(vm_memory_handle_fault(&vm, &a), FAULT_HANDLED);
    assert_int_equal(a.value, 0x1010);
    a = (mem_access_t){0x9000800, 4, true, 5, 0};
    assert_int_equal(vm_memory_handle_fault(&vm, &a), FAULT_UNHANDLED); /* the device refuses */
    a = (mem_access_t){0x9000ffc, 8, false, 0, 0};
    assert_int_equal(vm_memory_handle_fault(&vm, &a), FAULT_UNHANDLED); /* straddles the end */
    a = (mem_access_t){0x9001000, 4, false, 0, 0};
    assert_int_equal(vm_memory_handle_fault(&vm, &a), FAULT_UNHANDLED); /* nothing there */
    assert_int_equal(calls, 2);

    /* anonymous: skips what is taken */
    region_req_t busy = {REGION_ADD, {0x10000000, 2 * PG, 0x80100000, REGION_RAM, 3}};
    assert_int_equal(region_set_soft(&rt, 1, &busy, &failed), 0);
    uintptr_t where;
    reservation_t *anon = vm_reserve_anon_memory(&vm, 4 * PG, dev_cb, NULL, &where);
    assert_non_null(anon);
    assert_int_equal(where, 0x10002000);
    uintptr_t base;
    size_t size;
    vm_get_reservation_memory_region(anon, &base, &size);
    assert_int_equal(base, 0x10002000);
    assert_int_equal(size, 4 * PG);
    assert_null(vm_reserve_anon_memory(&vm, 16 * PG, dev_cb, NULL, &where)); /* no room */

    /* mapping: a bad frame changes nothing; good frames make it RAM and faults stop */
    assert_int_equal(vm_map_reservation(&vm, anon, bad_frames, NULL), -EPERM); /* not its own */
    assert_int_equal(region_find(&rt, 0x10002000)->type, REGION_EMULATED);
    assert_int_equal(vm_map_reservation(&vm, anon, frames, NULL), 0);
    r = region_find(&rt, 0x10003000);
    assert_int_equal(r->type, REGION_RAM);
    assert_int_equal(r->hpa + (0x10003000 - r->gpa), 0x80000000 + 0x003000);
    assert_int_equal(vm_map_reservation(&vm, anon, frames, NULL), -EALREADY);
    a = (mem_access_t){0x10002000, 4, false, 0, 0};
    calls = 0;
    assert_int_equal(vm_memory_handle_fault(&vm, &a), FAULT_UNHANDLED);
    assert_int_equal(calls, 0);

    /* freeing gives the address space back, to the region table too */
    assert_int_equal(vm_free_reserved_memory(&vm, anon), 0);
    assert_null(region_find(&rt, 0x10003000));
    assert_int_equal(vm_free_reserved_memory(&vm, anon), -EINVAL);
    assert_int_equal(vm_free_reserved_memory(&vm, uart), 0);
    assert_null(region_find(&rt, 0x9000000));
    assert_non_null(vm_reserve_memory_at(&vm, 0x9000000, PG, dev_cb, NULL));

    /* the table fills up */
    unsigned n = 1;
    while (vm_reserve_memory_at(&vm, 0x20000000 + n * PG * 2, PG, dev_cb, NULL))
        n++;
    assert_int_equal(n, RESERVATION_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_reservations)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
