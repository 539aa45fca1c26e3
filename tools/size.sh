#!/usr/bin/env bash
# size.sh ELF BIN — one line on where septum's image bytes go, printed by every build after the
# link: the file's size against the 65,536-byte target of issue 14, and the sections that make
# it (text, read-only data, the relocations (RELR), data; bss and stacks are not in the file).
# A report, not a check: the image is over the target today, and a build must not fail on it.
set -euo pipefail
elf=$1 bin=$2
cross=${CROSS:-aarch64-linux-gnu-}
target=65536
read -r text rodata relr data bss < <("${cross}size" -A "$elf" | awk '
  $1 == ".text" { t = $2 } $1 == ".rodata" { r = $2 } $1 == ".relr.dyn" { l = $2 }
  $1 == ".data" { d = $2 } $1 == ".bss" { b = $2 }
  END { print t + 0, r + 0, l + 0, d + 0, b + 0 }')
file=$(stat -c %s "$bin")
if [ "$file" -le "$target" ]; then
  verdict="$((target - file)) under the $target target"
else
  verdict="$((file - target)) over the $target target"
fi
printf '  SIZE    %s %d bytes (%s): .text %d, .rodata %d, .relr.dyn %d, .data %d; .bss %d\n' \
  "$bin" "$file" "$verdict" "$text" "$rodata" "$relr" "$data" "$bss"
