# Host unit tests: one line per test binary naming the hypervisor sources it links.
# Each tests/unit/<name>.c is a cmocka program built by the host compiler with sanitizers.
# The board and UART tables (platform/): data and drivers, linked wherever the board parser is.
PLATFORM_TABLES := platform/platform.c platform/qemu-virt.c platform/zcu102.c platform/uart.c \
                   platform/pl011.c platform/cadence.c
UNIT_TESTS := test_pt test_el2map test_board test_esr

test_pt_SRCS     := mm/pt.c
test_el2map_SRCS := mm/pt.c mm/el2map.c
test_board_SRCS  := core/config/board.c $(PLATFORM_TABLES)
test_esr_SRCS    := arch/aarch64/esr.c
UNIT_TESTS += test_frame
test_frame_SRCS  := mm/frame.c
UNIT_TESTS += test_region
test_region_SRCS := mm/region.c
UNIT_TESTS += test_s2
test_s2_SRCS     := mm/pt.c mm/region.c mm/s2.c mm/fwmap.c
UNIT_TESTS += test_pack
test_pack_SRCS   := tools/septum-pack.c core/config/bundle.c
UNIT_TESTS += test_sysdesc
test_sysdesc_SRCS := core/config/sysdesc.c core/config/bundle.c tools/septum-pack.c
UNIT_TESTS += test_ldst
test_ldst_SRCS   := arch/aarch64/ldst.c
UNIT_TESTS += test_reserve
test_reserve_SRCS := mm/region.c mm/reserve.c
UNIT_TESTS += test_gnttab
test_gnttab_SRCS  := core/xen/gnttab.c
UNIT_TESTS += test_fmt
test_fmt_SRCS     := core/lib/fmt.c
# The guests' seed generator: ChaCha20 against RFC 8439's vector, and its draws.
UNIT_TESTS += test_seed
test_seed_SRCS    := core/lib/seed.c

# The fake arch (tests/unit/fake_arch/): a static library every test above links.
FAKE_ARCH_SRCS := $(wildcard tests/unit/fake_arch/*.c)
UNIT_TESTS += test_vgic
test_vgic_SRCS    := vdev/vgic.c vdev/vgic_core.c mm/reserve.c mm/region.c tests/unit/helpers/fake_log.c
# The virtual GICv2's own registers over the shared distributor state, and the physical GICv2's
# list-register translation and CPU interface over fake MMIO frames.
UNIT_TESTS += test_vgic2
test_vgic2_SRCS   := vdev/vgic_v2.c vdev/vgic_core.c mm/reserve.c mm/region.c \
                     tests/unit/helpers/fake_log.c
UNIT_TESTS += test_gicv2_lr
test_gicv2_lr_SRCS := arch/aarch64/gicv2.c
UNIT_TESTS += test_hvc
test_hvc_SRCS     := core/hvc.c core/psci.c mm/region.c mm/reserve.c tests/unit/helpers/fake_log.c
UNIT_TESTS += test_mmio
test_mmio_SRCS    := core/mmio.c core/trap.c arch/aarch64/fault.c arch/aarch64/ldst.c \
                     arch/aarch64/esr.c mm/reserve.c mm/region.c tests/unit/helpers/fake_log.c
# Tests whose code logs through log_guest (rate-limited in septum) keep every message.
test_mmio_SRCS    += tests/unit/helpers/log_guest.c
test_hvc_SRCS     += tests/unit/helpers/log_guest.c
# The console's rate limiter for guest-triggered messages, over a fake UART.
UNIT_TESTS += test_console
test_console_SRCS := core/lib/console.c
# Exceptions injected into a guest: vector offsets and syndromes from each mode.
UNIT_TESTS += test_inject
test_inject_SRCS  := arch/aarch64/inject.c
# The virtual PL011: its registers, console input, and its interrupt line.
UNIT_TESTS += test_pl011
test_pl011_SRCS   := vdev/pl011.c mm/reserve.c mm/region.c tests/unit/helpers/fake_log.c
# The platform tables alone: UART drivers by compatible, boards by root compatible.
UNIT_TESTS += test_platform
test_platform_SRCS := $(PLATFORM_TABLES)
# The event-channel engine: ports, delivery into the guest's words, pairing, teardown.
UNIT_TESTS += test_evtchn
test_evtchn_SRCS  := core/xen/evtchn.c
# Xen's PV console rings as septum serves them, against hostile indices.
UNIT_TESTS += test_xencons
test_xencons_SRCS := core/xen/consring.c
# The grant-mapping fast paths of mm/: kept tables, owned regions, local TLBI, fwmap slots.
UNIT_TESTS += test_grantfast
test_grantfast_SRCS := mm/pt.c mm/region.c mm/s2.c mm/fwmap.c
# The Xen guest ABI for unmodified Linux: guest-virtual buffers, shared_info/vcpu_info, holes,
# HVM parameters (the firmware maps are the test's own, over host memory).
UNIT_TESTS += test_xenabi
test_xenabi_SRCS  := core/xen/guestmem.c core/xen/shinfo.c core/xen/physmap.c core/xen/hvm.c \
                     mm/region.c mm/reserve.c tests/unit/helpers/fake_log.c \
                     tests/unit/helpers/log_guest.c
