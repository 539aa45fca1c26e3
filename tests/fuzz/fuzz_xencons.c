/*
 * libFuzzer harness for the PV console's rings (core/xen/consring.c): the input is a script of
 * what a hostile guest does to its page between septum's drains and feeds: any value in any of
 * the four indices (septum's own included), bytes in the rings. Whatever it does, septum reads
 * and writes only inside the page's rings (AddressSanitizer: the page is an exact allocation),
 * a drain prints at most one ring's worth and exactly out_prod minus septum's consumer when it
 * accepts, septum's indices follow its own bookkeeping, and a feed never fills past a ring.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/console.h>

static unsigned printed;

static void put(void *ctx, char c)
{
    (void)ctx;
    (void)c;
    printed++;
}

static uint32_t word(const uint8_t *d)
{
    return (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xencons_interface_t *page = malloc(sizeof(*page));
    memset(page, 0, sizeof(*page));
    xencons_ring_t r;
    xencons_ring_init(&r, page);
    /* each step: an opcode byte and a 32-bit value */
    for (size_t i = 0; i + 5 <= size; i += 5) {
        uint32_t v = word(data + i + 1);
        switch (data[i] % 7) {
        case 0: page->out_prod = v; break;
        case 1: page->in_cons = v; break;
        case 2: page->out_cons = v; break; /* septum's own, scribbled */
        case 3: page->in_prod = v; break;  /* the same */
        case 4: {
            uint32_t before = r.out_cons, prod = page->out_prod;
            printed = 0;
            int n = xencons_drain(&r, put, NULL);
            if (prod - before <= XENCONS_OUT_SIZE) {
                assert(n == (int)(prod - before) && printed == (unsigned)n);
            } else {
                assert(n == -1 && printed == 0);
            }
            assert(r.out_cons == prod && page->out_cons == prod);
            break;
        }
        case 5: {
            uint32_t before = r.in_prod, cons = page->in_cons;
            bool took = xencons_feed(&r, (char)v);
            assert(took == (before - cons < XENCONS_IN_SIZE));
            assert(r.in_prod == before + took);
            if (took) {
                assert(page->in_prod == r.in_prod);
                assert(page->in[before % XENCONS_IN_SIZE] == (char)v);
            }
            break;
        }
        default: page->out[v % XENCONS_OUT_SIZE] = (char)(v >> 16); break;
        }
    }
    free(page);
    return 0;
}
