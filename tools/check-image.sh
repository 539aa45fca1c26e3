#!/usr/bin/env bash
# check-image.sh ELF — refuses a septum image that breaks one of its invariants:
#  - no FP/SIMD register is used anywhere (EL2 must not touch the guests' FP state; this catches
#    library code such as newlib's SIMD string routines, which compiler flags cannot),
#  - no relocation other than R_AARCH64_RELATIVE (boot/head.S applies only those),
#  - the arm64 Image header magic is at offset 56.
set -euo pipefail
elf=$1
cross=${CROSS:-aarch64-linux-gnu-}
fail=0

simd=$(${cross}objdump -d --no-show-raw-insn "$elf" |
  grep -P '^\s+[0-9a-f]+:\s+\S+\s+.*\b(v[0-9]{1,2}\.[0-9]*[bhsdq]|[qdsh][0-9]{1,2}|b[0-9]{1,2}|fpcr|fpsr)\b' |
  grep -v '^\s*[0-9a-f]*:\s*\.' || true)
if [ -n "$simd" ]; then
  echo "check-image: $elf uses FP/SIMD registers at EL2:" >&2
  echo "$simd" | head -20 >&2
  # name the functions, so the culprit is obvious
  ${cross}objdump -d --no-show-raw-insn "$elf" | awk '/^[0-9a-f]+ <.*>:$/{f=$2} /\<(v[0-9]+\.|q[0-9]+|d[0-9]+)\>/{print f}' | sort -u | head >&2
  fail=1
fi

bad=$(${cross}readelf -rW "$elf" | awk 'NR>2 && $3 ~ /^R_AARCH64/ && $3 != "R_AARCH64_RELATIVE"' || true)
if [ -n "$bad" ]; then
  echo "check-image: $elf has relocations boot/head.S cannot apply:" >&2
  echo "$bad" | head >&2
  fail=1
fi

tmp=$(mktemp)
${cross}objcopy -O binary -j .text "$elf" "$tmp"
magic=$(od -An -tx1 -j56 -N4 "$tmp" | tr -d ' \n')
rm -f "$tmp"
if [ "$magic" != "41524d64" ]; then
  echo "check-image: no arm64 Image magic at offset 56 (found $magic)" >&2
  fail=1
fi
exit $fail
