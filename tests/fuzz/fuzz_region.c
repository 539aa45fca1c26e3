/*
 * libFuzzer harness for the region table (mm/region.c): the input is a script of requests (add,
 * modify, delete, one to four at a time, as a guest's or septum's, with or without a backing
 * septum vouches for) over a 96-page address space, some refused on purpose by the stage 2 that
 * follows the table. A page-by-page model predicts whether each request must succeed and what
 * each page maps to afterwards. After every call: the table is sorted, non-overlapping, page
 * aligned, merged (no two neighbours that could be one region) and within REGION_MAX; a request
 * that fails changes nothing; one that succeeds changes exactly its range, and a modify keeps
 * each page's backing; the stage 2 built from the changed() reports maps what the table says
 * (or, after a refused undo, never more); info, find and maps_host agree with the model.
 */
#include <assert.h>
#include <mm/region.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PG        4096ULL
#define PAGES     96
#define RAM_HPA   0x80000000ULL /* the VM's own frames: RAM_PAGES of them */
#define RAM_PAGES 256
#define DEV_HPA   0x09000000ULL /* a device it may have: DEV_PAGES */
#define DEV_PAGES 16

typedef struct page {
    bool on;
    region_type_t type;
    unsigned flags;
    uint64_t hpa;
    void *owner;
} page_t;

static char tok_a, tok_b;
static void *const owners[4] = {NULL, &tok_a, &tok_b, NULL};

static page_t model[PAGES]; /* what the table must map */
static struct {
    bool on;
    uint64_t hpa;
    unsigned flags;
    region_type_t type;
} s2[PAGES];
static unsigned depth;                    /* of the table's lock */
static unsigned refuse_next, refuse_undo; /* refuse the n-th change, the n-th undo report */
static bool undo_refused;                 /* since then stage 2 may map less than the table */
static bool host_refuse;                  /* host_ok refuses everything in this call */
static uint64_t last_gpa;                 /* the last report, for the address order */
static bool last_undo, in_call, one_request;

static bool hosted(region_type_t t) { return t != REGION_EMULATED; }

/* The VM's own: RAM_PAGES frames at RAM_HPA as RAM or ROM, DEV_PAGES at DEV_HPA as a device. */
static bool own(uint64_t hpa, uint64_t len, region_type_t type)
{
    if (host_refuse)
        return false;
    if (type == REGION_DEVICE)
        return hpa >= DEV_HPA && len <= DEV_PAGES * PG && hpa - DEV_HPA <= DEV_PAGES * PG - len;
    return hpa >= RAM_HPA && len <= RAM_PAGES * PG && hpa - RAM_HPA <= RAM_PAGES * PG - len;
}

static bool host_ok(void *ctx, uint64_t hpa, uint64_t len, region_type_t type)
{
    (void)ctx;
    assert(depth == 1);
    return own(hpa, len, type);
}

static int changed(void *ctx, uint64_t gpa, uint64_t len, const region_t *r, bool undo)
{
    (void)ctx;
    assert(depth == 1 && in_call);
    assert(len && gpa % PG == 0 && len % PG == 0 && gpa + len <= PAGES * PG);
    /* a region reported is a whole region of the table as it is now */
    if (r)
        assert(r->gpa == gpa && r->len == len && r->flags == (r->flags & REGION_FLAGS));
    /* in address order, each phase (the change, its undo) on its own */
    if (one_request && undo == last_undo && !undo_refused) /* (then the range is unmapped) */
        assert(gpa >= last_gpa);
    last_gpa = gpa;
    last_undo = undo;
    bool refuse = undo ? refuse_undo && !--refuse_undo : refuse_next && !--refuse_next;
    if (refuse && undo)
        undo_refused = true;
    uint64_t n = refuse ? len / PG / 2 : len / PG; /* a refusal has done half of the work */
    for (uint64_t i = 0; i < n; i++) {
        unsigned p = (unsigned)(gpa / PG + i);
        s2[p].on = r != NULL;
        s2[p].hpa = r && hosted(r->type) ? r->hpa + (p * PG - r->gpa) : REGION_NO_HOST;
        s2[p].flags = r ? r->flags : 0;
        s2[p].type = r ? r->type : REGION_RAM;
    }
    return refuse ? -1 : 0;
}

static unsigned fatals, fatal_index;
static int fatal_err;
static void fatal(void *ctx, int err, unsigned index)
{
    (void)ctx;
    assert(depth == 0);
    fatals++;
    fatal_err = err;
    fatal_index = index;
}

static void lock(void *ctx)
{
    (void)ctx;
    assert(depth == 0);
    depth++;
}
static void unlock(void *ctx)
{
    (void)ctx;
    assert(depth == 1);
    depth--;
}

static const region_ops_t ops = {host_ok, changed, fatal, lock, unlock, NULL};
static region_table_t table;

/* ---- the model ---- */

static bool flags_ok(const region_t *r, bool with_host)
{
    if ((unsigned)r->type > REGION_EMULATED || (r->flags & ~REGION_FLAGS))
        return false;
    if (with_host && hosted(r->type) != (r->hpa != REGION_NO_HOST))
        return false;
    if (r->type == REGION_DEVICE && (r->flags & (REGION_X | REGION_NC)))
        return false;
    if (r->type == REGION_EMULATED && (r->flags & REGION_NC))
        return false;
    if (r->type == REGION_ROM && (r->flags & REGION_W))
        return false;
    return r->type == REGION_EMULATED || (r->flags & (REGION_R | REGION_W | REGION_X));
}

static bool joins(const page_t *a, const page_t *b) /* b may continue a's region */
{
    return a->on && b->on && a->type == b->type && a->flags == b->flags && a->owner == b->owner &&
           (!hosted(a->type) || a->hpa + PG == b->hpa);
}

static unsigned regions_of(const page_t *m)
{
    unsigned n = 0;
    for (unsigned p = 0; p < PAGES; p++)
        n += m[p].on && !(p && joins(&m[p - 1], &m[p]));
    return n;
}

/* Apply q to m if the table must accept it; false if it must refuse it. */
static bool predict(const region_req_t *q, page_t *m)
{
    const region_t *w = &q->r;
    bool with_host = q->op != REGION_DELETE, host = with_host && w->hpa != REGION_NO_HOST;
    if (q->op != REGION_ADD && q->op != REGION_MODIFY && q->op != REGION_DELETE)
        return false;
    if (!w->len || (w->gpa | w->len) % PG || (host && w->hpa % PG))
        return false;
    if (w->len > UINT64_MAX - w->gpa || (host && w->len > UINT64_MAX - w->hpa))
        return false;
    if (w->gpa + w->len > PAGES * PG)
        return false;
    unsigned lo = (unsigned)(w->gpa / PG), hi = (unsigned)((w->gpa + w->len) / PG);
    page_t next[PAGES];
    memcpy(next, m, sizeof(next));
    if (q->op == REGION_ADD) {
        if (!flags_ok(w, true) || (q->guest && w->owner))
            return false;
        for (unsigned p = lo; p < hi; p++)
            if (m[p].on)
                return false;
        if (hosted(w->type) && !q->host_vouched && !own(w->hpa, w->len, w->type))
            return false;
        for (unsigned p = lo; p < hi; p++)
            next[p] = (page_t){true, w->type, w->flags,
                               hosted(w->type) ? w->hpa + (p - lo) * PG : REGION_NO_HOST, w->owner};
    } else {
        if (q->op == REGION_MODIFY && !flags_ok(w, false))
            return false;
        for (unsigned p = lo; p < hi; p++)
            if (!m[p].on || (q->guest && m[p].owner))
                return false;
        for (unsigned p = lo; p < hi && q->op == REGION_MODIFY; p++) {
            if (w->hpa != REGION_NO_HOST &&
                (!hosted(m[p].type) || m[p].hpa != w->hpa + (p - lo) * PG))
                return false;
            region_t now = {p * PG, PG, m[p].hpa, w->type, w->flags, NULL};
            if (!flags_ok(&now, true))
                return false;
            if (now.type != m[p].type && hosted(now.type) && !own(now.hpa, PG, now.type))
                return false;
            next[p].type = w->type;
            next[p].flags = w->flags;
        }
        for (unsigned p = lo; p < hi && q->op == REGION_DELETE; p++)
            next[p] = (page_t){0};
    }
    if (regions_of(next) > REGION_MAX)
        return false;
    memcpy(m, next, sizeof(next));
    return true;
}

/* ---- checks ---- */

/* The table against the model and stage 2, after every call; the lookups (instrumented for
 * coverage, so costly) at the pages the call touched, or everywhere at the end of a script. */
static void check_lookup(unsigned p)
{
    const region_table_t *t = &table;
    const region_t *f = region_find(t, p * PG + (p * 7 % PG));
    region_t info;
    int rc = region_info(t, p * PG, &info);
    assert((f != NULL) == model[p].on && (rc == REGION_OK) == model[p].on);
    if (f)
        assert(f->gpa <= p * PG && p * PG < f->gpa + f->len && !memcmp(f, &info, sizeof(info)));
}

static void check_table(const region_req_t *req, unsigned n, bool full)
{
    const region_table_t *t = &table;
    assert(t->num <= REGION_MAX && t->num == regions_of(model));
    for (unsigned i = 0; i < t->num; i++) {
        const region_t *r = &t->r[i];
        assert(r->len && r->gpa % PG == 0 && r->len % PG == 0 && r->gpa + r->len <= PAGES * PG);
        assert(flags_ok(r, true));
        if (i) { /* sorted, apart, and not one region that could have been merged */
            const region_t *p = &t->r[i - 1];
            assert(p->gpa + p->len <= r->gpa);
            assert(!(p->gpa + p->len == r->gpa && p->type == r->type && p->flags == r->flags &&
                     p->owner == r->owner && (!hosted(r->type) || p->hpa + p->len == r->hpa)));
        }
        for (uint64_t a = r->gpa; a < r->gpa + r->len; a += PG) {
            const page_t *m = &model[a / PG];
            assert(m->on && m->type == r->type && m->flags == r->flags && m->owner == r->owner);
            assert(m->hpa == (hosted(r->type) ? r->hpa + (a - r->gpa) : REGION_NO_HOST));
        }
    }
    for (unsigned p = 0; p < PAGES; p++) {
        /* stage 2 as changed() built it: the same, or (after a refused undo) less */
        if (s2[p].on || !undo_refused) {
            assert(s2[p].on == model[p].on);
            if (model[p].on)
                assert(s2[p].hpa == model[p].hpa && s2[p].flags == model[p].flags &&
                       s2[p].type == model[p].type);
        }
    }
    for (unsigned k = 0; k < n; k++) /* each request's first and last page, and either side */
        for (int d = -1; d <= 1; d++) {
            uint64_t a = req[k].r.gpa / PG + (uint64_t)d, b = a + req[k].r.len / PG;
            if (a < PAGES)
                check_lookup((unsigned)a);
            if (b < PAGES)
                check_lookup((unsigned)b);
        }
    if (!full)
        return;
    for (unsigned p = 0; p < PAGES; p++)
        check_lookup(p);
    assert(!region_find(t, PAGES * PG) && !region_find(t, UINT64_MAX));
    /* which host frames the table maps */
    for (uint64_t h = DEV_HPA - PG; h < RAM_HPA + (RAM_PAGES + 1) * PG;
         h += h < DEV_HPA + DEV_PAGES * PG ? PG : 13 * PG) {
        bool want = false;
        for (unsigned p = 0; p < PAGES; p++)
            want |= model[p].on && hosted(model[p].type) && model[p].hpa == h;
        assert(region_maps_host(t, h, PG) == want);
        if (h == DEV_HPA + DEV_PAGES * PG)
            h = RAM_HPA - 2 * PG;
    }
}

/* ---- the script ---- */

static uint64_t pick_len(uint8_t b, uint8_t c)
{
    switch (b >> 6) {
    case 0: return (uint64_t)(b & 15) * PG; /* 0..15 pages */
    case 1: return (uint64_t)(c % (PAGES + 8)) * PG;
    case 2: return (b & 1) ? UINT64_MAX - (c * PG) : (uint64_t)c * 17; /* wrap, unaligned */
    default: return (uint64_t)((b & 3) + 1) * PG;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    region_table_init(&table, PAGES * PG, &ops);
    memset(model, 0, sizeof(model));
    memset(s2, 0, sizeof(s2));
    depth = refuse_next = refuse_undo = 0;
    undo_refused = host_refuse = false;
    size_t i = 0;
    if (size > 32 * 41)
        size = 32 * 41; /* 32 calls at most: longer scripts find nothing new, only slower */
    while (i + 1 + 10 <= size) {
        unsigned n = 1 + data[i] % 4, mode = data[i] >> 2;
        i++;
        region_req_t req[4];
        for (unsigned k = 0; k < n; k++, i += 10) {
            const uint8_t *b = i + 10 <= size ? data + i : (const uint8_t[10]){0};
            region_req_t *q = &req[k];
            memset(q, 0, sizeof(*q));
            q->op = b[0] % 8 == 7 ? (region_op_t)(b[0] >> 3) : (region_op_t)(b[0] % 3);
            q->r.gpa = (b[1] & 0x80) ? (uint64_t)b[1] * 0x100001ULL : (uint64_t)(b[1] % PAGES) * PG;
            q->r.len = pick_len(b[2], b[3]);
            q->r.type = (b[4] & 0x80) ? (region_type_t)(b[4] & 7) : (region_type_t)(b[4] % 4);
            q->r.flags = (b[5] & 0x80) ? b[5] : (b[5] & 0xf);
            switch (b[6] % 5) {
            case 0: q->r.hpa = REGION_NO_HOST; break;
            case 1: q->r.hpa = DEV_HPA + (b[7] % (DEV_PAGES + 2)) * PG; break;
            case 2: /* modify: the page's own backing, when it has one */
                q->r.hpa = q->r.gpa < PAGES * PG ? model[q->r.gpa / PG].hpa : REGION_NO_HOST;
                break;
            case 3: q->r.hpa = (uint64_t)b[7] << (b[8] % 64); break;
            default: q->r.hpa = RAM_HPA + (uint64_t)(b[7] % (RAM_PAGES + 8)) * PG; break;
            }
            if (q->r.type == REGION_EMULATED && b[6] % 5 != 3)
                q->r.hpa = REGION_NO_HOST;
            q->r.owner = owners[b[8] % 4];
            q->guest = b[9] & 1;
            q->host_vouched = b[9] & 2;
        }
        /* what the table must do: apply each request the model accepts, up to the first it
         * refuses; a request stage 2 refuses is undone */
        refuse_next = (mode & 7) == 7 ? 1 + (mode >> 3) % 3 : 0;
        refuse_undo = (mode & 0x1f) == 0x1f ? 1 + (mode >> 5) : 0;
        host_refuse = (mode & 7) == 5;
        page_t want[PAGES];
        memcpy(want, model, sizeof(want));
        unsigned want_fail = n;
        for (unsigned k = 0; k < n && want_fail == n; k++)
            if (!predict(&req[k], want))
                want_fail = k;
        unsigned failed = 99;
        int rc;
        in_call = true;
        last_gpa = 0;
        last_undo = false;
        one_request = n == 1;
        if (mode & 0x20 && !refuse_next) { /* the fatal form */
            fatals = 0;
            region_set(&table, n, req);
            rc = fatals ? fatal_err : 0;
            failed = fatal_index;
            assert(fatals <= 1);
        } else {
            rc = region_set_soft(&table, n, req, &failed);
        }
        in_call = false;
        assert(depth == 0);
        refuse_next = refuse_undo = 0;
        host_refuse = false;
        assert(rc <= 0 && rc >= REGION_ELAST && strlen(region_strerror(rc)) > 0);
        if (rc == REGION_ENOMEM) {
            /* stage 2 refused one: it and everything after it changed nothing */
            assert(failed < want_fail);
            memcpy(want, model, sizeof(want));
            for (unsigned k = 0; k < failed; k++)
                assert(predict(&req[k], want));
        } else if (want_fail < n) {
            assert(rc != REGION_OK && failed == want_fail);
            memcpy(want, model, sizeof(want));
            for (unsigned k = 0; k < want_fail; k++)
                assert(predict(&req[k], want));
        } else {
            assert(rc == REGION_OK);
        }
        memcpy(model, want, sizeof(model));
        check_table(req, n, false);
    }
    check_table(NULL, 0, true);
    return 0;
}
