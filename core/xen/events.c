/*
 * The event-channel engine's view of the machine (see xen/evtchn.h and xen/domain.h): guest
 * memory through checked firmware maps, pairing from the description (a VM's grant-peers pair
 * it for event channels too: one list says which VMs cooperate), the upcall as PPI 31 raised
 * through the VM's interrupt controller on the bound vCPU (its CPU kicked when that is another
 * one), and the per-domain port tables following the VM's life (called from the Xen domain
 * service, core/xen/domain.c).
 */
#include <arch/insn.h>
#include <core/irqchip.h>
#include <lib/console.h>
#include <xen/domain.h>
#include <xen/evtchn.h>
#include <xen/guestmem.h>

static evtchn_t evt;

/* Only the calling domain's memory, at virtual addresses of the calling vCPU (xen/guestmem.h). */
static int env_from(void *ctx, domid_t d, void *dst, uint64_t addr, size_t len)
{
    (void)ctx;
    return xen_guest_copy(xen_caller(d), dst, addr, len, false) ? -1 : 0;
}

static int env_to(void *ctx, domid_t d, uint64_t addr, const void *src, size_t len)
{
    (void)ctx;
    return xen_guest_copy(xen_caller(d), (void *)(uintptr_t)src, addr, len, true) ? -1 : 0;
}

static bool env_may_talk(void *ctx, domid_t a, domid_t b)
{
    (void)ctx;
    return xen_paired(a, b);
}

static void env_upcall(void *ctx, domid_t d, unsigned vcpu)
{
    (void)ctx;
    vm_t *vm = xen_vm_of(d);
    if (vm && vm->irqchip && vm->irqchip->raise_private)
        vm->irqchip->raise_private(vm, vcpu, XEN_EVTCHN_PPI);
}

static void env_relax(void *ctx)
{
    (void)ctx;
    cpu_relax();
}

static const evtchn_env_t evt_env = {env_from, env_to, env_may_talk, env_upcall, env_relax, NULL};

long xen_event_channel_op(vm_t *vm, uint64_t cmd, uint64_t arg)
{
    return cmd > 0xffffffffUL ? -XEN_ENOSYS : evtchn_op(&evt, vm->cfg.domid, (unsigned)cmd, arg);
}

long xen_evtchn_bind_septum(vm_t *vm, evtchn_handler_t handler, void *cookie)
{
    return evtchn_bind_septum(&evt, vm->cfg.domid, handler, cookie);
}

long xen_evtchn_notify(vm_t *vm, evtchn_port_t port)
{
    return evtchn_notify_septum(&evt, vm->cfg.domid, port);
}

void *xen_evtchn_set_shared_info(vm_t *vm, void *shared_info)
{
    return evtchn_set_shared_info(&evt, vm->cfg.domid, shared_info);
}

void *xen_evtchn_set_vcpu_info(vm_t *vm, unsigned vcpu, void *vcpu_info)
{
    return evtchn_set_vcpu_info(&evt, vm->cfg.domid, vcpu, vcpu_info);
}

/* The channels the description declares (xen,evtchn) with vm at one end, bound where the other
 * end's domain is there and open: at creation those to VMs created before it (the later VM's
 * creation binds each channel), at a restart all of them whose peer runs (a stopped peer binds
 * them when it restarts). sysdesc checked ports and pairing; a port the guest took meanwhile
 * (before a peer restarted) keeps the channel unbound, and says so. */
__attribute__((cold)) static void bind_declared(vm_t *vm, unsigned upto)
{
    for (unsigned i = 0; i < upto; i++) {
        const vm_config_t *c = i == vm->id ? &vm->cfg : &vms[i].cfg;
        for (unsigned k = 0; k < c->evtchn_num; k++) {
            if (i != vm->id && c->evtchn[k].peer != vm->cfg.domid)
                continue;
            long rc = evtchn_bind_static(&evt, c->domid, c->evtchn[k].port, c->evtchn[k].peer,
                                         c->evtchn[k].peer_port);
            if (rc && rc != -XEN_ESRCH)
                log_warn("vm %s: declared event channel %u:%u - %u:%u not bound (%ld)\n",
                         vm->cfg.name, c->domid, c->evtchn[k].port, c->evtchn[k].peer,
                         c->evtchn[k].peer_port, rc);
        }
    }
}

__attribute__((cold)) int xen_events_create(vm_t *vm)
{
    static bool ready;
    if (!ready) {
        evtchn_init(&evt, &evt_env);
        ready = true;
    }
    if (evtchn_add_domain(&evt, vm->cfg.domid, vm->cfg.vcpu_num))
        return -1;
    bind_declared(vm, vm->id + 1);
    return 0;
}

void xen_events_stopped(vm_t *vm) { evtchn_domain_teardown(&evt, vm->cfg.domid); }

void xen_events_restart(vm_t *vm)
{
    evtchn_domain_reset(&evt, vm->cfg.domid);
    bind_declared(vm, vm_num);
}

void xen_events_release(vm_t *vm) { evtchn_remove_domain(&evt, vm->cfg.domid); }
