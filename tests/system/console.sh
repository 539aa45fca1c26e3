# Console use as a person does it: `make run SYSTEM=input` in a terminal (tmux), the documented
# keys typed (Ctrl-A 2, Ctrl-A 1: QEMU's own escape is moved to Ctrl-] by the Makefile, so
# Ctrl-A reaches septum), and each typed line arriving at the VM that has the input. Sourced by
# tests/run.sh.

# make_run_case NAME SECONDS SYSTEM KEYS-FILE CHECK...: KEYS-FILE has one step per line, run once
# the VMs have started: "key NAME" (a tmux key name: Enter, C-a), "text STRING" (typed as is),
# "wait REGEX" (until a line of the terminal matches), "quit" (end the run: for systems with a
# VM that never stops). CHECKs as for qemu_case (+REGEX, -REGEX).
make_run_case() {
  local name=$1 limit=$(( $2 * ${SEPTUM_TEST_TIMEOUT_SCALE:-5} )) system=$3 keys=$4; shift 4
  local log=$LOGS/system/$name.log sess=septum-$name-$$ why="" check waited=0
  if ! command -v tmux >/dev/null 2>&1; then
    report FAIL "system/$name" "tmux is missing (tools/deps.sh installs it)"; return
  fi
  rm -f "$log"; touch "$log"
  # a clean make environment: the runner may itself run under make
  TERM=xterm tmux new-session -d -s "$sess" -x 160 -y 40 \
    "env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory run SYSTEM=$system BUILD=$BUILD; sleep 1"
  tmux pipe-pane -t "$sess" -o "cat >>'$log'"
  while ! grep -q 'starting [0-9]* VMs' "$log" && [ $waited -lt $((limit * 2)) ]; do
    sleep 0.5; waited=$((waited + 1))
  done
  while IFS= read -r line; do
    case $line in
      key\ *) tmux send-keys -t "$sess" "${line#key }" ;;
      text\ *) tmux send-keys -t "$sess" -l "${line#text }" ;;
      wait\ *)
        while ! tr -d '\r' <"$log" | grep -Eq -- "${line#wait }" && [ $waited -lt $((limit * 2)) ]; do
          sleep 0.5; waited=$((waited + 1))
        done ;;
      quit) tmux kill-session -t "$sess" 2>/dev/null ;;
    esac
    sleep 0.3
  done <"$keys"
  while tmux has-session -t "$sess" 2>/dev/null && [ $waited -lt $((limit * 2)) ]; do
    sleep 0.5; waited=$((waited + 1))
  done
  if tmux has-session -t "$sess" 2>/dev/null; then
    why="still running after ${limit}s"
    tmux kill-session -t "$sess" 2>/dev/null
  fi
  tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"
  for check in "$@"; do
    case $check in
      +*) grep -Eq -- "${check:1}" "$log" || { why="missing: ${check:1}"; break; } ;;
      -*) if grep -Eq -- "${check:1}" "$log"; then why="unexpected: $(grep -Em1 -- "${check:1}" "$log")"; break; fi ;;
      \<*) # "<REGEX_A<REGEX_B": some line matching B after the first line matching A
        local la lb ra rb
        ra=${check:1}; ra=${ra%%<*}; rb=${check#<*<}
        la=$(grep -Enm1 -- "$ra" "$log" | cut -d: -f1); lb=$(grep -En -- "$rb" "$log" | tail -n 1 | cut -d: -f1)
        if [ -z "$la" ] || [ -z "$lb" ] || [ "$lb" -le "$la" ]; then why="no line matching '$rb' after '$ra'"; break; fi ;;
    esac
  done
  if [ -n "$why" ]; then report FAIL "system/$name" "$why; terminal in $log"; else report PASS "system/$name"; fi
}

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
