/*
 * Test guest: the victim of the soak test (tests/system/soak.sh). It lends the hostile VM
 * (tests/guests/hostile.c, domain peer=N) five pages: refs 8 and 9 read-only, 10 and 11
 * writable, 12 its mailbox. Then, round after round, it checks a MiB of patterned memory, the
 * two read-only pages and its own code against what they must be, and prints its progress,
 * until the hostile VM writes its seed's magic into the mailbox (it is done) or its read-only
 * mapping of ref 8, kept for the whole run, disappears (it stopped early). It then revokes
 * every grant and checks everything once more.
 */
#include <errno.h>
#include <septum/gnttab.h>
#include <septum/guest.h>
#include <stdio.h>
#include <string.h>

#define PAGE     4096
#define WORDS    (1U << 17) /* 1 MiB */
#define PER_LINE 32         /* rounds per progress line */

extern char _start[], __data_load[];
static uint64_t mem[WORDS] __attribute__((aligned(PAGE)));
static uint8_t lent[5][PAGE] __attribute__((aligned(PAGE)));
static grant_ref_t refs[5];
static uint64_t code_sum;
static unsigned bad;

static uint64_t mix(uint64_t z) /* splitmix64's finaliser */
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t pattern(uint64_t i) { return mix(i * 0x9e3779b97f4a7c15ULL + 0x71c7); }

static uint64_t sum_code(void)
{
    uint64_t s = 0;
    for (const uint64_t *p = (const uint64_t *)(uintptr_t)_start;
         p < (const uint64_t *)(uintptr_t)__data_load; p++)
        s = mix(s ^ *p);
    return s;
}

/* One full check; the first few differences are reported. */
static void check(uint64_t round)
{
    for (uint64_t i = 0; i < WORDS; i++)
        if (mem[i] != pattern(i) && bad++ < 8)
            guest_printf("round %lu: CORRUPTED at 0x%lx: 0x%lx, not 0x%lx\n", (unsigned long)round,
                         (unsigned long)(uintptr_t)&mem[i], (unsigned long)mem[i],
                         (unsigned long)pattern(i));
    for (unsigned p = 0; p < 2; p++)
        for (unsigned i = 0; i < PAGE; i++)
            if (lent[p][i] != (uint8_t)pattern(WORDS + p * PAGE + i) && bad++ < 8)
                guest_printf("round %lu: CORRUPTED: read-only ref %u, byte %u\n",
                             (unsigned long)round, refs[p], i);
    if (sum_code() != code_sum && bad++ < 8)
        guest_printf("round %lu: CORRUPTED: its code changed\n", (unsigned long)round);
}

static uint16_t flags_of(grant_ref_t ref)
{
    const grant_entry_v1_t *t = (const grant_entry_v1_t *)(uintptr_t)SEPTUM_GRANT_WINDOW;
    return __atomic_load_n(&t[ref].flags, __ATOMIC_ACQUIRE);
}

static void yield(void) { xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0); }

/* hostile.c's magic for a seed */
static uint64_t magic(uint64_t seed)
{
    return mix((seed ^ 0x5ca1ab1e0ddba11ULL) + 0x9e3779b97f4a7c15ULL);
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t peer = 2, seed = 1, ops = 50000;
    guest_arg("peer", &peer);
    guest_arg("seed", &seed);
    guest_arg("ops", &ops);
    for (uint64_t i = 0; i < WORDS; i++)
        mem[i] = pattern(i);
    for (unsigned p = 0; p < 2; p++)
        for (unsigned i = 0; i < PAGE; i++)
            lent[p][i] = (uint8_t)pattern(WORDS + p * PAGE + i);
    code_sum = sum_code();
    if (gnttab_init()) {
        guest_printf("grant table: FAILED\n");
        return 1;
    }
    for (unsigned p = 0; p < 5; p++)
        refs[p] = gnttab_grant_access((domid_t)peer, (uintptr_t)lent[p] / PAGE, p < 2);
    guest_printf("lent refs %u-%u to domain %lu\n", refs[0], refs[4], (unsigned long)peer);

    /* the hostile VM maps ref 8 before it starts */
    unsigned long tries = 10000000;
    while (!(flags_of(refs[0]) & GTF_reading) && tries--)
        yield();
    if (!(flags_of(refs[0]) & GTF_reading)) {
        guest_printf("the hostile VM never mapped ref %u: FAILED\n", refs[0]);
        return 1;
    }
    guest_printf("the hostile VM holds ref %u\n", refs[0]);

    volatile uint64_t *mailbox = (volatile uint64_t *)(uintptr_t)lent[4];
    uint64_t round = 0;
    bool finished = false, gone = false;
    while (!finished && !gone) {
        check(++round);
        if (round % PER_LINE == 0)
            guest_printf("round %lu: %s\n", (unsigned long)round, bad ? "CORRUPTED" : "intact");
        finished = mailbox[0] == magic(seed) && mailbox[1] == ops;
        gone = !finished && !(flags_of(refs[0]) & GTF_reading);
    }
    if (gone)
        guest_printf("the hostile VM let go of ref %u before it was done: FAILED\n", refs[0]);
    else
        guest_printf("the hostile VM is done after %lu operations\n", (unsigned long)ops);

    /* once it has stopped, nothing of its stays mapped or pinned */
    unsigned stuck = 0;
    for (unsigned p = 0; p < 5; p++) {
        int rc;
        tries = 10000000;
        while ((rc = gnttab_end_access(refs[p])) == -EBUSY && tries--)
            yield();
        stuck += rc != 0;
    }
    guest_printf("revoked all 5 grants: %s\n", stuck ? "FAILED" : "ok");
    check(++round);
    guest_printf("victim: %lu rounds, memory %s\n", (unsigned long)round,
                 bad ? "CORRUPTED" : "intact");
    guest_printf("done\n");
    return 0;
}
