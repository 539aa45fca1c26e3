/*
 * septum's guest SDK for bare-metal programs: hypercalls, console output, PSCI, and catching
 * the exceptions septum injects. Link with guest/crt0.S, guest/lib.c and guest/guest.ld; write
 * `int main(const void *dtb)`.
 */
#ifndef SEPTUM_GUEST_H
#define SEPTUM_GUEST_H
#include <septum/abi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct guest_frame {
    uint64_t x[31];
    uint64_t elr;
} guest_frame_t;

/* An SMCCC call over HVC #0: function ID and up to six arguments; x0-x3 come back in ret. */
int64_t septum_hvc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                   uint64_t a6, uint64_t ret[4]);

int guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void guest_puts(const char *s); /* buffered; flushed at '\n' */

int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context);
_Noreturn void psci_system_off(void);
_Noreturn void psci_system_reset(void);

/* The last synchronous exception caught (ESR_EL1, FAR_EL1), and how many so far. With
 * guest_expect_abort set, a data abort is recorded and the faulting instruction skipped;
 * otherwise any exception is reported and the VM powers off. */
extern volatile bool guest_expect_abort;
extern volatile uint64_t guest_last_esr, guest_last_far, guest_exceptions;

/* With guest_expect_undef set, an undefined-instruction exception (EC 0: an unallocated
 * encoding, a system register septum refused) is recorded and skipped the same way. */
extern volatile bool guest_expect_undef;

/* Run fn with guest_expect_abort set; true if it took a data abort (which was skipped). */
bool guest_faults(void (*fn)(void));
/* Called for every IRQ taken at EL1 when set (the handler acknowledges the interrupt). */
extern void (*volatile guest_irq_handler)(void);
/* The virtual GIC's version: 3, or 2 (a GICv2 with its CPU interface at 0x08010000). */
unsigned guest_gic_version(void);
/* Enable one interrupt at the virtual GIC for the calling vCPU (priority prio; the distributor
 * and the CPU interface on): on a GICv3 in group 1, a PPI/SGI in its redistributor, an SPI in
 * the distributor; on a GICv2 in group 0, an SPI targeted at the calling vCPU. */
void guest_gic_enable(unsigned intid, uint8_t prio);
/* Acknowledge the best pending interrupt (ICC_IAR1_EL1 or GICC_IAR): the value to give back
 * to guest_gic_eoi, whose INTID is guest_gic_intid(value) (1023: none). */
uint32_t guest_gic_ack(void);
void guest_gic_eoi(uint32_t iar);
static inline uint32_t guest_gic_intid(uint32_t iar) { return iar & 0x3ff; }
/* Sleep on the virtual timer (through the virtual GIC, with IRQs masked: no handler needed). */
void guest_sleep_ms(uint64_t ms);
/* Spin (no WFI: nothing might wake it) until cond() holds or `seconds` of counter time pass;
 * whether it holds. A guard against hanging, not a timing check: what should happen gets
 * GUEST_WAIT_GUARD seconds (a loaded host may not run this vCPU, or the one it waits for, for
 * seconds at a time); "nothing happens within a second" gets 1. */
#define GUEST_WAIT_GUARD 30
bool guest_wait_for(bool (*cond)(void), unsigned seconds);
/* In a loop that takes interrupts (IRQs unmasked), wait for the next one unless `ready` (an
 * expression) already holds. IRQs are masked around the look: an interrupt whose handler would
 * have made it true between the look and a plain WFI leaves the vCPU asleep until some other
 * interrupt comes; masked, it stays pending, ends the WFI, and is taken after. */
#define guest_wfi_unless(ready)                                                                    \
    do {                                                                                           \
        __asm__ volatile("msr daifset, #2" ::: "memory");                                          \
        if (!(ready))                                                                              \
            __asm__ volatile("wfi" ::: "memory");                                                  \
        __asm__ volatile("msr daifclr, #2; isb" ::: "memory");                                     \
    } while (0)

/* The bootargs from the device tree ("" if none). */
const char *guest_bootargs(void);
/* Find "key=" in the bootargs and parse what follows as a number; false if absent. */
bool guest_arg(const char *key, uint64_t *value);

int main(const void *dtb);
/* A secondary vCPU's code: start it with psci_cpu_on(mpidr, (uint64_t)guest_secondary_start,
 * stack_top); when guest_secondary returns, the vCPU turns itself off. */
void guest_secondary_start(void);
void guest_secondary(uint64_t stack_top);
#endif
