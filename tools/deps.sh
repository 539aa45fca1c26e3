#!/usr/bin/env bash
# deps.sh — installs what septum needs to build, test and run, and is a no-op when all is there.
#
# Host packages come from Debian (the cross toolchain, QEMU, dtc, cmocka, host libfdt,
# newlib's source, the static checkers). Two target libraries are prepared in a cache folder
# that later builds reuse ($SEPTUM_DEPS, default .deps/ in the checkout):
#   newlib 3.3.0 built from Debian's newlib-source for bare-metal aarch64, and
#   libfdt for aarch64 unpacked from Debian's libfdt-dev:arm64 (never installed into the host).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps=${SEPTUM_DEPS:-$top/.deps}
cross=aarch64-linux-gnu
say() { printf 'deps: %s\n' "$*"; }

# ---- host packages --------------------------------------------------------------------------
need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have gcc                      || need_pkgs+=(gcc libc6-dev)
have ${cross}-gcc             || need_pkgs+=(gcc-aarch64-linux-gnu)
have qemu-system-aarch64      || need_pkgs+=(qemu-system-arm)
have dtc                      || need_pkgs+=(device-tree-compiler)
[ -f /usr/include/cmocka.h ]  || need_pkgs+=(libcmocka-dev)
[ -f /usr/include/libfdt.h ]  || need_pkgs+=(libfdt-dev)
[ -f /usr/src/newlib/newlib-3.3.0.tar.xz ] || need_pkgs+=(newlib-source)
have cpio                     || need_pkgs+=(cpio)
# user-space programs for the Linux guests (tools/xen-demo): arm64 glibc and Linux's UAPI headers
{ [ -f /usr/aarch64-linux-gnu/lib/libc.a ] && [ -f /usr/aarch64-linux-gnu/include/xen/gntdev.h ]; } ||
  need_pkgs+=(libc6-dev-arm64-cross)
have clang                    || need_pkgs+=(clang)
# septum links with ld.lld (RELR-packed relocations; GNU ld 2.40 packs none for aarch64)
have ld.lld                   || need_pkgs+=(lld)
[ -n "$(find /usr/lib/llvm-* -name 'libclang_rt.fuzzer-x86_64.a' 2>/dev/null | head -n 1)" ] ||
  need_pkgs+=(libclang-rt-14-dev)
have xz                       || need_pkgs+=(xz-utils)
# the static checks (make check): .clang-format is written for Debian 12's clang-format 14
have clang-format             || need_pkgs+=(clang-format)
have clang-tidy               || need_pkgs+=(clang-tidy)
have cppcheck                 || need_pkgs+=(cppcheck)
have shellcheck               || need_pkgs+=(shellcheck)
# the console test drives `make run` through a terminal, as a person would
have tmux                     || need_pkgs+=(tmux)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  say "installing Debian packages: ${need_pkgs[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: need root to install ${need_pkgs[*]} (run: sudo $0)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

mkdir -p "$deps"

# ---- newlib for bare-metal aarch64 --------------------------------------------------------------
newlib=$deps/newlib
if [ ! -f "$newlib/.done" ]; then
  say "building newlib 3.3.0 for aarch64-none-elf into $newlib (about a minute)"
  work=$deps/newlib-build
  rm -rf "$work" "$newlib"
  mkdir -p "$work"
  tar -C "$work" -xf /usr/src/newlib/newlib-3.3.0.tar.xz
  src=$(find "$work" -maxdepth 1 -mindepth 1 -type d | head -n 1)
  mkdir -p "$work/obj"
  (
    cd "$work/obj"
    "$src/configure" --target=aarch64-none-elf --prefix="$newlib" \
      CC_FOR_TARGET=${cross}-gcc AR_FOR_TARGET=${cross}-ar AS_FOR_TARGET=${cross}-as \
      LD_FOR_TARGET=${cross}-ld NM_FOR_TARGET=${cross}-nm RANLIB_FOR_TARGET=${cross}-ranlib \
      OBJDUMP_FOR_TARGET=${cross}-objdump STRIP_FOR_TARGET=${cross}-strip \
      READELF_FOR_TARGET=${cross}-readelf \
      CFLAGS_FOR_TARGET="-O2 -ffunction-sections -fdata-sections -fno-pie -fno-stack-protector -mno-outline-atomics -mstrict-align -fno-tree-vectorize" \
      --disable-multilib --disable-nls --disable-newlib-supplied-syscalls \
      --enable-newlib-nano-formatted-io --enable-newlib-nano-malloc --enable-newlib-reent-small \
      --enable-lite-exit --disable-newlib-multithread >"$work/configure.log" 2>&1
    make -j"$(nproc)" all-target-newlib >"$work/build.log" 2>&1
    make install-target-newlib >"$work/install.log" 2>&1
  ) || { echo "deps: newlib build failed; logs in $work" >&2; exit 1; }
  [ -f "$newlib/aarch64-none-elf/lib/libc.a" ] || { echo "deps: newlib produced no libc.a" >&2; exit 1; }
  rm -rf "$work"
  touch "$newlib/.done"
fi

# ---- libfdt for aarch64, from Debian's arm64 packages ------------------------------------------
fdt=$deps/libfdt-arm64
if [ ! -f "$fdt/.done" ]; then
  say "fetching libfdt-dev:arm64 into $fdt (private apt state; nothing installed into the host)"
  apt_state=$deps/apt-arm64
  mkdir -p "$apt_state/lists/partial" "$apt_state/cache/archives/partial" "$fdt"
  o=(-oAPT::Architecture=arm64 -oAPT::Architectures=arm64 "-oDir::State::Lists=$apt_state/lists"
     "-oDir::Cache=$apt_state/cache" -oDebug::NoLocking=1 -oAPT::Sandbox::User=root)
  apt-get "${o[@]}" update -qq >/dev/null
  (cd "$apt_state" && apt-get "${o[@]}" download libfdt-dev libfdt1 >/dev/null)
  for deb in "$apt_state"/libfdt*.deb; do dpkg -x "$deb" "$fdt"; done
  lib=$(find "$fdt" -name libfdt.a | head -n 1)
  [ -n "$lib" ] || { echo "deps: libfdt-dev:arm64 has no libfdt.a" >&2; exit 1; }
  touch "$fdt/.done"
fi

[ "${1:-}" = "--quiet" ] || say "all dependencies present in $deps"
