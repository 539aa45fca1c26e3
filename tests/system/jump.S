/*
 * A stand-in boot loader for the device-tree system tests: QEMU's generic loader starts it with
 * the CPU at EL2; it enters septum's kernel flow (loaded at JUMP_SEPTUM) with x0 pointing at
 * whatever blob the test put at JUMP_DTB, which QEMU's own -kernel path would never do.
 */
#define JUMP_DTB    0x44000000
#define JUMP_SEPTUM 0x40200000
    .text
    .global _start
_start:
    ldr     x0, =JUMP_DTB
    ldr     x1, =JUMP_SEPTUM
    br      x1
    .ltorg
