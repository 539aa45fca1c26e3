/*
 * The translation granule septum uses everywhere: 4 KiB pages, for its own EL2 map, every VM's
 * stage 2, the frame allocator and the guests' grant frames. The one definition of the page size.
 */
#ifndef ARCH_PAGE_H
#define ARCH_PAGE_H

#define PAGE_SHIFT 12
#ifdef __ASSEMBLY__
#define PAGE_SIZE 4096
#else
#include <stdint.h>
#define PAGE_SIZE     4096UL
#define PAGE_MASK     (~(uint64_t)(PAGE_SIZE - 1))
#define PAGE_ALIGN(x) (((uint64_t)(x) + PAGE_SIZE - 1) & PAGE_MASK)
#define SZ_2M         0x200000UL
#endif
#endif
