# System tests with real guests: Debian's unmodified arm64 Linux kernel and a busybox initramfs
# (tools/linux-guest.sh fetches them), under septum's virtual GICv3, PL011 and PSCI. Sourced by
# tests/run.sh.

lvirt="-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 1G"
lkern() { echo "$lvirt -smp $2 -kernel $BUILD/septum.bin -initrd $BUILD/systems/$1.pack"; }
lflash() { echo "$lvirt -smp $2 -drive if=pflash,format=raw,file=$BUILD/systems/$1-flash.img"; }
linux_up=('+^\[penguin\] SEPTUM-LINUX-UP$'
  '+^\[penguin\] uname: Linux .* 6\.[0-9]+\.[0-9]+-[0-9]+-arm64 .* aarch64 GNU/Linux$'
  '+^\[penguin\] cpus online: 0-1 \(2 CPUs\)$' '+^\[penguin\] memory: MemTotal: +[0-9]+ kB$'
  '+^vm penguin: stopped \(PSCI SYSTEM_OFF\)$' '+^vm penguin: 262144 KiB of memory returned$'
  '<^\[penguin\] SEPTUM-LINUX-UP$<^\[ticker\] tick [0-9]+$'
  -'^\[penguin\] .*(Kernel panic|BUG:|Oops|WARNING:|SMP: failed to stop)' -'^error:' -'PANIC'
  -'^warning:' 'until=^vm penguin: stopped')

# 2 vCPUs on physical CPUs 0-1, a bare-metal VM ticking on CPU 2 throughout
qemu_case linux-smp-kernel 240 "$(lkern linux-smp 3)" "${linux_up[@]}"
qemu_case linux-smp-flash 240 "$(lflash linux-smp 3)" '+boot flow: flash$' "${linux_up[@]}"

# two Linux VMs at once, one vCPU each
two=()
for vm in tux1 tux2; do
  two+=("+^\\[$vm\\] SEPTUM-LINUX-UP$" "+^\\[$vm\\] cpus online: 0 \\(1 CPUs\\)$"
    "+^vm $vm: stopped \\(PSCI SYSTEM_OFF\\)$" -"^\\[$vm\\] .*(Kernel panic|BUG:|Oops|WARNING:)")
done
qemu_case linux-two-vms 240 "$(lkern linux-two 2)" "${two[@]}" '+^all VMs have stopped; powering off$' \
  -'^error:' -'^warning:' -'PANIC'

# U-Boot (Debian's qemu_arm64 build) as a VM's firmware, executing in place from a read-only
# mapping (flash in the flash flow); a scripted console stops its autoboot, runs a command at
# its prompt and powers the VM off with its own poweroff command (PSCI SYSTEM_OFF).
uboot=(input=tests/system/input/uboot.txt '+^\[boot\] U-Boot 20[0-9]{2}\.'
  '+^\[boot\] => echo UBOOT-SCRIPTED$' '+^\[boot\] UBOOT-SCRIPTED$' '+^\[boot\] => poweroff$'
  '+^vm boot: stopped \(PSCI SYSTEM_OFF\)$' '+^all VMs have stopped; powering off$'
  -'Synchronous Abort' -'^error:' -'^warning:' -'PANIC')
qemu_case uboot-kernel 60 "$(lkern uboot 1)" "${uboot[@]}"
qemu_case uboot-flash 60 "$(lflash uboot 1)" '+boot flow: flash$' "${uboot[@]}"
