# Security findings 14 and 9 (issue 11): each VM's stage-2 page tables come from its own
# budget, a mapping septum cannot make is undone and refused for that call only, and a stopped
# VM's tables come back; console input keeps working after the VM whose CPU took it stops.
# Sourced by tests/run.sh.

mem_virt="-M virt,virtualization=on,gic-version=3 -m 1G"
mem_kern() { echo "$mem_virt -cpu ${3:-cortex-a57} -smp $2 -kernel $BUILD/septum.bin -initrd $BUILD/systems/$1.pack"; }

# Three hogs (tests/guests/hog.c) map a page lent by the bystander (tests/guests/bystander.c)
# 512 GiB apart all over a 48-bit address space (-cpu max) until septum refuses: each is refused
# alone (general error, nothing left where it was refused, a grant-table frame refused there
# alike, room again once it gives a place up); the bystander's own mappings, 12 far places
# each way, still work; after the hogs stop, every frame and every page-table page is back.
mem_hogs=()
for h in 2 3 4; do
  mem_hogs+=("+^\\[hog$h\\] mapped the bystander.s page at [0-9]+ places; the next one: undefined error\$"
    "+^\\[hog$h\\] the refused place stays empty: ok\$"
    "+^\\[hog$h\\] a grant-table frame is refused there too, and leaves nothing: ok\$"
    "+^\\[hog$h\\] a place given up makes room for it: ok\$"
    "+^vm hog$h: its [0-9]+ stage-2 table pages are in use; mappings that need more fail\$"
    "+^\\[hog$h\\] hog: 0 failed\$")
done
qemu_case tables-hogs 60 "$(mem_kern tables-hogs 4 max,pauth-impdef=on)" "${mem_hogs[@]}" -'FAILED' \
  '+^\[bystander\] while the hogs hold their tables: its table frame maps at 12 far places: ok$' \
  '+^\[bystander\] while the hogs hold their tables: a hog.s page maps at 12 far places: ok$' \
  '+^\[bystander\] the hogs have stopped: every grant revoked: ok$' \
  '+^\[bystander\] after the hogs: its table frame maps at 12 far places: ok$' \
  '+^\[bystander\] bystander: 0 failed$' \
  '+^page tables with the VMs created: [0-9]+ free of [0-9]+, septum [0-9]+, bystander [0-9]+ of [0-9]+, hog2 ' \
  '=^frames before the VMs: (.*)$=^frames at the end: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB).*$' \
  '=^page tables before the VMs: (.*)$=^page tables at the end: ([0-9]+ free of [0-9]+, septum [0-9]+).*$' \
  '+^page tables at the end: .*, bystander 0 of 0, hog2 0 of 0, hog3 0 of 0, hog4 0 of 0$' \
  -'^error:' -'PANIC' -'unexpected .* exception' '+^all VMs have stopped; powering off$'

# typed_after NAME REGEX FILE: a named pipe to give qemu_case NAME as input=, which types FILE
# on the console once a console line matches REGEX (ordered by that line, not by a delay).
# typed_done NAME stops the typist and removes the pipe.
mem_typist=""
typed_after() {
  local fifo=$LOGS/system/$1.typed log=$LOGS/system/$1.log
  local tries=$(( 120 * ${SEPTUM_TEST_TIMEOUT_SCALE:-5} ))
  rm -f "$fifo"; mkfifo "$fifo"
  (
    exec 3>"$fifo" # opens when QEMU's side does: qemu_case has removed the old log by then
    for ((i = 0; i < tries; i++)); do
      if [ -f "$log" ] && tr -d '\r' <"$log" | grep -Eq -- "$2"; then cat "$3" >&3; break; fi
      sleep 0.5
    done
    exec 3>&-
  ) >/dev/null 2>&1 &
  mem_typist=$!
}
typed_done() {
  kill "$mem_typist" 2>/dev/null; wait "$mem_typist" 2>/dev/null
  rm -f "$LOGS/system/$1.typed"
}

# The console interrupt went to alpha's CPU; alpha stops, and its CPU waits with interrupts
# masked. The interrupt moves to beta's CPU, and a line typed after the stop reaches beta.
typed_after console-after-stop '^vm alpha: stopped' tests/system/input/after-stop.txt
qemu_case console-after-stop 30 "$(mem_kern input-stop 2)" input="$LOGS/system/console-after-stop.typed" \
  '+^console input goes to vm alpha \(Ctrl-A then 1-2 switches\)$' \
  '+^vm alpha: stopped \(PSCI SYSTEM_OFF\)$' '+^console input interrupt: now on cpu 1 \(vm beta\)$' \
  '<^vm alpha: stopped<^console input: vm beta$' '+^\[beta\] got: typed after alpha stopped$' \
  '+^all VMs have stopped; powering off$' -'^error:' -'PANIC'
typed_done console-after-stop
