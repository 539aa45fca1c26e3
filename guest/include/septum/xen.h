/*
 * The Xen-compatible part of septum's guest ABI (HVC #0xEA1, hypercall number in x16,
 * arguments in x0-x4, result in x0), written from the Xen on Arm public ABI: hypercall and
 * operation numbers, grant-table entries and operation structures with their Arm layouts, and
 * the GNTST_* status codes. Guests and septum include this same header.
 */
#ifndef SEPTUM_XEN_H
#define SEPTUM_XEN_H
#include <stdint.h>

#define XEN_HVC_IMM 0xea1

/* hypercall numbers */
#define __HYPERVISOR_memory_op      12
#define __HYPERVISOR_xen_version    17
#define __HYPERVISOR_console_io     18
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_sched_op       29

/* errno values returned in x0 (negated) */
#define XEN_EPERM  1
#define XEN_ENOENT 2
#define XEN_EFAULT 14
#define XEN_EINVAL 22
#define XEN_ENOSYS 38

typedef uint16_t domid_t;
typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;
#define DOMID_SELF 0x7ff0U

/* grant_table_op commands */
#define GNTTABOP_map_grant_ref   0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table     2
#define GNTTABOP_copy            5
#define GNTTABOP_query_size      6
#define GNTTABOP_set_version     8
#define GNTTABOP_get_version     10

/* grant entry, version 1 */
typedef struct grant_entry_v1 {
    uint16_t flags;
    domid_t domid;
    uint32_t frame;
} grant_entry_v1_t;

#define GTF_invalid       0x0
#define GTF_permit_access 0x1
#define GTF_type_mask     0x3
#define GTF_readonly      (1U << 2)
#define GTF_reading       (1U << 3)
#define GTF_writing       (1U << 4)

#define GNTMAP_host_map (1U << 1)
#define GNTMAP_readonly (1U << 2)

#define GNTCOPY_source_gref (1U << 0)
#define GNTCOPY_dest_gref   (1U << 1)

#define XEN_PAGE_SIZE    4096
#define GRANTS_PER_FRAME (XEN_PAGE_SIZE / sizeof(grant_entry_v1_t))

struct gnttab_map_grant_ref {
    uint64_t host_addr; /* guest-physical address where the frame appears */
    uint32_t flags;     /* GNTMAP_* */
    grant_ref_t ref;
    domid_t dom;
    int16_t status;        /* out: GNTST_* */
    grant_handle_t handle; /* out */
    uint64_t dev_bus_addr; /* out: 0 (no IOMMU) */
};

struct gnttab_unmap_grant_ref {
    uint64_t host_addr;
    uint64_t dev_bus_addr;
    grant_handle_t handle;
    int16_t status;
};

struct gnttab_setup_table {
    domid_t dom;
    uint32_t nr_frames;
    int16_t status;
    uint64_t frame_list; /* guest address of an array of nr_frames xen_pfn_t (uint64_t) */
};

struct gnttab_query_size {
    domid_t dom;
    uint32_t nr_frames;
    uint32_t max_nr_frames;
    int16_t status;
};

struct gnttab_copy_ptr {
    union {
        grant_ref_t ref;
        uint64_t gmfn;
    } u;
    domid_t domid;
    uint16_t offset;
};

struct gnttab_copy {
    struct gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags; /* GNTCOPY_* */
    int16_t status;
};

struct gnttab_set_version {
    uint32_t version;
};

struct gnttab_get_version {
    domid_t dom;
    uint16_t pad;
    uint32_t version;
};

_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "Arm layout");
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "Arm layout");
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "Arm layout");
_Static_assert(sizeof(struct gnttab_query_size) == 16, "Arm layout");
_Static_assert(sizeof(struct gnttab_copy) == 40, "Arm layout");
_Static_assert(sizeof(struct gnttab_get_version) == 8, "Arm layout");

/* memory_op XENMEM_add_to_physmap with XENMAPSPACE_grant_table */
#define XENMEM_add_to_physmap        7
#define XENMAPSPACE_grant_table      1
#define XENMAPIDX_grant_table_status 0x80000000U

struct xen_add_to_physmap {
    domid_t domid;
    uint16_t size;
    uint32_t space;
    uint64_t idx;
    uint64_t gpfn;
};
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "Arm layout");

/* xen_version, console_io, sched_op */
#define XENVER_version    0
#define CONSOLEIO_write   0
#define SCHEDOP_yield     0
#define SCHEDOP_shutdown  2
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot   1

/* grant operation statuses */
#define GNTST_okay              0
#define GNTST_general_error     (-1)
#define GNTST_bad_domain        (-2)
#define GNTST_bad_gntref        (-3)
#define GNTST_bad_handle        (-4)
#define GNTST_bad_virt_addr     (-5)
#define GNTST_bad_dev_addr      (-6)
#define GNTST_no_device_space   (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page          (-9)
#define GNTST_bad_copy_arg      (-10)
#define GNTST_address_too_big   (-11)
#define GNTST_eagain            (-12)
#define GNTST_no_space          (-13)

/* clang-format off: one message per line, as Xen lists them */
#define GNTTABOP_error_msgs                                                                        \
    {                                                                                              \
        "okay", "undefined error", "unrecognised domain id", "invalid grant reference",            \
            "invalid mapping handle", "invalid virtual address", "invalid device address",         \
            "no spare translation slot in the I/O MMU", "permission denied", "bad page",           \
            "copy arguments cross page boundary", "page address size too large",                   \
            "operation not done; try again", "out of space",                                       \
    }
/* clang-format on */
#endif
