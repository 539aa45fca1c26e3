/*
 * VMs and vCPUs. Static partitioning: each vCPU is pinned to one physical CPU and each physical
 * CPU runs at most one vCPU, so a vCPU's registers simply stay in its CPU while it runs. A VM is
 * its region table (and the stage 2 built from it), its images, its vCPUs, its interrupt
 * controller (core/irqchip.h) and the services that follow its life (vm_service_t).
 *
 * Who builds what: core/config/load.c turns a vm_config_t into a created, loaded VM; core/vm.c
 * (this header) starts, stops, resets and releases it; core/sched.c runs its vCPUs.
 */
#ifndef CORE_VM_H
#define CORE_VM_H
#include <arch/pcpu.h>
#include <arch/regs.h>
#include <arch/spinlock.h>
#include <arch/vcpu.h>
#include <boot/layout.h>
#include <core/irqchip.h>
#include <mm/region.h>
#include <mm/reserve.h>
#include <mm/s2.h>
#include <septum/abi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_MAX         4
#define VM_VCPU_MAX    4
#define VM_NAME_MAX    24
#define VM_ARGS_MAX    128
#define VM_DTB_SIZE    0x10000UL /* the guest device tree's slot at the top of its first RAM range */
#define VM_MEM_MAX     4
#define VM_DEV_MAX     4
#define VM_DEV_IRQ_MAX 4
#define VM_EVTCHN_MAX  8  /* event channels a description declares per VM */
#define VM_EVTCHN_PORT 63 /* the highest port a declared channel may use (xen/evtchn.h) */

/* OFF -> CLAIMED (a CPU_ON is writing its entry) -> ON_PENDING (its CPU may start it) ->
 * RUNNING; any state -> OFF when the vCPU or its VM stops. */
typedef enum { VCPU_OFF, VCPU_ON_PENDING, VCPU_RUNNING, VCPU_CLAIMED } vcpu_state_t;
typedef enum { VM_STOPPED, VM_RUNNING } vm_state_t;

struct vm;
typedef struct vcpu {
    struct vm *vm;
    unsigned id;              /* within the VM; its virtual MPIDR Aff0 */
    unsigned pcpu;            /* the physical CPU it is pinned to */
    uint32_t state;           /* vcpu_state_t, changed atomically */
    uint32_t in_guest;        /* 1 from entering the guest until its CPU is back in pcpu_loop */
    uint64_t entry, context;  /* where CPU_ON (or the VM's start) sends it, and its x0 */
    reservation_t *mmio_last; /* the device it last trapped on: tried first on the next fault */
} vcpu_t;

/* A pass-through device: the same address for guest and host. */
typedef struct vm_dev {
    uint64_t base, size;
    uint32_t irq[VM_DEV_IRQ_MAX]; /* INTIDs (SPIs), forwarded to the VM's vCPU 0 */
    unsigned irq_num;
    char name[32];
} vm_dev_t;

/* What the system description says about one VM (core/sysdesc.c fills it). */
typedef struct vm_config {
    char name[VM_NAME_MAX];
    char node[48]; /* its node in the description, for messages */
    unsigned vcpu_num;
    unsigned pcpu[VM_VCPU_MAX];
    uint64_t ram_gpa, ram_size; /* the first memory range: the image and device tree go here */
    struct {
        uint64_t gpa, size;
    } mem[VM_MEM_MAX]; /* all memory ranges, mem[0] being the first */
    unsigned mem_num;
    vm_dev_t dev[VM_DEV_MAX];
    unsigned dev_num;
    char kernel[48];      /* bundle entry */
    uint64_t kernel_load; /* guest-physical load address = entry */
    bool kernel_xip;      /* map in place, read-only, from where the bundle is */
    uint64_t xip_size;    /* the read-only window it lives in (0: just the image); what
                           * lies beyond the image reads as zero, as erased flash would */
    char initrd[48];      /* bundle entry, "" if none */
    uint64_t initrd_load;
    char dtb[48];      /* a device tree from the bundle instead of a generated one */
    uint64_t dtb_load; /* where the device tree goes (VM_DTB_SIZE there) */
    char bootargs[VM_ARGS_MAX];
    bool stop_on_fault;     /* stop the VM instead of injecting an abort */
    bool test_control;      /* may change its own regions (SEPTUM_HC_REGION_SET) */
    bool pmu;               /* septum,pmu: may use the PMU itself (benchmarks); without it
                             * the PMU and debug registers trap (core/trap.c) */
    bool xen_guest;         /* xen-guest: its device tree carries Xen's /hypervisor node */
    uint16_t domid;         /* its Xen-ABI domain id (default: its index + 1) */
    uint16_t peers[VM_MAX]; /* domains it may share memory with (grant-peers) */
    unsigned peer_num;
    /* event channels bound at creation (xen,evtchn = <port peer-domid peer-port>...) */
    struct {
        uint16_t port, peer, peer_port;
    } evtchn[VM_EVTCHN_MAX];
    unsigned evtchn_num;
} vm_config_t;

typedef struct vm {
    unsigned id;
    vm_config_t cfg;
    vm_memory_t mem; /* reservations: where virtual devices live */
    s2_t s2;
    arch_vm_cfg_t arch;
    spinlock_t lock;
    uint64_t ram_hpa; /* host address of mem[0] */
    uint64_t mem_hpa[VM_MEM_MAX];
    uint64_t xip_tail_hpa, xip_tail_size; /* zeroed frames behind the rest of the window */
    const void *initrd_data, *dtb_data;
    uint64_t initrd_size, dtb_size;
    uint64_t dtb_gpa;
    const void *kernel_data; /* the image in the bundle */
    uint64_t kernel_size;
    uint32_t kernel_crc, initrd_crc; /* the bundle's CRCs of the images the loader copies */
    uint32_t state;                  /* vm_state_t */
    vcpu_t vcpu[VM_VCPU_MAX];
    char line[VM_ARGS_MAX]; /* console output waiting for its newline */
    unsigned line_len;
    uint64_t faults;          /* aborts injected */
    const irqchip_t *irqchip; /* its interrupt controller, NULL if it has none */
    uint64_t first_insns;     /* EL2 instructions on its vCPU 0's CPU before it first ran */
    /* Where its typed input goes instead of its console device while set (atomically): a
     * console septum serves in guest memory, such as Xen's PV console (core/xen/console.c).
     * True if it took the byte. */
    bool (*console_in)(struct vm *vm, char c);
    /* last: the region table is large (sorted regions, owned pages), and the fields above are
     * reached on every trap, at offsets a load's immediate still covers */
    region_table_t regions;
    region_ops_t region_ops;
} vm_t;

extern vm_t vms[VM_MAX];
extern unsigned vm_num;

/* Services that follow a VM's life, called in table order (core/vm.c VM_SERVICE_LIST): the
 * image loader (core/config/load.c), the Xen ABI's per-domain state (core/xen/domain.c) and
 * Xen's PV console (core/xen/console.c). */
typedef struct vm_service {
    const char *name;
    /* The VM was created (memory, stage 2, devices in place): set up. 0 or a negative errno. */
    int (*create)(vm_t *vm);
    /* The VM stops or restarts: undo everything that involves other VMs. */
    void (*stopped)(vm_t *vm);
    /* After stopped, the VM restarts (PSCI SYSTEM_RESET): set up again. 0 or a negative errno. */
    int (*restart)(vm_t *vm);
    /* The VM will not run again and its memory is gone: give back what the service holds. */
    void (*release)(vm_t *vm);
    /* A few words on the VM's state in this service, for the monitor's list (NULL: none). */
    void (*describe)(const vm_t *vm, char *buf, size_t len);
} vm_service_t;

/* Set up a new VM's stage 2, region table (with septum's host checks) and reservations. */
int vm_init_memory(vm_t *vm, unsigned ipa_bits);
/* Run every service's create hook; the first failure is returned. */
int vm_services_create(vm_t *vm);
/* Start a VM's vCPU 0 (others wait for PSCI CPU_ON). */
void vm_start(vm_t *vm);
/* Stop the VM (every vCPU); when the caller is one of its vCPUs, this does not return. */
void vm_stop(vm_t *vm, const char *why);
/* The same from outside the VM (septum's monitor): its vCPUs are kicked and waited for, and its
 * memory is given back. */
void vm_stop_external(vm_t *vm, const char *why);
/* Restart the VM from its images (PSCI SYSTEM_RESET); does not return to the caller's guest. */
_Noreturn void vm_reset(vm_t *vm);
/* The same from outside the VM (septum's monitor): returns once it has restarted. */
void vm_restart(vm_t *vm);
/* What each VM service says of vm (its describe hooks, comma-separated) into buf. */
void vm_services_describe(const vm_t *vm, char *buf, size_t len);
/* A virtual device's interrupt output (a level-sensitive SPI) changed. */
static inline void vm_irq_set_level(vm_t *vm, uint32_t intid, bool level)
{
    if (vm->irqchip)
        vm->irqchip->set_level(vm, intid, level);
}

/* The VM's console (core/vconsole.c): bytes become lines on septum's console, prefixed with the
 * VM's name. */
void vm_console_putc(vm_t *vm, char c);
/* A byte typed on septum's console: it goes to the VM that has the console input (VM 0 first).
 * Ctrl-A then 1..9 gives the input to that VM, Ctrl-A n to the next one, Ctrl-A m enters septum's
 * monitor (core/monitor.c; Ctrl-A leaves it), Ctrl-A Ctrl-A sends a Ctrl-A. */
void vm_console_input(char c);
#define VM_CONSOLE_ESCAPE 0x01

/* Guest-physical space for anonymous reservations (above any RAM a description may give). */
#define VM_ANON_BASE 0x4000000000UL
#define VM_ANON_SIZE 0x40000000UL
/* Guest-physical window the guest device tree offers for grant mappings and its table. */
#define VM_GRANT_WINDOW      SEPTUM_GRANT_WINDOW
#define VM_GRANT_WINDOW_SIZE SEPTUM_GRANT_WINDOW_SIZE

/* Print the frame accounting: free, septum, page tables, images and each VM, in KiB. */
void vm_report_frames(const char *when);

/* The run loop (core/sched.c). */
/* The vCPU this physical CPU runs, or NULL. */
vcpu_t *vcpu_of_pcpu(unsigned pcpu);
/* The vCPU the calling CPU runs (valid in trap handlers), or NULL. */
static inline vcpu_t *vcpu_current(void) { return (vcpu_t *)arch_pcpu()->vcpu; }
/* Pin v to its physical CPU (at creation). */
void sched_pin(vcpu_t *v);
/* Each physical CPU's loop: run its vCPU whenever that is on; never returns. */
_Noreturn void pcpu_loop(uint64_t pcpu);
/* The calling vCPU is off (CPU_OFF, VM stopped): drop its trap frame and go back to the loop. */
_Noreturn void vcpu_exit(void);
#endif
