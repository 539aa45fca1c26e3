/*
 * QEMU's `virt` board (hw/arm/virt.c), as septum needs it beyond its device tree: its PL011 as
 * the console when the device tree names none, and its two 64 MiB flash banks at 0x0. RAM, CPUs,
 * the GIC (v2 or v3), PSCI (QEMU answers it itself, on the SMC conduit with
 * virtualization=on) all come from the device tree QEMU writes.
 */
#include <platform/platform.h>

const platform_t platform_qemu_virt = {
    .name = "qemu-virt",
    .compatible = {"linux,dummy-virt"},
    .console = {"arm,pl011", 0x09000000, 32 + 1}, /* SPI 1 */
    .flash = {PLAT_FLASH_BASE, 2 * PLAT_FLASH_SIZE},
};
