/*
 * The board as its device tree describes it: RAM, reserved ranges, CPUs, PSCI, GIC, console
 * UART, timer and the chosen node. board_parse() treats the blob as hostile: every size, offset,
 * cell count and string is checked, and a failure says which node and what is wrong.
 */
#ifndef CORE_BOARD_H
#define CORE_BOARD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOARD_MEM_MAX  8
#define BOARD_RESV_MAX 16
#define BOARD_CPU_MAX  8

typedef struct board_range {
    uint64_t base, size;
} board_range_t;

typedef enum { BOARD_CONDUIT_NONE, BOARD_CONDUIT_SMC, BOARD_CONDUIT_HVC } board_conduit_t;

typedef struct board {
    uint32_t dtb_size;
    char model[64];
    board_range_t mem[BOARD_MEM_MAX]; /* sorted by base; zero-sized entries are skipped */
    unsigned mem_num;
    board_range_t resv[BOARD_RESV_MAX]; /* /memreserve/ entries and /reserved-memory children */
    unsigned resv_num;
    struct {
        uint64_t mpidr;
        bool psci; /* enable-method = "psci" */
    } cpu[BOARD_CPU_MAX];
    unsigned cpu_num;
    struct {
        bool present;
        board_conduit_t conduit;
        bool v0_2; /* PSCI 0.2 or later: standard function IDs */
        uint32_t cpu_on_id; /* PSCI 0.1 only: the cpu_on property */
    } psci;
    struct {
        unsigned version; /* 2 or 3 */
        board_range_t dist, redist, cpuif, hyp_ctrl, vcpuif;
        uint32_t maint_irq; /* INTID */
    } gic;
    struct {
        bool present;
        board_range_t reg;
        uint32_t irq; /* INTID, 0 if none */
        char path[64];
    } uart;
    struct {
        bool present;
        uint32_t irq[4]; /* INTIDs: secure, non-secure physical, virtual, hypervisor */
    } timer;
    char bootargs[256];
    uint64_t initrd_start, initrd_end; /* 0 if absent */
} board_t;

/* Parse the DTB at fdt, at most max_size bytes. 0 on success; else a negative errno and why
 * says what is wrong. A missing UART, PSCI or timer is not an error (the flags say so). */
int board_parse(const void *fdt, size_t max_size, board_t *b, char *why, size_t why_len);
#endif
