#!/usr/bin/env bash
# stats.sh — the figures the README's size table carries: bytes of build/septum.bin and lines of
# code per top-level folder (non-blank, non-comment-only lines of .c/.h/.S/.ld/.sh/Makefile).
# shellcheck disable=SC2016 # the backquotes in the printf formats are Markdown
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BUILD:-build}/septum.bin
[ -f "$bin" ] && printf '| `build/septum.bin` | %s bytes |\n' "$(stat -c %s "$bin")"
loc() {
  git ls-files -- "$1" | grep -E '\.(c|h|S|ld|sh|mk)$|Makefile$' | xargs -r cat |
    grep -cEv '^\s*($|//|/?\*|#\s*$)'
}
# core/ by room: its run time (the files directly in core/ and core/include/) apart from its
# boot-time configuration, the Xen ABI and support code
core_rt() {
  git ls-files -- core | grep -Ev '^core/(config|xen|lib)/' | grep -E '\.(c|h)$' | xargs -r cat |
    grep -cEv '^\s*($|//|/?\*|#\s*$)'
}
for d in arch boot core mm vdev platform linker guest tests tools; do
  printf '| `%s/` | %s lines |\n' "$d" "$(loc "$d")"
  if [ "$d" = core ]; then
    printf '| `core/` run time | %s lines |\n' "$(core_rt)"
    for r in config xen lib; do printf '| `core/%s/` | %s lines |\n' "$r" "$(loc "core/$r")"; done
  fi
done
