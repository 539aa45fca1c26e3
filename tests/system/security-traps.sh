# System tests of what a guest can do to septum from its trap paths (issue 11, findings 7, 10,
# 11 and 15): program the PMU and the debug registers, flood the log, make itself an abort it
# cannot take, and fault in another vCPU's break-before-make window. Before, a guest read and
# reprogrammed septum's own counter, 100,000 refused accesses printed 100,000 lines, the
# undeliverable abort looped forever (the machine never powered off), and the window's faults
# were punished with aborts. Sourced by tests/run.sh; the helpers are vms.sh's, prefixed (st_)
# so that no other file's are redefined.

st_virt="-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 1G"
st_kern() { echo "$st_virt -smp ${2:-2} ${3:-} -kernel $BUILD/septum.bin -initrd $BUILD/systems/$1.pack"; }
st_quiet=(-'^error:' -'^warning:' -'unexpected .* exception' -'PANIC')

# The PMU and the debug registers: without septum,pmu a VM reads zero from septum's EL2
# instruction counter (which -icount makes count) and from everything else, and nothing it
# programs sticks; with it, a VM drives the PMU itself (make bench) but not the debug
# registers. Linux, which writes the debug registers and PMUSERENR_EL0 as it boots, is in
# linux.sh.
qemu_case traps-pmu-debug 30 "$(st_kern traps-pmu 2 '-icount shift=0')" \
  "+^\\[plain\\] pmu: septum's counter reads still \\(0x0 then 0x0\\), cycle counter reads still$" \
  '+^\[plain\] pmu: PMCR_EL0 0x0 \(0 event counters\)$' \
  '+^\[plain\] pmu: 0 of 3 settings kept; counter 0 after stop and reset 0x0$' \
  '+^\[plain\] debug: 0 of 4 settings kept; OSLSR_EL1 0x0, MDRAR_EL1 0x0$' \
  "+^\\[bench\\] pmu: septum's counter moves " '+^\[bench\] pmu: 3 of 3 settings kept' \
  '+^\[bench\] debug: 0 of 4 settings kept; OSLSR_EL1 0x0, MDRAR_EL1 0x0$' \
  '+^\[plain\] done$' '+^\[bench\] done$' '+^all VMs have stopped; powering off$' "${st_quiet[@]}"

# A log flood: 100,001 refused accesses (half outside the VM's regions, half refused by its
# virtual PL011), each a message septum would print. The limiter lets a bounded number through,
# says how many it held back, and every message is one or the other. The ticker keeps ticking
# after the flood; septum answers its console writes throughout.
qemu_case traps-log-flood 60 "$(st_kern traps-flood 2)" 'until=^\[flood\] done$' \
  '+^\[flood\] flood: 100001 of 100001 accesses aborted$' \
  '+^warning: vm flood: [0-9]+ messages suppressed$' \
  '+^warning: vm flood vcpu 0: read at IPA 0x30000000 .*outside its regions$' \
  '+^warning: vm flood vcpu 0: read at IPA 0x9000020 refused by its device$' \
  '<^\[flood\] flood: 100000 done$<^\[ticker\] tick [0-9]+$' -'^error:' -'PANIC'
st_flood_log=$LOGS/system/traps-log-flood.log
st_flood=$(awk '/^warning: vm flood vcpu 0: /{p++} /^warning: vm flood: [0-9]+ messages? suppressed$/{s+=$4}
  END{printf "%d %d", p, s}' "$st_flood_log" 2>/dev/null)
st_printed=${st_flood% *} st_held=${st_flood#* }
if [ "${st_printed:-0}" -gt 0 ] && [ "$st_printed" -le 1000 ] && [ $((st_printed + st_held)) -eq 100001 ]; then
  report PASS system/traps-log-flood-bounded "$st_printed printed, $st_held suppressed"
else
  report FAIL system/traps-log-flood-bounded \
    "${st_printed:-?} printed (at most 1000), ${st_held:-?} suppressed (100001 in all); console in $st_flood_log"
fi

# Aborts a guest cannot take: its stage-1 tables in its virtual PL011's page or in a hole (the
# vector fetch would walk them too), or a vector whose VA its tables map to a hole while that
# VA, read as an IPA, is its executable RAM (which the check used to compare). Each VM is
# stopped with the reason; the others finish and the machine powers off.
qemu_case traps-undeliverable 60 "$(st_kern traps-vector 4)" \
  '+^error: vm pl011tables vcpu 0: its exception vector at VA 0x[0-9a-f]+ is not mapped by its stage 1 \(or its page tables are not in its RAM\); the abort cannot be delivered$' \
  '+^error: vm holetables vcpu 0: its exception vector at VA 0x[0-9a-f]+ is not mapped by its stage 1 ' \
  '+^error: vm holevector vcpu 0: its exception vector at VA 0x40e00200 \(IPA 0x20000200\) is not memory it may execute; the abort cannot be delivered$' \
  '+^vm pl011tables: stopped \(undeliverable abort\)$' '+^vm holetables: stopped \(undeliverable abort\)$' \
  '+^vm holevector: stopped \(undeliverable abort\)$' '+^\[steady\] done$' -'SURVIVED' \
  '+^all VMs have stopped; powering off$' -'PANIC'

# Break-before-make: one vCPU changes a page's permissions 5,000 times while the other uses RAM
# beside it, in the same 2 MiB stage-2 block. Accesses its regions permit are retried, never
# aborted.
qemu_case traps-bbm-retry 60 "$(st_kern traps-bbm 2)" \
  '+^\[bbm\] bbm: 5000 region changes \(0 refused\), [0-9]+ accesses beside them, 0 aborted$' \
  '+^vm bbm: stopped \(PSCI SYSTEM_OFF\)$' "${st_quiet[@]}"
