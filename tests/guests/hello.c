/*
 * Test guest: says hello a number of times (bootargs lines=N, default 3), naming its VM from
 * the device tree and the hypercall interface, and which interrupt controller its device tree
 * offers (none on a board septum cannot virtualise), then powers its VM off.
 */
#include <libfdt.h>
#include <septum/guest.h>

int main(const void *dtb)
{
    uint64_t info[4], lines = 3;
    septum_hvc(SEPTUM_HC_VM_INFO, 0, 0, 0, 0, 0, 0, info);
    guest_arg("lines", &lines);
    const char *model = fdt_getprop(dtb, 0, "model", NULL);
    for (uint64_t i = 1; i <= lines; i++)
        guest_printf("hello %lu/%lu from %s (vm %lu, vcpu %lu of %lu)\n", (unsigned long)i,
                     (unsigned long)lines, model ? model : "?", (unsigned long)info[1],
                     (unsigned long)info[2], (unsigned long)info[3]);
    int intc = fdt_node_offset_by_prop_value(dtb, -1, "interrupt-controller", NULL, 0);
    const char *compat = intc >= 0 ? fdt_getprop(dtb, intc, "compatible", NULL) : NULL;
    bool parent = fdt_getprop(dtb, 0, "interrupt-parent", NULL) != NULL;
    guest_printf("interrupt controller: %s%s\n", intc >= 0 ? (compat ? compat : "?") : "none",
                 parent == (intc >= 0) ? "" : " (interrupt-parent does not match)");
    guest_printf("done\n");
    return 0;
}
