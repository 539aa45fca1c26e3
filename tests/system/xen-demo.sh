# Xen guests on septum with their own drivers (configs/linux-xen.dts, the README's demo): two
# Debian Linux VMs as Xen guests, each with its shell on hvc0 (Xen's PV console, served by
# septum), driven through `make run` in a terminal as a person types. tux1 offers a page with
# /dev/xen/gntalloc; Ctrl-A 2; tux2 maps it with /dev/xen/gntdev and offers one back; they ring
# each other through /dev/xen/evtchn both ways (tools/xen-demo). Each kernel's log is searched
# for BUG, Oops, WARNING and panic (dmesg: the console is quiet); tux2 is restarted from septum's
# monitor and its new shell answers on hvc0; both power off through Xen's sched_op, and septum's
# frame accounting is back where it started. Sourced by tests/run.sh.

xen_demo=(
  # the shells are on hvc0, and typed commands reach them
  '+^\[tux1\] hvc0$'
  # the page tux1 offers, as tux2 maps it, and the page tux2 offers back, as tux1 maps it
  '+^\[tux2\] xen-demo: mapped grant 8 of domain 1$' '+^\[tux2\] xen-demo: its page says: "hello from tux1"$'
  '+^\[tux1\] xen-demo: mapped grant [0-9]+ of domain 2$' '+^\[tux1\] xen-demo: its page says: "hello from tux2"$'
  # each wrote into the other's page
  '+^\[tux1\] xen-demo: the peer wrote in my page: "got "hello from tux1""$'
  '+^\[tux2\] xen-demo: the peer wrote in my page: "got "hello from tux2""$'
  # events both ways
  '+^\[tux1\] xen-demo: event on port [0-9]+$' '+^\[tux2\] xen-demo: event on port [0-9]+$'
  '+^\[tux1\] xen-demo: done: shared both ways, rang both ways$'
  '+^\[tux2\] xen-demo: done: shared both ways, rang both ways$'
  '+^\[tux1\] tux1-checked$' '+^\[tux2\] tux2-checked$'
  # a reset from the monitor: the console comes back with the new kernel (a new port, the ring
  # page cleared), and typed input reaches it
  '+^vm tux2: reset$' '<^vm tux2: reset$<^\[tux2\] SEPTUM-LINUX-SHELL' '<^vm tux2: reset$<^\[tux2\] hvc0$'
  '+^\[tux2\] tux2-again$'
  '+^vm tux1: stopped \(Xen sched_op shutdown\)$' '+^vm tux2: stopped \(Xen sched_op shutdown\)$'
  '+^all VMs have stopped; powering off$'
  '=^frames before the VMs: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB)$=^frames at the end: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB).*$'
  # no kernel trouble (the typed grep line itself has the shell's prompt, "#", in it)
  -'^\[tux[12]\] [^#]*(BUG:|Oops|WARNING:|Kernel panic)' -'xen-demo: .*(failed|not a|no answer|usage)'
  -'^error:' -'^warning:' -'PANIC')
make_run_case xen-demo 300 linux-xen tests/system/input/xen-demo-keys.txt "${xen_demo[@]}"

# The same exchange unattended (septum.xendemo= on the kernel command line, as make bench runs
# it), after tux2 has mapped and unmapped tux1's page 200 times through /dev/xen/gntdev.
qemu_case xen-demo-unattended 120 \
  "-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 1G -smp 2 -kernel $BUILD/septum.bin -initrd $BUILD/systems/xen-bench.pack" \
  '+^\[tux2\] xen-demo: bench: 200 gntdev map\+unmap of grant 8 of domain 1: [0-9]+ ns each$' \
  '+^\[tux1\] xen-demo: done: shared both ways, rang both ways$' \
  '+^\[tux2\] xen-demo: done: shared both ways, rang both ways$' \
  '+^vm tux1: stopped \(Xen sched_op shutdown\)$' '+^vm tux2: stopped \(Xen sched_op shutdown\)$' \
  '=^frames before the VMs: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB)$=^frames at the end: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB).*$' \
  -'xen-demo: .*(failed|not a|no answer|usage)' -'^error:' -'^warning:' -'PANIC'

# A bare-metal Xen guest lies about its PV console's indices (tests/guests/xencons.c): septum
# refuses each lie with a rate-limited warning naming the VM, prints nothing it was not meant
# to, and still prints the honest lines; its frames come back.
qemu_case xencons-hostile 30 \
  "-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 1G -smp 1 -kernel $BUILD/septum.bin -initrd $BUILD/systems/xencons.pack" \
  '+^\[liar\] xencons: page at 0x3040000000, port [0-9]+$' '+^\[liar\] honest line one$' \
  '+^\[liar\] xencons: send: 0$' '+^\[liar\] xencons: septum consumed up to 16 of 16$' \
  '+^warning: vm liar: PV console: out_prod is not within a ring of what septum consumed; output dropped$' \
  '<^\[liar\] honest line one$<^\[liar\] honest line two$' \
  '+^\[liar\] xencons: done$' \
  '=^frames before the VMs: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB)$=^frames at the end: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB).*$' \
  -'^\[liar\] .*[^ -~]' -'^error:' -'PANIC' -'Synchronous Abort'

# Linux and a bare-metal VM (tests/system/linux/xen-sdk.dts): Linux offers a page with gntalloc,
# the bare-metal VM maps it and grants one back, Linux maps that with gntdev; each rings the
# other's port; both stop and every frame comes back.
qemu_case xen-linux-sdk 120 \
  "-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 1G -smp 2 -kernel $BUILD/septum.bin -initrd $BUILD/systems/xen-sdk.pack" \
  '+^\[peer\] mapped the Linux VM.s page: ok$' '+^\[peer\] its page says: "hello from the offering VM"$' \
  '+^\[tux1\] xen-demo: mapped grant 8 of domain 2$' '+^\[tux1\] xen-demo: its page says: "hello from a bare-metal VM"$' \
  '+^\[tux1\] xen-demo: the peer wrote in my page: "got it, bare metal here"$' \
  '+^\[peer\] the peer wrote in my page: "got "hello from a bare-metal VM""$' \
  '+^\[tux1\] xen-demo: event on port [0-9]+$' '+^\[peer\] event on port [0-9]+$' \
  '+^\[peer\] the Linux VM let go of my page and rang: ok$' '+^\[peer\] xenpeer: 0 failed$' \
  '+^\[tux1\] xen-demo: done: shared both ways, rang both ways$' \
  '+^vm tux1: stopped \(Xen sched_op shutdown\)$' '+^vm peer: stopped \(PSCI SYSTEM_OFF\)$' \
  '=^frames before the VMs: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB)$=^frames at the end: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB).*$' \
  -'FAILED' -'xen-demo: .*(failed|not a|no answer|usage)' -'^error:' -'^warning:' -'PANIC'
