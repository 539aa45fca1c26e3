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
#define __HYPERVISOR_memory_op        12
#define __HYPERVISOR_xen_version      17
#define __HYPERVISOR_console_io       18
#define __HYPERVISOR_grant_table_op   20
#define __HYPERVISOR_vm_assist        21
#define __HYPERVISOR_vcpu_op          24
#define __HYPERVISOR_sched_op         29
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_hvm_op           34

/* errno values returned in x0 (negated) */
#define XEN_EPERM  1
#define XEN_ENOENT 2
#define XEN_ENOMEM 12
#define XEN_EFAULT 14
#define XEN_EBUSY  16
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

/* memory_op: x0 = the operation in its low bits (MEMOP_CMD_MASK) and, for the reservation
 * operations, the extent to start from above them (Xen's continuation encoding) */
#define XENMEM_decrease_reservation  1
#define XENMEM_populate_physmap      6
#define XENMEM_add_to_physmap        7
#define XENMEM_remove_from_physmap   15
#define MEMOP_EXTENT_SHIFT           6
#define MEMOP_CMD_MASK               ((1U << MEMOP_EXTENT_SHIFT) - 1)
#define XENMAPSPACE_shared_info      0
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

struct xen_memory_reservation {
    uint64_t extent_start; /* guest address of nr_extents frame numbers (uint64_t each) */
    uint64_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    domid_t domid;
};
_Static_assert(sizeof(struct xen_memory_reservation) == 32, "Arm layout");

struct xen_remove_from_physmap {
    domid_t domid;
    uint64_t gpfn;
};
_Static_assert(sizeof(struct xen_remove_from_physmap) == 16, "Arm layout");

/* The shared_info page and the per-vCPU vcpu_info, Arm layouts (xen_ulong_t is 64 bits, one
 * legacy vcpu_info, empty arch parts): a vcpu_info is 48 bytes on Arm, not x86's 64. */
struct vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad1[2];
};

struct vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    uint64_t evtchn_pending_sel;
    struct vcpu_time_info time;
};

#define XEN_LEGACY_MAX_VCPUS 1
#define XEN_EVTCHN_WORDS     64 /* 2-level event channels: 64 words of 64 ports */

struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    uint64_t evtchn_pending[XEN_EVTCHN_WORDS];
    uint64_t evtchn_mask[XEN_EVTCHN_WORDS];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    uint32_t wc_sec_hi;
};

_Static_assert(sizeof(struct vcpu_time_info) == 32, "Arm layout");
_Static_assert(sizeof(struct vcpu_info) == 48, "Arm layout");
_Static_assert(__builtin_offsetof(struct vcpu_info, evtchn_upcall_mask) == 1, "Arm layout");
_Static_assert(__builtin_offsetof(struct vcpu_info, evtchn_pending_sel) == 8, "Arm layout");
_Static_assert(__builtin_offsetof(struct vcpu_info, time) == 16, "Arm layout");
_Static_assert(__builtin_offsetof(struct shared_info, evtchn_pending) == 48, "Arm layout");
_Static_assert(__builtin_offsetof(struct shared_info, evtchn_mask) == 560, "Arm layout");
_Static_assert(__builtin_offsetof(struct shared_info, wc_version) == 1072, "Arm layout");
_Static_assert(sizeof(struct shared_info) == 1088, "Arm layout");

/* vcpu_op(cmd, vcpu, arg) */
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_register_vcpu_info            10

struct vcpu_register_vcpu_info {
    uint64_t mfn; /* guest frame number of the page holding the vcpu_info */
    uint32_t offset;
    uint32_t rsvd;
};
_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16, "Arm layout");

struct vcpu_register_runstate_memory_area {
    uint64_t addr; /* guest virtual address of a struct vcpu_runstate_info */
};

/* xen_version(XENVER_get_features, struct xen_feature_info *) */
#define XENVER_get_features             6
#define XENFEAT_writable_page_tables    0
#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_ARM_SMCCC_supported     14
#define XENFEAT_not_direct_mapped       16
#define XENFEAT_NR_SUBMAPS              1

struct xen_feature_info {
    uint32_t submap_idx;
    uint32_t submap;
};

/* hvm_op(HVMOP_get_param, struct xen_hvm_param *) */
#define HVMOP_set_param          0
#define HVMOP_get_param          1
#define HVM_PARAM_CALLBACK_IRQ   0
#define HVM_PARAM_STORE_PFN      1
#define HVM_PARAM_STORE_EVTCHN   2
#define HVM_PARAM_CONSOLE_PFN    17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define HVM_NR_PARAMS            39
/* HVM_PARAM_CALLBACK_IRQ's value on Arm: type PPI (bits 63:56), flags (15:8), the INTID */
#define HVM_PARAM_CALLBACK_TYPE_PPI     2ULL
#define HVM_PARAM_CALLBACK_TYPE_PPI_LOW 2ULL /* level-triggered, active low */

struct xen_hvm_param {
    domid_t domid;
    uint32_t index;
    uint64_t value;
};
_Static_assert(sizeof(struct xen_hvm_param) == 16, "Arm layout");

/* event_channel_op: the FIFO ABI septum does not offer (guests fall back to 2-level) */
#define EVTCHNOP_init_control 11
#define EVTCHNOP_expand_array 12

/* vm_assist(cmd, type) */
#define VMASST_CMD_enable  0
#define VMASST_CMD_disable 1

/* xen_version, console_io, sched_op */
#define XENVER_version    0
#define CONSOLEIO_write   0
#define CONSOLEIO_read    1
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
