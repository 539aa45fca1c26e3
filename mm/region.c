/*
 * Region table rules (see mm/region.h). Each request is validated in full before the table is
 * touched, and applied on a copy of the affected slice, so a failing request changes nothing;
 * the pieces whose mapping changed are reported after the table is consistent again.
 */
#include <mm/region.h>
#include <string.h>

#define PAGE 4096ULL

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
};

const char *region_strerror(int err)
{
    if (err > 0 || err < REGION_EOP)
        return "unknown error";
    return region_errs[-err];
}

void region_table_init(region_table_t *t, uint64_t ipa_size, const region_ops_t *ops)
{
    memset(t, 0, sizeof(*t));
    t->ipa_size = ipa_size;
    t->ops = ops;
}

static bool has_host(region_type_t type) { return type != REGION_EMULATED; }

static int check_flags(const region_t *r)
{
    if ((unsigned)r->type > REGION_EMULATED || (r->flags & ~REGION_FLAGS))
        return REGION_EFLAGS;
    if (has_host(r->type) != (r->hpa != REGION_NO_HOST))
        return REGION_EFLAGS;
    if (r->type == REGION_DEVICE && (r->flags & (REGION_X | REGION_NC)))
        return REGION_EFLAGS;
    if (r->type == REGION_ROM && (r->flags & REGION_W))
        return REGION_EFLAGS;
    if (r->type == REGION_EMULATED && (r->flags & REGION_NC))
        return REGION_EFLAGS;
    if (r->type != REGION_EMULATED && !(r->flags & (REGION_R | REGION_W | REGION_X)))
        return REGION_EFLAGS;
    return REGION_OK;
}

static int check_range(const region_table_t *t, uint64_t gpa, uint64_t len)
{
    if (len == 0)
        return REGION_EZERO;
    if ((gpa | len) & (PAGE - 1))
        return REGION_EALIGN;
    if (gpa + len < gpa)
        return REGION_EWRAP;
    if (gpa + len > t->ipa_size)
        return REGION_ERANGE;
    return REGION_OK;
}

static uint64_t end_of(const region_t *r) { return r->gpa + r->len; }

/* First region that ends after gpa (binary search). */
static unsigned first_after(const region_table_t *t, uint64_t gpa)
{
    unsigned lo = 0, hi = t->num;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (end_of(&t->r[mid]) <= gpa)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const region_t *region_find(const region_table_t *t, uint64_t gpa)
{
    unsigned i = first_after(t, gpa);
    return (i < t->num && t->r[i].gpa <= gpa) ? &t->r[i] : NULL;
}

int region_info(const region_table_t *t, uint64_t gpa, region_t *out)
{
    const region_t *r = region_find(t, gpa);
    if (!r)
        return REGION_ENOENT;
    *out = *r;
    return REGION_OK;
}

/* [gpa, gpa+len) is fully covered by regions with no hole between them. */
static bool covered(const region_table_t *t, uint64_t gpa, uint64_t len)
{
    uint64_t p = gpa, end = gpa + len;
    for (unsigned i = first_after(t, gpa); i < t->num && p < end; i++) {
        if (t->r[i].gpa > p)
            return false;
        p = end_of(&t->r[i]);
    }
    return p >= end;
}

static bool overlaps(const region_table_t *t, uint64_t gpa, uint64_t len)
{
    unsigned i = first_after(t, gpa);
    return i < t->num && t->r[i].gpa < gpa + len;
}

/* The piece of r that covers [gpa, gpa+len) (inside r). */
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

/*
 * Replace the regions overlapping [gpa, gpa+len) by: their parts outside the range (kept), and
 * `with` (if not NULL) for the range itself. Works on a scratch copy so that running out of
 * slots leaves the table as it was.
 */
static int splice(region_table_t *t, uint64_t gpa, uint64_t len, const region_t *with)
{
    region_t out[REGION_MAX];
    unsigned n = 0, i = 0;
    uint64_t end = gpa + len;
    bool placed = false;

    for (; i <= t->num; i++) {
        const region_t *r = i < t->num ? &t->r[i] : NULL;
        if (!placed && with && (!r || r->gpa >= gpa)) {
            /* keep the left part of a region straddling gpa before the new one */
            if (n == REGION_MAX)
                return REGION_EFULL;
            out[n++] = *with;
            placed = true;
        }
        if (!r)
            break;
        if (end_of(r) <= gpa || r->gpa >= end) {
            if (n == REGION_MAX)
                return REGION_EFULL;
            out[n++] = *r;
            continue;
        }
        if (r->gpa < gpa) { /* left remainder */
            if (n == REGION_MAX)
                return REGION_EFULL;
            out[n++] = slice(r, r->gpa, gpa - r->gpa);
            if (with && !placed) {
                if (n == REGION_MAX)
                    return REGION_EFULL;
                out[n++] = *with;
                placed = true;
            }
        }
        if (end_of(r) > end) { /* right remainder */
            if (with && !placed) {
                if (n == REGION_MAX)
                    return REGION_EFULL;
                out[n++] = *with;
                placed = true;
            }
            if (n == REGION_MAX)
                return REGION_EFULL;
            out[n++] = slice(r, end, end_of(r) - end);
        }
    }
    /* merge neighbours that became equal */
    unsigned m = 0;
    for (unsigned k = 0; k < n; k++) {
        if (m && mergeable(&out[m - 1], &out[k]))
            out[m - 1].len += out[k].len;
        else
            out[m++] = out[k];
    }
    memcpy(t->r, out, m * sizeof(out[0]));
    t->num = m;
    return REGION_OK;
}

static void report(const region_table_t *t, uint64_t gpa, uint64_t len, bool mapped)
{
    if (!t->ops || !t->ops->changed)
        return;
    if (!mapped) {
        t->ops->changed(t->ops->ctx, gpa, len, NULL);
        return;
    }
    /* one call per region overlapping the range, each for the whole region: after a merge the
     * whole region is remapped, so stage 2 can go back to the largest blocks */
    uint64_t end = gpa + len;
    for (unsigned i = first_after(t, gpa); i < t->num && t->r[i].gpa < end; i++)
        t->ops->changed(t->ops->ctx, t->r[i].gpa, t->r[i].len, &t->r[i]);
}

static bool host_ok(const region_table_t *t, const region_t *r)
{
    if (!has_host(r->type) || !t->ops || !t->ops->host_ok)
        return true;
    return t->ops->host_ok(t->ops->ctx, r->hpa, r->len, r->type);
}

/* MODIFY: each piece of the range keeps its own backing unless a new one is given. */
static int modify(region_table_t *t, const region_req_t *q)
{
    const region_t *first = region_find(t, q->r.gpa);
    region_t want = q->r;
    unsigned pieces = 0;
    for (unsigned i = first_after(t, q->r.gpa); i < t->num && t->r[i].gpa < end_of(&q->r); i++)
        pieces++;
    if (q->r.hpa != REGION_NO_HOST && pieces == 1 && has_host(first->type) &&
        q->r.hpa != first->hpa + (q->r.gpa - first->gpa))
        return REGION_EHOST; /* only the existing backing may be named */
    if (q->r.hpa != REGION_NO_HOST && pieces != 1)
        return REGION_EHOST;
    /* validate every resulting piece before changing anything */
    region_t pieces_new[REGION_MAX];
    unsigned n = 0;
    uint64_t end = end_of(&q->r);
    for (unsigned i = first_after(t, q->r.gpa); i < t->num && t->r[i].gpa < end; i++) {
        uint64_t b = t->r[i].gpa > q->r.gpa ? t->r[i].gpa : q->r.gpa;
        uint64_t e = end_of(&t->r[i]) < end ? end_of(&t->r[i]) : end;
        region_t s = slice(&t->r[i], b, e - b);
        s.flags = want.flags;
        if (s.type != want.type) {
            if (has_host(s.type) != has_host(want.type))
                return REGION_EFLAGS; /* cannot give or take away a backing by MODIFY */
            s.type = want.type;
            if (!host_ok(t, &s))
                return REGION_EHOST;
        }
        int rc = check_flags(&s);
        if (rc)
            return rc;
        pieces_new[n++] = s;
    }
    region_table_t backup = *t;
    for (unsigned k = 0; k < n; k++) {
        int rc = splice(t, pieces_new[k].gpa, pieces_new[k].len, &pieces_new[k]);
        if (rc) {
            *t = backup;
            return rc;
        }
    }
    return REGION_OK;
}

static int apply(region_table_t *t, const region_req_t *q)
{
    int rc;
    switch (q->op) {
    case REGION_ADD:
        if ((rc = check_range(t, q->r.gpa, q->r.len)))
            return rc;
        if (has_host(q->r.type) && q->r.hpa != REGION_NO_HOST) {
            if (q->r.hpa & (PAGE - 1))
                return REGION_EALIGN;
            if (q->r.hpa + q->r.len < q->r.hpa)
                return REGION_EWRAP;
        }
        if ((rc = check_flags(&q->r)))
            return rc;
        if (overlaps(t, q->r.gpa, q->r.len))
            return REGION_EOVERLAP;
        if (!host_ok(t, &q->r))
            return REGION_EHOST;
        if ((rc = splice(t, q->r.gpa, q->r.len, &q->r)))
            return rc;
        report(t, q->r.gpa, q->r.len, true);
        return REGION_OK;
    case REGION_MODIFY:
        if ((rc = check_range(t, q->r.gpa, q->r.len)))
            return rc;
        if (q->r.hpa != REGION_NO_HOST && (q->r.hpa & (PAGE - 1)))
            return REGION_EALIGN;
        if (q->r.flags & ~REGION_FLAGS || (unsigned)q->r.type > REGION_EMULATED)
            return REGION_EFLAGS;
        if (!covered(t, q->r.gpa, q->r.len))
            return REGION_ENOENT;
        if ((rc = modify(t, q)))
            return rc;
        report(t, q->r.gpa, q->r.len, true);
        return REGION_OK;
    case REGION_DELETE:
        if ((rc = check_range(t, q->r.gpa, q->r.len)))
            return rc;
        if (!covered(t, q->r.gpa, q->r.len))
            return REGION_ENOENT;
        if ((rc = splice(t, q->r.gpa, q->r.len, NULL)))
            return rc;
        report(t, q->r.gpa, q->r.len, false);
        return REGION_OK;
    }
    return REGION_EOP;
}

int region_set_soft(region_table_t *t, unsigned n, const region_req_t *req, unsigned *failed)
{
    int rc = REGION_OK;
    if (t->ops && t->ops->lock)
        t->ops->lock(t->ops->ctx);
    for (unsigned i = 0; i < n; i++) {
        rc = apply(t, &req[i]);
        if (rc) {
            if (failed)
                *failed = i;
            break;
        }
    }
    if (t->ops && t->ops->unlock)
        t->ops->unlock(t->ops->ctx);
    return rc;
}

void region_set(region_table_t *t, unsigned n, const region_req_t *req)
{
    unsigned failed = 0;
    int rc = region_set_soft(t, n, req, &failed);
    if (rc && t->ops && t->ops->fatal)
        t->ops->fatal(t->ops->ctx, rc, failed);
}
