/*
 * The Xen-compatible hypercalls (HVC #0xEA1, number in x16, arguments in x0-x4, result in x0):
 * grant_table_op over the engine; memory_op (add_to_physmap for the VM's grant-table frames and
 * its shared_info, the balloon's reservation operations, remove_from_physmap); vcpu_op
 * (vcpu_info and runstate registration); hvm_op (parameters); xen_version (version, features);
 * console_io (write); sched_op (yield, shutdown); event_channel_op (core/xen/events.c over
 * the engine in core/xen/evtchn.c); vm_assist, refused as Xen refuses it where it lacks it. Each VM
 * is a domain (xen/domain.h). Every pointer a guest passes is a virtual address of the calling vCPU
 * (xen/guestmem.h). core/hvc.c hands HVC #0xEA1 here; core declares xen_hypercall (core/hvc.h).
 *
 * A call with more to do than septum does at once (a grant_table_op batch, a long console_io
 * write) is continued as Xen on Arm continues a hypercall: x0-x2 become the rest of the call
 * and the guest's PC goes back to its HVC, which therefore runs again. The guest sees one
 * call; between the pieces its CPU takes interrupts, and a stop.
 */
#include <arch/sysreg.h>
#include <core/hvc.h>
#include <lib/console.h>
#include <septum/xen.h>
#include <septum/xen_evtchn.h>
#include <xen/domain.h>
#include <xen/guestmem.h>
#include <xen/hvm.h>
#include <xen/physmap.h>
#include <xen/shinfo.h>

#define XEN_VERSION_4_17 ((4UL << 16) | 17)
#define CONSOLE_IO_MAX   1024 /* bytes written per piece of a console_io call */
#define HVC_INSN_BYTES   4    /* the guest's HVC #0xEA1: an A64 instruction */

/* The HVC came through the lean hypercall path, which keeps the guest's PC in ELR_EL2 and
 * returns through it (arch/aarch64/vectors.S): a continuation moves it back there, so the same
 * HVC runs again with the frame's x0-x2. */
static void continue_call(arch_regs_t *f, uint64_t x0, uint64_t x1, uint64_t x2)
{
    f->x[0] = x0;
    f->x[1] = x1;
    f->x[2] = x2;
    write_sysreg(read_sysreg(elr_el2) - HVC_INSN_BYTES, elr_el2);
}

/* CONSOLEIO_write: 0 once every byte is out, as Xen answers; -EFAULT at a byte that does not
 * translate (what came before it is out). */
__attribute__((cold, noinline)) static void console_io(vcpu_t *v, arch_regs_t *f)
{
    uint64_t cmd = f->x[0], count = f->x[1] & 0xffffffffUL, buf = f->x[2];
    if (cmd != CONSOLEIO_write) {
        f->x[0] = (uint64_t)-XEN_ENOSYS;
        return;
    }
    char tmp[128];
    uint64_t done = 0;
    while (done < count && done < CONSOLE_IO_MAX) {
        size_t n = count - done < sizeof(tmp) ? count - done : sizeof(tmp);
        if (xen_guest_copy(v, tmp, buf + done, n, false)) {
            f->x[0] = (uint64_t)-XEN_EFAULT;
            return;
        }
        for (size_t i = 0; i < n; i++)
            vm_console_putc(v->vm, tmp[i]);
        done += n;
    }
    if (done < count)
        continue_call(f, cmd, count - done, buf + done);
    else
        f->x[0] = 0;
}

static void grant_table_op(vm_t *vm, arch_regs_t *f)
{
    gnttab_call_t call = {(unsigned)f->x[0], f->x[1],
                          f->x[2] > GNTTAB_BATCH_MAX ? GNTTAB_BATCH_MAX + 1 : (unsigned)f->x[2]};
    long rc = xen_grant_table_op(vm, &call);
    if (rc != GNTTAB_CONTINUE)
        f->x[0] = (uint64_t)rc;
    else
        continue_call(f, call.cmd, call.uop, call.count);
}

static long sched_op(vcpu_t *v, uint64_t cmd, uint64_t arg)
{
    if (cmd == SCHEDOP_yield)
        return 0;
    if (cmd != SCHEDOP_shutdown)
        return -XEN_ENOSYS;
    uint32_t reason;
    if (xen_guest_copy(v, &reason, arg, sizeof(reason), false))
        return -XEN_EFAULT;
    if (reason == SHUTDOWN_reboot)
        vm_reset(v->vm); /* does not return */
    vm_stop(v->vm, "Xen sched_op shutdown");
    return 0;
}

/* What Xen on Arm reports to a domU in submap 0: it is auto-translated (stage 2 does the
 * physical-to-machine work; Linux then uses the grant table through add_to_physmap and maps
 * grants without rewriting page tables), its page tables are its own, SMCCC is there, and it
 * is not direct-mapped. Never dom0. */
static long xen_version(vcpu_t *v, uint64_t cmd, uint64_t arg)
{
    if (cmd == XENVER_version)
        return (long)XEN_VERSION_4_17;
    if (cmd != XENVER_get_features)
        return -XEN_ENOSYS;
    struct xen_feature_info fi;
    if (xen_guest_copy(v, &fi, arg, sizeof(fi), false))
        return -XEN_EFAULT;
    if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
        return -XEN_EINVAL;
    fi.submap = (1U << XENFEAT_writable_page_tables) | (1U << XENFEAT_auto_translated_physmap) |
                (1U << XENFEAT_ARM_SMCCC_supported) | (1U << XENFEAT_not_direct_mapped);
    return xen_guest_copy(v, &fi, arg, sizeof(fi), true) ? -XEN_EFAULT : 0;
}

static long memory_op(vcpu_t *v, uint64_t cmd, uint64_t arg)
{
    switch (cmd & MEMOP_CMD_MASK) {
    case XENMEM_add_to_physmap: return xen_add_to_physmap(v, arg);
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap: return xen_reservation_op(v, cmd, arg);
    case XENMEM_remove_from_physmap: return xen_remove_from_physmap(v, arg);
    default: return -XEN_ENOSYS;
    }
}

/* vm_assist: Xen answers -EINVAL for a type it does not offer (septum offers none: the
 * runstate area is never updated, so its update flag means nothing), -ENOSYS for an unknown
 * command. */
static long vm_assist(uint64_t cmd)
{
    return cmd == VMASST_CMD_enable || cmd == VMASST_CMD_disable ? -XEN_EINVAL : -XEN_ENOSYS;
}

void xen_hypercall(vcpu_t *v, arch_regs_t *f)
{
    long rc;
    switch (f->x[16]) {
    case __HYPERVISOR_grant_table_op: grant_table_op(v->vm, f); return;
    case __HYPERVISOR_console_io: console_io(v, f); return;
    case __HYPERVISOR_memory_op: rc = memory_op(v, f->x[0], f->x[1]); break;
    case __HYPERVISOR_xen_version: rc = xen_version(v, f->x[0], f->x[1]); break;
    case __HYPERVISOR_sched_op: rc = sched_op(v, f->x[0], f->x[1]); break;
    case __HYPERVISOR_vcpu_op: rc = xen_vcpu_op(v, f->x[0], f->x[1], f->x[2]); break;
    case __HYPERVISOR_hvm_op: rc = xen_hvm_op(v, f->x[0], f->x[1]); break;
    case __HYPERVISOR_vm_assist: rc = vm_assist(f->x[0]); break;
    case __HYPERVISOR_event_channel_op: rc = xen_event_channel_op(v->vm, f->x[0], f->x[1]); break;
    default: rc = -XEN_ENOSYS; break;
    }
    f->x[0] = (uint64_t)rc;
}
