# Console use as a person does it: `make run SYSTEM=input` in a terminal (tmux), the documented
# keys typed (Ctrl-A 2, Ctrl-A 1: QEMU's own escape is moved to Ctrl-] by the Makefile, so
# Ctrl-A reaches septum), and each typed line arriving at the VM that has the input. Sourced by
# tests/run.sh.

make_run_case make-run-switching 60 input tests/system/input/make-run-keys.txt \
  '+^\[alpha\] got: one for alpha$' '+^console input: vm beta$' \
  '+^\[beta\] got: two for beta$' '+^console input: vm alpha$' \
  '+^\[alpha\] got: three for alpha$' -'got: .*(beta.*alpha|alpha.*beta)' \
  '+^all VMs have stopped; powering off$'

# The interactive Linux demo (configs/linux.dts): a shell on Linux's console runs uname -a,
# Ctrl-A 2 reaches the bare-metal VM beside it, Ctrl-A 1 comes back, and the shell powers its VM
# off; the bare-metal VM would run on, so the run ends there.
make_run_case make-run-linux 240 linux tests/system/input/make-run-linux-keys.txt \
  '+^\[penguin\] SEPTUM-LINUX-SHELL' '+^\[penguin\] Linux [^ ]+ 6\.[0-9.]+-[0-9]+-arm64 .* aarch64 GNU/Linux$' \
  '+^\[echo\] got: ping$' \
  '+^vm penguin: stopped \(PSCI SYSTEM_OFF\)$' -'^error:' -'undefined instruction'

# septum's monitor (Ctrl-A m): list the VMs, refuse bad commands, restart one VM and stop it
# (its memory comes back), show the frame accounting, leave with quit; the other VM goes on.
make_run_case make-run-monitor 60 input tests/system/input/monitor-keys.txt \
  '+^monitor: alpha +1 running +0:0:running +16 MiB +0 ' \
  "+^monitor: unknown command 'bogus'; try help$" '+^monitor: stop takes the name of a VM' \
  '+^vm beta: reset$' '<^vm beta: reset$<^\[beta\] waiting for 1 lines$' \
  '+^vm beta: stopped \(stopped from the monitor\)$' \
  '+^vm beta: 16384 KiB of memory returned$' '+^monitor: beta +2 stopped ' '+^frames now: ' \
  '+^monitor: loglevel takes error, warn, info or debug$' '+^\[alpha\] got: two for alpha$' \
  '+^all VMs have stopped; powering off$' -'^error:'
