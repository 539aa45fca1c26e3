/*
 * The PV console's byte rings (see xen/console.h): septum drains out[], which the guest fills,
 * and fills in[], which the guest drains. The guest's index is read once per operation, with
 * acquire order so the bytes it announces are read after it; septum's index is published with
 * release order after the bytes it covers. septum's indices live here, so a guest that scribbles
 * over them in the page changes nothing but what it reads itself.
 */
#include <xen/console.h>

void xencons_ring_init(xencons_ring_t *r, xencons_interface_t *page)
{
    r->page = page;
    r->out_cons = 0;
    r->in_prod = 0;
}

int xencons_drain(xencons_ring_t *r, void (*put)(void *ctx, char c), void *ctx)
{
    xencons_interface_t *p = r->page;
    uint32_t prod = __atomic_load_n(&p->out_prod, __ATOMIC_ACQUIRE);
    uint32_t n = prod - r->out_cons; /* free-running: wraps as the guest's does */
    int rc = (int)n;
    if (n > XENCONS_OUT_SIZE)
        rc = -1; /* not a ring's worth: refused, and septum catches up */
    else
        for (uint32_t i = 0; i < n; i++) {
            char c = __atomic_load_n(&p->out[(r->out_cons + i) % XENCONS_OUT_SIZE],
                                     __ATOMIC_RELAXED);
            put(ctx, c);
        }
    r->out_cons = prod;
    __atomic_store_n(&p->out_cons, prod, __ATOMIC_RELEASE);
    return rc;
}

bool xencons_feed(xencons_ring_t *r, char c)
{
    xencons_interface_t *p = r->page;
    uint32_t cons = __atomic_load_n(&p->in_cons, __ATOMIC_ACQUIRE);
    if (r->in_prod - cons >= XENCONS_IN_SIZE)
        return false; /* full, or in_cons is not within a ring behind us */
    __atomic_store_n(&p->in[r->in_prod % XENCONS_IN_SIZE], c, __ATOMIC_RELAXED);
    r->in_prod++;
    __atomic_store_n(&p->in_prod, r->in_prod, __ATOMIC_RELEASE);
    return true;
}
