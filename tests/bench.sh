#!/usr/bin/env bash
# bench.sh — septum's benchmarks: boots the bench system under QEMU with -icount shift=0 (one
# instruction per virtual time unit, so counts are exact and repeatable) and prints the figures
# as the README's table rows. Figures are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
log=$BUILD/logs/bench.log
mkdir -p "$(dirname "$log")"
timeout -k 5 120 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a57 \
  -m 1G -smp 2 -icount shift=0 -display none -nic none -no-reboot -monitor none -serial "file:$log" \
  -kernel "$BUILD/septum.bin" -initrd "$BUILD/systems/bench.pack" \
  -append "septum.loglevel=debug" </dev/null >/dev/null 2>&1 || true
tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"

get() { sed -nE "s/$1/\\1/p" "$log" | head -n 1; }
null=$(get '^\[bench\] bench: null hypercall round trip: ([0-9]+) instructions$')
mmio=$(get '^\[bench\] bench: MMIO store round trip: ([0-9]+) instructions$')
copy=$(get '^\[bench\] bench: GNTTABOP_copy of 4096 bytes: [0-9]+ instructions, ([0-9.]+) bytes per instruction$')
boot=$(get '^boot: ([0-9]+) EL2 instructions from reset until the VMs were released$')
first0=$(get '^vm bench: its first instruction ran ([0-9]+) EL2 instructions after the VMs were released, on cpu 0$')
first1=$(get '^vm other: its first instruction ran ([0-9]+) EL2 instructions after the VMs were released, on cpu 1$')
image=$(stat -c %s "$BUILD/septum.bin")
if [ -z "$null" ] || [ -z "$boot" ]; then
  echo "bench: the benchmark run did not report; console in $log" >&2
  exit 1
fi
echo "| measure (QEMU 7.2, cortex-a57, -icount shift=0) | septum | Bao (DESIGN.md) |"
echo "| --- | --- | --- |"
echo "| null hypercall round trip, guest HVC to return | $null instructions | ~150 |"
echo "| MMIO store to an emulated register, guest to guest | $mmio instructions | ~225 |"
echo "| GNTTABOP_copy of a 4 KiB page (between a VM's own pages) | $copy bytes per instruction | |"
echo "| reset to all VMs created and released (boot CPU, EL2) | $boot instructions | |"
echo "| reset to the first VM's first instruction (cpu 0) | $((boot + first0)) instructions | |"
echo "| reset to the second VM's first instruction (cpu 1) | $((boot + first1)) instructions | |"
echo "| image size, build/septum.bin | $image bytes | 94,208 bytes |"
