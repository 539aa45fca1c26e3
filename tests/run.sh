#!/usr/bin/env bash
# run.sh [--unit-only] UNIT_BIN... — septum's test runner.
#
# Runs the host unit tests (cmocka, each test case reported on its own), the fuzz harnesses, the
# static checks (tools/check.sh) and then the system tests in tests/system/*.sh, which boot
# septum under QEMU and check its console. Every QEMU run is bounded by a timeout; consoles and
# unit-test output are kept under build/logs/. Prints one line per test and ends with
# "N passed, N failed" (", N skipped" if any); exits non-zero on any failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
QEMU=${QEMU:-qemu-system-aarch64}
LOGS=$BUILD/logs
mkdir -p "$LOGS/unit" "$LOGS/system"
export SEPTUM_DTB_DIR=$BUILD/dtb

passed=0 failed=0 skipped=0
failures=()
report() { # report RESULT NAME [DETAIL]
  case $1 in
    PASS) passed=$((passed + 1)) ;;
    FAIL) failed=$((failed + 1)); failures+=("$2") ;;
    SKIP) skipped=$((skipped + 1)) ;;
  esac
  printf '%-4s %s%s\n' "$1" "$2" "${3:+  ($3)}"
}
# show_log LOG: after a failed system test, the lines that say why, so a run whose logs are
# gone (CI on another machine) still shows them: failed checks, errors, and the last lines.
show_log() {
  { grep -Ea -m 8 -- 'FAILED|WRONG|PANIC|^error:|unexpected' "$1"; tail -n 4 "$1"; } 2>/dev/null |
    awk '!seen[$0]++' | cut -c1-160 | sed 's/^/     | /'
}

unit_only=0
if [ "${1:-}" = "--unit-only" ]; then unit_only=1; shift; fi

# ---- host unit tests: cmocka in TAP mode, one result per test case ---------------------------
for bin in "$@"; do
  name=$(basename "$bin")
  log=$LOGS/unit/$name.log
  CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 5 300 "$bin" >"$log" 2>&1
  rc=$?
  n=0
  while IFS= read -r line; do
    if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then
      report PASS "unit/$name/${BASH_REMATCH[1]}"; n=$((n + 1))
    elif [[ $line =~ ^(not\ )?ok\ [0-9]+\ \#\ SKIP\ (.*)$ ]]; then
      report SKIP "unit/$name/${BASH_REMATCH[2]}"; n=$((n + 1))
    elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then
      report FAIL "unit/$name/${BASH_REMATCH[1]}" "see $log"; n=$((n + 1))
    fi
  done <"$log"
  # a crash, a sanitizer report or a non-zero exit is a failure even if every case said ok
  if [ $rc -ne 0 ] || grep -q 'ERROR: AddressSanitizer\|runtime error:' "$log"; then
    report FAIL "unit/$name" "exit $rc or sanitizer report; see $log"
  elif [ $n -eq 0 ]; then
    report FAIL "unit/$name" "no test results; see $log"
  fi
done

# ---- fuzz harnesses: a bounded, seeded run each; any crash or sanitizer report fails ------------
# (TESTS="vms linux" runs those system-test files only, after the unit tests: a quick loop
# while working on one room; make test runs everything)
[ -n "${TESTS:-}" ] && FUZZ_BINS=""
# An input a harness once stopped on is kept in tests/fuzz/regress/<harness>/ and run first.
for bin in ${FUZZ_BINS:-}; do
  name=$(basename "$bin")
  log=$LOGS/unit/$name.log
  runs=${FUZZ_RUNS:-20000}
  regress=(tests/fuzz/regress/"${name#fuzz_}"/*)
  [ -e "${regress[0]}" ] || regress=()
  : >"$log"
  if { [ ${#regress[@]} -eq 0 ] || timeout -k 5 600 "$bin" "${regress[@]}" >>"$log" 2>&1; } &&
    timeout -k 5 600 "$bin" -runs="$runs" -seed=1 -max_len=2048 >>"$log" 2>&1; then
    report PASS "fuzz/$name" "$([ ${#regress[@]} -gt 0 ] && echo "${#regress[@]} kept + ")$runs inputs"
  else
    report FAIL "fuzz/$name" "see $log"
  fi
done

# ---- static checks: tools/check.sh (make check) prints its lines in this runner's format --------
if [ $unit_only -eq 0 ] && [ -z "${TESTS:-}" ]; then
  n=0
  while IFS= read -r line; do
    if [[ $line =~ ^(PASS|FAIL|SKIP)\ +(check/[^ ]+)(\ +\((.*)\))?$ ]]; then
      report "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]}"; n=$((n + 1))
    fi
  done < <(BUILD=$BUILD tools/check.sh 2>&1)
  [ $n -gt 0 ] || report FAIL check "tools/check.sh reported nothing"
fi

# ---- system tests under QEMU ---------------------------------------------------------------
# qemu_case NAME TIMEOUT "QEMU ARGS" CHECK... — boots QEMU with ARGS, console to a log, then
# checks: "+REGEX" must match a console line, "-REGEX" must match none, "exit=N" QEMU's status
# (default 0), "=A=B" the first groups of regexes A and B must be equal, "<A<B" a line matching
# B comes after the first line matching A. "until=REGEX" ends the run (QEMU stopped, counted as
# a clean exit) once a console line matches REGEX: for systems with a VM that never stops.
# "input=FILE" types FILE's bytes on the console.
# TIMEOUT is what the run needs on an idle machine; the bound is SEPTUM_TEST_TIMEOUT_SCALE
# (default 5) times that, so a busy or slow machine still passes: a passing run ends when QEMU
# powers off (or its until= line appears), so only a hung run ever waits that long.
qemu_case() {
  local name=$1 limit=$(( $2 * ${SEPTUM_TEST_TIMEOUT_SCALE:-5} )) args=$3; shift 3
  local log=$LOGS/system/$name.log want_rc=0 why="" until="" input="" check
  for check in "$@"; do
    case $check in until=*) until=${check#until=} ;; input=*) input=${check#input=} ;; esac
  done
  rm -f "$log"
  if [ -n "$input" ]; then
    # typed input: the console is QEMU's stdio, fed from the file
    # shellcheck disable=SC2086
    timeout -k 5 "$limit" $QEMU -display none -nic none -no-reboot -monitor none -serial stdio \
      $args <"$input" >"$log" 2>"$log.qemu" &
  else
    # shellcheck disable=SC2086
    timeout -k 5 "$limit" $QEMU -display none -nic none -no-reboot -monitor none -serial "file:$log" \
      $args </dev/null >"$log.qemu" 2>&1 &
  fi
  local pid=$! rc
  if [ -n "$until" ]; then
    while kill -0 $pid 2>/dev/null; do
      if [ -f "$log" ] && tr -d '\r' <"$log" | grep -Eq -- "$until"; then
        sleep 1 # what follows the line reaches the log too
        pkill -TERM -P $pid 2>/dev/null; kill $pid 2>/dev/null; wait $pid 2>/dev/null
        pid=""; break
      fi
      sleep 0.5
    done
  fi
  if [ -n "$pid" ]; then wait $pid; rc=$?; else rc=0; fi
  touch "$log"
  tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"
  for check in "$@"; do
    case $check in
      exit=*) want_rc=${check#exit=} ;;
      =*) # "=REGEX_A=REGEX_B": the first group of both must be the same text
        local ra rb a b
        ra=${check:1}; ra=${ra%%=*}; rb=${check#=*=}
        a=$(sed -nE "s/$ra/\1/p" "$log" | head -n 1); b=$(sed -nE "s/$rb/\1/p" "$log" | head -n 1)
        if [ -z "$a" ] || [ "$a" != "$b" ]; then why="'$a' != '$b'"; break; fi ;;
      +*) grep -Eq -- "${check:1}" "$log" || { why="missing: ${check:1}"; break; } ;;
      \<*) # "<REGEX_A<REGEX_B": some line matching B after the first line matching A
        local la lb ra rb
        ra=${check:1}; ra=${ra%%<*}; rb=${check#<*<}
        la=$(grep -Enm1 -- "$ra" "$log" | cut -d: -f1); lb=$(grep -En -- "$rb" "$log" | tail -n 1 | cut -d: -f1)
        if [ -z "$la" ] || [ -z "$lb" ] || [ "$lb" -le "$la" ]; then why="no line matching '$rb' after '$ra'"; break; fi ;;
      until=*|input=*) ;;
      -*) if grep -Eq -- "${check:1}" "$log"; then why="unexpected: $(grep -Em1 -- "${check:1}" "$log")"; break; fi ;;
    esac
  done
  if [ -z "$why" ] && [ $rc -eq 124 ]; then why="timed out after ${limit}s"; fi
  if [ -z "$why" ] && [ "$rc" != "$want_rc" ]; then why="QEMU exit $rc, expected $want_rc"; fi
  if [ -n "$why" ]; then report FAIL "system/$name" "$why; console in $log"; show_log "$log"; else report PASS "system/$name"; fi
}

# make_run_case NAME SECONDS SYSTEM KEYS-FILE CHECK...: `make run SYSTEM=...` in a terminal
# (tmux), typed at as a person types. KEYS-FILE has one step per line, run once the VMs have
# started: "key NAME" (a tmux key name: Enter, C-a), "text STRING" (typed as is), "wait REGEX"
# (until a line of the terminal matches), "waitn N REGEX" (until N lines do), "quit" (end the
# run: for systems with a VM that never stops). CHECKs as for qemu_case (+REGEX, -REGEX,
# =REGEX_A=REGEX_B, <A<B).
make_run_case() {
  local name=$1 limit=$(( $2 * ${SEPTUM_TEST_TIMEOUT_SCALE:-5} )) system=$3 keys=$4; shift 4
  local log=$LOGS/system/$name.log sess=septum-$name-$$ why="" check waited=0
  # tmux runs pipe-pane's command in its server's directory, which may be another checkout's
  [[ $log = /* ]] || log=$PWD/$log
  if ! command -v tmux >/dev/null 2>&1; then
    report FAIL "system/$name" "tmux is missing (tools/deps.sh installs it)"; return
  fi
  rm -f "$log"; touch "$log"
  # a clean make environment: the runner may itself run under make
  TERM=xterm tmux new-session -d -s "$sess" -c "$PWD" -x 160 -y 40 \
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
      waitn\ *) # "waitn N REGEX": until N lines match (a VM's second boot)
        local wn=${line#waitn }; local wr=${wn#* }; wn=${wn%% *}
        while [ "$(tr -d '\r' <"$log" | grep -Ec -- "$wr")" -lt "$wn" ] && [ $waited -lt $((limit * 2)) ]; do
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
      =*) # "=REGEX_A=REGEX_B": the first group of both must be the same text
        local ea eb a b
        ea=${check:1}; ea=${ea%%=*}; eb=${check#=*=}
        a=$(sed -nE "s/$ea/\1/p" "$log" | head -n 1); b=$(sed -nE "s/$eb/\1/p" "$log" | head -n 1)
        if [ -z "$a" ] || [ "$a" != "$b" ]; then why="'$a' != '$b'"; break; fi ;;
      \<*) # "<REGEX_A<REGEX_B": some line matching B after the first line matching A
        local la lb ra rb
        ra=${check:1}; ra=${ra%%<*}; rb=${check#<*<}
        la=$(grep -Enm1 -- "$ra" "$log" | cut -d: -f1); lb=$(grep -En -- "$rb" "$log" | tail -n 1 | cut -d: -f1)
        if [ -z "$la" ] || [ -z "$lb" ] || [ "$lb" -le "$la" ]; then why="no line matching '$rb' after '$ra'"; break; fi ;;
    esac
  done
  if [ -n "$why" ]; then report FAIL "system/$name" "$why; terminal in $log"; show_log "$log"; else report PASS "system/$name"; fi
}

if [ $unit_only -eq 0 ]; then
  files=(tests/system/*.sh)
  if [ -n "${TESTS:-}" ]; then
    files=()
    for t in $TESTS; do files+=("tests/system/$t.sh"); done
  fi
  for f in "${files[@]}"; do
    [ -f "$f" ] || { report FAIL "system/$f" "no such test file"; continue; }
    # shellcheck source=/dev/null
    . "$f"
  done
fi

if [ ${#failures[@]} -gt 0 ]; then
  echo "failed:"
  printf '  %s\n' "${failures[@]}"
fi
summary="$passed passed, $failed failed"
[ $skipped -gt 0 ] && summary+=", $skipped skipped"
echo "$summary"
[ $failed -eq 0 ]
