/*
 * The VMs' consoles on septum's one UART. Output: each VM's bytes are collected into lines and
 * printed whole, prefixed with the VM's name. Input: typed bytes go to the VM that has the
 * console input, through its console device (core/vdev.h), or the console septum serves in its
 * memory when it uses one (vm->console_in: Xen's PV console); Ctrl-A then a digit or 'n' moves the
 * input (see vm_console_input in core/vm.h), Ctrl-A m enters septum's monitor (core/monitor.c),
 * and Ctrl-A leaves it again.
 */
#include <core/monitor.h>
#include <core/vdev.h>
#include <core/vm.h>
#include <lib/console.h>
#include <stdio.h>

static unsigned input_vm;   /* the VM that has the console input */
static bool input_escape;   /* the previous byte was the escape */
static bool in_monitor;     /* typed bytes go to septum's monitor */
static spinlock_t out_lock; /* every VM's line buffer */

/* The VM that has the console input is shown as it types (a shell's prompt has no newline, nor
 * do the characters it echoes): its unfinished line is printed as it grows, and whatever else is
 * printed meanwhile ends it first; then its next byte prints it again from its start. */
void vm_console_putc(vm_t *vm, char c)
{
    spin_lock(&out_lock);
    bool newline = c == '\n' || c == '\r';
    bool flush = c == '\n' || vm->line_len == sizeof(vm->line) - 1;
    if (!newline)
        vm->line[vm->line_len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '?';
    vm->line[vm->line_len] = '\0';
    char one[2] = {newline ? '\0' : vm->line[vm->line_len ? vm->line_len - 1 : 0], '\0'};
    bool live = vm->id == input_vm && !in_monitor;
    if (flush) {
        if (!console_part_continue(vm, one, true))
            log_info("[%s] %s\n", vm->cfg.name, vm->line);
        vm->line_len = 0;
    } else if (live && !newline && !console_part_continue(vm, one, false)) {
        char head[VM_NAME_MAX + 4 + sizeof(vm->line)];
        snprintf(head, sizeof(head), "[%s] %s", vm->cfg.name, vm->line);
        console_part_start(vm, head);
    }
    spin_unlock(&out_lock);
}

static void input_to(unsigned i)
{
    input_vm = i;
    log_info("console input: vm %s\n", vms[i].cfg.name);
}

void vm_console_input(char c)
{
    if (!vm_num)
        return;
    if (in_monitor) {
        if (c == VM_CONSOLE_ESCAPE || !monitor_input(c)) {
            in_monitor = false;
            log_info("console input: vm %s\n", vms[input_vm].cfg.name);
        }
        return;
    }
    if (input_escape) {
        input_escape = false;
        if (c == 'm') {
            in_monitor = true;
            monitor_enter();
            return;
        }
        if (c >= '1' && c <= '9') {
            if ((unsigned)(c - '1') < vm_num)
                input_to((unsigned)(c - '1'));
            return;
        }
        if (c == 'n') {
            input_to((input_vm + 1) % vm_num);
            return;
        }
        if (c != VM_CONSOLE_ESCAPE)
            return; /* an unknown command is dropped */
    } else if (c == VM_CONSOLE_ESCAPE) {
        input_escape = true;
        return;
    }
    vm_t *vm = &vms[input_vm];
    if (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING) {
        /* the VM that had the input stopped: the next one still running gets it */
        for (unsigned k = 1; k < vm_num; k++) {
            unsigned i = (input_vm + k) % vm_num;
            if (__atomic_load_n(&vms[i].state, __ATOMIC_ACQUIRE) == VM_RUNNING) {
                input_to(i);
                vm = &vms[i];
                break;
            }
        }
    }
    if (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) != VM_RUNNING)
        return;
    bool (*in)(vm_t *, char) = __atomic_load_n(&vm->console_in, __ATOMIC_ACQUIRE);
    if (!(in ? in(vm, c) : vdev_console_rx(vm, c)))
        log_debug("vm %s: console input dropped (no room)\n", vm->cfg.name);
}
