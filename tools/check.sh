#!/usr/bin/env bash
# check.sh [CHECK...] — septum's static checks (`make check`; `make test` runs them too). Prints
# one line per check in the test runner's format and exits non-zero if any failed:
#   check/layers      tools/check-layers.sh: every #include against the rooms' arrows, no circles
#   check/format      every C file in git against .clang-format (`make format` applies it)
#   check/clang-tidy  the hypervisor's C files with their exact build flags, against .clang-tidy
#   check/cppcheck    the same files (suppressions with their reasons in
#                     tools/cppcheck-suppressions.txt)
#   check/shellcheck  every shell script
# Each check's output goes to $BUILD/logs/check/CHECK.log. The compile flags come from the
# Makefile (make print-el2-compile), so the analysers see what the compiler sees.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
LOGS=$BUILD/logs/check
WORK=$BUILD/check
mkdir -p "$LOGS" "$WORK"
jobs=$(nproc 2>/dev/null || echo 2)
all=(layers format clang-tidy cppcheck shellcheck)
[ $# -gt 0 ] || set -- "${all[@]}"

now() { date +%s%N; }
failed=0
result() { # result NAME STATUS START [DETAIL] — one line, as tests/run.sh's report() prints it
  local tenths=$((($(now) - $3) / 100000000)) detail
  detail="${4:+$4, }$((tenths / 10)).$((tenths % 10)) s"
  if [ "$2" -eq 0 ]; then
    printf '%-4s %s  (%s)\n' PASS "check/$1" "$detail"
  else
    printf '%-4s %s  (%s)\n' FAIL "check/$1" "${4:+$4; }see $LOGS/$1.log"
    failed=$((failed + 1))
  fi
}

# The hypervisor's C files as clang sees them: a compile database built from the Makefile's own
# flags, with what only GCC understands taken out and the target named (clang is a cross
# compiler by itself). GCC's CRC32 builtins are spelt the ACLE way for clang.
compile_db() {
  [ -f "$WORK/compile_commands.json" ] && [ -n "${el2_files:-}" ] && return 0
  "$MAKE" -s --no-print-directory BUILD="$BUILD" print-el2-compile >"$WORK/el2-compile.txt" \
    2>"$WORK/el2-compile.err" || return 1
  awk -v top="$top" '
    BEGIN { print "[" }
    $1 == "el2-cc" {
      file = $2; cmd = "clang --target=aarch64-none-elf"
      for (i = 3; i <= NF; i++) {
        if ($i == "-Werror" || $i == "-MMD" || $i == "-MP" || $i ~ /^-f(no-)?tree-/) continue
        cmd = cmd " " $i
      }
      cmd = cmd " -D__builtin_aarch64_crc32b=__builtin_arm_crc32b"
      cmd = cmd " -D__builtin_aarch64_crc32x=__builtin_arm_crc32d -c " file
      printf "%s{\"directory\": \"%s\", \"file\": \"%s\", \"command\": \"%s\"}\n",
        n++ ? "," : "", top, file, cmd
    }
    END { print "]"; if (n == 0) exit 1 }' "$WORK/el2-compile.txt" >"$WORK/compile_commands.json" ||
    return 1
  el2_files=$(awk '$1 == "el2-cc" { print $2 }' "$WORK/el2-compile.txt")
}

check_layers() { tools/check-layers.sh; }

check_format() {
  local files out rc
  files=$(git ls-files '*.c' '*.h') || return 1
  # shellcheck disable=SC2086 # one path a word: the tree has no spaces in its paths
  out=$(clang-format --dry-run --Werror $files 2>&1)
  rc=$?
  printf '%s\n' "$out"
  [ $rc -eq 0 ] && return 0
  detail=$(printf '%s\n' "$out" | awk -F: '/code should be clang-formatted/ { n++; f[$1] = 1 }
    END { m = 0; for (k in f) m++; printf "%d places in %d files differ; make format", n, m }')
  return 1
}

check_clang_tidy() {
  compile_db || { cat "$WORK/el2-compile.err"; return 1; }
  detail="$(echo "$el2_files" | wc -l) files"
  # shellcheck disable=SC2086
  printf '%s\n' $el2_files | xargs -P "$jobs" -n 4 clang-tidy -p "$WORK" --quiet 2>&1
}

check_cppcheck() {
  compile_db || { cat "$WORK/el2-compile.err"; return 1; }
  detail="$(echo "$el2_files" | wc -l) files"
  mkdir -p "$WORK/cppcheck"
  cppcheck --project="$WORK/compile_commands.json" --enable=warning,style,portability \
    --std=c11 --platform=unix64 --inline-suppr --suppressions-list=tools/cppcheck-suppressions.txt \
    --error-exitcode=1 --quiet -j "$jobs" --cppcheck-build-dir="$WORK/cppcheck" \
    --template='{file}:{line}: {severity}: {message} [{id}]' 2>&1
}

shell_script() { head -n 1 "$1" | grep -qE '^#!.*[/ ](ba)?sh([[:space:]]|$)'; }

check_shellcheck() {
  local with=() without=() f rc=0
  # every *.sh (tracked or new, but not in a build folder) and every tracked file that starts
  # with a shell #! line
  while IFS= read -r f; do
    [ -f "$f" ] || continue
    if shell_script "$f"; then with+=("$f"); else without+=("$f"); fi
  done < <({ git ls-files --cached --others --exclude-standard -- '*.sh' | grep -v '^build[^/]*/'
             git ls-files | while IFS= read -r f; do
               [ -f "$f" ] && shell_script "$f" && echo "$f"
             done; } | LC_ALL=C sort -u)
  detail="$((${#with[@]} + ${#without[@]})) scripts"
  [ ${#with[@]} -eq 0 ] || shellcheck "${with[@]}" || rc=1
  # the scripts without a #! line are sourced by tests/run.sh, a bash script
  [ ${#without[@]} -eq 0 ] || shellcheck --shell=bash "${without[@]}" || rc=1
  return $rc
}

for c in "$@"; do
  case $c in
    layers|format|clang-tidy|cppcheck|shellcheck) ;;
    *) echo "check.sh: unknown check '$c' (known: ${all[*]})" >&2; exit 2 ;;
  esac
  start=$(now) detail=""
  "check_${c//-/_}" >"$LOGS/$c.log" 2>&1
  result "$c" $? "$start" "$detail"
done
[ $failed -eq 0 ]
