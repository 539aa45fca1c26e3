# docs/tutorial.md, run as written: its ```c/```dts file=NAME blocks are written into a scratch
# folder ($SYS), its ```sh blocks run in order (bounded, from the checkout's top), and each
# ```text expect block lists lines the block before it must print. One result per command
# block. Sourced by tests/run.sh.

tutorial_run() {
  local doc=docs/tutorial.md n=0 kind="" file="" body="" out="" limit=$(( 60 * ${SEPTUM_TEST_TIMEOUT_SCALE:-5} ))
  local sys=$BUILD/tutorial log=$LOGS/system/tutorial
  rm -rf "$sys" "$log"; mkdir -p "$sys" "$log"
  while IFS= read -r line || [ -n "$line" ]; do
    if [ -z "$kind" ]; then
      case $line in
        '```c file='* | '```dts file='*) kind="file"; file=${line#*file=}; body="" ;;
        '```sh'*) kind="sh"; body="" ;;
        '```text expect') kind=expect; body="" ;;
        '```'*) kind=other ;;
      esac
      continue
    fi
    if [ "$line" != '```' ]; then
      body+="$line"$'\n'
      continue
    fi
    case $kind in
      file) printf '%s' "$body" >"$sys/$file" ;;
      sh)
        n=$((n + 1)); out=$log/block-$n.log
        if SYS=$sys timeout -k 5 "$limit" bash -euo pipefail -c "$body" </dev/null >"$out" 2>&1; then
          report PASS "system/tutorial/block-$n"
        else
          report FAIL "system/tutorial/block-$n" "exit $?; see $out"
        fi ;;
      expect)
        local missing=""
        while IFS= read -r want; do
          [ -z "$want" ] && continue
          tr -d '\r' <"$out" | grep -qF -- "$want" || { missing=$want; break; }
        done <<<"$body"
        if [ -n "$missing" ]; then
          report FAIL "system/tutorial/block-$n-output" "missing: $missing; see $out"
        else
          report PASS "system/tutorial/block-$n-output"
        fi ;;
    esac
    kind=""
  done <"$doc"
}
tutorial_run
