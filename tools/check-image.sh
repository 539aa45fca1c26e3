#!/usr/bin/env bash
# check-image.sh ELF — refuses a septum image that breaks one of its invariants:
#  - no FP/SIMD register is used by septum's own code (EL2 must not touch the guests' FP state);
#    library functions (CHECK_IMAGE_LIBS) may, and are called only where that is safe, and so
#    may the assembly routines listed in sets_aside, which put back every register they use,
#  - no relocation but the relative ones packed as RELR (boot/head.S applies only those), and
#    none of them in .text (the linker is told -z notext for the pointer tables in .rodata),
#  - the arm64 Image header magic is at offset 56.
set -euo pipefail
elf=$1
cross=${CROSS:-aarch64-linux-gnu-}
fail=0

# Functions that touch FP/SIMD registers. septum's own code is built with -mgeneral-regs-only,
# so any such function must come from the libraries (newlib, libfdt), which septum calls only at
# boot or from slow paths that first set the guest's FP/SIMD state aside (docs/design.md).
libs=${CHECK_IMAGE_LIBS:-}
simd_funcs=$("${cross}objdump" -d --no-show-raw-insn "$elf" |
  awk '/^[0-9a-f]+ <.*>:$/ { f = $2; gsub(/[<>:]/, "", f); next }
       /^ +[0-9a-f]+:/ { sub(/^ +[0-9a-f]+:/, ""); sub(/\/\/.*/, ""); gsub(/[0-9a-f]+ <[^>]*>/, "")
         if ($0 ~ /[\t ,[](v[0-9]+\.|[qdsh][0-9]+([^0-9a-z_]|$)|fpcr|fpsr)/) print f }' | sort -u)
# septum's own routines that set the guest's vector registers aside and put them back
sets_aside="arch_copy" # arch/aarch64/copy.S
allowed=$( { printf '%s\n' $sets_aside; for l in $libs; do "${cross}nm" --defined-only "$l" 2>/dev/null | awk '$2 ~ /[TtWw]/ {print $3}'; done; } | sort -u)
bad_simd=$(comm -23 <(echo "$simd_funcs" | sed '/^$/d') <(echo "$allowed" | sed '/^$/d'))
if [ -n "$bad_simd" ]; then
  echo "check-image: septum's own code uses FP/SIMD registers (EL2 must not) in:" >&2
  while IFS= read -r f; do echo "  $f"; done <<<"$bad_simd" >&2
  fail=1
fi

relocs=$("${cross}readelf" -rW "$elf")
# the relocation tables readelf lists, each line tagged with its table's name
tagged=$(awk '/^Relocation section/ { t = $3; gsub(/'"'"'/, "", t); next } NF { print t, $0 }' <<<"$relocs")
bad=$(awk '$1 != ".relr.dyn" && $4 ~ /^R_AARCH64/' <<<"$tagged" || true)
if [ -n "$bad" ]; then
  echo "check-image: $elf has relocations boot/head.S cannot apply (it applies RELR only):" >&2
  echo "$bad" | head >&2
  fail=1
fi
# RELR offsets, compared as strings of equal width (hex)
text_end=$("${cross}nm" "$elf" | awk '$3 == "__text_end" { print $1 }')
in_text=$(awk -v e="$text_end" '$1 == ".relr.dyn" && $2 ~ /^[0-9a-f]+$/ && length($2) == length(e) &&
  ($2 "") < (e "") { print $2 }' <<<"$tagged" || true)
if [ -z "$text_end" ] || [ -n "$in_text" ]; then
  echo "check-image: $elf relocates words in .text (code must be position-independent):" >&2
  echo "$in_text" | head >&2
  fail=1
fi

tmp=$(mktemp)
"${cross}objcopy" -O binary -j .text "$elf" "$tmp"
magic=$(od -An -tx1 -j56 -N4 "$tmp" | tr -d ' \n')
rm -f "$tmp"
if [ "$magic" != "41524d64" ]; then
  echo "check-image: no arm64 Image magic at offset 56 (found $magic)" >&2
  fail=1
fi
exit $fail
