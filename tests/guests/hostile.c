/*
 * Test guest: the hostile VM of the soak test (tests/system/soak.sh). For ops=N operations it
 * attacks septum from the inside with random hypercalls of every ABI septum serves (SMCCC and
 * PSCI, septum's vendor calls, Xen's grant tables, memory_op, console_io, sched_op), random loads
 * and stores of every size and form across its whole address space (its RAM, a read-only grant,
 * its grant window, its emulated and pass-through devices, holes, anywhere) and random
 * system-register accesses. Aborts and undefined instructions are expected and stepped over.
 * A victim VM (tests/guests/victim.c) lends it pages and checks its own memory meanwhile.
 *
 * Everything random comes from one generator seeded by seed=S from the bootargs, and no result
 * steers what comes next, so the same seed replays the same run (a second vCPU, started and
 * stopped with PSCI, adds a little timing of its own). Each operation is built as one
 * instruction in a code slot (an access, an MRS/MSR/SYS, an HVC/SMC with a random immediate),
 * run with every register set by the generator and every callee-saved one restored after.
 *
 * What it never does, because it would only hurt itself: PSCI CPU_OFF on vCPU 0, SYSTEM_OFF,
 * SYSTEM_RESET and Xen's SCHEDOP_shutdown with a readable reason; writes (its own or septum's on
 * its behalf) near its code, data and stack; region changes outside its scratch RAM; CPU_ON of
 * an entry it could execute other than guest_secondary_start; writes to SCTLR, CPACR, VBAR,
 * SPSel and DAIF. At the end it tells the victim through a grant copy, then powers off.
 */
#include <septum/gnttab.h>
#include <septum/guest.h>
#include <string.h>

#define PAGE        4096ULL
#define RAM_BASE    0x40000000ULL
#define RAM_END     0x41000000ULL
#define SCRATCH_LO  0x40400000ULL /* what its region changes may touch */
#define SCRATCH_HI  0x40c00000ULL
#define SCR_PAGES   ((SCRATCH_HI - SCRATCH_LO) / PAGE)
#define GUARD       0x20000ULL /* beyond any offset a generated access adds to its base */
#define IPA_TOP     (1ULL << 44)
#define WIN         SEPTUM_GRANT_WINDOW
#define ANCHOR      (WIN + 0x100000ULL) /* the victim's ref 8, read-only, mapped throughout */
#define MAPS        (WIN + 0x200000ULL) /* where random grant maps mostly go */
#define SECOND_MAPS (WIN + 0x300000ULL) /* vCPU 1's */
#define REF_ANCHOR  8
#define REF_RO      9
#define REF_MAILBOX 12
#define GICD        0x08000000ULL
#define GICR        0x080a0000ULL
#define UART        0x09000000ULL
#define RTC         0x09010000ULL

#define PSCI_CPU_SUSPEND_32 0x84000001U
#define PSCI_CPU_SUSPEND_64 0xc4000001U
#define PSCI_CPU_ON_32      0x84000003U
#define PSCI_CPU_ON_64      0xc4000003U
#define PSCI_AFFINITY_64    0xc4000004U
#define PSCI_DEF_SUSPEND_32 0x8400000cU
#define PSCI_DEF_SUSPEND_64 0xc400000cU

extern char _start[], __stack_top[];
void jit_call(void);
extern char jit_return[];
/* The code slot (its own page, so rewriting it costs QEMU only that page's translations), the
 * registers it runs with and leaves, and the callee-saved ones it must not change. */
uint32_t jit_slot[PAGE / 4] __attribute__((aligned(PAGE)));
uint64_t jit_in[31], jit_out[18], jit_save[22];

/* jit_call: save x18-x30, sp and d8-d15; load x0-x30 from jit_in; run the slot, which branches
 * back to jit_return; store x0-x17 into jit_out; restore. The slot's instruction may change any
 * register but sp (its base register is never sp). */
__asm__("    .text\n"
        "    .balign 4\n"
        "    .global jit_call\n"
        "jit_call:\n"
        "    adrp x9, jit_save\n"
        "    add  x9, x9, :lo12:jit_save\n"
        "    stp  x18, x19, [x9, #0]\n"
        "    stp  x20, x21, [x9, #16]\n"
        "    stp  x22, x23, [x9, #32]\n"
        "    stp  x24, x25, [x9, #48]\n"
        "    stp  x26, x27, [x9, #64]\n"
        "    stp  x28, x29, [x9, #80]\n"
        "    mov  x10, sp\n"
        "    stp  x30, x10, [x9, #96]\n"
        "    stp  d8, d9, [x9, #112]\n"
        "    stp  d10, d11, [x9, #128]\n"
        "    stp  d12, d13, [x9, #144]\n"
        "    stp  d14, d15, [x9, #160]\n"
        "    adrp x30, jit_in\n"
        "    add  x30, x30, :lo12:jit_in\n"
        "    ldp  x0, x1, [x30, #0]\n"
        "    ldp  x2, x3, [x30, #16]\n"
        "    ldp  x4, x5, [x30, #32]\n"
        "    ldp  x6, x7, [x30, #48]\n"
        "    ldp  x8, x9, [x30, #64]\n"
        "    ldp  x10, x11, [x30, #80]\n"
        "    ldp  x12, x13, [x30, #96]\n"
        "    ldp  x14, x15, [x30, #112]\n"
        "    ldp  x16, x17, [x30, #128]\n"
        "    ldp  x18, x19, [x30, #144]\n"
        "    ldp  x20, x21, [x30, #160]\n"
        "    ldp  x22, x23, [x30, #176]\n"
        "    ldp  x24, x25, [x30, #192]\n"
        "    ldp  x26, x27, [x30, #208]\n"
        "    ldp  x28, x29, [x30, #224]\n"
        "    ldr  x30, [x30, #240]\n"
        "    b    jit_slot\n"
        "    .global jit_return\n"
        "jit_return:\n"
        "    adrp x30, jit_out\n"
        "    add  x30, x30, :lo12:jit_out\n"
        "    stp  x0, x1, [x30, #0]\n"
        "    stp  x2, x3, [x30, #16]\n"
        "    stp  x4, x5, [x30, #32]\n"
        "    stp  x6, x7, [x30, #48]\n"
        "    stp  x8, x9, [x30, #64]\n"
        "    stp  x10, x11, [x30, #80]\n"
        "    stp  x12, x13, [x30, #96]\n"
        "    stp  x14, x15, [x30, #112]\n"
        "    stp  x16, x17, [x30, #128]\n"
        "    adrp x9, jit_save\n"
        "    add  x9, x9, :lo12:jit_save\n"
        "    ldp  x18, x19, [x9, #0]\n"
        "    ldp  x20, x21, [x9, #16]\n"
        "    ldp  x22, x23, [x9, #32]\n"
        "    ldp  x24, x25, [x9, #48]\n"
        "    ldp  x26, x27, [x9, #64]\n"
        "    ldp  x28, x29, [x9, #80]\n"
        "    ldp  x30, x10, [x9, #96]\n"
        "    mov  sp, x10\n"
        "    ldp  d8, d9, [x9, #112]\n"
        "    ldp  d10, d11, [x9, #128]\n"
        "    ldp  d12, d13, [x9, #144]\n"
        "    ldp  d14, d15, [x9, #160]\n"
        "    ret\n");

/* ---- the generator ---- */

static uint64_t rng;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }
static bool chance(unsigned pct) { return below(100) < pct; }

static uint64_t zone_lo, zone_hi; /* its code, data and stacks, with a guard either side */
static uint64_t peer, self;       /* the victim's domain id and its own */

/* Whether a write at a (or up to GUARD beyond it, either way) could reach its own image. */
static bool near_self(uint64_t a) { return a >= zone_lo - GUARD && a < zone_hi + GUARD; }

enum { P_SCRATCH, P_OWN, P_CODE, P_RO, P_GRANT, P_DEV, P_HOLE, P_WILD, P_KINDS };

static uint64_t addr_in(unsigned kind)
{
    static const uint64_t dev[][2] = {{GICD, 0x10000},
                                      {GICR, 0x40000},
                                      {UART, 0x1000},
                                      {RTC, 0x1000}};
    switch (kind) {
    case P_SCRATCH: return SCRATCH_LO + below(SCRATCH_HI - SCRATCH_LO);
    case P_OWN: return RAM_BASE + below(RAM_END - RAM_BASE);
    case P_CODE: return zone_lo + below(zone_hi - zone_lo);
    case P_RO: return (chance(50) ? ANCHOR : SCRATCH_LO) + below(PAGE);
    case P_GRANT: return WIN + (chance(80) ? below(0x400000) : below(SEPTUM_GRANT_WINDOW_SIZE));
    case P_DEV: {
        unsigned d = (unsigned)below(4);
        return dev[d][0] + below(dev[d][1]);
    }
    case P_HOLE: return below(IPA_TOP);
    default: return rnd();
    }
}

/* An address, mostly aligned to 8; for a write (the guest's, or septum's for it) never near its
 * own image. */
static uint64_t pick_addr(bool write)
{
    static const uint8_t weight[P_KINDS] = {20, 10, 5, 10, 15, 25, 10, 5};
    unsigned w = (unsigned)below(100), kind = 0;
    while (kind < P_KINDS - 1 && w >= weight[kind])
        w -= weight[kind++];
    uint64_t a = addr_in(kind);
    if (chance(70))
        a &= ~7ULL;
    else if (chance(30))
        a &= ~(PAGE - 1);
    if (write && near_self(a))
        a = addr_in(P_SCRATCH) & ~7ULL;
    return a;
}

static uint64_t any_value(void)
{
    switch (below(8)) {
    case 0: return 0;
    case 1: return below(16);
    case 2: return ~0ULL - below(4);
    case 3: return 1ULL << below(64);
    case 4: return pick_addr(false);
    case 5: return (uint32_t)rnd();
    default: return rnd();
    }
}

/* ---- running one instruction ---- */

static uint64_t n_ops, n_hyp, n_mem, n_sys, n_abort, n_undef;

static void slot_run(uint32_t insn)
{
    jit_slot[0] = insn;
    jit_slot[1] = 0x14000000U |
                  (uint32_t)(((uintptr_t)jit_return - (uintptr_t)&jit_slot[1]) >> 2 & 0x3ffffffU);
    __asm__ volatile("dc cvau, %0; dsb ish; ic ivau, %0; dsb ish; isb" ::"r"(jit_slot) : "memory");
    uint64_t before = guest_exceptions;
    guest_expect_abort = guest_expect_undef = true;
    jit_call();
    guest_expect_abort = guest_expect_undef = false;
    if (guest_exceptions != before) {
        unsigned ec = (unsigned)(guest_last_esr >> 26) & 0x3f;
        n_abort += ec != 0;
        n_undef += ec == 0;
    }
}

/* Registers for a load or store: x0 the base, x1-x15 small (any of them may be an index), the
 * rest random data. */
static void regs_for_access(uint64_t base)
{
    jit_in[0] = base;
    for (unsigned r = 1; r < 16; r++)
        jit_in[r] = below(4096);
    for (unsigned r = 16; r < 31; r++)
        jit_in[r] = chance(50) ? rnd() : below(256);
}

/* A random load or store: every form of the A64 load/store class with base register x0 (never
 * sp) and an index register among x1-x15. *store: the instruction may write memory. */
static uint32_t gen_access(bool *store)
{
    uint32_t rt = (uint32_t)below(32), rt2 = (uint32_t)below(32), rm = 1 + (uint32_t)below(15);
    uint32_t size = (uint32_t)below(4), v = chance(25), opc = (uint32_t)below(4);
    uint32_t post = (uint32_t)below(2), l = (uint32_t)below(2), q = (uint32_t)below(2);
    switch (below(8)) {
    case 0: /* LDR/STR (and SIMD&FP, PRFM, LDRS*) with an unsigned scaled offset */
        *store = !(opc & 1);
        return size << 30 | 0x39000000U | v << 26 | opc << 22 | (uint32_t)below(4096) << 10 | rt;
    case 1: /* unscaled, post-indexed, unprivileged, pre-indexed */
        *store = !(opc & 1);
        return size << 30 | 0x38000000U | v << 26 | opc << 22 | (uint32_t)below(512) << 12 |
               (uint32_t)below(4) << 10 | rt;
    case 2: /* register offset, every extend option (the invalid ones too) and shift */
        *store = !(opc & 1);
        return size << 30 | 0x38200800U | v << 26 | opc << 22 | rm << 16 |
               (uint32_t)below(8) << 13 | (uint32_t)below(2) << 12 | rt;
    case 3: /* pairs: no-allocate, post-index, signed offset, pre-index; LDPSW, SIMD&FP */
        *store = !l;
        return opc << 30 | 0x28000000U | v << 26 | (uint32_t)below(4) << 23 | l << 22 |
               (uint32_t)below(128) << 15 | rt2 << 10 | rt;
    case 4: /* exclusives, load-acquire/store-release, the atomics' space */
        *store = true;
        return size << 30 | 0x08000000U | (uint32_t)below(2) << 23 | l << 22 |
               (uint32_t)below(2) << 21 | rt2 << 16 | (uint32_t)below(2) << 15 |
               (uint32_t)below(32) << 10 | rt;
    case 5: /* SIMD multiple structures, maybe post-indexed */
        *store = !l;
        return 0x0c000000U | q << 30 | post << 23 | l << 22 |
               (post ? (chance(50) ? 31U : rm) : 0) << 16 | (uint32_t)below(16) << 12 | size << 10 |
               rt;
    case 6: /* SIMD single structure and replicate */
        *store = !l;
        return 0x0d000000U | q << 30 | post << 23 | l << 22 | (uint32_t)below(2) << 21 |
               (post ? (chance(50) ? 31U : rm) : 0) << 16 | (uint32_t)below(8) << 13 |
               (uint32_t)below(2) << 12 | size << 10 | rt;
    default: /* literal loads (and PRFM): near the slot, inside its own image */
        *store = false;
        return opc << 30 | 0x18000000U | v << 26 | ((uint32_t)below(1u << 19) << 5) | rt;
    }
}

static void random_access(void)
{
    bool store;
    uint32_t insn = gen_access(&store);
    regs_for_access(pick_addr(store));
    n_mem++;
    slot_run(insn);
}

/* A random MRS, MSR, SYS or SYSL. Writes to the few registers the guest's own execution rests
 * on become reads; a SYS (cache, TLB, address translation) gets an address in its scratch RAM. */
static void random_sysreg(void)
{
    uint32_t op0 = 1 + (uint32_t)below(3), l = (uint32_t)below(2), op1 = (uint32_t)below(8);
    uint32_t crn = (uint32_t)below(16), crm = (uint32_t)below(16), op2 = (uint32_t)below(8);
    uint32_t rt = (uint32_t)below(32), enc = op1 << 11 | crn << 7 | crm << 3 | op2;
    if (!l && op0 == 3 &&
        (enc == (1u << 7 | 0) ||                     /* SCTLR_EL1 */
         enc == (1u << 7 | 2) ||                     /* CPACR_EL1 */
         enc == (12u << 7 | 0) ||                    /* VBAR_EL1 */
         enc == (4u << 7 | 2u << 3 | 0) ||           /* SPSel */
         enc == (3u << 11 | 4u << 7 | 2u << 3 | 1))) /* DAIF */
        l = 1;
    regs_for_access(0);
    if (rt < 31)
        jit_in[rt] = op0 == 1 ? addr_in(P_SCRATCH) & ~63ULL : any_value();
    n_sys++;
    slot_run(0xd5000000U | l << 21 | op0 << 19 | op1 << 16 | crn << 12 | crm << 8 | op2 << 5 | rt);
}

/* ---- hypercalls ---- */

/* Operation arrays and frame lists septum reads and writes for it: a page each, with a
 * canary behind, which septum must never reach unless the call named it: an array may cross
 * pages (Linux's batches do), so count * size past the page makes the canary part of the
 * array, and septum answers there as it must; such a call re-arms the canaries instead. */
static struct {
    uint8_t ops[PAGE];
    uint64_t canary[PAGE / 8];
    uint64_t frames[PAGE / 8 - 8];
    uint64_t frames_canary[8];
} io __attribute__((aligned(PAGE)));
#define CANARY 0xca9a7ca9a7ca9a7cULL

static unsigned failed;
static bool canary_named; /* this call's arrays, as given, cover a canary */

/* [a, a + len) overlaps a canary: what septum writes there was asked for. */
static void names(uint64_t a, uint64_t len)
{
    uint64_t c0 = (uintptr_t)io.canary, c1 = c0 + sizeof(io.canary);
    uint64_t f0 = (uintptr_t)io.frames_canary, f1 = f0 + sizeof(io.frames_canary);
    if (a + len < a || (a < c1 && a + len > c0) || (a < f1 && a + len > f0))
        canary_named = true;
}

static void check_canaries(void)
{
    if (canary_named) {
        for (unsigned i = 0; i < PAGE / 8; i++)
            io.canary[i] = CANARY;
        for (unsigned i = 0; i < 8; i++)
            io.frames_canary[i] = CANARY;
        canary_named = false;
        return;
    }
    static bool told;
    bool ok = io.canary[0] == CANARY && io.canary[PAGE / 8 - 1] == CANARY &&
              io.frames_canary[0] == CANARY && io.frames_canary[7] == CANARY;
    if (!ok && !told) {
        guest_printf("\nseptum wrote past an operation array it was given: FAILED\n");
        failed++;
        told = true;
    }
}

static bool is_self(uint64_t d) { return (uint16_t)d == DOMID_SELF || (uint16_t)d == self; }

static uint16_t pick_dom(void)
{
    switch (below(10)) {
    case 0:
    case 1: return DOMID_SELF;
    case 2: return (uint16_t)self;
    case 3: return (uint16_t)below(8);
    case 4: return (uint16_t)rnd();
    default: return (uint16_t)peer;
    }
}

static uint32_t pick_ref(void)
{
    if (chance(70))
        return REF_ANCHOR + (uint32_t)below(5);
    return chance(50) ? (uint32_t)below(2048) : (uint32_t)rnd();
}

static uint64_t pick_map_addr(void)
{
    switch (below(10)) {
    case 0: return addr_in(P_SCRATCH) & ~(PAGE - 1);
    case 1: return below(IPA_TOP) & ~(PAGE - 1);
    case 2: return ANCHOR;
    case 3: return pick_addr(false);
    default: return MAPS + below(64) * PAGE;
    }
}

/* A frame the guest names as its own for a copy; written to when dest, so never its image. */
static uint64_t pick_frame(bool dest)
{
    uint64_t a = chance(80) ? pick_addr(dest) : (chance(50) ? rnd() : below(IPA_TOP));
    if (dest && near_self(a & ~(PAGE - 1)))
        a = addr_in(P_SCRATCH);
    return a / PAGE;
}

static unsigned op_size(uint64_t cmd)
{
    switch (cmd) {
    case GNTTABOP_map_grant_ref: return sizeof(struct gnttab_map_grant_ref);
    case GNTTABOP_unmap_grant_ref: return sizeof(struct gnttab_unmap_grant_ref);
    case GNTTABOP_setup_table: return sizeof(struct gnttab_setup_table);
    case GNTTABOP_query_size: return sizeof(struct gnttab_query_size);
    case GNTTABOP_set_version: return sizeof(struct gnttab_set_version);
    case GNTTABOP_get_version: return sizeof(struct gnttab_get_version);
    default: return sizeof(struct gnttab_copy);
    }
}

static void fill_op(unsigned cmd, uint8_t *p)
{
    switch (cmd) {
    case GNTTABOP_map_grant_ref: {
        struct gnttab_map_grant_ref m = {pick_map_addr(),
                                         chance(80)
                                             ? GNTMAP_host_map | (chance(50) ? GNTMAP_readonly : 0)
                                             : (uint32_t)rnd(),
                                         pick_ref(),
                                         pick_dom(),
                                         (int16_t)rnd(),
                                         (uint32_t)rnd(),
                                         rnd()};
        memcpy(p, &m, sizeof(m));
        break;
    }
    case GNTTABOP_unmap_grant_ref: {
        struct gnttab_unmap_grant_ref u = {chance(40) ? 0 : pick_map_addr(), chance(90) ? 0 : rnd(),
                                           chance(90) ? (uint32_t)below(64) : (uint32_t)rnd(),
                                           (int16_t)rnd()};
        if (u.handle == 0 && (u.host_addr == 0 || u.host_addr == ANCHOR))
            u.handle = 1; /* the anchor stays: the victim watches it */
        memcpy(p, &u, sizeof(u));
        break;
    }
    case GNTTABOP_setup_table: {
        uint64_t list = chance(60) ? (uintptr_t)io.frames + below(64) * 8 : pick_addr(true);
        struct gnttab_setup_table s = {pick_dom(),
                                       chance(80) ? (uint32_t)below(6) : (uint32_t)rnd(),
                                       (int16_t)rnd(), list};
        names(list, (uint64_t)s.nr_frames * 8);
        memcpy(p, &s, sizeof(s));
        break;
    }
    case GNTTABOP_copy: {
        struct gnttab_copy c;
        memset(&c, 0, sizeof(c));
        c.flags = chance(90) ? (uint16_t)below(4) : (uint16_t)rnd();
        c.source.domid = pick_dom();
        c.dest.domid = pick_dom();
        if (c.flags & GNTCOPY_source_gref)
            c.source.u.ref = pick_ref();
        else
            c.source.u.gmfn = pick_frame(false);
        if (c.flags & GNTCOPY_dest_gref) {
            c.dest.u.ref = pick_ref();
            if (is_self(c.dest.domid)) /* its own grants may name any of its frames */
                c.dest.domid = (uint16_t)peer;
        } else {
            c.dest.u.gmfn = pick_frame(true);
            if (!is_self(c.dest.domid) && chance(50))
                c.dest.u.gmfn = (RAM_BASE + below(RAM_END - RAM_BASE)) / PAGE; /* the victim's */
        }
        c.source.offset = chance(90) ? (uint16_t)below(PAGE) : (uint16_t)rnd();
        c.dest.offset = chance(90) ? (uint16_t)below(PAGE) : (uint16_t)rnd();
        c.len = chance(90) ? (uint16_t)below(PAGE + 1) : (uint16_t)rnd();
        c.status = (int16_t)rnd();
        memcpy(p, &c, sizeof(c));
        break;
    }
    case GNTTABOP_query_size: {
        struct gnttab_query_size s = {pick_dom(), (uint32_t)rnd(), (uint32_t)rnd(), (int16_t)rnd()};
        memcpy(p, &s, sizeof(s));
        break;
    }
    case GNTTABOP_get_version: {
        struct gnttab_get_version g = {pick_dom(), (uint16_t)rnd(), (uint32_t)rnd()};
        memcpy(p, &g, sizeof(g));
        break;
    }
    case GNTTABOP_set_version: {
        uint32_t v = chance(50) ? (uint32_t)below(4) : (uint32_t)rnd();
        memcpy(p, &v, sizeof(v));
        break;
    }
    default: {
        uint64_t w[5];
        for (unsigned i = 0; i < 5; i++)
            w[i] = chance(50) ? any_value() : (uint64_t)pick_dom() << 48 | below(65536);
        memcpy(p, w, sizeof(w));
        break;
    }
    }
}

/* Run a call through the slot: HVC #0 / SMC (any immediate) for SMCCC, HVC #0xEA1 for Xen, or
 * rarely an HVC with some other immediate. */
static void hyp_run(bool xen)
{
    uint32_t imm = xen ? XEN_HVC_IMM : chance(80) ? 0 : (uint32_t)below(65536);
    bool smc = !xen && chance(20);
    if (!xen && !smc && imm == XEN_HVC_IMM)
        imm = 0; /* a Xen call is made on purpose only */
    n_hyp++;
    slot_run((smc ? 0xd4000003U : 0xd4000002U) | imm << 5);
}

static void xen_args(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
    regs_for_access(any_value());
    jit_in[0] = a0;
    jit_in[1] = a1;
    jit_in[2] = a2;
    jit_in[3] = any_value();
    jit_in[4] = any_value();
    jit_in[16] = op;
}

static uint64_t pick_count(void)
{
    switch (below(8)) {
    case 0: return 0;
    case 1: return below(130);
    case 2: return rnd();
    default: return 1 + below(4);
    }
}

static void random_grant_op(void)
{
    static const unsigned cmds[] = {GNTTABOP_map_grant_ref,
                                    GNTTABOP_map_grant_ref,
                                    GNTTABOP_unmap_grant_ref,
                                    GNTTABOP_unmap_grant_ref,
                                    GNTTABOP_setup_table,
                                    GNTTABOP_copy,
                                    GNTTABOP_copy,
                                    GNTTABOP_query_size,
                                    GNTTABOP_set_version,
                                    GNTTABOP_get_version};
    uint64_t cmd = chance(90)   ? cmds[below(sizeof(cmds) / sizeof(cmds[0]))]
                   : chance(50) ? below(32)
                                : rnd();
    uint64_t count = pick_count(), uop;
    /* unmaps are always its own, well-formed: one read from memory (all zeros, say: handle 0,
     * any address) could drop the anchor */
    if (chance(75) || (uint32_t)cmd == GNTTABOP_unmap_grant_ref) {
        unsigned size = op_size((uint32_t)cmd);
        uint64_t fit = count && count < PAGE / size ? count : 1 + below(PAGE / size);
        uint64_t off = chance(80) ? below(PAGE / size - fit + 1) * size : below(PAGE);
        for (uint64_t i = 0; i < fit && off + (i + 1) * size <= PAGE; i++)
            fill_op((uint32_t)cmd, io.ops + off + i * size);
        uop = (uintptr_t)io.ops + off;
    } else {
        uop = pick_addr(true);
    }
    if (count <= 512) { /* GNTTAB_BATCH_MAX: a longer array is refused whole */
        unsigned size = op_size((uint32_t)cmd);
        names(uop, count * size);
        /* a frame list named by any setup_table in the array, stale ones included */
        for (uint64_t i = 0, a = uop; (uint32_t)cmd == GNTTABOP_setup_table && i < count;
             i++, a += size)
            if (a >= (uintptr_t)io.ops && a + size <= (uintptr_t)io.ops + PAGE) {
                struct gnttab_setup_table t;
                memcpy(&t, (const void *)(uintptr_t)a, sizeof(t));
                names(t.frame_list, (uint64_t)t.nr_frames * 8);
            }
    }
    xen_args(__HYPERVISOR_grant_table_op, cmd, uop, count);
    hyp_run(true);
    check_canaries();
}

static void random_physmap(void)
{
    struct xen_add_to_physmap x = {pick_dom(), (uint16_t)rnd(),
                                   chance(90) ? XENMAPSPACE_grant_table : (uint32_t)rnd(),
                                   chance(80) ? below(6) : any_value(),
                                   chance(50)   ? (MAPS + below(64) * PAGE) / PAGE
                                   : chance(50) ? pick_map_addr() / PAGE
                                                : any_value()};
    memcpy(io.ops, &x, sizeof(x));
    uint64_t arg = chance(80) ? (uintptr_t)io.ops : pick_addr(false);
    xen_args(__HYPERVISOR_memory_op, chance(90) ? XENMEM_add_to_physmap : any_value(), arg, 0);
    hyp_run(true);
}

static void random_xen(void)
{
    switch (below(10)) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4: random_grant_op(); return;
    case 5: random_physmap(); return;
    case 6: /* console_io: any bytes from anywhere; a huge count only where the buffer soon
             * stops translating (septum writes all it is given, as Xen does, in continued
             * calls: a count in the gigabytes over its RAM would print all 16 MiB of it) */
        if (chance(90))
            xen_args(__HYPERVISOR_console_io, chance(90) ? CONSOLEIO_write : any_value(),
                     chance(90) ? below(48) : below(3 * PAGE), pick_addr(false));
        else
            xen_args(__HYPERVISOR_console_io, CONSOLEIO_write, any_value(),
                     RAM_END - below(2 * PAGE));
        break;
    case 7: xen_args(__HYPERVISOR_xen_version, any_value(), any_value(), any_value()); break;
    case 8: { /* sched_op: yield, or shutdown with a reason septum cannot read */
        uint64_t cmd = chance(50) ? SCHEDOP_yield : chance(50) ? SCHEDOP_shutdown : any_value();
        uint64_t arg = any_value();
        if (cmd == SCHEDOP_shutdown)
            arg = chance(50) ? GICD + below(0x10000) : (1ULL << 48) + rnd() % (1ULL << 60);
        xen_args(__HYPERVISOR_sched_op, cmd, arg, 0);
        break;
    }
    default: /* any hypercall number */
        xen_args(chance(50) ? below(64) : rnd(), any_value(), any_value(), any_value());
        if (jit_in[16] == __HYPERVISOR_sched_op && jit_in[0] == SCHEDOP_shutdown)
            jit_in[16] = __HYPERVISOR_xen_version;
        if (jit_in[16] == __HYPERVISOR_grant_table_op) {
            random_grant_op();
            return;
        }
        break;
    }
    hyp_run(true);
}

/* Its scratch RAM as it last set it (0: deleted, else 0x80 | R/W/X), for the occasional
 * repair that keeps the region table from staying full. */
static uint8_t scratch[SCR_PAGES];

static int64_t region_call(uint64_t op, uint64_t gpa, uint64_t len, uint64_t flags)
{
    int64_t rc = septum_hvc(SEPTUM_HC_REGION_SET, op, gpa, len, flags, 0, 0, NULL);
    n_hyp++;
    if (rc == 0 && op <= SEPTUM_REGION_OP_DELETE && gpa >= SCRATCH_LO && len <= SCRATCH_HI - gpa)
        for (uint64_t p = (gpa - SCRATCH_LO) / PAGE; p < (gpa + len - SCRATCH_LO) / PAGE; p++)
            scratch[p] = op == SEPTUM_REGION_OP_DELETE ? 0 : (uint8_t)(0x80 | flags);
    return rc;
}

/* Whether [gpa, gpa + len) meets its RAM outside the scratch area (a range that wraps is taken
 * as the two pieces it would be: from gpa up, and from 0 to where it ends). */
static bool meets(uint64_t lo, uint64_t hi, uint64_t a, uint64_t b) { return lo < b && a < hi; }
static bool meets_own(uint64_t gpa, uint64_t len)
{
    uint64_t end = gpa + len;
    if (!len)
        return false;
    if (end < gpa)
        return meets_own(gpa, ~0ULL - gpa) || meets_own(0, end);
    return meets(gpa, end, RAM_BASE, SCRATCH_LO) || meets(gpa, end, SCRATCH_HI, RAM_END);
}

static void random_region(void)
{
    if (chance(5)) { /* repair: every deleted run back, then all of it one region again */
        for (uint64_t p = 0; p < SCR_PAGES;) {
            uint64_t q = p;
            while (q < SCR_PAGES && !scratch[q])
                q++;
            if (q > p)
                region_call(SEPTUM_REGION_OP_ADD, SCRATCH_LO + p * PAGE, (q - p) * PAGE, 7);
            p = q + 1;
        }
        region_call(SEPTUM_REGION_OP_MODIFY, SCRATCH_LO, SCRATCH_HI - SCRATCH_LO, 7);
        return;
    }
    uint64_t op, gpa, len, flags;
    do {
        op = chance(95) ? below(3) : any_value();
        flags = chance(95) ? below(8) : any_value();
        if (chance(85)) {
            gpa = SCRATCH_LO + below(SCR_PAGES) * PAGE;
            len = (1 + below(64)) * PAGE;
            if (len > SCRATCH_HI - gpa)
                len = SCRATCH_HI - gpa;
            if (chance(5))
                gpa += below(PAGE);
            if (chance(5))
                len = chance(50) ? 0 : len + below(PAGE);
        } else {
            gpa = pick_addr(false);
            len = chance(50) ? below(64) * PAGE : any_value();
        }
    } while (meets_own(gpa, len));
    region_call(op, gpa, len, flags);
}

static uint8_t second_stack[16384] __attribute__((aligned(16)));

/* vCPU 1, started by a random CPU_ON: a few grant maps and calls of its own, then CPU_OFF. It
 * touches no memory that could fault (the exception flags belong to vCPU 0). */
void guest_secondary(uint64_t stack_top)
{
    (void)stack_top;
    static struct gnttab_map_grant_ref m[2] __attribute__((aligned(64)));
    static struct gnttab_unmap_grant_ref u[2] __attribute__((aligned(64)));
    for (unsigned i = 0; i < 16; i++) {
        m[0] = (struct gnttab_map_grant_ref){SECOND_MAPS + (i % 4) * PAGE,
                                             GNTMAP_host_map | GNTMAP_readonly,
                                             REF_RO,
                                             (domid_t)peer,
                                             0,
                                             0,
                                             0};
        xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, (uintptr_t)m, 1, 0, 0);
        septum_hvc(PSCI_AFFINITY_64, i % 3, 0, 0, 0, 0, 0, NULL);
        septum_hvc(SEPTUM_HC_VM_INFO, 0, 0, 0, 0, 0, 0, NULL);
        u[0] = (struct gnttab_unmap_grant_ref){m[0].host_addr, 0, m[0].handle, 0};
        xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, (uintptr_t)u, 1, 0, 0);
    }
}

/* PSCI and SMCCC: known functions and random ones, through HVC #0 or SMC. */
static void random_smccc(void)
{
    static const uint32_t known[] = {
        0x84000000U,       PSCI_CPU_SUSPEND_32, PSCI_CPU_SUSPEND_64, PSCI_CPU_ON_64,
        PSCI_CPU_ON_64,    PSCI_AFFINITY_64,    0x84000004U,         0x84000006U,
        0x84000007U,       0x8400000aU,         PSCI_DEF_SUSPEND_64, 0x80000000U,
        0x80000001U,       0x80008000U,         SEPTUM_HC_NULL,      SEPTUM_HC_CONSOLE_WRITE,
        SEPTUM_HC_VM_INFO, 0xc6000003U,         0x86000000U,         0xc600ffffU};
    uint64_t fid = chance(70)   ? known[below(sizeof(known) / sizeof(known[0]))]
                   : chance(50) ? (uint32_t)rnd()
                                : rnd();
    regs_for_access(any_value());
    jit_in[0] = fid;
    for (unsigned r = 1; r < 8; r++)
        jit_in[r] = any_value();
    switch ((uint32_t)fid) {
    case 0x84000002U: /* CPU_OFF, SYSTEM_OFF, SYSTEM_RESET, SYSTEM_RESET2, SYSTEM_OFF2 */
    case 0x84000008U:
    case 0x84000009U:
    case 0x84000012U:
    case 0xc4000012U:
    case 0x84000015U:
    case 0xc4000015U: jit_in[0] = SEPTUM_HC_NULL; break;
    case SEPTUM_HC_REGION_SET: random_region(); return;
    case SEPTUM_HC_CONSOLE_WRITE:
        if (chance(80))
            jit_in[1] = below(48);
        break;
    case PSCI_CPU_ON_32:
    case PSCI_CPU_ON_64: /* an entry it can execute is always its own secondary entry */
        jit_in[1] = chance(80) ? below(3) : any_value();
        jit_in[2] = chance(70)   ? (uintptr_t)guest_secondary_start
                    : chance(50) ? (uintptr_t)guest_secondary_start + 1 + below(3)
                                 : (RAM_END + below(IPA_TOP - RAM_END)) | 1;
        jit_in[3] = (uintptr_t)second_stack + sizeof(second_stack);
        break;
    case PSCI_CPU_SUSPEND_32: /* a power-down state would resume at the entry: none it has */
    case PSCI_CPU_SUSPEND_64:
    case PSCI_DEF_SUSPEND_32:
    case PSCI_DEF_SUSPEND_64:
        jit_in[2] = (RAM_END + below(IPA_TOP - RAM_END)) | 1;
        if ((uint32_t)fid >> 8 == 0x840000 || (uint32_t)fid >> 8 == 0xc40000)
            jit_in[1] = chance(50) ? 0 : jit_in[1];
        break;
    default: break;
    }
    hyp_run(false);
}

/* ---- the run ---- */

static uint64_t done_msg[2] __attribute__((aligned(64)));

static uint64_t magic(uint64_t seed)
{
    uint64_t s = rng;
    rng = seed ^ 0x5ca1ab1e0ddba11ULL;
    uint64_t m = rnd();
    rng = s;
    return m;
}

/* Tell the victim through a grant copy into its mailbox page (ref 12): needs no mapping and no
 * free region slot, whatever the run left behind. */
static bool tell_victim(uint64_t seed, uint64_t ops)
{
    done_msg[0] = magic(seed);
    done_msg[1] = ops;
    static struct gnttab_copy c __attribute__((aligned(64)));
    for (unsigned tries = 0; tries < 100; tries++) {
        c = (struct gnttab_copy){.source = {.u.gmfn = (uintptr_t)done_msg / PAGE,
                                            .domid = DOMID_SELF,
                                            .offset = (uint16_t)((uintptr_t)done_msg % PAGE)},
                                 .dest = {.u.ref = REF_MAILBOX,
                                          .domid = (domid_t)peer,
                                          .offset = 0},
                                 .len = sizeof(done_msg),
                                 .flags = GNTCOPY_dest_gref};
        long rc = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_copy, (uintptr_t)&c, 1, 0, 0);
        if (rc == 0 && c.status == GNTST_okay)
            return true;
    }
    return false;
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t seed = 1, ops = 50000;
    peer = 1;
    self = 2;
    guest_arg("seed", &seed);
    guest_arg("ops", &ops);
    guest_arg("peer", &peer);
    guest_arg("self", &self);
    guest_printf("seed %lu, %lu operations\n", (unsigned long)seed, (unsigned long)ops);
    zone_lo = (uintptr_t)_start;
    zone_hi = (uintptr_t)__stack_top;
    for (unsigned i = 0; i < PAGE / 8; i++)
        io.canary[i] = CANARY;
    for (unsigned i = 0; i < 8; i++)
        io.frames_canary[i] = CANARY;
    memset(scratch, 0x87, sizeof(scratch));

    if (gnttab_init())
        guest_printf("grant table: FAILED\n");
    /* the anchor: the victim's ref 8, read-only, kept mapped until it powers off (handle 0) */
    static struct gnttab_map_grant_ref anchor __attribute__((aligned(64)));
    for (unsigned long t = 0; t < 100000000; t++) {
        anchor = (struct gnttab_map_grant_ref){ANCHOR,     GNTMAP_host_map | GNTMAP_readonly,
                                               REF_ANCHOR, (domid_t)peer,
                                               0,          0,
                                               0};
        gnttab_map_refs(&anchor, 1);
        if (anchor.status != GNTST_bad_gntref)
            break;
        xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
    }
    guest_printf("anchor: %s (handle %u)\n", anchor.status == GNTST_okay ? "mapped" : "FAILED",
                 anchor.handle);
    failed += anchor.status != GNTST_okay || anchor.handle != 0;
    /* its own read-only page */
    region_call(SEPTUM_REGION_OP_MODIFY, SCRATCH_LO, PAGE, SEPTUM_REGION_R);

    rng = seed;
    for (n_ops = 0; n_ops < ops; n_ops++) {
        unsigned w = (unsigned)below(100);
        if (w < 32)
            random_access();
        else if (w < 45)
            random_sysreg();
        else if (w < 65)
            random_smccc();
        else if (w < 72)
            random_region();
        else
            random_xen();
        if ((n_ops + 1) % (ops / 10 ? ops / 10 : 1) == 0)
            guest_printf("\nprogress: %lu of %lu operations\n", (unsigned long)(n_ops + 1),
                         (unsigned long)ops);
    }
    check_canaries();
    guest_printf("\nmade %lu hypercalls, %lu loads and stores, %lu system-register accesses\n",
                 (unsigned long)n_hyp, (unsigned long)n_mem, (unsigned long)n_sys);
    guest_printf("took %lu aborts, %lu undefined instructions\n", (unsigned long)n_abort,
                 (unsigned long)n_undef);
    bool told = tell_victim(seed, ops);
    guest_printf("told the victim: %s\n", told ? "ok" : "FAILED");
    failed += !told;
    guest_printf("hostile: %u failed\n", failed);
    guest_printf("done\n");
    return 0;
}
