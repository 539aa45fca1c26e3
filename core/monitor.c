/*
 * septum's monitor: a small command line on septum's own console, reached with Ctrl-A m (see
 * core/vconsole.c), for what Xen users do with `xl` and Jailhouse users with `jailhouse cell`:
 * list the VMs (state, vCPUs and their CPUs, memory, faults, and what each VM service reports,
 * e.g. grants), stop or restart one, show the frame accounting, set the log level. Each command
 * checks its arguments and answers with a message; a bad one changes nothing.
 *
 * It runs in the interrupt handler of whichever CPU takes the console UART's interrupt, so a
 * command never waits for a guest: a stop or restart kicks the VM's vCPUs and returns once they
 * have left their guests.
 */
#include <core/monitor.h>
#include <core/vm.h>
#include <lib/console.h>
#include <stdio.h>
#include <string.h>

#define MON_LINE_MAX 64

static char line[MON_LINE_MAX];
static unsigned line_len;

static const char *const state_names[] = {"stopped", "running"};
static const char *const vcpu_names[] = {"off", "pending", "running", "starting"};

static vm_t *vm_named(const char *name)
{
    for (unsigned i = 0; i < vm_num; i++)
        if (!strcmp(vms[i].cfg.name, name))
            return &vms[i];
    return NULL;
}

static void cmd_help(void)
{
    log_info("monitor: help | list | stop VM | restart VM | frames | loglevel "
             "error|warn|info|debug | quit (or Ctrl-A again)\n");
}

static void cmd_list(void)
{
    log_info("monitor: %-12s %5s %-8s %-24s %9s %7s %s\n", "VM", "domid", "state",
             "vCPUs (vCPU:CPU:state)", "memory", "faults", "services");
    for (unsigned i = 0; i < vm_num; i++) {
        const vm_t *vm = &vms[i];
        char cpus[64], svc[96];
        size_t n = 0;
        cpus[0] = '\0';
        for (unsigned c = 0; c < vm->cfg.vcpu_num && n < sizeof(cpus); c++) {
            uint32_t st = __atomic_load_n(&vm->vcpu[c].state, __ATOMIC_ACQUIRE);
            int k = snprintf(cpus + n, sizeof(cpus) - n, "%s%u:%u:%s", c ? " " : "", c,
                             vm->vcpu[c].pcpu, st < 4 ? vcpu_names[st] : "?");
            n = k < 0 ? n : n + (size_t)k;
        }
        uint64_t mem = 0;
        for (unsigned m = 0; m < vm->cfg.mem_num; m++)
            mem += vm->cfg.mem[m].size;
        vm_services_describe(vm, svc, sizeof(svc));
        uint32_t st = __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE);
        log_info("monitor: %-12s %5u %-8s %-24s %6lu MiB %7lu %s\n", vm->cfg.name, vm->cfg.domid,
                 st < 2 ? state_names[st] : "?", cpus, (unsigned long)(mem >> 20),
                 (unsigned long)vm->faults, svc);
    }
}

static void cmd_loglevel(const char *arg)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (unsigned l = 0; l < 4; l++)
        if (arg && !strcmp(arg, names[l])) {
            console_set_level((enum log_level)l);
            log_info("monitor: log level %s\n", names[l]);
            return;
        }
    log_info("monitor: loglevel takes error, warn, info or debug\n");
}

/* Run one command line; false when it asks to leave the monitor. */
static bool run(char *cmd)
{
    char *arg = strchr(cmd, ' ');
    if (arg) {
        *arg++ = '\0';
        while (*arg == ' ')
            arg++;
        if (!*arg)
            arg = NULL;
    }
    if (!*cmd)
        return true;
    if (!strcmp(cmd, "help") || !strcmp(cmd, "?")) {
        cmd_help();
    } else if (!strcmp(cmd, "list") || !strcmp(cmd, "ls")) {
        cmd_list();
    } else if (!strcmp(cmd, "frames")) {
        vm_report_frames("now");
    } else if (!strcmp(cmd, "loglevel")) {
        cmd_loglevel(arg);
    } else if (!strcmp(cmd, "stop") || !strcmp(cmd, "restart")) {
        vm_t *vm = arg ? vm_named(arg) : NULL;
        if (!vm) {
            log_info("monitor: %s takes the name of a VM (see list)\n", cmd);
        } else if (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING) {
            log_info("monitor: vm %s is not running\n", vm->cfg.name);
        } else if (cmd[0] == 's') {
            vm_stop_external(vm, "stopped from the monitor");
        } else {
            vm_restart(vm);
        }
    } else if (!strcmp(cmd, "quit") || !strcmp(cmd, "exit")) {
        return false;
    } else {
        log_info("monitor: unknown command '%s'; try help\n", cmd);
    }
    return true;
}

void monitor_enter(void)
{
    line_len = 0;
    log_info("monitor: septum's monitor; help lists the commands, Ctrl-A or quit leaves\n");
}

bool monitor_input(char c)
{
    if (c == '\r' || c == '\n') {
        line[line_len] = '\0';
        line_len = 0;
        return run(line);
    }
    if ((c == 0x7f || c == '\b') && line_len) {
        line_len--;
        return true;
    }
    if (c >= 0x20 && c < 0x7f && line_len < sizeof(line) - 1)
        line[line_len++] = c;
    return true;
}
