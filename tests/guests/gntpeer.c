/*
 * Benchmark helper guest: grants bootargs pages=N of its pages (default 16) to domain peer=D,
 * as refs 8.. in order, then sleeps on its timer (never spins, so a benchmark under -icount
 * keeps the CPU time) for hold=MS milliseconds (default 50: the mapper's turn), then until every
 * grant can be ended (the mapper has unmapped them all), or about a second has passed; then, if
 * asked, answers event-channel notifications (below).
 */
#include <septum/evtchn.h>
#include <septum/gnttab.h>
#include <septum/guest.h>

#define MAX_PAGES 16
static char pages[MAX_PAGES][XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));

int main(const void *dtb)
{
    uint64_t peer = 1, n = MAX_PAGES, hold = 50;
    (void)dtb;
    guest_arg("peer", &peer);
    guest_arg("pages", &n);
    guest_arg("hold", &hold);
    if (n > MAX_PAGES || gnttab_init() != 0) {
        guest_printf("cannot set up grants\n");
        return 1;
    }
    grant_ref_t ref[MAX_PAGES];
    for (unsigned i = 0; i < n; i++)
        ref[i] = gnttab_grant_access((domid_t)peer, (uintptr_t)pages[i] / XEN_PAGE_SIZE, false);
    guest_printf("granted %lu pages to domain %lu as refs %u..%u\n", (unsigned long)n,
                 (unsigned long)peer, ref[0], ref[n - 1]);
    guest_sleep_ms(hold); /* the mapper's turn */
    unsigned ended = 0;
    for (unsigned t = 0; t < 1000 && ended < n; t++) {
        ended = 0;
        for (unsigned i = 0; i < n; i++)
            ended += gnttab_end_access(ref[i]) == 0;
        if (ended < n)
            guest_sleep_ms(1);
    }
    guest_printf("%u of %lu grants ended\n", ended, (unsigned long)n);
    /* then, with bootargs evtchn=P rounds=R: answer each event on port P (a channel the
     * description declares) with one, R times, after a first one saying it is ready */
    uint64_t port, rounds = 0;
    if (!guest_arg("evtchn", &port))
        return 0;
    guest_arg("rounds", &rounds);
    if (evtchn_init(NULL) != 0 || evtchn_send((evtchn_port_t)port) != 0) {
        guest_printf("cannot use event channels\n");
        return 1;
    }
    uint32_t seen = 0;
    for (uint64_t i = 0; i < rounds; i++) {
        seen = evtchn_wait((evtchn_port_t)port, seen);
        evtchn_send((evtchn_port_t)port);
    }
    guest_printf("answered %lu events\n", (unsigned long)rounds);
    return 0;
}
