# System tests of VMs: the default system in both flows, isolation between VMs, run-time region
# changes, and system descriptions septum must refuse. Sourced by tests/run.sh.

virt="-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 1G"
sys=$BUILD/systems
kern() { echo "$virt -smp ${2:-2} -kernel $BUILD/septum.bin -initrd $sys/$1.pack"; }
flash() { echo "$virt -smp ${2:-2} -drive if=pflash,format=raw,file=$sys/$1-flash.img"; }
quiet=(-'^error:' -'^warning:' -'unexpected .* exception' -'PANIC')
both_done=('+^\[alpha\] hello 3/3 from vm 0$' '+^\[alpha\] done$'
  '+^\[beta\] hello 5/5 from vm 1$' '+^\[beta\] done$'
  '+^\[alpha\] sharing a ring page with domain 2 as grant 8$'
  '+^\[beta\] received: message 5 of 5$' '+^\[alpha\] all 5 messages delivered; grant revoked$'
  '+^vm alpha: stopped \(PSCI SYSTEM_OFF\)$' '+^vm beta: stopped \(PSCI SYSTEM_OFF\)$'
  '+^all VMs have stopped; powering off$')

qemu_case vms-default-kernel 30 "$(kern default)" '+^starting 2 VMs$' "${both_done[@]}" "${quiet[@]}" \
  '+^frames with the VMs created: free [0-9]+ KiB, septum [0-9]+ KiB, tables 2048 KiB, alpha 16384 KiB, beta 16384 KiB$' \
  '+^vm alpha: 1 vCPU on CPU 0, RAM 0x40000000\+16 MiB at host 0x[0-9a-f]+, ring.bin 0x40080000 \([0-9]+ KiB\), dtb 0x40ff0000$'
qemu_case vms-default-flash 30 "$(flash default)" '+boot flow: flash$' "${both_done[@]}" "${quiet[@]}"

# Isolation: every probe of prober aborts, septum names VM, address and access; steady finishes;
# stopper is stopped on its first fault.
iso=('+^\[prober\] isolation: 14 of 14 accesses aborted$' -'SUCCEEDED'
  '+^warning: vm prober vcpu 0: read at IPA 0x40200000 .*outside its regions$'
  '+^warning: vm prober vcpu 0: write at IPA 0x9030000 .*outside its regions$'
  '+^\[steady\] hello 40/40 ' '+^\[steady\] done$'
  '+^vm stopper: stopped \(access outside its regions\)$' -'^\[stopper\] isolation'
  '+^all VMs have stopped; powering off$')
qemu_case vms-isolation-kernel 60 "$(kern isolation 3)" "${iso[@]}" \
  '+^\[steady\] interrupt controller: arm,gic-v3$'
qemu_case vms-isolation-flash 60 "$(flash isolation 3)" "${iso[@]}"
# On a GICv2 board the same description runs unchanged: the VMs get a virtual GICv2 (their device
# trees say arm,gic-400), and nothing touches a GICv3 system register (that used to be an
# undefined-instruction exception at EL2 as soon as a VM started).
qemu_case vms-isolation-gicv2 60 "${virt/gic-version=3/gic-version=2} -smp 3 -kernel $BUILD/septum.bin -initrd $sys/isolation.pack" \
  "${iso[@]}" '+^\[steady\] interrupt controller: arm,gic-400$' -'unexpected .* exception' -'PANIC'

# ... and the IPA of a stage-2 permission fault is right where VA and IPA differ (HPFAR_EL2 is
# UNKNOWN there: septum translates FAR through the guest's stage 1).
qemu_case vms-regions 30 "$(kern regions 1)" '+^\[editor\] regions: 0 failed$' -'FAILED' \
  '+^warning: vm editor vcpu 0: write at IPA 0x[0-9a-f]+ .*permission fault.*not permitted by its region$' \
  '=^\[editor\] page word 1 at (0x[0-9a-f]+)$=^warning: vm editor vcpu 0: write at IPA (0x[0-9a-f]+) \(VA 0x80000008, .*$' \
  '+^warning: vm editor vcpu 0: read at IPA 0x[0-9a-f]+ .*outside its regions$' \
  '+^vm editor: stopped \(PSCI SYSTEM_OFF\)$'

# Wrong descriptions: refused at boot with the VM, its node and the problem.
refused='+^septum: stopped; powering off$'
qemu_case sysdesc-cpu-twice 30 "$(kern bad-cpu-twice)" \
  '+^error: system description: /beta \(beta\): physical CPU 0 already runs another vCPU$' "$refused"
qemu_case sysdesc-too-many-vcpus 30 "$(kern bad-vcpus)" \
  '+^error: system description: /wide \(wide\): vCPU 2 on physical CPU 2, but only 2 CPUs are online$' "$refused"
qemu_case sysdesc-memory-outside 30 "$(kern bad-memory)" \
  '+^error: system description: /far \(far\): memory 0x10000000000000\+0x1000000 lies outside the 44-bit guest address space$' "$refused"
qemu_case sysdesc-missing-image 30 "$(kern bad-image)" \
  '+^error: system description: /ghost \(ghost\): image "missing.bin" is not in the bundle$' "$refused"
qemu_case sysdesc-load-outside 30 "$(kern bad-load)" \
  '+^error: system description: /stray \(stray\): image "hello.bin" .* does not fit in memory' "$refused"

# PSCI for guests: CPU_ON/OFF/AFFINITY_INFO with their errors in a 2-vCPU VM; SYSTEM_RESET
# restarts only that VM (from its images), which boots three times.
qemu_case vms-psci 30 "$(kern psci 3)" '+^\[duo\] smp: 0 failed$' -'WRONG' \
  '+^\[duo\] vcpu 1 up, context 0x' '+^\[phoenix\] boot 1$' '+^\[phoenix\] boot 2$' \
  '+^\[phoenix\] boot 3$' '+^vm phoenix: reset$' '+^vm duo: stopped \(PSCI SYSTEM_OFF\)$' \
  '+^all VMs have stopped; powering off$' "${quiet[@]}"

# Execute in place: mapped read-only from the bundle (RAM in the kernel flow, flash in the
# flash flow), never copied; writes to it fault in the guest.
xip=('+^\[rom\] running in place at pc 0x[0-9a-f]{1,4}, data at 0x400000[0-9a-f]{2} \(counter 42\)$'
  '+^\[rom\] write to its own code: aborted$' '+^\[rom\] done$'
  '+^warning: vm rom vcpu 0: write at IPA 0x[0-9a-f]+ .*permission fault.*not permitted by its region$')
qemu_case vms-xip-kernel 30 "$(kern xip 1)" "${xip[@]}" \
  '+^vm rom: .*xip.bin 0x0 \([0-9]+ KiB, in place from host 0x4[0-9a-f]{7}\)'
qemu_case vms-xip-flash 30 "$(flash xip 1)" "${xip[@]}" \
  '+^vm rom: .*xip.bin 0x0 \([0-9]+ KiB, in place from host 0x[0-9a-f]{5,6}\)'

# Pass-through devices, several memory ranges, an initrd; the device stays the owner's.
qemu_case vms-devices 30 "$(kern devices)" '+^\[owner\] devices: 0 failed$' -'FAILED' \
  '+^\[owner\] pass-through interrupt: the RTC alarm arrived once: ok$' \
  '+^vm owner: .*, RAM 0x50000000\+1024 KiB, system.dtb 0x40800000, rtc@9010000 0x9010000$' \
  '+^\[other\] isolation: 4 of 4 accesses aborted$' -'SUCCEEDED' \
  '+^warning: vm other vcpu 0: read at IPA 0x9010000 .*outside its regions$'
qemu_case sysdesc-console-passthrough 30 "$(kern bad-console)" \
  "+^error: system description: /thief \\(thief\\): device uart@9000000 at 0x9000000: it is septum's console$" "$refused"
qemu_case sysdesc-shared-device 30 "$(kern bad-shared-device)" \
  '+^error: system description: /two \(two\): device rtc@9010000 is already given to one$' "$refused"

# Fault routing: the VM's virtual PL011, reached by ISV=1 stores and by instructions septum
# decodes itself (pairs, writeback, sign extension, xzr); refused accesses abort the guest.
qemu_case vdev-pl011 30 "$(kern uart 1)" '+^\[talker\] through the virtual PL011$' \
  '+^\[talker\] uart: 0 failed$' -'FAILED' \
  '+^warning: vm talker vcpu 0: read at IPA 0x9000020 refused by its device$' \
  '+^warning: vm talker vcpu 0: write at IPA 0x9000018 refused by its device$'

# Grant tables between VMs (Xen ABI): grant, map, write, read back, unmap, end access; read-only
# grants fault on write in the mapping VM; a VM without permission is refused; every bad
# argument gets its status; no dangling mapping after unmap.
grants=('+^\[granter\] granter: 0 failed$' '+^\[mapper\] mapper: 0 failed$' -'FAILED'
  '+^\[granter\] peer says: pong$' '+^\[mapper\] granter says: ping from the granter$'
  '+^\[nosy\] map of another domain.s grant: permission denied$' '+^\[nosy\] outsider: 0 failed$'
  '+^\[nosy\] unmapping another VM.s mapping is refused: ok$'
  '+^\[granter\] console_io works$' '+^all VMs have stopped; powering off$')
qemu_case grants-kernel 60 "$(kern grants 3)" "${grants[@]}"
qemu_case grants-flash 60 "$(flash grants 3)" "${grants[@]}"
qemu_case grants-granter-stops 60 "$(kern grants-stop 2)" \
  '+^\[granter\] stopping while the page is still mapped$' '+^vm granter: stopped \(PSCI SYSTEM_OFF\)$' \
  '+^\[mapper\] the mapping is gone once the granter stopped: ok$' '+^\[mapper\] mapper: 0 failed$' \
  '+^warning: vm mapper vcpu 0: read at IPA 0x3000[0-9a-f]+ .*outside its regions$' \
  '+^vm granter: 16384 KiB of memory returned$' \
  '=^frames before the VMs: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB)$=^frames at the end: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB).*$'
qemu_case grants-stress 120 "$(kern grants-stress 5)" \
  '+^\[stress\] stress: 4 vCPUs x 750 map\+unmap pairs, 0 failures$' \
  '+^\[granter\] revoked after the stress test: no pin lost: ok$' '+^\[granter\] granter: 0 failed$' \
  '+^all VMs have stopped; powering off$' -'FAILED'

# A hostile grantee (tests/guests/attacker.c): with its region table full an unmap still
# really unmaps; moving its table frame again and again cannot fill the table; septum's regions
# are not the guest's to change; septum writes nothing through a read-only grant for it. The
# lender then revokes every grant, and its read-only page is as it was lent.
qemu_case grants-hostile 60 "$(kern grants-hostile 2)" '+^\[attacker\] attacker: 0 failed$' \
  '+^\[lender\] lender: 0 failed$' -'FAILED' '+^\[attacker\] region table full after [0-9]+ splits$' \
  '+^\[lender\] revoke ref 9: ok$' '+^\[lender\] the read-only page is unchanged: ok$' \
  '+^vm attacker: region change refused: the region belongs to septum$' \
  '=^frames before the VMs: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB)$=^frames at the end: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB).*$' \
  '+^all VMs have stopped; powering off$'

# The virtual GICv3 (tests/guests/vgic.c): more pending interrupts than list registers, in
# priority order; disabling an active interrupt; 32-bit IROUTER halves; SGIs between vCPUs;
# the virtual timer re-armed from its handler.
qemu_case vgic 60 "$(kern vgic 2)" '+^\[gic\] vgic: 0 failed$' -'FAILED' \
  '+^\[gic\] overflow: 16 interrupts delivered, first 7 6 5 4' \
  '+^\[gic\] sgi: 200 sent to vcpu 1, 200 received there, 200 answers back$' \
  '+^\[gic\] timer: 50 ticks of 1000 us' '+^vm gic: stopped \(PSCI SYSTEM_OFF\)$' \
  '+^vm gic: 16384 KiB of memory returned$' \
  '=^frames before the VMs: free ([0-9]+) KiB.*$=^frames at the end: free ([0-9]+) KiB.*$' \
  '+^warning: vm gic vcpu 0: write at IPA 0x8000000 refused by its device$' \
  '+^warning: vm gic vcpu 0: read at IPA 0x8000104 refused by its device$' \
  '+^warning: vm gic vcpu 0: read at IPA 0x80e0008 .*outside its regions$' \
  '+^warning: vm gic vcpu 0: read at IPA 0x8000102 refused by its device$' \
  -'^error:' -'unexpected .* exception' -'PANIC'

# Console input: typed bytes reach the VM that has the input, through its virtual PL011's
# receive FIFO and interrupt; Ctrl-A 2 and Ctrl-A 1 move the input between the two VMs.
qemu_case console-input 30 "$(kern input)" input=tests/system/input/echo.txt \
  '+^console input goes to vm alpha \(Ctrl-A then 1-2 switches\)$' \
  '+^console input: vm beta$' '+^console input: vm alpha$' \
  '+^\[alpha\] got: one for alpha$' '+^\[beta\] got: two for beta$' \
  '+^\[alpha\] got: three for alpha$' -'got: .*(beta.*alpha|alpha.*beta)' \
  '+^all VMs have stopped; powering off$' "${quiet[@]}"
