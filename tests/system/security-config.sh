# System tests of what septum refuses in its configuration because it would break isolation
# (issue 11, findings 4, 5 and 16): a pass-through device that can master DMA (QEMU's real
# fw_cfg), the GIC's ITS, an SPI two VMs claim or that septum's console raises, and a board
# whose console UART lies inside RAM. Each is refused at boot with a message naming the VM, its
# node and the cause; a DMA master the description accepts by name runs, with a warning.
# Sourced by tests/run.sh; the helpers are vms.sh's, prefixed (sc_) so that no other file's
# are redefined.

sc_virt="-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 1G"
sc_kern() { echo "${3:-$sc_virt} -smp ${2:-2} -kernel $BUILD/septum.bin -initrd $BUILD/systems/$1.pack"; }
sc_refused='+^septum: stopped; powering off$'

# Pass-through DMA: fw_cfg (at its board-DT address, with its DMA interface) is refused unless
# the description says septum,dma-unisolated; then septum warns that the VM reaches all memory.
qemu_case config-dma-fwcfg 30 "$(sc_kern bad-dma-fwcfg 1)" \
  '+^error: system description: /loader \(loader\): device fw-cfg@9020000 at 0x9020000: it can master DMA, no IOMMU isolates it and septum,dma-unisolated is not set \(/fw-cfg@9020000: qemu,fw-cfg-mmio\)$' \
  "$sc_refused" -'^starting'
qemu_case config-dma-unisolated 30 "$(sc_kern bad-dma-unisolated 1)" \
  "+^warning: vm risky: device fw-cfg@9020000 can master DMA \\(/fw-cfg@9020000: qemu,fw-cfg-mmio\\) and no IOMMU isolates it: with septum,dma-unisolated the VM can reach all memory, septum's and other VMs'$" \
  '<^warning: vm risky: device fw-cfg@9020000<^starting 1 VM$' '+^\[risky\] hello 3/3 ' \
  '+^vm risky: stopped \(PSCI SYSTEM_OFF\)$' -'^error:'
# The ITS is the GIC's: never a VM's, not even with septum,dma-unisolated.
qemu_case config-gic-its 30 "$(sc_kern bad-dma-its 1 "${sc_virt/gic-version=3/gic-version=3,its=on}")" \
  '+^error: system description: /msi \(msi\): device its@8080000 at 0x8080000: it is the GIC$' \
  "$sc_refused" -'^starting'

# Interrupt ownership: an SPI is one VM's at most, and never the console's (SPI 1 on virt).
qemu_case config-spi-shared 30 "$(sc_kern bad-spi-shared)" \
  "+^error: system description: /two \\(two\\): device gpio@9030000: SPI 2 is already one's \\(device rtc@9010000\\)$" \
  "$sc_refused" -'^starting'
qemu_case config-spi-console 30 "$(sc_kern bad-spi-console 1)" \
  "+^error: system description: /eavesdropper \\(eavesdropper\\): device rtc@9010000: SPI 1 is the interrupt of septum's console$" \
  "$sc_refused" -'^starting'

# A board whose console UART lies inside RAM (septum would log into memory it hands out):
# QEMU's own DTB with the PL011 moved to 0x7f000000, entered through tests/system/jump.S.
sc_dtb=$BUILD/dtb
mkdir -p "$sc_dtb"
cp "$sc_dtb/virt-gicv3-smp1.dtb" "$sc_dtb/bad-uart-in-ram.dtb" &&
  fdtput -t x "$sc_dtb/bad-uart-in-ram.dtb" /pl011@9000000 reg 0 0x7f000000 0 0x1000
qemu_case config-uart-in-ram 30 "$sc_virt -smp 1 -device loader,file=$BUILD/septum.bin,addr=0x40200000
  -device loader,file=$BUILD/tests/jump.bin,addr=0x40100000,cpu-num=0
  -device loader,file=$sc_dtb/bad-uart-in-ram.dtb,addr=0x44000000,force-raw=on" \
  '+^error: device tree at 0x44000000 is unusable: /pl011@9000000: the console UART.s registers 0x7f000000\+0x1000 lie inside memory 0x40000000\+0x40000000$' \
  '+^septum: stopped; powering off$'

# The bundle's images are checked against their CRCs before they are used: an image a VM copies
# in the loader's pass, an image no VM names never. default.pack with one byte flipped in the
# kernel both VMs run (ring.bin, refused), then in a test guest neither runs (hello.bin, boots).
sc_entry_offset() { # PACK NAME: the offset of NAME's data in the bundle (bundle.h's layout)
  local n i name
  n=$(od -An -tu4 -j12 -N4 "$1" | tr -d ' ')
  for ((i = 0; i < n; i++)); do
    name=$(dd if="$1" bs=1 skip=$((32 + 72 * i)) count=48 2>/dev/null | tr -d '\0')
    [ "$name" = "$2" ] && { od -An -tu8 -j$((32 + 72 * i + 48)) -N8 "$1" | tr -d ' '; return; }
  done
}
sc_flip() { # PACK NAME OUT: PACK with one byte of NAME's data flipped, as OUT
  local at old
  at=$(( $(sc_entry_offset "$1" "$2") + 100 ))
  old=$(od -An -tu1 -j"$at" -N1 "$1" | tr -d ' ')
  cp "$1" "$3"
  printf %b "\\$(printf %03o $(( old ^ 0x5a )))" | dd of="$3" bs=1 seek="$at" conv=notrunc 2>/dev/null
}
sc_flip "$BUILD/systems/default.pack" ring.bin "$BUILD/systems/corrupt-used.pack"
sc_flip "$BUILD/systems/default.pack" hello.bin "$BUILD/systems/corrupt-unused.pack"
qemu_case config-corrupt-image 30 "$(sc_kern corrupt-used)" \
  '+^error: vm alpha \(/alpha\): its kernel image in the bundle is corrupt \(CRC mismatch\) \(error -5\)$' \
  "$sc_refused" -'^starting'
qemu_case config-corrupt-unused 30 "$(sc_kern corrupt-unused)" \
  '+^starting 2 VMs$' '+^\[alpha\] all 5 messages delivered; grant revoked$' \
  '+^all VMs have stopped; powering off$' -'corrupt'
