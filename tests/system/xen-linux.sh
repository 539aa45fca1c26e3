# Debian's unmodified arm64 Linux as a Xen guest on septum (xen-guest in its description: Xen's
# /hypervisor node in its device tree). The kernel finds Xen 4.17, registers its shared_info,
# vcpu_info and runstate areas, maps its grant table and sets up 2-level event channels, all
# through septum's Xen ABI with guest-virtual buffers; it powers off through sched_op. Sourced
# by tests/run.sh.

xl_virt="-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 1G"
xen_up=('+^\[xenpen\] \[ *[0-9.]+\] Xen 4\.17 support found$'
  '+^\[xenpen\] \[ *[0-9.]+\] xen:grant_table: Grant tables using version 1 layout$'
  '+^\[xenpen\] \[ *[0-9.]+\] Grant table initialized$'
  '+^\[xenpen\] \[ *[0-9.]+\] xen:events: Using 2-level ABI$'
  '+^\[xenpen\] \[ *[0-9.]+\] Xen: initializing cpu0$'
  '+^\[xenpen\] \[ *[0-9.]+\] xen:balloon: Initialising balloon driver$'
  '+^\[xenpen\] SEPTUM-LINUX-UP$'
  '+^vm xenpen: stopped \(Xen sched_op shutdown\)$' '+^vm xenpen: 262144 KiB of memory returned$'
  -'^\[xenpen\] .*(Kernel panic|BUG:|Oops|WARNING:|Unable to handle|add_to_physmap failed)'
  -'^error:' -'PANIC' -'^warning:')

# one vCPU, beside a bare-metal VM that keeps ticking on the other CPU
qemu_case xen-linux 240 "$xl_virt -smp 2 -kernel $BUILD/septum.bin -initrd $BUILD/systems/xen-linux.pack" \
  "${xen_up[@]}" '+^\[xenpen\] cpus online: 0 \(1 CPUs\)$' '<^\[xenpen\] SEPTUM-LINUX-UP$<^\[ticker\] tick [0-9]+$' \
  'until=^vm xenpen: 262144 KiB of memory returned'

# two vCPUs: each registers its own vcpu_info (a second "initializing cpu") and runstate area,
# and each takes event-channel upcalls (PPI 31 on that vCPU): xen-demo spread binds a loopback
# channel's ends to vCPU 0 and vCPU 1 (EVTCHNOP_bind_vcpu) and rings it 100 times each way; the
# counts are the kernel's own, from /proc/interrupts. The VM is the only one, so septum powers
# off once it stops, every frame back
qemu_case xen-linux-smp 240 "$xl_virt -smp 2 -kernel $BUILD/septum.bin -initrd $BUILD/systems/xen-linux-smp.pack" \
  "${xen_up[@]}" '+^\[xenpen\] \[ *[0-9.]+\] Xen: initializing cpu1$' \
  '+^\[xenpen\] cpus online: 0-1 \(2 CPUs\)$' '+^all VMs have stopped; powering off$' \
  '+^\[xenpen\] xen-demo: spread: port [0-9]+ \(irq [0-9]+\) rang 100 times: 100 upcalls on cpu0, 0 on cpu1$' \
  '+^\[xenpen\] xen-demo: spread: port [0-9]+ \(irq [0-9]+\) rang 100 times: 0 upcalls on cpu0, 100 on cpu1$' \
  '=^frames before the VMs: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB)$=^frames at the end: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB).*$'
