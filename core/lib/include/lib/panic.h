/*
 * The stop paths: panic() for an impossible state, exception_fatal() (arch/regs.h) for an
 * unexpected exception, septum_stop() for a clean stop after an error that was reported.
 */
#ifndef CORE_PANIC_H
#define CORE_PANIC_H
#include <stdbool.h>

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Stop the machine: power off (default), or park every CPU for a debugger when the boot
 * arguments say septum.panic=halt. */
_Noreturn void septum_stop(void);
void panic_set_halt(bool halt);
#endif
