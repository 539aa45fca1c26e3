/*
 * Xen's PV console for Xen guests (xen-guest VMs): a page of two byte rings (Xen's public
 * io/console.h, struct xencons_interface) and an event channel, which the guest finds through
 * HVM_PARAM_CONSOLE_PFN and HVM_PARAM_CONSOLE_EVTCHN. Linux's hvc_xen driver (console=hvc0)
 * writes its output into out[] and sends on the port; septum drains it to the VM's console
 * (vm_console_putc: the VM's prefix, line handling and Ctrl-A switching as for its PL011), and
 * puts the bytes typed to the VM into in[], then sends back.
 *
 * The ring engine (core/xen/consring.c) is machine-independent: it is the only code that reads
 * what the guest writes in the page, and treats it as hostile (an index more than a ring away
 * is refused, never followed). The service (core/xen/console.c) gives each Xen guest its page
 * and port and follows the VM's life.
 */
#ifndef XEN_CONSOLE_H
#define XEN_CONSOLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XENCONS_IN_SIZE  1024
#define XENCONS_OUT_SIZE 2048

/* The page as Xen lays it out (indices free-running, taken modulo the ring size); connection
 * 0 means connected, which the zeroed page says from the start. */
typedef struct xencons_interface {
    char in[XENCONS_IN_SIZE];    /* septum -> guest */
    char out[XENCONS_OUT_SIZE];  /* guest -> septum */
    uint32_t in_cons, in_prod;   /* in_cons is the guest's, in_prod septum's */
    uint32_t out_cons, out_prod; /* out_cons is septum's, out_prod the guest's */
    uint8_t connection;
} xencons_interface_t;

_Static_assert(__builtin_offsetof(xencons_interface_t, out) == 1024, "Xen layout");
_Static_assert(__builtin_offsetof(xencons_interface_t, in_cons) == 3072, "Xen layout");
_Static_assert(__builtin_offsetof(xencons_interface_t, in_prod) == 3076, "Xen layout");
_Static_assert(__builtin_offsetof(xencons_interface_t, out_cons) == 3080, "Xen layout");
_Static_assert(__builtin_offsetof(xencons_interface_t, out_prod) == 3084, "Xen layout");
_Static_assert(__builtin_offsetof(xencons_interface_t, connection) == 3088, "Xen layout");

/* septum's side of one ring page: its own indices, never read back from the page (the guest
 * may write anything there). */
typedef struct xencons_ring {
    xencons_interface_t *page;
    uint32_t out_cons, in_prod;
} xencons_ring_t;

/* Start over on a zeroed page. */
void xencons_ring_init(xencons_ring_t *r, xencons_interface_t *page);
/* Give put(ctx, c) every byte the guest has written to out[] since the last drain, and tell the
 * guest they are consumed. Returns the count, or -1 when the guest's out_prod is more than a
 * ring ahead of what septum consumed (a hostile or broken guest): then nothing is printed and
 * septum's consumer index jumps to out_prod, so the next drain starts afresh. */
int xencons_drain(xencons_ring_t *r, void (*put)(void *ctx, char c), void *ctx);
/* Put c into in[]: false when the ring is full, or the guest's in_cons is not within a ring
 * behind septum's producer (the byte is dropped; nothing else changes). */
bool xencons_feed(xencons_ring_t *r, char c);
#endif
