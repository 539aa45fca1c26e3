/*
 * QEMU `virt` board facts that septum needs before it can read the device tree, and the quirks
 * the device tree does not state. Everything else (RAM, CPUs, GIC, UART) comes from the DTB.
 */
#ifndef PLATFORM_PLATFORM_H
#define PLATFORM_PLATFORM_H

#define PLAT_NAME "qemu-virt"

/* PL011 used for messages printed before the DTB has been read (and if it has no UART). */
#define PLAT_EARLY_UART_BASE 0x09000000UL

/* In the flashed-firmware flow, QEMU's firmware loader leaves the DTB at the start of RAM and
 * enters flash bank 0 at 0x0 with x0 = 0. */
#define PLAT_FLASH_DTB_ADDR 0x40000000UL
#define PLAT_FLASH_BASE     0x00000000UL
#define PLAT_FLASH_SIZE     0x04000000UL

/* The most a board DTB may occupy; QEMU reserves 1 MiB for it. */
#define PLAT_DTB_MAX_SIZE 0x00100000UL

/* QEMU has no EL3 firmware: it implements PSCI itself on the SMC conduit. */
#define PLAT_PSCI_FALLBACK_SMC 1

#endif
