# Event channels between two bare-metal VMs on two physical CPUs (tests/guests/evtping.c,
# tests/system/configs/evtchn.dts): a port offered and bound at run time, rung both ways; the
# channel the description declares; a masked port pending without an upcall until unmasked;
# errors as Xen gives them; and a VM that stops with its ports open: its peer sees them unbound
# and septum's frames return to their starting figures. Sourced by tests/run.sh.

ev_args="-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 1G -smp 2"
ev_args+=" -kernel $BUILD/septum.bin -initrd $BUILD/systems/evtchn.pack"
qemu_case evtchn-pair 30 "$ev_args" \
  '+^\[ping\] ping: offered port 1 to domain 2$' \
  "+^\\[pong\\] pong: bound port 1 to domain 1's port 1$" \
  '+^\[ping\] ping: 100 round trips on port 1$' \
  '+^\[ping\] ping: the declared channel answers$' \
  '+^\[pong\] pong: masked port pending without an upcall: ok$' \
  '+^\[pong\] pong: delivered on unmask \(1 upcall\)$' \
  '+^\[ping\] ping: errors as Xen gives them: ok$' \
  '+^\[pong\] pong: peer stopped; its ports unbound, waiting for domain 1: ok$' \
  -'FAILED' \
  '=^frames before the VMs: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB)$=^frames at the end: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB).*$' \
  '+^all VMs have stopped; powering off$' -'^error:' -'PANIC' -'unexpected .* exception'
