# Security (issue 11, finding 8): a VM flooding septum with grant copies, 101 pages to a
# hypercall, must not stall another VM's grant operation: grant locks are per domain and held
# per operation, and a long batch is continued as Xen continues it. The victim
# (tests/guests/gntvictim.c) times a copy out of a page the shared granter (gntshared.c) lent
# it, in virtual time under -icount (the same every run), three times over: alone; beside the
# attacker (gntflood.c) copying one page per hypercall out of a page the victim lent it; and
# under attack, the same copies in batches. Under attack it must cost less than twice what it
# costs beside single copies (with one grant lock held for a whole batch: 27 times). Single
# copies, not an idle neighbour, are the reference because QEMU runs one CPU at a time: a lock
# the victim finds held costs it the holder's way to its next request, and every copy takes the
# firmware-map window's lock (mm/fwmap.c) eight times, which already triples the victim's copy
# beside any VM that copies. Sourced by tests/run.sh.

sg_virt="-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 1G -smp 3"
sg_args="$sg_virt -icount shift=0,sleep=off -kernel $BUILD/septum.bin"
sg_args+=" -initrd $BUILD/systems/security-grants.pack"
qemu_case security-grants-batches 30 "$sg_args" \
  '+^\[victim\] victim: copy of a granted page alone: mean [0-9]+ ns' \
  '+^\[victim\] victim: copy of a granted page beside single copies: mean [0-9]+ ns' \
  '+^\[victim\] victim: copy of a granted page under attack: mean [0-9]+ ns' \
  '+^\[victim\] victim: under attack [0-9]+\.[0-9]+ times the cost beside single copies .*: within 2x: ok$' \
  "+^\\[victim\\] victim: its grant revoked, the granter's page let go$" \
  '+^\[attacker\] attacker: [1-9][0-9]* single copies, [1-9][0-9]* batches of 101; stopped: ' \
  '+^\[attacker\] attacker: every status written: ok; failures only where cut short: ok$' \
  '+^\[shared\] shared: both grants revoked: ok$' -'FAILED' \
  '=^frames before the VMs: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB)$=^frames at the end: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB).*$' \
  '+^all VMs have stopped; powering off$' -'^error:' -'PANIC' -'unexpected .* exception'
# the figures, for whoever reads the run
sed -nE 's/^\[victim\] victim: (copy of a granted page .*: mean [0-9]+ ns).*$/     \1/p' \
  "$LOGS/system/security-grants-batches.log"
