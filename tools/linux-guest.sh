#!/usr/bin/env bash
# linux-guest.sh OUT — the real-Linux guest for the tests: Debian's arm64 kernel and an initramfs
# around Debian's busybox-static, fetched with `apt-get download` into a cache under build/
# (a private arm64 apt state; nothing is installed into the host). Writes OUT/Image (the raw
# arm64 Image from linux-image-*-arm64) and OUT/initramfs.cpio.gz, whose /init prints the
# marker "SEPTUM-LINUX-UP" and the facts (uname -a, CPUs online, memory), then powers off (or,
# with septum.shell on the kernel command line, gives the console an interactive shell first);
# and OUT/u-boot.bin, the qemu_arm64 U-Boot from Debian's u-boot-qemu (a firmware linked at 0x0
# to run from flash). OUT/initramfs-xen.cpio.gz is the same initramfs for Linux as a Xen guest
# (configs/linux-xen.dts): it adds the kernel package's own xen-evtchn, xen-gntalloc and
# xen-gntdev modules, which /init loads, and tools/xen-demo built static with Debian's
# aarch64-linux-gnu-gcc (libc6-dev-arm64-cross, which tools/deps.sh installs). OUT/zcu102.dtb is
# the ZCU102's device tree from the kernel package.
set -euo pipefail
out=$(mkdir -p "${1:?usage: linux-guest.sh OUT}" && cd "$1" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
cache=$out/cache
mkdir -p "$cache/lists/partial" "$cache/archives/partial"
say() { printf 'linux-guest: %s\n' "$*"; }

o=(-oAPT::Architecture=arm64 -oAPT::Architectures=arm64 "-oDir::State::Lists=$cache/lists"
   "-oDir::Cache=$cache" -oDebug::NoLocking=1 -oAPT::Sandbox::User=root)
if [ ! -f "$out/.done" ] || [ ! -f "$out/busybox" ]; then
  o=(-oAPT::Architecture=arm64 -oAPT::Architectures=arm64 "-oDir::State::Lists=$cache/lists"
     "-oDir::Cache=$cache" -oDebug::NoLocking=1 -oAPT::Sandbox::User=root)
  say "fetching Debian's linux-image-arm64 and busybox-static for arm64 into $cache (about 60 MB, once: later runs reuse it)"
  apt-get "${o[@]}" update -qq >/dev/null
  # the meta package names the versioned image package
  meta=$(apt-cache "${o[@]}" depends linux-image-arm64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
  [ -n "$meta" ] || { echo "linux-guest: cannot resolve linux-image-arm64" >&2; exit 1; }
  (cd "$cache" && apt-get "${o[@]}" download "$meta" busybox-static >/dev/null)
  rm -rf "$out/root" "$out/pkg"
  mkdir -p "$out/pkg"
  for deb in "$cache"/linux-image-*.deb "$cache"/busybox-static_*.deb; do dpkg -x "$deb" "$out/pkg"; done
  img=$(find "$out/pkg/boot" -name 'vmlinuz-*' | head -n 1)
  [ -n "$img" ] || { echo "linux-guest: no vmlinuz in $meta" >&2; exit 1; }
  # Debian's arm64 vmlinuz is a raw Image; accept a gzip one too
  if gzip -t "$img" 2>/dev/null; then gzip -dc "$img" >"$out/Image"; else cp "$img" "$out/Image"; fi
  [ "$(od -An -tx1 -j56 -N4 "$out/Image" | tr -d ' ')" = "41524d64" ] ||
    { echo "linux-guest: $img is not an arm64 Image" >&2; exit 1; }
  basename "$img" | sed 's/^vmlinuz-//' >"$out/version"

  cp "$out/pkg/bin/busybox" "$out/busybox"
  rm -rf "$out/pkg"
  touch "$out/.done"
  say "kernel $(cat "$out/version")"
fi

# the initramfs is rebuilt on every run (cheap), so a change to /init below takes effect
{
  # the initramfs: busybox and /init; /dev/console comes from devtmpfs (no mknod needed)
  root=$out/root
  mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys"
  cp "$out/busybox" "$root/bin/busybox"
  cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "SEPTUM-LINUX-UP"
# the kernel's monotonic clock at the marker: make bench compares boot times with it
echo "ktime: $(sed -n 's/^now at \([0-9]*\) nsecs$/\1/p' /proc/timer_list | head -n 1) ns"
echo "uname: $(uname -a)"
echo "cpus online: $(cat /sys/devices/system/cpu/online) ($(grep -c ^processor /proc/cpuinfo) CPUs)"
echo "memory: $(grep MemTotal /proc/meminfo)"
# the Xen variant carries Linux's user-space Xen devices as modules (the same kernel package)
if [ -d /lib/xen ]; then
  for m in xen-evtchn xen-gntalloc xen-gntdev; do insmod "/lib/xen/$m.ko" || echo "insmod $m failed"; done
  echo "xen devices: $(ls /dev/xen | tr '\n' ' ')"
fi
# septum.xendemo=ARGS (commas for spaces; may repeat, run in order): tools/xen-demo unattended,
# as make bench runs it
for a in $(tr ' ' '\n' </proc/cmdline | sed -n 's/^septum\.xendemo=//p'); do
  xen-demo $(echo "$a" | tr , ' ')
done
# septum.shell on the command line (make run SYSTEM=linux): an interactive shell on the
# console instead of powering off at once; leaving the shell powers the VM off
if grep -q 'septum.shell' /proc/cmdline; then
  echo "SEPTUM-LINUX-SHELL: a busybox shell; 'poweroff -f' (or exit) stops this VM"
  setsid cttyhack sh
fi
poweroff -f
INIT
  chmod 755 "$root/init"
  rm -rf "${root:?}/lib" "$root/bin/xen-demo"
  (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --owner 0:0 --quiet | gzip -9 >"$out/initramfs.cpio.gz")
  say "initramfs $(stat -c %s "$out/initramfs.cpio.gz") bytes"

  # the Xen variant: the modules from the same kernel package, once, and the demo program
  ver=$(cat "$out/version")
  if [ ! -f "$out/xen-modules/.done" ]; then
    rm -rf "$out/xen-modules" && mkdir -p "$out/xen-modules/x"
    deb=$(compgen -G "$cache/linux-image-$ver*_arm64.deb" | head -n 1) ||
      { echo "linux-guest: no linux-image-$ver package in $cache" >&2; exit 1; }
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out/xen-modules/x" \
      "./lib/modules/$ver/kernel/drivers/xen/xen-evtchn.ko" \
      "./lib/modules/$ver/kernel/drivers/xen/xen-gntalloc.ko" \
      "./lib/modules/$ver/kernel/drivers/xen/xen-gntdev.ko"
    mv "$out/xen-modules/x/lib/modules/$ver/kernel/drivers/xen/"*.ko "$out/xen-modules/"
    rm -rf "$out/xen-modules/x" && touch "$out/xen-modules/.done"
  fi
  [ -f /usr/aarch64-linux-gnu/include/xen/gntdev.h ] ||
    { echo "linux-guest: no arm64 Linux UAPI headers (run tools/deps.sh: libc6-dev-arm64-cross)" >&2; exit 1; }
  aarch64-linux-gnu-gcc -static -Os -s -Wall -Wextra -Werror -o "$root/bin/xen-demo" \
    "$top/tools/xen-demo/xen-demo.c"
  mkdir -p "$root/lib/xen"
  cp "$out/xen-modules/"*.ko "$root/lib/xen/"
  (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --owner 0:0 --quiet | gzip -9 >"$out/initramfs-xen.cpio.gz")
  rm -rf "${root:?}/lib" "$root/bin/xen-demo"
  say "initramfs-xen $(stat -c %s "$out/initramfs-xen.cpio.gz") bytes"
}

if [ ! -f "$out/u-boot.bin" ]; then
  say "fetching Debian's u-boot-qemu into $cache"
  if [ ! -d "$cache/lists/partial" ] || ! compgen -G "$cache/lists/*Packages*" >/dev/null; then
    apt-get "${o[@]}" update -qq >/dev/null
  fi
  (cd "$cache" && apt-get "${o[@]}" download u-boot-qemu >/dev/null)
  rm -rf "$out/ub"
  dpkg -x "$cache"/u-boot-qemu_*.deb "$out/ub"
  cp "$out/ub/usr/lib/u-boot/qemu_arm64/u-boot.bin" "$out/u-boot.bin.tmp"
  rm -rf "$out/ub"
  mv "$out/u-boot.bin.tmp" "$out/u-boot.bin"
  say "u-boot.bin $(stat -c %s "$out/u-boot.bin") bytes"
fi
# The ZCU102's device tree, from the same kernel package (Debian ships the Xilinx boards' DTBs):
# QEMU's xlnx-zcu102 machine needs one with -kernel (-dtb), and a real board's U-Boot can use it.
if [ ! -f "$out/zcu102.dtb" ]; then
  deb=$(find "$cache" -maxdepth 1 -name 'linux-image-*.deb' | head -n 1)
  [ -n "$deb" ] || { echo "linux-guest: no linux-image package in $cache" >&2; exit 1; }
  rm -rf "$out/dtbs"
  mkdir -p "$out/dtbs"
  dpkg --fsys-tarfile "$deb" | tar -x -C "$out/dtbs" --wildcards '*/xilinx/zynqmp-zcu102-rev1.0.dtb'
  dtb=$(find "$out/dtbs" -name zynqmp-zcu102-rev1.0.dtb | head -n 1)
  [ -n "$dtb" ] || { echo "linux-guest: $deb has no xilinx/zynqmp-zcu102-rev1.0.dtb" >&2; exit 1; }
  cp "$dtb" "$out/zcu102.dtb.tmp"
  rm -rf "$out/dtbs"
  mv "$out/zcu102.dtb.tmp" "$out/zcu102.dtb"
  say "zcu102.dtb $(stat -c %s "$out/zcu102.dtb") bytes (from $(basename "$deb"))"
fi
touch "$out/.done"
