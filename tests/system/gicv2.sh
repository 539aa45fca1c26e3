# The same system descriptions on a GICv2 board (QEMU virt with gic-version=2): septum drives the
# GIC-400 at EL2 and gives each VM a virtual GICv2, chosen at boot from the board's device tree
# (one image for both). The default demo, PSCI, grants, event channels, the virtual GIC's own test
# (tests/guests/vgic2.c: more pending interrupts than list registers, SGIs between vCPUs, timer
# ticks), console input, and Debian's Linux with 2 vCPUs beside a ticking bare-metal VM. The
# isolation description on GICv2 is vms.sh's vms-isolation-gicv2. Sourced by tests/run.sh.

g2virt="-M virt,virtualization=on,gic-version=2 -cpu cortex-a57 -m 1G"
g2kern() { echo "$g2virt -smp ${2:-2} -kernel $BUILD/septum.bin -initrd $BUILD/systems/$1.pack"; }
g2quiet=(-'^error:' -'^warning:' -'unexpected .* exception' -'PANIC' -'undefined instruction')

qemu_case gicv2-default 30 "$(g2kern default)" '+^board: .*GICv2' '+^starting 2 VMs$' \
  '+^\[alpha\] hello 3/3 from vm 0$' '+^\[beta\] hello 5/5 from vm 1$' \
  '+^\[beta\] received: message 5 of 5$' '+^\[alpha\] all 5 messages delivered; grant revoked$' \
  '+^all VMs have stopped; powering off$' "${g2quiet[@]}"

qemu_case gicv2-psci 30 "$(g2kern psci 3)" '+^\[duo\] smp: 0 failed$' -'WRONG' \
  '+^\[phoenix\] boot 3$' '+^vm phoenix: reset$' '+^vm duo: stopped \(PSCI SYSTEM_OFF\)$' \
  '+^all VMs have stopped; powering off$' "${g2quiet[@]}"

qemu_case gicv2-grants 60 "$(g2kern grants 3)" '+^\[granter\] granter: 0 failed$' \
  '+^\[mapper\] mapper: 0 failed$' -'FAILED' '+^\[granter\] peer says: pong$' \
  '+^\[nosy\] outsider: 0 failed$' '+^all VMs have stopped; powering off$'

# Event channels (evtchn.sh's pair) through the SDK's upcall on a GICv2 CPU interface: before,
# the upcall read ICC_IAR1_EL1, which a GICv2 does not have, and the guest died of it.
qemu_case gicv2-evtchn 30 "$(g2kern evtchn)" \
  "+^\\[pong\\] pong: bound port 1 to domain 1's port 1$" \
  '+^\[ping\] ping: 100 round trips on port 1$' '+^\[ping\] ping: the declared channel answers$' \
  '+^\[pong\] pong: masked port pending without an upcall: ok$' \
  '+^\[pong\] pong: delivered on unmask \(1 upcall\)$' \
  '+^\[ping\] ping: errors as Xen gives them: ok$' \
  '+^\[pong\] pong: peer stopped; its ports unbound, waiting for domain 1: ok$' -'FAILED' \
  '+^all VMs have stopped; powering off$' -'^error:' -'unexpected .* exception' -'PANIC' \
  -'undefined instruction'

# The virtual GICv2 itself; the hostile accesses are refused with a message naming them.
qemu_case gicv2-vgic 60 "$(g2kern vgic2 2)" '+^\[gic\] vgic2: 0 failed$' -'FAILED' \
  '+^\[gic\] overflow: 16 interrupts delivered, first 7 6 5 4' \
  '+^\[gic\] sgi: 200 sent to vcpu 1, 200 received there, 200 answers back$' \
  '+^\[gic\] timer: 50 ticks of 1000 us' '+^vm gic: stopped \(PSCI SYSTEM_OFF\)$' \
  '=^frames before the VMs: free ([0-9]+) KiB.*$=^frames at the end: free ([0-9]+) KiB.*$' \
  '+^warning: vm gic vcpu 0: write at IPA 0x8000000 refused by its device$' \
  '+^warning: vm gic vcpu 0: read at IPA 0x8000104 refused by its device$' \
  '+^warning: vm gic vcpu 0: read at IPA 0x8000828 refused by its device$' \
  -'^error:' -'unexpected .* exception' -'PANIC'

qemu_case gicv2-console-input 30 "$(g2kern input)" input=tests/system/input/echo.txt \
  '+^console input: vm beta$' '+^\[alpha\] got: one for alpha$' '+^\[beta\] got: two for beta$' \
  '+^\[alpha\] got: three for alpha$' '+^all VMs have stopped; powering off$' "${g2quiet[@]}"

# Debian's kernel on the virtual GICv2 (its gic-400 driver), 2 vCPUs on CPUs 0-1, the ticker on 2.
qemu_case gicv2-linux-smp 240 "$(g2kern linux-smp 3)" '+^\[penguin\] SEPTUM-LINUX-UP$' \
  '+^\[penguin\] cpus online: 0-1 \(2 CPUs\)$' '+^\[penguin\] .*Root IRQ handler: gic_handle_irq$' \
  '+^vm penguin: stopped \(PSCI SYSTEM_OFF\)$' '<^\[penguin\] SEPTUM-LINUX-UP$<^\[ticker\] tick [0-9]+$' \
  -'^\[penguin\] .*(Kernel panic|BUG:|Oops|WARNING:|SMP: failed to stop)' -'^error:' -'PANIC' \
  -'^warning:' 'until=^vm penguin: stopped'
