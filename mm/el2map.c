/*
 * Builds septum's EL2 identity map from ranges and audits the result. The audit reads the
 * tables back rather than trusting the input, so it also catches a builder bug.
 */
#include <errno.h>
#include <mm/el2map.h>
#include <stdio.h>

int el2map_build(pt_t *pt, const el2map_range_t *r, unsigned n, char *why, size_t why_len)
{
    for (unsigned i = 0; i < n; i++) {
        const char *what = r[i].what ? r[i].what : "range";
        if (r[i].end <= r[i].start || ((r[i].start | r[i].end) & (PT_PAGE_SIZE - 1))) {
            snprintf(why, why_len, "%s 0x%lx-0x%lx is empty or not page-aligned", what,
                     (unsigned long)r[i].start, (unsigned long)r[i].end);
            return -EINVAL;
        }
        if ((r[i].prot & PT_W) && (r[i].prot & PT_X)) {
            snprintf(why, why_len, "%s would be writable and executable", what);
            return -EPERM;
        }
        for (unsigned j = 0; j < i; j++)
            if (r[i].start < r[j].end && r[j].start < r[i].end) {
                snprintf(why, why_len, "%s 0x%lx-0x%lx overlaps %s 0x%lx-0x%lx", what,
                         (unsigned long)r[i].start, (unsigned long)r[i].end,
                         r[j].what ? r[j].what : "range", (unsigned long)r[j].start,
                         (unsigned long)r[j].end);
                return -EINVAL;
            }
        int rc = pt_map(pt, r[i].start, r[i].start, r[i].end - r[i].start, r[i].prot);
        if (rc) {
            snprintf(why, why_len, "cannot map %s 0x%lx-0x%lx (error %d)", what,
                     (unsigned long)r[i].start, (unsigned long)r[i].end, rc);
            return rc;
        }
    }
    return 0;
}

static int check_leaf(void *arg, uint64_t va, paddr_t pa, uint64_t size, unsigned prot)
{
    el2map_report_t *rep = arg;
    (void)va;
    (void)pa;
    rep->mapped_bytes += size;
    if (prot & PT_X)
        rep->exec_bytes += size;
    if (prot & PT_W)
        rep->writable_bytes += size;
    if ((prot & PT_W) && (prot & PT_X))
        rep->wx++;
    return 0;
}

int el2map_check(const pt_t *pt, el2map_report_t *rep)
{
    *rep = (el2map_report_t){0};
    int rc = pt_walk(pt, check_leaf, rep);
    if (rc)
        return rc;
    return rep->wx ? -EPERM : 0;
}
