/*
 * libFuzzer harness for the grant-table engine (core/gnttab.c) on the fake machine of the unit
 * tests: the input is a script of guest actions (grant, end access, raw hypercall arrays from
 * any domain, teardown). After every step the engine's bookkeeping must agree with the fake
 * stage 2 and with the guest-visible flags; AddressSanitizer and UBSan watch memory and UB.
 */
#include "fake_gnttab_env.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

static gnttab_t g;

static void check_invariants(void)
{
    for (domid_t d = 1; d <= FAKE_DOMS; d++) {
        unsigned live = 0;
        const gnttab_dom_t *dom = NULL;
        for (unsigned i = 0; i < GNTTAB_DOM_MAX; i++)
            if (g.dom[i].live && g.dom[i].id == d)
                dom = &g.dom[i];
        assert(dom);
        for (unsigned i = 0; i < GNTTAB_MAPTRACK_MAX; i++) {
            const gnttab_map_t *m = &dom->map[i];
            if (!m->live)
                continue;
            live++;
            unsigned slot = (unsigned)((m->host_addr - FAKE_WIN_GPA) / XEN_PAGE_SIZE);
            assert(fake_dom(d)->s2[slot].on);
            assert(fake_dom(d)->s2[slot].ro == m->readonly);
        }
        assert(live == (unsigned)({
                   unsigned n = 0;
                   for (unsigned i = 0; i < FAKE_WIN_SIZE / XEN_PAGE_SIZE; i++)
                       n += fake_dom(d)->s2[i].on;
                   n;
               }));
        /* pins match mappings, and the flags show them */
        for (unsigned ref = 0; ref < 64; ref++) { /* the refs this script can grant */
            unsigned readers = 0, writers = 0;
            for (unsigned o = 0; o < GNTTAB_DOM_MAX; o++)
                for (unsigned i = 0; g.dom[o].live && i < GNTTAB_MAPTRACK_MAX; i++) {
                    const gnttab_map_t *m = &g.dom[o].map[i];
                    if (m->live && m->granter == d && m->ref == ref) {
                        readers++;
                        writers += !m->readonly;
                    }
                }
            assert(dom->readers[ref] == readers && dom->writers[ref] == writers);
            uint16_t f = fake_doms[d].table[ref].flags;
            if (readers)
                assert(f & GTF_reading);
            if (writers)
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
            unsigned cmd = arg % 11, count = (arg >> 4) % 12;
            long rc = gnttab_op(&g, dom, cmd, uop, count);
            assert(rc == 0 || rc == -XEN_EFAULT || rc == -XEN_EINVAL || rc == -XEN_ENOSYS ||
                   rc == -XEN_EPERM);
            break;
        }
        case 3:
            if (arg % 8 == 0)
                gnttab_domain_teardown(&g, dom);
            break;
        }
        check_invariants();
        assert(fake_frames_mapped == 0);
    }
    return 0;
}
