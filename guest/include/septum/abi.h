/*
 * septum's guest ABI: the hypercalls a VM may make, as numbers and register conventions. This
 * header is public: guests build against it, and septum includes the same file, so the two
 * sides cannot disagree.
 *
 * Calls follow SMCCC 1.1 over HVC #0 (SMC #0 is accepted too): function ID in w0, arguments in
 * x1-x7, results in x0-x3. PSCI 1.1 and SMCCC_VERSION/ARCH_FEATURES are answered; septum's own
 * calls live in the vendor-specific hypervisor service range (owner 6).
 */
#ifndef SEPTUM_ABI_H
#define SEPTUM_ABI_H

/* Vendor hypervisor service calls (fast calls, SMC64 convention) */
#define SEPTUM_HC_NULL 0xc6000000U /* returns 0: the cheapest round trip, for benchmarks */
#define SEPTUM_HC_CONSOLE_WRITE                                                                    \
    0xc6000001U /* x1 = byte count (<= 40), x2-x6 = the bytes, little-endian */
#define SEPTUM_HC_VM_INFO                                                                          \
    0xc6000002U /* returns x0 = 0, x1 = VM id, x2 = vCPU id, x3 = vCPU count */
#define SEPTUM_HC_REGION_SET                                                                       \
    0xc6000010U /* test-control VMs only: x1 = op, x2 = gpa, x3 = len, x4 = flags */

#define SEPTUM_CONSOLE_WRITE_MAX 40

/* SEPTUM_HC_REGION_SET ops and flags (the region table's own values) */
#define SEPTUM_REGION_OP_ADD    0
#define SEPTUM_REGION_OP_MODIFY 1
#define SEPTUM_REGION_OP_DELETE 2
#define SEPTUM_REGION_R         0x1
#define SEPTUM_REGION_W         0x2
#define SEPTUM_REGION_X         0x4

/* Where a guest finds its grant window (also in its device tree, /hypervisor reg): its grant
 * table frames and foreign mappings go there. */
#define SEPTUM_GRANT_WINDOW      0x3000000000ULL
#define SEPTUM_GRANT_WINDOW_SIZE 0x40000000ULL
/* A VM's grant table has at most this many frames (GNTTABOP_query_size's max_nr_frames); a
 * xen-guest's device tree gives the first SEPTUM_GNTTAB_FRAMES pages of the window as the
 * place for them (/hypervisor reg[0]). */
#define SEPTUM_GNTTAB_FRAMES 4

/* Return values (SMCCC style) */
#define SEPTUM_OK            0
#define SEPTUM_NOT_SUPPORTED (-1)
#define SEPTUM_INVALID       (-2)
#define SEPTUM_DENIED        (-3)
#endif
