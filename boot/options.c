/*
 * Boot arguments (/chosen/bootargs): the septum.* options, and the test hooks they may ask for
 * (septum.test=...), for the system tests of septum's fatal paths.
 */
#include "boot.h"
#include <lib/console.h>
#include <lib/panic.h>
#include <stdio.h>
#include <string.h>

static const char *test_hook = "";

void boot_parse_args(const char *args)
{
    static char copy[sizeof(board.bootargs)];
    snprintf(copy, sizeof(copy), "%s", args);
    for (char *tok = copy, *next; tok && *tok; tok = next) {
        next = strchr(tok, ' ');
        if (next)
            *next++ = '\0';
        if (strncmp(tok, "septum.", 7) != 0)
            continue;
        char *val = strchr(tok, '=');
        if (!val) {
            log_warn("boot argument '%s' needs a value; ignored\n", tok);
            continue;
        }
        *val++ = '\0';
        if (!strcmp(tok, "septum.loglevel")) {
            static const char *const names[] = {"error", "warn", "info", "debug"};
            unsigned l = 0;
            while (l < 4 && strcmp(val, names[l]))
                l++;
            if (l < 4)
                console_set_level((enum log_level)l);
            else
                log_warn("septum.loglevel=%s: expected error, warn, info or debug\n", val);
        } else if (!strcmp(tok, "septum.panic")) {
            panic_set_halt(!strcmp(val, "halt"));
        } else if (!strcmp(tok, "septum.test")) {
            test_hook = val;
        } else {
            log_warn("unknown boot argument '%s'; ignored\n", tok);
        }
    }
}

static unsigned overflow(volatile unsigned *depth)
{
    volatile char pad[512];
    pad[0] = (char)*depth;
    if (++*depth > (1u << 30)) /* never true: 16 KiB of stack end long before */
        return 0;
    return overflow(depth) + pad[0];
}

void boot_run_test_hook(void)
{
    if (!*test_hook)
        return;
    log_info("test hook: %s\n", test_hook);
    if (!strcmp(test_hook, "fault")) {
        /* the first byte past septum's image: RAM, but not in the EL2 map */
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)__image_end;
        log_info("read from unmapped 0x%lx: 0x%lx\n", (unsigned long)(uintptr_t)p,
                 (unsigned long)*p);
    } else if (!strcmp(test_hook, "stack-overflow")) {
        volatile unsigned depth = 0;
        log_info("never: %u\n", overflow(&depth));
    } else if (!strcmp(test_hook, "panic")) {
        panic("test hook asked for a panic");
    } else {
        log_warn("unknown test hook '%s'\n", test_hook);
    }
}
