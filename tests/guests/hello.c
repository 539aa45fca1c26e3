/*
 * Test guest: says hello a number of times (bootargs lines=N, default 3), naming its VM from
 * the device tree and the hypercall interface, then powers its VM off.
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
    guest_printf("done\n");
    return 0;
}
