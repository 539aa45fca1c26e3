/*
 * The Xen-compatible hypercalls (HVC #0xEA1, number in x16, arguments in x0-x4, result in x0):
 * grant_table_op over the engine, memory_op's XENMEM_add_to_physmap for a VM's own grant-table
 * frames, xen_version, console_io (write), sched_op (yield, shutdown) and event_channel_op
 * (core/xen/events.c over the engine in core/xen/evtchn.c). Each VM is a domain
 * (xen/domain.h). core/hvc.c hands HVC #0xEA1 here; core declares xen_hypercall (core/hvc.h).
 *
 * A grant_table_op with more operations than the engine does at once is continued as Xen on Arm
 * continues a hypercall: x0-x2 become the rest of the call (the same command, the array past
 * the operations done, the count left) and the guest's PC goes back to its HVC, which therefore
 * runs again. The guest sees one call; between the pieces its CPU takes interrupts, and a stop.
 */
#include <arch/sysreg.h>
#include <core/hvc.h>
#include <lib/console.h>
#include <septum/xen.h>
#include <septum/xen_evtchn.h>
#include <xen/domain.h>

#define XEN_VERSION_4_17 ((4UL << 16) | 17)
#define CONSOLE_IO_MAX   1024
#define HVC_INSN_BYTES   4 /* the guest's HVC #0xEA1: an A64 instruction */

static long console_io(vm_t *vm, uint64_t cmd, uint64_t count, uint64_t buf)
{
    if (cmd != CONSOLEIO_write)
        return -XEN_ENOSYS;
    if (count > CONSOLE_IO_MAX)
        return -XEN_EINVAL;
    char tmp[64];
    for (uint64_t done = 0; done < count;) {
        size_t n = count - done < sizeof(tmp) ? count - done : sizeof(tmp);
        if (xen_guest_copy(vm, tmp, buf + done, n, false))
            return -XEN_EFAULT;
        for (size_t i = 0; i < n; i++)
            vm_console_putc(vm, tmp[i]);
        done += n;
    }
    return (long)count;
}

/* grant_table_op(cmd, uop, count). The HVC came through the lean hypercall path, which keeps the
 * guest's PC in ELR_EL2 and returns through it (arch/aarch64/vectors.S): a continuation moves it
 * back there, the one hypercall that moves the guest's PC. */
static void grant_table_op(vm_t *vm, arch_regs_t *f)
{
    gnttab_call_t call = {(unsigned)f->x[0], f->x[1],
                          f->x[2] > GNTTAB_BATCH_MAX ? GNTTAB_BATCH_MAX + 1 : (unsigned)f->x[2]};
    long rc = xen_grant_table_op(vm, &call);
    if (rc != GNTTAB_CONTINUE) {
        f->x[0] = (uint64_t)rc;
        return;
    }
    f->x[0] = call.cmd;
    f->x[1] = call.uop;
    f->x[2] = call.count;
    write_sysreg(read_sysreg(elr_el2) - HVC_INSN_BYTES, elr_el2);
}

static long sched_op(vm_t *vm, uint64_t cmd, uint64_t arg)
{
    if (cmd == SCHEDOP_yield)
        return 0;
    if (cmd != SCHEDOP_shutdown)
        return -XEN_ENOSYS;
    uint32_t reason;
    if (xen_guest_copy(vm, &reason, arg, sizeof(reason), false))
        return -XEN_EFAULT;
    if (reason == SHUTDOWN_reboot)
        vm_reset(vm); /* does not return */
    vm_stop(vm, "Xen sched_op shutdown");
    return 0;
}

void xen_hypercall(vcpu_t *v, arch_regs_t *f)
{
    vm_t *vm = v->vm;
    long rc;
    switch (f->x[16]) {
    case __HYPERVISOR_grant_table_op: grant_table_op(vm, f); return;
    case __HYPERVISOR_memory_op:
        rc = f->x[0] == XENMEM_add_to_physmap ? xen_add_to_physmap(vm, f->x[1]) : -XEN_ENOSYS;
        break;
    case __HYPERVISOR_xen_version:
        rc = f->x[0] == XENVER_version ? (long)XEN_VERSION_4_17 : -XEN_ENOSYS;
        break;
    case __HYPERVISOR_console_io: rc = console_io(vm, f->x[0], f->x[1], f->x[2]); break;
    case __HYPERVISOR_sched_op: rc = sched_op(vm, f->x[0], f->x[1]); break;
    case __HYPERVISOR_event_channel_op: rc = xen_event_channel_op(vm, f->x[0], f->x[1]); break;
    default: rc = -XEN_ENOSYS; break;
    }
    f->x[0] = (uint64_t)rc;
}
