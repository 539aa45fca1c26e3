/*
 * What newlib and libfdt expect from the system underneath them, and general-register versions
 * of the few newlib string routines whose aarch64 assembly uses SIMD registers. EL2 code must
 * never touch FP/SIMD state: it belongs to the guests (tools/check-image.sh enforces this).
 */
#include <errno.h>
#include <lib/panic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* newlib's snprintf may allocate (nano malloc) for its reentrancy structure: a small, bounded
 * heap that fails cleanly when exhausted. */
#define HEAP_SIZE (64 * 1024)
static uint8_t heap[HEAP_SIZE] __attribute__((aligned(16)));
static size_t heap_used;

void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    if (incr < 0 || (size_t)incr > HEAP_SIZE - heap_used) {
        errno = ENOMEM;
        return (void *)-1;
    }
    void *p = heap + heap_used;
    heap_used += (size_t)incr;
    return p;
}

/* libfdt is built with the stack protector. */
uintptr_t __stack_chk_guard = 0x5e97a11d0c0ffee5UL;
_Noreturn void __stack_chk_fail(void);
void __stack_chk_fail(void) { panic("stack protector: a stack frame was corrupted"); }

/* The compiler would turn these loops back into calls to themselves; EL2_CFLAGS carry
 * -fno-tree-loop-distribute-patterns for that reason. */
void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    uint64_t v = (uint8_t)c * 0x0101010101010101UL;
    while (n && ((uintptr_t)d & 7)) {
        *d++ = (uint8_t)c;
        n--;
    }
    /* 64 bytes a round: zeroing table pages and VM state was 146,000 of a boot's 1.96 M
     * instructions at 8 bytes a round */
    for (; n >= 64; n -= 64, d += 64) {
        uint64_t *w = (uint64_t *)(void *)d;
        w[0] = v;
        w[1] = v;
        w[2] = v;
        w[3] = v;
        w[4] = v;
        w[5] = v;
        w[6] = v;
        w[7] = v;
    }
    for (; n >= 8; n -= 8, d += 8)
        *(uint64_t *)(void *)d = v;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

void *memchr(const void *s, int c, size_t n)
{
    const uint8_t *p = s;
    for (; n; n--, p++)
        if (*p == (uint8_t)c)
            return (void *)(uintptr_t)p;
    return NULL;
}

char *strchrnul(const char *s, int c);
char *strchrnul(const char *s, int c)
{
    while (*s && *s != (char)c)
        s++;
    return (char *)(uintptr_t)s;
}

char *strchr(const char *s, int c)
{
    char *p = strchrnul(s, c);
    return *p == (char)c ? p : NULL;
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;
    do {
        if (*s == (char)c)
            last = s;
    } while (*s++);
    return (char *)(uintptr_t)last;
}
