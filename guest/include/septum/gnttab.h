/*
 * The guest side of grant tables, with the signatures and behaviour of Zephyr's Xen gnttab.h
 * (see docs), over septum's Xen-compatible hypercalls. Call gnttab_init() once first: it maps
 * the VM's grant-table frames into its grant window.
 */
#ifndef SEPTUM_GNTTAB_H
#define SEPTUM_GNTTAB_H
#include <septum/xen.h>
#include <stdbool.h>

/* A raw Xen hypercall: number op, arguments in x0-x4; returns x0. */
long xen_hypercall(unsigned op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);

int gnttab_init(void);
/* septum has no dom0: gnttab_alloc_and_grant grants to this domain (default 0). */
void gnttab_set_peer(domid_t domid);

grant_ref_t gnttab_grant_access(domid_t domid, unsigned long gfn, bool readonly);
int gnttab_end_access(grant_ref_t gref);
int32_t gnttab_alloc_and_grant(void **map, bool readonly);
void *gnttab_get_page(void);
void gnttab_put_page(void *page_addr);
int gnttab_map_refs(struct gnttab_map_grant_ref *map_ops, unsigned int count);
int gnttab_unmap_refs(struct gnttab_map_grant_ref *unmap_ops, unsigned int count);
const char *gnttabop_error(int16_t status);
#endif
