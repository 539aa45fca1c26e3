/*
 * Unit tests of core/xen/gnttab.c against a fake machine: grant, map, write and read back on the
 * other side, unmap, end access; read-only grants; a domain without permission; every bad
 * argument with its status and nothing else changed; copies; table size and version calls;
 * teardown of a stopping domain; batches continued as Xen continues them; and, in every test,
 * the locking rules the fake checks (one operation per hold, maptrack before table).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define FAKE_CHECK(cond) assert_true(cond)
#include "fake_gnttab_env.h"

#define OPS_GPA (FAKE_RAM_GPA + 8 * XEN_PAGE_SIZE) /* where a domain keeps its op array */
#define GFN(p)  (FAKE_RAM_GPA / XEN_PAGE_SIZE + (p))

static gnttab_t g;

static int setup(void **state)
{
    (void)state;
    fake_gnttab_setup(&g);
    return 0;
}

/* One hypercall as the guest sees it: continued (the same HVC issued again with what the engine
 * left in the call) until it is done. No lock is held between the pieces or after. */
static long hypercall(domid_t dom, unsigned cmd, uint64_t uop, unsigned count)
{
    gnttab_call_t call = {cmd, uop, count};
    long rc;
    while ((rc = gnttab_op(&g, dom, &call)) == GNTTAB_CONTINUE) {
        assert_true(fake_no_locks());
        assert_int_equal(call.cmd, cmd);
    }
    assert_true(fake_no_locks());
    return rc;
}

/* Issue one map from dom; returns the status, sets *handle. */
static int16_t map1(domid_t dom, domid_t granter, grant_ref_t ref, uint64_t host_addr,
                    uint32_t flags, grant_handle_t *handle)
{
    struct gnttab_map_grant_ref op = {host_addr, flags, ref, granter, 99, 0, 0};
    fake_to(NULL, dom, OPS_GPA, &op, sizeof(op));
    assert_int_equal(hypercall(dom, GNTTABOP_map_grant_ref, OPS_GPA, 1), 0);
    fake_from(NULL, dom, &op, OPS_GPA, sizeof(op));
    if (handle)
        *handle = op.handle;
    return op.status;
}

static int16_t unmap1(domid_t dom, grant_handle_t handle, uint64_t host_addr)
{
    struct gnttab_unmap_grant_ref op = {host_addr, 0, handle, 99};
    fake_to(NULL, dom, OPS_GPA, &op, sizeof(op));
    assert_int_equal(hypercall(dom, GNTTABOP_unmap_grant_ref, OPS_GPA, 1), 0);
    fake_from(NULL, dom, &op, OPS_GPA, sizeof(op));
    return op.status;
}

static unsigned mapped(domid_t d)
{
    unsigned n = 0;
    for (unsigned i = 0; i < FAKE_WIN_SIZE / XEN_PAGE_SIZE; i++)
        n += fake_dom(d)->s2[i].on;
    return n;
}

static void test_grant_map_unmap(void **state)
{
    (void)state;
    fake_grant(1, 5, 2, GFN(3), false);
    grant_handle_t h;
    assert_int_equal(map1(2, 1, 5, FAKE_WIN_GPA, GNTMAP_host_map, &h), GNTST_okay);
    /* domain 2's stage 2 maps domain 1's frame, writable */
    assert_true(fake_dom(2)->s2[0].on);
    assert_false(fake_dom(2)->s2[0].ro);
    assert_int_equal(fake_dom(2)->s2[0].hpa, FAKE_HPA(1, 3));
    uint16_t f = fake_doms[1].table[5].flags;
    assert_true(f & GTF_reading);
    assert_true(f & GTF_writing);
    /* what one side writes the other reads */
    strcpy((char *)fake_frame_ptr(NULL, fake_dom(2)->s2[0].hpa), "across");
    assert_string_equal((char *)fake_doms[1].ram[3], "across");
    /* the granter cannot revoke while it is mapped */
    assert_false(fake_end_access(1, 5));
    assert_int_equal(unmap1(2, h, FAKE_WIN_GPA), GNTST_okay);
    assert_int_equal(mapped(2), 0);
    assert_int_equal(fake_doms[1].table[5].flags, GTF_permit_access);
    assert_true(fake_end_access(1, 5));
    /* double unmap */
    assert_int_equal(unmap1(2, h, FAKE_WIN_GPA), GNTST_bad_handle);
    /* after end of access, mapping is refused */
    assert_int_equal(map1(2, 1, 5, FAKE_WIN_GPA, GNTMAP_host_map, NULL), GNTST_bad_gntref);
}

static void test_readonly_and_permissions(void **state)
{
    (void)state;
    fake_grant(1, 7, 2, GFN(4), true);
    assert_int_equal(map1(2, 1, 7, FAKE_WIN_GPA, GNTMAP_host_map, NULL), GNTST_permission_denied);
    assert_int_equal(mapped(2), 0);
    grant_handle_t h;
    assert_int_equal(map1(2, 1, 7, FAKE_WIN_GPA, GNTMAP_host_map | GNTMAP_readonly, &h),
                     GNTST_okay);
    assert_true(fake_dom(2)->s2[0].ro);
    assert_true(fake_doms[1].table[7].flags & GTF_reading);
    assert_false(fake_doms[1].table[7].flags & GTF_writing);
    /* a read-write grant mapped read-only is read-only too */
    fake_grant(1, 8, 2, GFN(5), false);
    grant_handle_t h2;
    assert_int_equal(map1(2, 1, 8, FAKE_WIN_GPA + XEN_PAGE_SIZE, GNTMAP_host_map | GNTMAP_readonly,
                          &h2),
                     GNTST_okay);
    assert_true(fake_dom(2)->s2[1].ro);
    /* domain 3 may not talk to 1; and the grant names domain 2 anyway */
    assert_int_equal(map1(3, 1, 7, FAKE_WIN_GPA, GNTMAP_host_map | GNTMAP_readonly, NULL),
                     GNTST_permission_denied);
    fake_grant(1, 9, 3, GFN(6), false);
    assert_int_equal(map1(3, 1, 9, FAKE_WIN_GPA, GNTMAP_host_map, NULL), GNTST_permission_denied);
    /* a grant for someone else */
    fake_grant(2, 1, 3, GFN(1), false);
    assert_int_equal(map1(1, 2, 1, FAKE_WIN_GPA, GNTMAP_host_map, NULL), GNTST_permission_denied);
    assert_int_equal(mapped(3), 0);
    assert_int_equal(unmap1(2, h, 0), GNTST_okay);
    assert_int_equal(unmap1(2, h2, 0), GNTST_okay);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    fake_grant(1, 2, 2, GFN(1), false);
    fake_grant(1, 3, 2, 0x12345, false); /* not domain 1's memory */
    const uint64_t w = FAKE_WIN_GPA;
    assert_int_equal(map1(2, 1, 600, w, GNTMAP_host_map, NULL), GNTST_bad_gntref);
    assert_int_equal(map1(2, 1, 0xffffffff, w, GNTMAP_host_map, NULL), GNTST_bad_gntref);
    assert_int_equal(map1(2, 1, 4, w, GNTMAP_host_map, NULL), GNTST_bad_gntref); /* invalid */
    assert_int_equal(map1(2, 9, 2, w, GNTMAP_host_map, NULL), GNTST_bad_domain);
    assert_int_equal(map1(2, 2, 2, w, GNTMAP_host_map, NULL), GNTST_bad_domain); /* itself */
    assert_int_equal(map1(2, DOMID_SELF, 2, w, GNTMAP_host_map, NULL), GNTST_bad_domain);
    assert_int_equal(map1(2, 1, 2, w + 8, GNTMAP_host_map, NULL), GNTST_bad_virt_addr);
    assert_int_equal(map1(2, 1, 2, FAKE_RAM_GPA, GNTMAP_host_map, NULL), GNTST_bad_virt_addr);
    assert_int_equal(map1(2, 1, 2, w + FAKE_WIN_SIZE, GNTMAP_host_map, NULL), GNTST_bad_virt_addr);
    assert_int_equal(map1(2, 1, 3, w, GNTMAP_host_map, NULL), GNTST_bad_page);
    assert_int_equal(map1(2, 1, 2, w, 0, NULL), GNTST_general_error);
    assert_int_equal(map1(2, 1, 2, w, GNTMAP_host_map | 0x100, NULL), GNTST_general_error);
    fake_map_fail = 1;
    assert_int_equal(map1(2, 1, 2, w, GNTMAP_host_map, NULL), GNTST_general_error);
    fake_map_fail = 0;
    /* nothing changed: no mappings, no pins */
    assert_int_equal(mapped(2), 0);
    assert_int_equal(fake_doms[1].table[2].flags, GTF_permit_access);
    assert_int_equal(fake_doms[1].table[3].flags, GTF_permit_access);
    /* the same host address twice */
    grant_handle_t h;
    assert_int_equal(map1(2, 1, 2, w, GNTMAP_host_map, &h), GNTST_okay);
    assert_int_equal(map1(2, 1, 2, w, GNTMAP_host_map, NULL), GNTST_bad_virt_addr);
    /* unmapping: bad handle, wrong VM, wrong address */
    assert_int_equal(unmap1(2, 1000, 0), GNTST_bad_handle);
    assert_int_equal(unmap1(1, h, 0), GNTST_bad_handle);
    assert_int_equal(unmap1(2, h, w + XEN_PAGE_SIZE), GNTST_bad_virt_addr);
    assert_int_equal(mapped(2), 1);
    assert_int_equal(unmap1(2, h, w), GNTST_okay);
}

static void test_arrays_and_counts(void **state)
{
    (void)state;
    fake_grant(1, 2, 2, GFN(1), false);
    fake_grant(1, 3, 2, GFN(2), false);
    struct gnttab_map_grant_ref ops[3] = {
        {FAKE_WIN_GPA, GNTMAP_host_map, 2, 1, 0, 0, 0},
        {FAKE_WIN_GPA + XEN_PAGE_SIZE, GNTMAP_host_map, 99, 1, 0, 0, 0},
        {FAKE_WIN_GPA + 2 * XEN_PAGE_SIZE, GNTMAP_host_map, 3, 1, 0, 0, 0},
    };
    fake_to(NULL, 2, OPS_GPA, ops, sizeof(ops));
    assert_int_equal(hypercall(2, GNTTABOP_map_grant_ref, OPS_GPA, 3), 0);
    fake_from(NULL, 2, ops, OPS_GPA, sizeof(ops));
    assert_int_equal(ops[0].status, GNTST_okay); /* each operation has its own status */
    assert_int_equal(ops[1].status, GNTST_bad_gntref);
    assert_int_equal(ops[2].status, GNTST_okay);
    assert_int_equal(mapped(2), 2);
    assert_int_equal(hypercall(2, GNTTABOP_map_grant_ref, OPS_GPA, 0), 0);
    assert_int_equal(hypercall(2, GNTTABOP_map_grant_ref, OPS_GPA, 100000), -XEN_EINVAL);
    assert_int_equal(hypercall(2, GNTTABOP_map_grant_ref, 0x1000, 1), -XEN_EFAULT);
    assert_int_equal(hypercall(2, GNTTABOP_map_grant_ref,
                               FAKE_RAM_GPA + FAKE_PAGES * XEN_PAGE_SIZE - 16, 1),
                     -XEN_EFAULT);
    /* an array crossing a page is done whole (the env copies page by page) */
    struct gnttab_query_size qs[2] = {{DOMID_SELF, 0, 0, 99}, {DOMID_SELF, 0, 0, 99}};
    fake_to(NULL, 2, OPS_GPA + XEN_PAGE_SIZE - sizeof(qs[0]), qs, sizeof(qs));
    assert_int_equal(hypercall(2, GNTTABOP_query_size, OPS_GPA + XEN_PAGE_SIZE - sizeof(qs[0]), 2),
                     0);
    fake_from(NULL, 2, qs, OPS_GPA + XEN_PAGE_SIZE - sizeof(qs[0]), sizeof(qs));
    assert_int_equal(qs[0].status, GNTST_okay);
    assert_int_equal(qs[1].status, GNTST_okay);
    assert_int_equal(qs[1].max_nr_frames, GNTTAB_MAX_FRAMES);
    assert_int_equal(hypercall(2, 77, OPS_GPA, 1), -XEN_ENOSYS);
    assert_int_equal(hypercall(9, GNTTABOP_query_size, OPS_GPA, 1), -XEN_EPERM);
    assert_int_equal(mapped(2), 2);
    gnttab_domain_teardown(&g, 2);
    assert_int_equal(mapped(2), 0);
    assert_int_equal(fake_doms[1].table[2].flags, GTF_permit_access);
}

static void test_copy(void **state)
{
    (void)state;
    fake_grant(1, 4, 2, GFN(2), false);
    fake_grant(1, 5, 2, GFN(3), true);
    strcpy((char *)fake_doms[1].ram[2] + 100, "granted bytes");
    struct gnttab_copy c = {
        {{.ref = 4}, 1, 100}, {{.gmfn = GFN(6)}, DOMID_SELF, 8}, 14, GNTCOPY_source_gref, 99};
    fake_to(NULL, 2, OPS_GPA, &c, sizeof(c));
    assert_int_equal(hypercall(2, GNTTABOP_copy, OPS_GPA, 1), 0);
    fake_from(NULL, 2, &c, OPS_GPA, sizeof(c));
    assert_int_equal(c.status, GNTST_okay);
    assert_string_equal((char *)fake_doms[2].ram[6] + 8, "granted bytes");
    assert_int_equal(fake_doms[1].table[4].flags, GTF_permit_access); /* unpinned again */
    /* into a read-only grant: refused */
    struct gnttab_copy w = {
        {{.gmfn = GFN(6)}, DOMID_SELF, 0}, {{.ref = 5}, 1, 0}, 4, GNTCOPY_dest_gref, 99};
    fake_to(NULL, 2, OPS_GPA, &w, sizeof(w));
    hypercall(2, GNTTABOP_copy, OPS_GPA, 1);
    fake_from(NULL, 2, &w, OPS_GPA, sizeof(w));
    assert_int_equal(w.status, GNTST_permission_denied);
    /* across a page */
    c.source.offset = 4090;
    c.status = 99;
    fake_to(NULL, 2, OPS_GPA, &c, sizeof(c));
    hypercall(2, GNTTABOP_copy, OPS_GPA, 1);
    fake_from(NULL, 2, &c, OPS_GPA, sizeof(c));
    assert_int_equal(c.status, GNTST_bad_copy_arg);
    /* someone else's frame by number */
    struct gnttab_copy o = {{{.gmfn = GFN(1)}, 1, 0}, {{.gmfn = GFN(6)}, DOMID_SELF, 0}, 4, 0, 99};
    fake_to(NULL, 2, OPS_GPA, &o, sizeof(o));
    hypercall(2, GNTTABOP_copy, OPS_GPA, 1);
    fake_from(NULL, 2, &o, OPS_GPA, sizeof(o));
    assert_int_equal(o.status, GNTST_permission_denied);
    assert_int_equal(fake_frames_mapped, 0); /* every frame septum mapped for a copy is released */
}

static void test_size_and_version(void **state)
{
    (void)state;
    struct gnttab_query_size q = {DOMID_SELF, 0, 0, 99};
    fake_to(NULL, 1, OPS_GPA, &q, sizeof(q));
    assert_int_equal(hypercall(1, GNTTABOP_query_size, OPS_GPA, 1), 0);
    fake_from(NULL, 1, &q, OPS_GPA, sizeof(q));
    assert_int_equal(q.status, GNTST_okay);
    assert_int_equal(q.nr_frames, 1);
    assert_int_equal(q.max_nr_frames, GNTTAB_MAX_FRAMES);
    q = (struct gnttab_query_size){2, 0, 0, 99};
    fake_to(NULL, 1, OPS_GPA, &q, sizeof(q));
    hypercall(1, GNTTABOP_query_size, OPS_GPA, 1);
    fake_from(NULL, 1, &q, OPS_GPA, sizeof(q));
    assert_int_equal(q.status, GNTST_permission_denied);
    /* grow the table: refs beyond the first frame become valid */
    struct gnttab_setup_table s = {DOMID_SELF, 2, 99, OPS_GPA + 512};
    fake_to(NULL, 1, OPS_GPA, &s, sizeof(s));
    assert_int_equal(hypercall(1, GNTTABOP_setup_table, OPS_GPA, 1), 0);
    fake_from(NULL, 1, &s, OPS_GPA, sizeof(s));
    assert_int_equal(s.status, GNTST_okay);
    fake_grant(1, 600, 2, GFN(1), false);
    grant_handle_t h;
    assert_int_equal(map1(2, 1, 600, FAKE_WIN_GPA, GNTMAP_host_map, &h), GNTST_okay);
    assert_int_equal(unmap1(2, h, 0), GNTST_okay);
    s.nr_frames = GNTTAB_MAX_FRAMES + 1;
    fake_to(NULL, 1, OPS_GPA, &s, sizeof(s));
    hypercall(1, GNTTABOP_setup_table, OPS_GPA, 1);
    fake_from(NULL, 1, &s, OPS_GPA, sizeof(s));
    assert_int_equal(s.status, GNTST_general_error);
    /* versions: 1 only */
    struct gnttab_get_version gv = {DOMID_SELF, 0, 0};
    fake_to(NULL, 1, OPS_GPA, &gv, sizeof(gv));
    assert_int_equal(hypercall(1, GNTTABOP_get_version, OPS_GPA, 1), 0);
    fake_from(NULL, 1, &gv, OPS_GPA, sizeof(gv));
    assert_int_equal(gv.version, 1);
    struct gnttab_set_version sv = {2};
    fake_to(NULL, 1, OPS_GPA, &sv, sizeof(sv));
    assert_int_equal(hypercall(1, GNTTABOP_set_version, OPS_GPA, 1), -XEN_EINVAL);
    sv.version = 1;
    fake_to(NULL, 1, OPS_GPA, &sv, sizeof(sv));
    assert_int_equal(hypercall(1, GNTTABOP_set_version, OPS_GPA, 1), 0);
}

static void test_teardown_and_messages(void **state)
{
    (void)state;
    fake_grant(1, 2, 2, GFN(1), false);
    fake_grant(2, 3, 1, GFN(2), false);
    assert_int_equal(map1(2, 1, 2, FAKE_WIN_GPA, GNTMAP_host_map, NULL), GNTST_okay);
    assert_int_equal(map1(1, 2, 3, FAKE_WIN_GPA, GNTMAP_host_map, NULL), GNTST_okay);
    /* domain 1 stops: its mapping of 2's page and 2's mapping of its page both go */
    gnttab_domain_teardown(&g, 1);
    assert_int_equal(mapped(1), 0);
    assert_int_equal(mapped(2), 0);
    assert_int_equal(fake_doms[2].table[3].flags, GTF_permit_access);
    assert_string_equal(gnttabop_error(GNTST_okay), "okay");
    assert_string_equal(gnttabop_error(GNTST_permission_denied), "permission denied");
    assert_string_equal(gnttabop_error(GNTST_no_space), "out of space");
    assert_string_equal(gnttabop_error(-14), "bad status");
}

/* A mapping stage 2 could not remove keeps its pin: the granter cannot revoke (and so cannot
 * reuse or free) a page that is still mapped elsewhere. Once the unmap works, all is undone. */
static void test_failed_unmap_keeps_pin(void **state)
{
    (void)state;
    fake_grant(1, 5, 2, GFN(3), false);
    grant_handle_t h;
    assert_int_equal(map1(2, 1, 5, FAKE_WIN_GPA, GNTMAP_host_map, &h), GNTST_okay);
    fake_unmap_fail = 1;
    assert_int_equal(unmap1(2, h, FAKE_WIN_GPA), GNTST_general_error);
    assert_true(fake_dom(2)->s2[0].on);
    assert_true(fake_doms[1].table[5].flags & GTF_reading);
    assert_false(fake_end_access(1, 5));
    /* nor does a stopping granter's teardown drop it: it reports the mapping as stuck */
    assert_int_equal(gnttab_domain_teardown(&g, 1), 1);
    assert_true(fake_doms[1].table[5].flags & GTF_reading);
    fake_unmap_fail = 0;
    assert_int_equal(unmap1(2, h, FAKE_WIN_GPA), GNTST_okay);
    assert_int_equal(mapped(2), 0);
    assert_true(fake_end_access(1, 5));
}

/* A domain that restarts loses every grant of its old incarnation and its mappings of others;
 * a peer can no longer map what was granted before. */
static void test_reset_revokes_everything(void **state)
{
    (void)state;
    fake_grant(1, 5, 2, GFN(3), false);
    fake_grant(2, 6, 1, GFN(4), false);
    assert_int_equal(map1(2, 1, 5, FAKE_WIN_GPA, GNTMAP_host_map, NULL), GNTST_okay);
    assert_int_equal(map1(1, 2, 6, FAKE_WIN_GPA, GNTMAP_host_map, NULL), GNTST_okay);
    gnttab_domain_reset(&g, 1);
    assert_int_equal(mapped(1), 0);
    assert_int_equal(mapped(2), 0);
    assert_int_equal(fake_doms[1].table[5].flags, 0);
    assert_int_equal(map1(2, 1, 5, FAKE_WIN_GPA, GNTMAP_host_map, NULL), GNTST_bad_gntref);
    /* the other side's own grant is untouched */
    assert_int_equal(fake_doms[2].table[6].flags, GTF_permit_access);
}

static void test_maptrack_full(void **state)
{
    (void)state;
    fake_grant(1, 2, 2, GFN(1), false);
    unsigned n = 0;
    while (n < GNTTAB_MAPTRACK_MAX &&
           map1(2, 1, 2, FAKE_WIN_GPA + n * XEN_PAGE_SIZE, GNTMAP_host_map, NULL) == GNTST_okay)
        n++;
    assert_int_equal(n, GNTTAB_MAPTRACK_MAX);
    assert_int_equal(map1(2, 1, 2, FAKE_WIN_GPA + n * XEN_PAGE_SIZE, GNTMAP_host_map, NULL),
                     GNTST_no_space);
    assert_int_equal(fake_doms[1].readers[2], GNTTAB_MAPTRACK_MAX);
    gnttab_domain_teardown(&g, 2);
    assert_int_equal(fake_doms[1].readers[2], 0);
    assert_int_equal(fake_doms[1].table[2].flags, GTF_permit_access);
}

/* A batch longer than the engine does at once comes back as Xen's continuation: the same
 * command, the array past the operations done, the count left; each piece does its share, and
 * the guest's re-issue finishes the batch. */
static void test_continuation(void **state)
{
    (void)state;
    enum { N = 2 * GNTTAB_OPS_PER_CALL + 8 };
    fake_grant(1, 4, 2, GFN(2), false);
    strcpy((char *)fake_doms[1].ram[2], "batched");
    struct gnttab_copy c[N];
    for (unsigned i = 0; i < N; i++)
        c[i] = (struct gnttab_copy){{{.ref = 4}, 1, 0},
                                    {{.gmfn = GFN(6)}, DOMID_SELF, (uint16_t)(i * 8)},
                                    8,
                                    GNTCOPY_source_gref,
                                    99};
    fake_to(NULL, 2, OPS_GPA, c, sizeof(c));
    gnttab_call_t call = {GNTTABOP_copy, OPS_GPA, N};
    for (unsigned done = GNTTAB_OPS_PER_CALL; done < N; done += GNTTAB_OPS_PER_CALL) {
        assert_int_equal(gnttab_op(&g, 2, &call), GNTTAB_CONTINUE);
        assert_true(fake_no_locks());
        assert_int_equal(call.cmd, GNTTABOP_copy);
        assert_int_equal(call.uop, OPS_GPA + done * sizeof(c[0]));
        assert_int_equal(call.count, N - done);
        fake_from(NULL, 2, c, OPS_GPA, sizeof(c));
        for (unsigned i = 0; i < N; i++)
            assert_int_equal(c[i].status, i < done ? GNTST_okay : 99); /* no more, no less */
    }
    assert_int_equal(gnttab_op(&g, 2, &call), 0);
    fake_from(NULL, 2, c, OPS_GPA, sizeof(c));
    for (unsigned i = 0; i < N; i++) {
        assert_int_equal(c[i].status, GNTST_okay);
        assert_string_equal((char *)fake_doms[2].ram[6] + i * 8, "batched");
    }
    assert_int_equal(fake_doms[1].table[4].flags, GTF_permit_access); /* every pin dropped */
    /* a batch of exactly the budget is not continued */
    call = (gnttab_call_t){GNTTABOP_copy, OPS_GPA, GNTTAB_OPS_PER_CALL};
    assert_int_equal(gnttab_op(&g, 2, &call), 0);
    /* a smaller budget: one operation per call, maps too */
    g.ops_per_call = 1;
    fake_grant(1, 5, 2, GFN(3), false);
    struct gnttab_map_grant_ref m[3];
    for (unsigned i = 0; i < 3; i++)
        m[i] = (struct gnttab_map_grant_ref){
            FAKE_WIN_GPA + i * XEN_PAGE_SIZE, GNTMAP_host_map, 5, 1, 99, 0, 0};
    fake_to(NULL, 2, OPS_GPA, m, sizeof(m));
    call = (gnttab_call_t){GNTTABOP_map_grant_ref, OPS_GPA, 3};
    assert_int_equal(gnttab_op(&g, 2, &call), GNTTAB_CONTINUE);
    assert_int_equal(mapped(2), 1);
    assert_int_equal(call.uop, OPS_GPA + sizeof(m[0]));
    assert_int_equal(call.count, 2);
    assert_int_equal(hypercall(2, call.cmd, call.uop, call.count), 0);
    assert_int_equal(mapped(2), 3);
    assert_int_equal(fake_doms[1].readers[5], 3);
    gnttab_domain_teardown(&g, 2);
    assert_int_equal(fake_doms[1].readers[5], 0);
}

/* Locks are per operation: a batch takes the caller's maptrack lock once for each operation (the
 * fake checks that no hold covers more than one), and a copy's granter is locked only to pin
 * and unpin, never across the copy (the fake checks that too). */
static void test_lock_per_operation(void **state)
{
    (void)state;
    fake_grant(1, 4, 2, GFN(2), false);
    fake_grant(1, 5, 2, GFN(3), false);
    struct gnttab_map_grant_ref m[2] = {
        {FAKE_WIN_GPA, GNTMAP_host_map, 4, 1, 99, 0, 0},
        {FAKE_WIN_GPA + XEN_PAGE_SIZE, GNTMAP_host_map, 5, 1, 99, 0, 0},
    };
    fake_to(NULL, 2, OPS_GPA, m, sizeof(m));
    unsigned before = fake_locks[2].maptrack_holds, granter = fake_locks[1].maptrack_holds;
    assert_int_equal(hypercall(2, GNTTABOP_map_grant_ref, OPS_GPA, 2), 0);
    assert_int_equal(fake_locks[2].maptrack_holds - before, 2);
    assert_int_equal(fake_locks[1].maptrack_holds, granter); /* the granter's maptrack: untouched */
    struct gnttab_copy c[10];
    for (unsigned i = 0; i < 10; i++)
        c[i] = (struct gnttab_copy){{{.ref = 4}, 1, 0},
                                    {{.ref = 5}, 1, 0},
                                    XEN_PAGE_SIZE,
                                    GNTCOPY_source_gref | GNTCOPY_dest_gref,
                                    99};
    fake_to(NULL, 2, OPS_GPA, c, sizeof(c));
    before = fake_locks[2].maptrack_holds;
    assert_int_equal(hypercall(2, GNTTABOP_copy, OPS_GPA, 10), 0);
    assert_int_equal(fake_locks[2].maptrack_holds - before, 10);
    fake_from(NULL, 2, c, OPS_GPA, sizeof(c));
    assert_int_equal(c[9].status, GNTST_okay);
    assert_int_equal(fake_doms[1].readers[4], 1); /* the mappings' pins; the copies' are gone */
    assert_int_equal(fake_doms[1].writers[5], 1);
    gnttab_domain_teardown(&g, 1);
    assert_int_equal(mapped(2), 0);
}

/* A stopping domain is closed: nobody maps or copies its grants any more, and it makes no grant
 * call itself, until a reset opens it again (with none of its old grants). */
static void test_teardown_closes(void **state)
{
    (void)state;
    fake_grant(1, 4, 2, GFN(2), false);
    fake_grant(2, 6, 1, GFN(2), false);
    assert_int_equal(gnttab_domain_teardown(&g, 1), 0);
    assert_int_equal(map1(2, 1, 4, FAKE_WIN_GPA, GNTMAP_host_map, NULL), GNTST_bad_domain);
    struct gnttab_copy c = {
        {{.ref = 4}, 1, 0}, {{.gmfn = GFN(6)}, DOMID_SELF, 0}, 8, GNTCOPY_source_gref, 99};
    fake_to(NULL, 2, OPS_GPA, &c, sizeof(c));
    assert_int_equal(hypercall(2, GNTTABOP_copy, OPS_GPA, 1), 0);
    fake_from(NULL, 2, &c, OPS_GPA, sizeof(c));
    assert_int_equal(c.status, GNTST_bad_domain);
    assert_int_equal(fake_doms[1].table[4].flags, GTF_permit_access); /* never pinned */
    struct gnttab_map_grant_ref m = {FAKE_WIN_GPA, GNTMAP_host_map, 6, 2, 99, 0, 0};
    fake_to(NULL, 1, OPS_GPA, &m, sizeof(m));
    assert_int_equal(hypercall(1, GNTTABOP_map_grant_ref, OPS_GPA, 1), -XEN_EPERM);
    assert_int_equal(mapped(1), 0);
    gnttab_domain_reset(&g, 1);
    assert_int_equal(map1(1, 2, 6, FAKE_WIN_GPA, GNTMAP_host_map, NULL), GNTST_okay);
    assert_int_equal(map1(2, 1, 4, FAKE_WIN_GPA, GNTMAP_host_map, NULL), GNTST_bad_gntref);
    gnttab_domain_teardown(&g, 1);
    assert_int_equal(mapped(1), 0);
    assert_int_equal(fake_doms[2].table[6].flags, GTF_permit_access);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_grant_map_unmap, setup),
        cmocka_unit_test_setup(test_readonly_and_permissions, setup),
        cmocka_unit_test_setup(test_bad_arguments, setup),
        cmocka_unit_test_setup(test_arrays_and_counts, setup),
        cmocka_unit_test_setup(test_copy, setup),
        cmocka_unit_test_setup(test_size_and_version, setup),
        cmocka_unit_test_setup(test_teardown_and_messages, setup),
        cmocka_unit_test_setup(test_maptrack_full, setup),
        cmocka_unit_test_setup(test_failed_unmap_keeps_pin, setup),
        cmocka_unit_test_setup(test_reset_revokes_everything, setup),
        cmocka_unit_test_setup(test_continuation, setup),
        cmocka_unit_test_setup(test_lock_per_operation, setup),
        cmocka_unit_test_setup(test_teardown_closes, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
