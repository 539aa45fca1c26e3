# System tests on Xilinx's ZCU102 as QEMU 7.2 models it (-M xlnx-zcu102,virtualization=on: four
# Cortex-A53 entered at EL2, a GIC-400, Cadence UARTs, PSCI on SMC, 2 GiB of RAM at 0x0 and with
# -m 4G 2 GiB more at 0x800000000), booted with -kernel and the board's device tree from
# Debian's kernel package (tools/linux-guest.sh extracts it; QEMU patches its memory and PSCI
# nodes and passes it in x0). septum's console is the Cadence UART the device tree's
# stdout-path names; the guests still see a virtual PL011. Sourced by tests/run.sh.

zcu_dtb=$BUILD/linux/zcu102.dtb
zcu="-M xlnx-zcu102,virtualization=on -m 4G"
zkern() { echo "$zcu -dtb ${2:-$zcu_dtb} -kernel $BUILD/septum.bin -initrd $BUILD/systems/$1.pack"; }
zquiet=(-'^error:' -'^warning:' -'unexpected .* exception' -'PANIC')
zdone=('+^\[alpha\] hello 3/3 from vm 0$' '+^\[beta\] hello 5/5 from vm 1$'
  '+^\[alpha\] sharing a ring page with domain 2 as grant 8$'
  '+^\[beta\] received: message 5 of 5$' '+^\[alpha\] all 5 messages delivered; grant revoked$'
  '+^vm alpha: stopped \(PSCI SYSTEM_OFF\)$' '+^vm beta: stopped \(PSCI SYSTEM_OFF\)$'
  '+^all VMs have stopped; powering off$')

# The banner on the Cadence UART, the board as its device tree says (with the RAM QEMU states as
# 4 GiB from 0 put where the SoC has it), 4 CPUs through PSCI over SMC, and the default demo.
qemu_case zcu102-default 60 "$(zkern default)" "${zdone[@]}" "${zquiet[@]}" \
  '+^septum .* at EL2, boot flow: kernel$' \
  '+^board: ZynqMP ZCU102 Rev1.0, 4 CPUs, GICv2, PSCI via smc$' \
  '+^memory: 0x0000000000-0x007fffffff  2048 MiB$' '+^memory: 0x0800000000-0x087fffffff  2048 MiB$' \
  '+^console: cadence at 0xff000000 \(/axi/serial@ff000000\)$' \
  '+^cpu 3: mpidr 0x3 online$' '+^4 of 4 CPUs online$' \
  '+^vm alpha: 1 vCPU on CPU 0, RAM 0x40000000\+16 MiB at host 0x[0-9a-f]+, ring.bin 0x40080000'

# The flash image: QEMU models no memory-mapped flash on the ZCU102, so its generic loader puts
# the image in RAM (CPU 0 starts there at EL2, x0 = 0) and the board DTB at 0x40000000 (as
# given: QEMU patches nothing); septum moves out of the image and finds the bundle after it.
zflash="$zcu -device loader,file=$zcu_dtb,addr=0x40000000,force-raw=on
  -device loader,file=$BUILD/systems/default-flash.img,addr=0x10000000,cpu-num=0,force-raw=on"
qemu_case zcu102-flash 60 "$zflash" "${zdone[@]}" "${zquiet[@]}" \
  '+^septum .* at EL2, boot flow: flash$' '+^  copied from flash at 0x10000000 to RAM at 0x40200000$' \
  '+^console: cadence at 0xff000000 \(/axi/serial@ff000000\)$' '+^4 of 4 CPUs online$'

# Both DRAM windows back VMs: alpha takes most of the low one, beta's RAM comes from the high one;
# the demo runs all the same.
qemu_case zcu102-banks 60 "$(zkern zcu102-banks)" "${zdone[@]}" "${zquiet[@]}" \
  '+^vm alpha: 1 vCPU on CPU 0, RAM 0x40000000\+1792 MiB at host 0x[0-7]?[0-9a-f]{1,7}, ' \
  '+^vm beta: 1 vCPU on CPU 3, RAM 0x40000000\+1024 MiB at host 0x8[0-9a-f]{8}, '

# The grant tests (Xen ABI) on three of the board's CPUs, checked as on QEMU virt
# (tests/system/vms.sh): read-only grants fault on write, an outsider is refused.
qemu_case zcu102-grants 60 "$(zkern grants)" \
  '+^\[granter\] granter: 0 failed$' '+^\[mapper\] mapper: 0 failed$' -'FAILED' \
  '+^\[granter\] peer says: pong$' '+^\[mapper\] granter says: ping from the granter$' \
  '+^\[nosy\] map of another domain.s grant: permission denied$' '+^\[nosy\] outsider: 0 failed$' \
  '+^\[nosy\] unmapping another VM.s mapping is refused: ok$' \
  '+^\[granter\] console_io works$' '+^all VMs have stopped; powering off$' \
  -'unexpected .* exception' -'PANIC'

# Hostile board device trees, edited copies of the real one (fdtput): a console node with a UART
# septum has no driver for, or a stdout-path naming nothing, gives a warning saying why and the
# board table's console (UART0); a device tree septum refuses is reported on the board's console.
zbad() { # zbad NAME OPTION NODE [PROPERTY VALUE]: the board DTB with one fdtput edit
  local out=$BUILD/tests/zcu102-$1.dtb opt=$2; shift 2
  mkdir -p "$BUILD/tests" && cp "$zcu_dtb" "$out" && fdtput "$opt" "$out" "$@" && echo "$out"
}
if [ -f "$zcu_dtb" ]; then
  qemu_case zcu102-console-unknown 60 \
    "$(zkern default "$(zbad unknown-uart -ts /axi/serial@ff000000 compatible acme,uart9)")" \
    '+^warning: /axi/serial@ff000000 \(stdout-path\): no console driver for compatible "acme,uart9"; the console is the zcu102 board.s cadence at 0xff000000 instead$' \
    "${zdone[@]}"
  qemu_case zcu102-console-nowhere 60 \
    "$(zkern default "$(zbad nowhere -ts /chosen stdout-path serial7:115200n8)")" \
    '+^warning: /chosen: stdout-path "serial7:115200n8" names no node; the console is the zcu102 board.s cadence at 0xff000000 instead$' \
    "${zdone[@]}"
  qemu_case zcu102-dtb-refused 60 \
    "$(zkern default "$(zbad nocpus -r /cpus)")" \
    '+^error: device tree at 0x[0-9a-f]+ is unusable: no /cpus node$' '+^septum: stopped; powering off$'
else
  report FAIL system/zcu102-dtbs "no $zcu_dtb (make test runs tools/linux-guest.sh)"
fi

# With the board's GIC-400 driven at EL2 and a virtual GICv2 per VM (its pages repeat over
# 64 KiB on the ZCU102, unlike QEMU virt's GICv2): the virtual GIC's own test, console input
# through the Cadence UART's receive interrupt, and Debian's Linux with 2 vCPUs beside a ticking
# bare-metal VM.
qemu_case zcu102-vgic 60 "$(zkern vgic2)" '+^\[gic\] vgic2: 0 failed$' -'FAILED' \
  '+^\[gic\] overflow: 16 interrupts delivered, first 7 6 5 4' \
  '+^\[gic\] sgi: 200 sent to vcpu 1, 200 received there, 200 answers back$' \
  '+^\[gic\] timer: 50 ticks of 1000 us' '+^vm gic: stopped \(PSCI SYSTEM_OFF\)$' \
  -'^error:' -'unexpected .* exception' -'PANIC'
# The Cadence UART's receiver is off out of reset and drops what arrives before septum turns it
# on (so would the board's): the keys are typed once the VMs run, through a pipe a writer holds
# open until then.
zfifo=$BUILD/tests/zcu102-input.fifo
rm -f "$zfifo" && mkdir -p "$BUILD/tests" && mkfifo "$zfifo"
{
  for _ in $(seq 1 $((120 * ${SEPTUM_TEST_TIMEOUT_SCALE:-5}))); do
    grep -q '^\[beta\] waiting for' "$LOGS/system/zcu102-console-input.log" 2>/dev/null && break
    sleep 0.5
  done
  cat tests/system/input/echo.txt
  sleep 5
} >"$zfifo" &
zwriter=$!
qemu_case zcu102-console-input 60 "$(zkern input)" input="$zfifo" \
  '+^console input: vm beta$' '+^\[alpha\] got: one for alpha$' '+^\[beta\] got: two for beta$' \
  '+^\[alpha\] got: three for alpha$' '+^all VMs have stopped; powering off$' "${zquiet[@]}"
kill "$zwriter" 2>/dev/null; wait "$zwriter" 2>/dev/null; rm -f "$zfifo"
qemu_case zcu102-linux-smp 300 "$(zkern linux-smp)" '+^\[penguin\] SEPTUM-LINUX-UP$' \
  '+^\[penguin\] cpus online: 0-1 \(2 CPUs\)$' '+^\[penguin\] .*Root IRQ handler: gic_handle_irq$' \
  '+^\[penguin\] .*CPU: All CPU\(s\) started at EL1$' \
  '+^vm penguin: stopped \(PSCI SYSTEM_OFF\)$' '<^\[penguin\] SEPTUM-LINUX-UP$<^\[ticker\] tick [0-9]+$' \
  -'^\[penguin\] .*(Kernel panic|BUG:|Oops|WARNING:|SMP: failed to stop)' -'^error:' -'PANIC' \
  -'^warning:' 'until=^vm penguin: stopped'
