#!/usr/bin/env bash
# The soak test: a hostile VM (tests/guests/hostile.c) throws random hypercalls of every ABI,
# random loads and stores and random system-register instructions at septum while a victim VM
# (tests/guests/victim.c) checks its memory (tests/system/configs/soak.dts). Pass: septum
# survives and powers off, the victim's memory is intact and it made progress during every tenth
# of the hostile run, every grant can be revoked, the frame accounting is back where it started,
# and septum's own output stays bounded.
#
# tests/run.sh sources this file for the bounded run (50,000 operations, seed 1). `make soak`
# runs it as a script with SOAK_PACK, SOAK_OPS and SOAK_SEED set (1,000,000 operations, a new
# seed each time; `make soak SEED=N` replays one).

soak_log() { # soak_log NAME OPS: the victim's progress and the size of septum's output
  local name=$1 ops=$2 log=$LOGS/system/$1.log gaps tenths lines
  [ -s "$log" ] || return 0
  # one victim progress line at least between the hostile's start and each of its tenths; a
  # tenth is its first progress line only: the hostile VM writes random stretches of its own
  # memory to the console, which may hold a progress line already printed (or its format)
  read -r gaps tenths < <(awk '
    /^\[hostile\] anchor: mapped/ { run = 1; v = 0; next }
    /^\[hostile\] progress: [0-9]+ of [0-9]+ operations$/ {
      if ($3 + 0 <= last) next
      last = $3 + 0
      if (run && !v) g++; n++; v = 0; next }
    /^\[victim\] round [0-9]+: / { v = 1 }
    END { print g + 0, n + 0 }' "$log")
  if [ "$tenths" -eq 10 ] && [ "$gaps" -eq 0 ]; then
    report PASS "system/$name-steady" "the victim progressed through every tenth"
  else
    report FAIL "system/$name-steady" "$gaps of $tenths tenths without victim progress; console in $log"
  fi
  # Guest-triggered messages are rate-limited per VM; this only bounds the total generously.
  lines=$(grep -cv '^\[\(hostile\|victim\)\]' "$log")
  if [ "$lines" -le $((ops / 2)) ]; then
    report PASS "system/$name-log" "$lines lines from septum for $ops operations"
  else
    report FAIL "system/$name-log" "$lines lines from septum for $ops operations; console in $log"
  fi
}

soak() { # soak NAME TIMEOUT PACK OPS SEED
  local name=$1 limit=$2 pack=$3 ops=$4 seed=$5
  qemu_case "$name" "$limit" \
    "-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 1G -smp 3 -kernel $BUILD/septum.bin -initrd $pack" \
    "+^\[hostile\] seed $seed, $ops operations$" '+^\[hostile\] anchor: mapped \(handle 0\)$' \
    "+^\[hostile\] progress: $ops of $ops operations$" '+^\[hostile\] told the victim: ok$' \
    '+^\[hostile\] hostile: 0 failed$' "+^\[victim\] the hostile VM is done after $ops operations$" \
    '+^\[victim\] revoked all 5 grants: ok$' '+^\[victim\] victim: [0-9]+ rounds, memory intact$' \
    -'^\[victim\] .*(CORRUPTED|FAILED)' -'^\[(hostile|victim)\] unexpected exception: vector [0-9]+, ESR 0x' \
    '+^vm hostile: stopped \(PSCI SYSTEM_OFF\)$' '+^vm victim: stopped \(PSCI SYSTEM_OFF\)$' \
    '=^frames before the VMs: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB)$=^frames at the end: (free [0-9]+ KiB, septum [0-9]+ KiB, tables [0-9]+ KiB).*$' \
    '+^all VMs have stopped; powering off$' -'^septum: (PANIC|unexpected .* exception)' -'^error:'
  soak_log "$name" "$ops"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # make test: 50,000 operations, seed 1 (about 35 s on an idle machine)
  soak soak 60 "$BUILD/systems/soak.pack" 50000 1
else
  # make soak: this run alone, with the runner's own report and qemu_case
  set -uo pipefail
  cd "$(dirname "$0")/../.." || exit 1
  BUILD=${BUILD:-build} QEMU=${QEMU:-qemu-system-aarch64} LOGS=${BUILD:-build}/logs
  mkdir -p "$LOGS/system"
  # shellcheck disable=SC2034 # report() (tests/run.sh's) counts in them
  passed=0 failed=0 skipped=0 failures=()
  eval "$(sed -n -e '/^report() {/,/^}/p' -e '/^qemu_case() {/,/^}/p' tests/run.sh)"
  echo "soak: seed $SOAK_SEED, $SOAK_OPS operations (replay: make soak SEED=$SOAK_SEED SOAK_OPS=$SOAK_OPS)"
  soak soak-long $((SOAK_OPS / 1400 + 60)) "$SOAK_PACK" "$SOAK_OPS" "$SOAK_SEED"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
fi
