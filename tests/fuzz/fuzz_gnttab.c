/*
 * libFuzzer harness for the grant-table engine (core/xen/gnttab.c) on the fake machine of the
 * unit tests: the input is a script of guest actions (grant, end access, raw hypercall arrays
 * from any domain, with any per-call budget so that batches are continued as Xen continues them,
 * teardown and reset). After every step, and between the pieces of a continued call, the
 * engine's bookkeeping must agree with the fake stage 2 and with the guest-visible flags and no
 * lock may be held; the fake checks the lock rules on every call; AddressSanitizer and UBSan
 * watch memory and UB.
 */
#include "fake_gnttab_env.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

static gnttab_t g;

static void check_invariants(void)
{
    /* every live mapping's pin, counted once: by granter and ref (the refs this script grants) */
    unsigned readers[FAKE_DOMS + 1][64] = {{0}}, writers[FAKE_DOMS + 1][64] = {{0}};
    for (unsigned o = 0; o < GNTTAB_DOM_MAX; o++)
        for (unsigned i = 0; g.dom[o].live && i < GNTTAB_MAPTRACK_MAX; i++) {
            const gnttab_map_t *m = &g.dom[o].map[i];
            if (m->live && m->granter >= 1 && m->granter <= FAKE_DOMS && m->ref < 64) {
                readers[m->granter][m->ref]++;
                writers[m->granter][m->ref] += !m->readonly;
            }
        }
    for (domid_t d = 1; d <= FAKE_DOMS; d++) {
        unsigned live = 0;
        const gnttab_dom_t *dom = NULL;
        for (unsigned i = 0; i < GNTTAB_DOM_MAX; i++)
            if (g.dom[i].live && g.dom[i].id == d)
                dom = &g.dom[i];
        assert(dom);
        unsigned at[64] = {0}; /* live mappings by address hash, as map_at counts them */
        for (unsigned i = 0; i < GNTTAB_MAPTRACK_MAX; i++) {
            const gnttab_map_t *m = &dom->map[i];
            if (!m->live)
                continue;
            live++;
            at[GNTTAB_ADDR_HASH(m->host_addr)]++;
            unsigned slot = (unsigned)((m->host_addr - FAKE_WIN_GPA) / XEN_PAGE_SIZE);
            assert(fake_dom(d)->s2[slot].on);
            assert(fake_dom(d)->s2[slot].ro == m->readonly);
        }
        for (unsigned h = 0; h < 64; h++)
            assert(dom->map_at[h] == at[h]);
        assert(live == (unsigned)({
                   unsigned n = 0;
                   for (unsigned i = 0; i < FAKE_WIN_SIZE / XEN_PAGE_SIZE; i++)
                       n += fake_dom(d)->s2[i].on;
                   n;
               }));
        /* pins match mappings, and the flags show them */
        for (unsigned ref = 0; ref < 64; ref++) { /* the refs this script can grant */
            assert(dom->readers[ref] == readers[d][ref] && dom->writers[ref] == writers[d][ref]);
            uint16_t f = fake_doms[d].table[ref].flags;
            if (readers[d][ref])
                assert(f & GTF_reading);
            if (writers[d][ref])
                assert(f & GTF_writing);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fake_gnttab_setup(&g);
    size_t i = 0;
    while (i + 4 <= size) {
        uint8_t action = data[i] % 4, dom = (uint8_t)(1 + data[i + 1] % FAKE_DOMS);
        uint16_t arg = (uint16_t)(data[i + 2] | data[i + 3] << 8);
        i += 4;
        switch (action) {
        case 0: /* the guest grants ref arg%64 to some domain, of one of its pages (or not) */
            fake_grant(dom, arg % 64, (domid_t)(1 + (arg >> 6) % 4),
                       (uint32_t)(0x40000 + (arg >> 8) % 20), arg & 0x8000);
            break;
        case 1: fake_end_access(dom, arg % 64); break;
        case 2: { /* a hypercall with up to 256 raw bytes of operations */
            size_t n = arg % 257;
            if (n > size - i)
                n = size - i;
            uint64_t uop = FAKE_RAM_GPA + 8 * XEN_PAGE_SIZE + (arg >> 9) * 8;
            fake_to(NULL, dom, uop, data + i, n);
            i += n;
            unsigned cmd = arg % 11, count = (arg >> 4) % 12, size_of_op = 0;
            g.ops_per_call = data[i - n - 4] / 4 % 8; /* 0: the engine's minimum, one */
            gnttab_call_t call = {cmd, uop, count};
            long rc;
            while ((rc = gnttab_op(&g, dom, &call)) == GNTTAB_CONTINUE) {
                /* the rest of the same call: fewer operations, further on */
                assert(call.cmd == cmd && call.count < count && call.uop > uop);
                if (!size_of_op)
                    size_of_op = (unsigned)((call.uop - uop) / (count - call.count));
                assert(call.uop - uop == (uint64_t)(count - call.count) * size_of_op);
                assert(fake_no_locks());
                check_invariants();
            }
            assert(rc == 0 || rc == -XEN_EFAULT || rc == -XEN_EINVAL || rc == -XEN_ENOSYS ||
                   rc == -XEN_EPERM);
            break;
        }
        case 3:
            if (arg % 8 == 0)
                gnttab_domain_teardown(&g, dom);
            else if (arg % 8 == 1)
                gnttab_domain_reset(&g, dom);
            break;
        }
        assert(fake_no_locks());
        check_invariants();
        assert(fake_frames_mapped == 0);
    }
    return 0;
}
