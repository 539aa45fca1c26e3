/*
 * septum's own EL2 address space: an identity map built from a list of ranges (text, rodata,
 * data, stacks, the console...), and a checker that walks the produced tables so a test, and
 * the boot itself, can prove that no mapping is both writable and executable.
 */
#ifndef MM_EL2MAP_H
#define MM_EL2MAP_H
#include <mm/pt.h>

typedef struct el2map_range {
    uint64_t start, end; /* [start, end), page-aligned, identity-mapped */
    unsigned prot;       /* PT_* */
    const char *what;    /* named in error messages */
} el2map_range_t;

/* Map every range; refuses empty, unaligned, overlapping and W+X ranges, naming the range in
 * why. Returns 0 or a negative errno. */
int el2map_build(pt_t *pt, const el2map_range_t *ranges, unsigned n, char *why, size_t why_len);

typedef struct el2map_report {
    unsigned wx; /* leaves both writable and executable */
    uint64_t mapped_bytes;
    uint64_t exec_bytes;
    uint64_t writable_bytes;
} el2map_report_t;

/* Walk the tables and total them up; -EPERM if any leaf is writable and executable. */
int el2map_check(const pt_t *pt, el2map_report_t *rep);
#endif
