/*
 * Region table rules (see mm/region.h). A request is checked in full first (range, flags,
 * coverage, every resulting piece, the host check); then the new table is built in a scratch
 * copy, merging as it goes, so that running out of slots is noticed before anything changes and
 * a full table still takes a change that merges away. The scratch also records which of the new
 * regions hold a change, which is what ops->changed is told once the table is in place. The
 * scratch then keeps the table as it was until stage 2 has followed, so a change stage 2
 * cannot follow is undone whole.
 */
#include <arch/page.h>
#include <mm/region.h>
#include <string.h>

_Static_assert(REGION_MAX <= 64, "the changed-region set is one uint64_t bit mask");

static const char *const region_errs[] = {
    "ok",
    "zero length",
    "not page-aligned",
    "range wraps around",
    "beyond the VM's IPA size",
    "overlaps an existing region",
    "host range is not the VM's own",
    "range not covered by regions",
    "region table full",
    "bad type or flags",
    "unknown operation",
    "the region belongs to septum",
    "no page-table page left for the change",
};
_Static_assert(sizeof(region_errs) / sizeof(region_errs[0]) == 1 - REGION_ELAST,
               "one message per error");

__attribute__((cold)) const char *region_strerror(int err)
{
    if (err > 0 || err < REGION_ELAST)
        return "unknown error";
    return region_errs[-err];
}

static bool has_host(region_type_t type) { return type != REGION_EMULATED; }

__attribute__((cold)) void region_table_init(region_table_t *t, uint64_t ipa_size,
                                             const region_ops_t *ops)
{
    memset(t, 0, sizeof(*t));
    t->ipa_size = ipa_size;
    t->ops = ops;
}

static uint64_t end_of(const region_t *r) { return r->gpa + r->len; }

/* ---- owned single pages (mm/region.h), beside the sorted regions ---- */

/* Fibonacci hashing of the page number: pages at aligned addresses (a grant table's frames, a
 * mapping at 0x60000000) would share a bucket under a plain modulo. */
static unsigned page_bucket(uint64_t gpa)
{
    _Static_assert(REGION_PAGE_HASH == 128, "seven bits of the product");
    return (unsigned)(((gpa / PAGE_SIZE) * 0x9e3779b97f4a7c15ULL) >> 57);
}

#define PAGE_WORDS (REGION_PAGES_MAX / 64)

static bool page_live(const region_pages_t *s, unsigned i) { return s->live[i / 64] >> i % 64 & 1; }

/* The first live slot from i on, or REGION_PAGES_MAX. */
static unsigned page_next(const region_pages_t *s, unsigned i)
{
    for (unsigned w = i / 64; w < PAGE_WORDS; w++) {
        uint64_t b = s->live[w] & (w == i / 64 ? ~0ULL << i % 64 : ~0ULL);
        if (b)
            return w * 64 + (unsigned)__builtin_ctzll(b);
    }
    return REGION_PAGES_MAX;
}

/* The slot of the owned page that holds gpa, or -1. region_info calls it without the lock: the
 * masks and the slots may be changing under it, but every index stays inside the arrays, and
 * the sequence count judges what was read. */
static int page_at(const region_pages_t *s, uint64_t gpa)
{
    unsigned home = page_bucket(gpa);
    if (!s->at[home])
        return -1;
    uint64_t page = gpa - gpa % PAGE_SIZE;
    if (page_live(s, home) && s->p[home].gpa == page)
        return (int)home; /* where page_put puts it when it can */
    for (unsigned i = page_next(s, 0); i < REGION_PAGES_MAX; i = page_next(s, i + 1))
        if (s->p[i].gpa == page)
            return (int)i;
    return -1;
}

/* Whether an owned page lies in the page-aligned range [gpa, end). */
static bool pages_in(const region_pages_t *s, uint64_t gpa, uint64_t end)
{
    if (end - gpa == PAGE_SIZE)
        return page_at(s, gpa) >= 0;
    for (unsigned i = page_next(s, 0); i < REGION_PAGES_MAX; i = page_next(s, i + 1))
        if (s->p[i].gpa < end && gpa < end_of(&s->p[i]))
            return true;
    return false;
}

/* A free slot for a page at gpa, its bucket's own if it can; REGION_PAGES_MAX if none. */
static unsigned page_slot(const region_pages_t *s, uint64_t gpa)
{
    unsigned home = page_bucket(gpa);
    _Static_assert(REGION_PAGE_HASH == REGION_PAGES_MAX, "a bucket's home slot is its index");
    if (!page_live(s, home))
        return home;
    for (unsigned w = 0; w < PAGE_WORDS; w++)
        if (~s->live[w])
            return w * 64 + (unsigned)__builtin_ctzll(~s->live[w]);
    return REGION_PAGES_MAX;
}

static void page_put(region_pages_t *s, unsigned i, const region_t *r)
{
    s->p[i] = *r;
    s->live[i / 64] |= 1ULL << i % 64;
    s->at[page_bucket(r->gpa)]++;
}

static void page_drop(region_pages_t *s, unsigned i)
{
    s->live[i / 64] &= ~(1ULL << i % 64);
    s->at[page_bucket(s->p[i].gpa)]--;
}

/* The type/flag rules; with_host adds "a backing exactly when the type needs one" (MODIFY
 * checks that per resulting piece, once it knows the backing each piece keeps). */
static int check_flags(const region_t *r, bool with_host)
{
    if ((unsigned)r->type > (unsigned)REGION_EMULATED || (r->flags & ~REGION_FLAGS))
        return REGION_EFLAGS;
    if (with_host && has_host(r->type) != (r->hpa != REGION_NO_HOST))
        return REGION_EFLAGS;
    if (r->type == REGION_DEVICE && (r->flags & (REGION_X | REGION_NC)))
        return REGION_EFLAGS;
    if (r->type == REGION_EMULATED && (r->flags & REGION_NC))
        return REGION_EFLAGS;
    if (r->type == REGION_ROM && (r->flags & REGION_W))
        return REGION_EFLAGS;
    if (r->type != REGION_EMULATED && !(r->flags & (REGION_R | REGION_W | REGION_X)))
        return REGION_EFLAGS; /* a mapping nobody may use is a mistake, not a hole */
    return REGION_OK;
}

static int check_range(const region_table_t *t, const region_t *r, bool with_host)
{
    bool host = with_host && r->hpa != REGION_NO_HOST;
    if (r->len == 0)
        return REGION_EZERO;
    if (((r->gpa | r->len) & ~PAGE_MASK) || (host && (r->hpa & ~PAGE_MASK)))
        return REGION_EALIGN;
    if (r->len > UINT64_MAX - r->gpa || (host && r->len > UINT64_MAX - r->hpa))
        return REGION_EWRAP;
    if (r->gpa + r->len > t->ipa_size)
        return REGION_ERANGE;
    return REGION_OK;
}

/* Index of the first of the n regions r that ends after gpa (binary search). */
static unsigned search(const region_t *r, unsigned n, uint64_t gpa)
{
    unsigned lo = 0, hi = n;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (end_of(&r[mid]) <= gpa)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static unsigned first_after(const region_table_t *t, uint64_t gpa)
{
    return search(t->r, t->num, gpa);
}

__attribute__((cold)) const region_t *region_find(const region_table_t *t, uint64_t gpa)
{
    unsigned i = first_after(t, gpa);
    if (i < t->num && t->r[i].gpa <= gpa)
        return &t->r[i];
    int k = page_at(&t->pages, gpa);
    return k >= 0 ? &t->pages.p[k] : NULL;
}

static void lock(const region_table_t *t)
{
    if (t->ops && t->ops->lock)
        t->ops->lock(t->ops->ctx);
}

static void unlock(const region_table_t *t)
{
    if (t->ops && t->ops->unlock)
        t->ops->unlock(t->ops->ctx);
}

/* A change: under the VM's lock, with the sequence count odd while the table changes, so that
 * region_info needs no lock (a reader retries when a change overlapped its read). */
static void write_begin(region_table_t *t)
{
    lock(t);
    __atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE); /* odd before any entry changes */
}

static void write_end(region_table_t *t)
{
    __atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELEASE); /* even after every change */
    unlock(t);
}

/* Lock-free: the search and the copy run on a table that may be changing, and count only if the
 * sequence count shows no change began or ended meanwhile. Every index stays inside the array
 * whatever is read (num is read once and never exceeds REGION_MAX). */
int region_info(const region_table_t *t, uint64_t gpa, region_t *out)
{
    if (!t)
        return REGION_ENOENT;
    for (;;) {
        unsigned seq = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
        if (seq & 1)
            continue; /* a change is under way on another CPU */
        unsigned n = __atomic_load_n(&t->num, __ATOMIC_RELAXED);
        if (n > REGION_MAX)
            n = REGION_MAX;
        /* the region found last first: lookups come in runs (a VM's RAM, a hypercall's frames) */
        unsigned was = __atomic_load_n(&t->hint, __ATOMIC_RELAXED), at = was;
        bool hit = at < n && t->r[at].gpa <= gpa && gpa - t->r[at].gpa < t->r[at].len;
        if (!hit) {
            at = search(t->r, n, gpa);
            hit = at < n && t->r[at].gpa <= gpa;
        }
        const region_t *e = hit ? &t->r[at] : NULL;
        if (!e) {
            int k = page_at(&t->pages, gpa);
            e = k >= 0 ? &t->pages.p[k] : NULL;
            at = was; /* a page is no index of r */
        }
        if (e)
            *out = *e; /* the caller's: it counts only once the count below says so */
        __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the reads above before the check below */
        if (__atomic_load_n(&t->seq, __ATOMIC_RELAXED) != seq)
            continue;
        if (!e)
            return REGION_ENOENT;
        /* the table is unchanged by a lookup; its hint is a cache (writable: see above) */
        if (at != was)
            __atomic_store_n((unsigned *)(uintptr_t)&t->hint, at, __ATOMIC_RELAXED);
        return REGION_OK;
    }
}

__attribute__((cold)) bool region_maps_host(const region_table_t *t, uint64_t hpa, uint64_t len)
{
    bool hit = false;
    lock(t);
    for (unsigned i = 0; i < t->num && !hit; i++)
        hit = has_host(t->r[i].type) && t->r[i].hpa < hpa + len && hpa < t->r[i].hpa + t->r[i].len;
    for (unsigned i = page_next(&t->pages, 0); i < REGION_PAGES_MAX && !hit;
         i = page_next(&t->pages, i + 1))
        hit = t->pages.p[i].hpa < hpa + len && hpa < t->pages.p[i].hpa + t->pages.p[i].len;
    unlock(t);
    return hit;
}

/* The part [gpa, gpa + len) of r; its backing moves along with it. */
static region_t slice(const region_t *r, uint64_t gpa, uint64_t len)
{
    region_t s = *r;
    s.gpa = gpa;
    s.len = len;
    if (has_host(r->type))
        s.hpa = r->hpa + (gpa - r->gpa);
    return s;
}

static bool mergeable(const region_t *a, const region_t *b)
{
    if (end_of(a) != b->gpa || a->type != b->type || a->flags != b->flags || a->owner != b->owner)
        return false;
    return !has_host(a->type) || a->hpa + a->len == b->hpa;
}

static bool host_ok(const region_table_t *t, const region_t *r)
{
    if (!t->ops || !t->ops->host_ok)
        return true;
    return t->ops->host_ok(t->ops->ctx, r->hpa, r->len, r->type);
}

/* MODIFY: the part of region i inside the request, before (*old) and after (*now). */
static void modify_piece(const region_table_t *t, unsigned i, const region_t *w, region_t *old,
                         region_t *now)
{
    const region_t *r = &t->r[i];
    uint64_t b = r->gpa > w->gpa ? r->gpa : w->gpa;
    uint64_t e = end_of(r) < end_of(w) ? end_of(r) : end_of(w);
    *old = slice(r, b, e - b);
    *now = *old;
    now->type = w->type;
    now->flags = w->flags;
}

static int check_modify_piece(const region_table_t *t, const region_t *w, const region_t *old,
                              const region_t *now)
{
    /* MODIFY never moves a backing: it may only name the one the piece already has */
    if (w->hpa != REGION_NO_HOST &&
        (!has_host(old->type) || old->hpa != w->hpa + (old->gpa - w->gpa)))
        return REGION_EHOST;
    int rc = check_flags(now, true);
    if (rc)
        return rc;
    /* the same frames may be fine as RAM and not as a device, or the other way round */
    if (now->type != old->type && has_host(now->type) && !host_ok(t, now))
        return REGION_EHOST;
    return REGION_OK;
}

/* The table being built, then the table as it was (for an undo): about 2.5 KiB, on the stack
 * because each VM has its own lock. */
typedef struct build {
    region_t r[REGION_MAX];
    unsigned num;
    uint64_t changed; /* bit i: r[i] holds a page whose mapping changed */
    bool full;
} build_t;

static void push(build_t *b, const region_t *r, bool changed)
{
    if (b->num && mergeable(&b->r[b->num - 1], r)) {
        b->r[b->num - 1].len += r->len;
    } else if (b->num == REGION_MAX) {
        b->full = true;
        return;
    } else {
        b->r[b->num++] = *r;
    }
    if (changed)
        b->changed |= 1ULL << (b->num - 1);
}

/* Put the new table in b in place; b gets the old one. Entries before from are the same in
 * both, so only the rest is exchanged. */
static void install(region_table_t *t, build_t *b, unsigned from)
{
    unsigned old_num = t->num, new_num = b->num;
    for (unsigned i = from; i < old_num && i < new_num; i++) {
        region_t x = t->r[i];
        t->r[i] = b->r[i];
        b->r[i] = x;
    }
    if (new_num > old_num)
        memcpy(&t->r[old_num], &b->r[old_num], (new_num - old_num) * sizeof(t->r[0]));
    else
        memcpy(&b->r[new_num], &t->r[new_num], (old_num - new_num) * sizeof(t->r[0]));
    t->num = new_num;
    b->num = old_num;
}

/* Check and apply one request, building the new table in b, which then keeps the old one;
 * b->changed gets the set of regions (indices in the new table) to report. */
static int apply(region_table_t *t, const region_req_t *q, build_t *b)
{
    const region_t *w = &q->r;
    if (q->op != REGION_ADD && q->op != REGION_MODIFY && q->op != REGION_DELETE)
        return REGION_EOP;
    int rc = check_range(t, w, q->op != REGION_DELETE);
    if (rc)
        return rc;
    uint64_t end = end_of(w);
    unsigned lo = first_after(t, w->gpa), hi = lo; /* t->r[lo, hi) overlap the range */
    while (hi < t->num && t->r[hi].gpa < end)
        hi++;
    region_t old, now;

    if (q->op == REGION_ADD) {
        if ((rc = check_flags(w, true)))
            return rc;
        if (q->guest && w->owner)
            return REGION_EOWNED;
        if (hi > lo || pages_in(&t->pages, w->gpa, end))
            return REGION_EOVERLAP;
        if (has_host(w->type) && !q->host_vouched && !host_ok(t, w))
            return REGION_EHOST;
    } else {
        if (q->op == REGION_MODIFY && (rc = check_flags(w, false)))
            return rc;
        if (pages_in(&t->pages, w->gpa, end))
            return REGION_EOWNED; /* septum's single pages change only one by one */
        uint64_t p = w->gpa;      /* covered without holes? */
        for (unsigned i = lo; i < hi && t->r[i].gpa <= p; i++)
            p = end_of(&t->r[i]);
        if (p < end)
            return REGION_ENOENT;
        for (unsigned i = lo; q->guest && i < hi; i++)
            if (t->r[i].owner)
                return REGION_EOWNED; /* a device, a grant mapping: septum's, not the guest's */
        for (unsigned i = lo; q->op == REGION_MODIFY && i < hi; i++) {
            modify_piece(t, i, w, &old, &now);
            if ((rc = check_modify_piece(t, w, &old, &now)))
                return rc;
        }
    }

    b->num = lo;
    b->changed = 0;
    b->full = false;
    memcpy(b->r, t->r, lo * sizeof(t->r[0])); /* untouched, and already merged */
    if (lo < hi && t->r[lo].gpa < w->gpa) {
        old = slice(&t->r[lo], t->r[lo].gpa, w->gpa - t->r[lo].gpa);
        push(b, &old, false);
    }
    if (q->op == REGION_ADD)
        push(b, w, true);
    for (unsigned i = lo; q->op == REGION_MODIFY && i < hi; i++) {
        modify_piece(t, i, w, &old, &now);
        push(b, &now, now.type != old.type || now.flags != old.flags);
    }
    if (lo < hi && end_of(&t->r[hi - 1]) > end) {
        old = slice(&t->r[hi - 1], end, end_of(&t->r[hi - 1]) - end);
        push(b, &old, false);
    }
    for (unsigned i = hi; i < t->num; i++)
        push(b, &t->r[i], false);
    if (b->full)
        return REGION_EFULL;
    install(t, b, lo ? lo - 1 : 0); /* r[lo - 1] may have merged with what follows */
    return REGION_OK;
}

/* Tell ops->changed what the request changed; the first error stops it and is returned. */
static int report(const region_table_t *t, const region_req_t *q, uint64_t changed)
{
    if (!t->ops || !t->ops->changed)
        return 0;
    if (q->op == REGION_DELETE)
        return t->ops->changed(t->ops->ctx, q->r.gpa, q->r.len, NULL, false) ? REGION_ENOMEM : 0;
    for (unsigned i = 0; i < t->num; i++)
        if ((changed & (1ULL << i)) &&
            t->ops->changed(t->ops->ctx, t->r[i].gpa, t->r[i].len, &t->r[i], false))
            return REGION_ENOMEM;
    return 0;
}

/*
 * Stage 2 could not follow q: the table goes back to what it was, and stage 2 with it. Only the
 * request's range changed what maps where, so each region the old table has there is reported
 * again, whole (which also brings back its blocks where the change had split them), and each
 * hole is unmapped. If even that fails, the range is unmapped: stage 2 then maps less than the
 * table, never more.
 */
static void undo(region_table_t *t, const region_req_t *q, const build_t *was)
{
    memcpy(t->r, was->r, was->num * sizeof(t->r[0]));
    t->num = was->num;
    const region_ops_t *o = t->ops;
    uint64_t at = q->r.gpa, end = end_of(&q->r);
    int rc = 0;
    for (unsigned i = first_after(t, at); at < end;) {
        if (i < t->num && t->r[i].gpa <= at) {
            rc |= o->changed(o->ctx, t->r[i].gpa, t->r[i].len, &t->r[i], true);
            at = end_of(&t->r[i++]);
        } else {
            uint64_t next = i < t->num && t->r[i].gpa < end ? t->r[i].gpa : end;
            rc |= o->changed(o->ctx, at, next - at, NULL, true);
            at = next;
        }
    }
    if (rc)
        o->changed(o->ctx, q->r.gpa, q->r.len, NULL, true);
}

__attribute__((cold)) int region_set_soft(region_table_t *t, unsigned n, const region_req_t *req,
                                          unsigned *failed)
{
    int rc = REGION_OK;
    write_begin(t);
    build_t b; /* no initialiser: it would clear the whole scratch table */
    for (unsigned i = 0; i < n; i++) {
        rc = apply(t, &req[i], &b);
        if (!rc && report(t, &req[i], b.changed)) {
            undo(t, &req[i], &b);
            rc = REGION_ENOMEM;
        }
        if (rc) {
            if (failed)
                *failed = i;
            break;
        }
    }
    write_end(t);
    return rc;
}

/* ---- owned single pages, in their slots ---- */

static int changed(const region_table_t *t, uint64_t gpa, uint64_t len, const region_t *r,
                   bool undo)
{
    return t->ops && t->ops->changed ? t->ops->changed(t->ops->ctx, gpa, len, r, undo) : 0;
}

int region_add_owned(region_table_t *t, const region_t *r)
{
    /* A page of RAM (a grant, a grant-table frame) that may be read, and maybe written: the
     * narrow case of check_range's and check_flags' rules, checked as such (they cost a grant
     * mapping about 60 instructions). */
    if (!r->owner || r->len != PAGE_SIZE || r->type != REGION_RAM || !(r->flags & REGION_R) ||
        (r->flags & ~(REGION_R | REGION_W)))
        return REGION_EFLAGS;
    if ((r->gpa | r->hpa) & ~PAGE_MASK)
        return REGION_EALIGN;
    if (r->gpa >= t->ipa_size || r->hpa > UINT64_MAX - PAGE_SIZE)
        return REGION_ERANGE;
    int rc = REGION_OK;
    write_begin(t);
    unsigned i = first_after(t, r->gpa);
    region_pages_t *s = &t->pages;
    unsigned k;
    if ((i < t->num && t->r[i].gpa < end_of(r)) || page_at(s, r->gpa) >= 0) {
        rc = REGION_EOVERLAP;
    } else if ((k = page_slot(s, r->gpa)) == REGION_PAGES_MAX) {
        rc = REGION_EFULL;
    } else {
        page_put(s, k, r);
        if (changed(t, r->gpa, r->len, &s->p[k], false)) {
            page_drop(s, k);
            changed(t, r->gpa, r->len, NULL, true); /* what it began to map goes */
            rc = REGION_ENOMEM;
        }
    }
    write_end(t);
    return rc;
}

int region_delete_owned(region_table_t *t, uint64_t gpa, uint64_t len, const void *owner)
{
    if (!owner || len != PAGE_SIZE)
        return REGION_ENOENT;
    int rc = REGION_OK;
    write_begin(t);
    int k = page_at(&t->pages, gpa);
    region_t *p = k >= 0 ? &t->pages.p[k] : NULL;
    if (!p || p->gpa != gpa || p->owner != owner) {
        rc = REGION_ENOENT;
    } else {
        page_drop(&t->pages, (unsigned)k);
        if (changed(t, gpa, len, NULL, false)) {
            /* stage 2 could not follow: the page and its mapping stay */
            page_put(&t->pages, (unsigned)k, p);
            changed(t, gpa, len, p, true);
            rc = REGION_ENOMEM;
        }
    }
    write_end(t);
    return rc;
}

__attribute__((cold)) int region_delete_first(region_table_t *t)
{
    if (t->num) {
        region_req_t q = {REGION_DELETE, {t->r[0].gpa, t->r[0].len, REGION_NO_HOST, REGION_RAM, 0}};
        return region_set_soft(t, 1, &q, NULL);
    }
    unsigned i = page_next(&t->pages, 0);
    if (i < REGION_PAGES_MAX) {
        const region_t *p = &t->pages.p[i];
        return region_delete_owned(t, p->gpa, p->len, p->owner);
    }
    return REGION_ENOENT;
}

__attribute__((cold)) void region_set(region_table_t *t, unsigned n, const region_req_t *req)
{
    unsigned failed = 0;
    int rc = region_set_soft(t, n, req, &failed);
    if (rc && t->ops && t->ops->fatal)
        t->ops->fatal(t->ops->ctx, rc, failed);
}
