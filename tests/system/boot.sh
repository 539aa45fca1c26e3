# System tests: septum boots on QEMU virt in both flows, with 1 and 4 CPUs and several RAM sizes,
# reports every CPU, and powers off; the fatal paths print a register dump and stop.
# Sourced by tests/run.sh (qemu_case NAME TIMEOUT "ARGS" CHECKS...).

virt="-M virt,virtualization=on,gic-version=3 -cpu cortex-a57"
kernel="-kernel $BUILD/septum.bin"
flash="-drive if=pflash,format=raw,file=$BUILD/septum-flash.img"
clean=(-'^error:' -'^warning:' -'unexpected .* exception' -'PANIC')

banner() { echo "+^septum [^ ]+ at EL2, boot flow: $1\$"; }
cpus_up() { # cpus_up N: every CPU reports in, N of N online
  local i out=("+^cpu 0: mpidr 0x0 online \(boot CPU\)\$")
  for ((i = 1; i < $1; i++)); do out+=("+^cpu $i: mpidr 0x$i online\$"); done
  out+=("+^$1 of $1 CPUs online\$" "+^no bundle \\(system description and guest images\\) was given: nothing to run; powering off\$")
  printf '%s\n' "${out[@]}"
}
mapfile -t up1 < <(cpus_up 1)
mapfile -t up4 < <(cpus_up 4)
mem1g='+^memory: 0x0040000000-0x007fffffff  1024 MiB$'

qemu_case boot-kernel-1cpu 30 "$virt -m 1G -smp 1 $kernel" "$(banner kernel)" "$mem1g" \
  '+^EL2 MMU on: .* 0 W\+X' '+^direct map: 10[12][0-9] MiB of RAM in [1-4] ranges$' "${up1[@]}" \
  "${clean[@]}"
qemu_case boot-kernel-4cpu 30 "$virt -m 1G -smp 4 $kernel" "$(banner kernel)" "$mem1g" \
  "${up4[@]}" "${clean[@]}"
qemu_case boot-flash-1cpu 30 "$virt -m 1G -smp 1 $flash" "$(banner flash)" \
  '+^  copied from flash at 0x0 to RAM at 0x40200000$' "$mem1g" "${up1[@]}" "${clean[@]}"
qemu_case boot-flash-4cpu 30 "$virt -m 1G -smp 4 $flash" "$(banner flash)" "$mem1g" \
  "${up4[@]}" "${clean[@]}"
# RAM size comes from the DTB, whatever it is
qemu_case boot-kernel-256m 30 "$virt -m 256M -smp 2 $kernel" "$(banner kernel)" \
  '+^memory: 0x0040000000-0x004fffffff   256 MiB$' '+^2 of 2 CPUs online$' "${clean[@]}"
qemu_case boot-flash-3g 30 "$virt -m 3G -smp 2 $flash" "$(banner flash)" \
  '+^memory: 0x0040000000-0x00ffffffff  3072 MiB$' '+^direct map: 30[67][0-9] MiB of RAM in [1-4] ranges$' \
  '+^2 of 2 CPUs online$' "${clean[@]}"
qemu_case boot-gicv2 30 "-M virt,virtualization=on,gic-version=2 -cpu cortex-a57 -m 1G -smp 2 $kernel" \
  "$(banner kernel)" '+GICv2' '+^2 of 2 CPUs online$' "${clean[@]}"

# The fatal paths: a register dump, then a clean stop (PSCI SYSTEM_OFF: QEMU exits 0).
dump=('+^  ESR  0x[0-9a-f]{8}  data abort from EL2, translation fault, level [0-3], (read|write)$'
  '+^  FAR  0x[0-9a-f]{16}$' '+^  ELR  0x[0-9a-f]{16} \(septum.elf \+ 0x[0-9a-f]+\)  SPSR 0x[0-9a-f]{8}$'
  '+^  x0   0x' '+^  x30  0x[0-9a-f]{16}  sp   0x' '+^septum: stopped; powering off$')
qemu_case fault-hook 30 "$virt -m 1G -smp 1 $kernel -append septum.test=fault" \
  '+^test hook: fault$' '+^septum: unexpected synchronous exception from EL2 on cpu 0$' \
  "${dump[@]}" -'stack overflow' -'^read from unmapped'
qemu_case stack-overflow-hook 30 "$virt -m 1G -smp 2 $kernel -append septum.test=stack-overflow" \
  '+^septum: unexpected synchronous exception from EL2 on cpu 0$' "${dump[@]}" \
  "+^septum: stack overflow: the fault hit a guard page of cpu 0's stacks$" -'^never'
qemu_case panic-hook 30 "$virt -m 1G -smp 1 $kernel -append septum.test=panic" \
  '+^septum: PANIC on cpu 0: test hook asked for a panic$' '+^septum: stopped; powering off$'

# Missing and malformed device trees: a clear message and a clean stop, never a silent hang.
# tests/system/jump.S enters septum's kernel flow with x0 = 0x44000000, where each case places
# (or does not place) a blob.
dtb=$BUILD/dtb
mkdir -p "$dtb"
good=$dtb/virt-gicv3-smp1.dtb
cp "$good" "$dtb/bad-nomem.dtb" && fdtput -r "$dtb/bad-nomem.dtb" /memory@40000000
cp "$good" "$dtb/bad-nogic.dtb" && fdtput -r "$dtb/bad-nogic.dtb" /intc@8000000
cp "$good" "$dtb/bad-cpureg.dtb" && fdtput -d "$dtb/bad-cpureg.dtb" /cpus/cpu@0 reg
head -c 4096 /dev/zero | tr '\0' 'A' >"$dtb/bad-magic.dtb"
# a valid header whose totalsize (4 MiB) is beyond what a board DTB may be
{ printf '\xd0\x0d\xfe\xed\x00\x40\x00\x00'; tail -c +9 "$good"; } >"$dtb/bad-size.dtb"
# a valid header whose structure block offset points past the end
{ head -c 8 "$good"; printf '\x00\x0f\xff\x00'; tail -c +13 "$good"; } >"$dtb/bad-struct.dtb"
# firmware's reserved memory (no-map): neither handed out nor in septum's direct map of RAM
cp "$good" "$dtb/reserved.dtb"
fdtput -c "$dtb/reserved.dtb" /reserved-memory /reserved-memory/fw@48000000
fdtput -t x "$dtb/reserved.dtb" /reserved-memory '#address-cells' 2
fdtput -t x "$dtb/reserved.dtb" /reserved-memory '#size-cells' 2
fdtput "$dtb/reserved.dtb" /reserved-memory ranges
fdtput -t x "$dtb/reserved.dtb" /reserved-memory/fw@48000000 reg 0 0x48000000 0 0x100000
fdtput "$dtb/reserved.dtb" /reserved-memory/fw@48000000 no-map
load="$virt -m 1G -smp 1 -device loader,file=$BUILD/septum.bin,addr=0x40200000
  -device loader,file=$BUILD/tests/jump.bin,addr=0x40100000,cpu-num=0"
blob() { echo "-device loader,file=$dtb/$1,addr=0x44000000,force-raw=on"; }
unusable='+^error: device tree at 0x44000000 is unusable: '
stop='+^septum: stopped; powering off$'
# septum's image, the DTB and the reservation cut RAM into four ranges (three without the cut)
qemu_case dtb-reserved 30 "$load $(blob reserved.dtb)" "$(banner kernel)" \
  '+^direct map: 10[12][0-9] MiB of RAM in 4 ranges$' "${up1[@]}" "${clean[@]}"
qemu_case dtb-missing 30 "$load" "$(banner kernel)" "${unusable}DTB: bad magic" "$stop"
qemu_case dtb-bad-magic 30 "$load $(blob bad-magic.dtb)" "${unusable}DTB: bad magic 0x41414141" "$stop"
qemu_case dtb-too-big 30 "$load $(blob bad-size.dtb)" "${unusable}DTB: totalsize 4194304 exceeds limit 1048576$" "$stop"
qemu_case dtb-bad-struct 30 "$load $(blob bad-struct.dtb)" "${unusable}DTB: (header|structure) check failed" "$stop"
qemu_case dtb-no-memory 30 "$load $(blob bad-nomem.dtb)" "${unusable}no memory node" "$stop"
qemu_case dtb-no-gic 30 "$load $(blob bad-nogic.dtb)" "${unusable}no GIC found" "$stop"
qemu_case dtb-cpu-no-reg 30 "$load $(blob bad-cpureg.dtb)" "${unusable}/cpus/cpu@0: no reg" "$stop"
