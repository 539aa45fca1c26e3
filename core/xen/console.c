/*
 * The PV console service (see xen/console.h): each Xen guest (xen-guest) gets a ring page and an
 * event-channel port ended in septum, announced as HVM_PARAM_CONSOLE_PFN / CONSOLE_EVTCHN.
 *
 * The page is a frame septum allocates (FRAME_SEPTUM, so the frame accounting shows it) and maps
 * into the guest at XENCONS_GPA, just past the grant window, read-write and never executable, as
 * a region septum owns, like a grant-table frame. Not a page of the guest's RAM: a kernel only
 * learns of the page from the HVM parameter, long after it took all of its RAM for its own
 * allocator, so a RAM page would be used twice; and the guest cannot give this one away
 * (decrease_reservation) or remap it. The region goes with the VM's other regions when it stops;
 * the frame is freed at release. A reset keeps the mapping and starts the rings over on a zeroed
 * page with a fresh port (the old one was closed with the domain's others).
 *
 * Output: when the guest sends on the port, out[] is drained here, on the guest's CPU, into
 * vm_console_putc. Input: from the first output on, the VM's typed input goes to in[] instead of
 * its PL011 (the guest uses hvc0 as its console), and each byte is followed by an event.
 *
 * Lock: one per VM's console, taken over a drain or a feed and around the page's life; under it
 * the VM's console lines are taken (vm_console_putc), nothing else. Events are sent after it is
 * released.
 */
#include <arch/page.h>
#include <arch/spinlock.h>
#include <errno.h>
#include <lib/console.h>
#include <mm/frame.h>
#include <mm/fwmap.h>
#include <stdio.h>
#include <string.h>
#include <xen/console.h>
#include <xen/domain.h>
#include <xen/hvm.h>

/* The ring page's guest-physical address: just past the grant window (the /hypervisor node's
 * regions stop there), below the anonymous reservations. */
#define XENCONS_GPA (VM_GRANT_WINDOW + VM_GRANT_WINDOW_SIZE)
_Static_assert(XENCONS_GPA + PAGE_SIZE <= VM_ANON_BASE, "the ring page fits below them");

typedef struct xencons {
    spinlock_t lock;
    vm_t *vm;
    uint64_t hpa;              /* the ring frame */
    xencons_interface_t *page; /* ... as septum maps it; NULL: none */
    xencons_ring_t ring;
    evtchn_port_t port; /* 0: none */
    bool live;          /* the guest writes to it: typed input goes to it */
} xencons_t;

static xencons_t cons[VM_MAX];

static void put(void *ctx, char c) { vm_console_putc(ctx, c); }

static bool xencons_console_in(vm_t *vm, char c);

/* The guest sent on its console port: print what it wrote. */
static void xencons_event(void *cookie, domid_t dom, evtchn_port_t port)
{
    (void)dom;
    (void)port;
    xencons_t *k = cookie;
    spin_lock(&k->lock);
    int n = k->page ? xencons_drain(&k->ring, put, k->vm) : 0;
    bool now_live = n > 0 && !k->live;
    if (now_live)
        k->live = true;
    spin_unlock(&k->lock);
    if (n < 0)
        log_guest(k->vm->id, k->vm->cfg.name, LOG_WARN,
                  "vm %s: PV console: out_prod is not within a ring of what septum consumed; "
                  "output dropped\n",
                  k->vm->cfg.name);
    if (now_live)
        __atomic_store_n(&k->vm->console_in, xencons_console_in, __ATOMIC_RELEASE);
}

/* A byte typed to the VM (core/vconsole.c, while the hook is set): into in[], then an event. */
static bool xencons_console_in(vm_t *vm, char c)
{
    xencons_t *k = &cons[vm->id];
    spin_lock(&k->lock);
    bool took = k->page && k->port && xencons_feed(&k->ring, c);
    evtchn_port_t port = k->port;
    spin_unlock(&k->lock);
    if (took)
        xen_evtchn_notify(vm, port);
    return took;
}

/* A port for the console and the parameters that announce the page and it (creation, reset). */
static int bind(xencons_t *k)
{
    long port = xen_evtchn_bind_septum(k->vm, xencons_event, k);
    if (port <= 0)
        return -ENOSPC;
    spin_lock(&k->lock);
    k->port = (evtchn_port_t)port;
    spin_unlock(&k->lock);
    xen_hvm_param_set(k->vm, HVM_PARAM_CONSOLE_PFN, XENCONS_GPA >> PAGE_SHIFT);
    xen_hvm_param_set(k->vm, HVM_PARAM_CONSOLE_EVTCHN, (uint64_t)port);
    return 0;
}

static int xencons_create(vm_t *vm)
{
    xencons_t *k = &cons[vm->id];
    memset(k, 0, sizeof(*k));
    k->vm = vm;
    if (!vm->cfg.xen_guest)
        return 0;
    gasp_map_handle_t h;
    if (frame_alloc(1, 1, FRAME_SEPTUM, &k->hpa) != 0)
        return -ENOMEM;
    if (fwmap_frames(k->hpa, 1, true, &h) != EOK) {
        frame_free(k->hpa, 1, FRAME_SEPTUM);
        return -ENOMEM;
    }
    xencons_interface_t *page = gasp_get_vaddr(h);
    memset(page, 0, PAGE_SIZE);
    xencons_ring_init(&k->ring, page);
    k->page = page;
    /* owned by septum (the token is this console): the guest cannot change or remove it */
    region_req_t q = {REGION_ADD,
                      {XENCONS_GPA, PAGE_SIZE, k->hpa, REGION_RAM, REGION_R | REGION_W, k},
                      .host_vouched = true};
    unsigned failed;
    if (region_set_soft(&vm->regions, 1, &q, &failed) != REGION_OK)
        return -EEXIST; /* the description put something there; the frame goes at release */
    return bind(k);
}

/* Typed input goes back to the VM's console device; the port was closed with the others. */
static void xencons_stopped(vm_t *vm)
{
    xencons_t *k = &cons[vm->id];
    __atomic_store_n(&vm->console_in, NULL, __ATOMIC_RELEASE);
    spin_lock(&k->lock);
    k->live = false;
    k->port = 0;
    spin_unlock(&k->lock);
}

/* Every vCPU is out of the guest by now: a send that raced with the stop may have marked the
 * console live again, so that goes too, and the new kernel starts on a clean page. */
static int xencons_restart(vm_t *vm)
{
    xencons_t *k = &cons[vm->id];
    __atomic_store_n(&vm->console_in, NULL, __ATOMIC_RELEASE);
    if (!k->page)
        return 0;
    spin_lock(&k->lock);
    k->live = false;
    memset(k->page, 0, PAGE_SIZE);
    xencons_ring_init(&k->ring, k->page);
    spin_unlock(&k->lock);
    return bind(k);
}

/* Its regions are gone by now: the frame goes back. */
static void xencons_release(vm_t *vm)
{
    xencons_t *k = &cons[vm->id];
    __atomic_store_n(&vm->console_in, NULL, __ATOMIC_RELEASE);
    spin_lock(&k->lock);
    xencons_interface_t *page = k->page;
    k->page = NULL;
    k->port = 0;
    spin_unlock(&k->lock);
    if (page) {
        fwmap_unmap_vaddr(page);
        frame_free(k->hpa, 1, FRAME_SEPTUM);
    }
}

static void xencons_describe(const vm_t *vm, char *buf, size_t len)
{
    const xencons_t *k = &cons[vm->id];
    if (k->page && len)
        snprintf(buf, len, "hvc port %u%s", (unsigned)k->port, k->live ? "" : " (unused)");
}

const vm_service_t xen_console_service = {"Xen PV console", xencons_create,  xencons_stopped,
                                          xencons_restart,  xencons_release, xencons_describe};
