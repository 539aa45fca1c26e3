# septum — top-level build.
#
# `make` builds build/septum.elf, build/septum.bin (an arm64 Image: boot it with -kernel) and
# build/septum-flash.img (64 MiB, for -drive if=pflash / -bios). `make help` lists the targets.
# Objects go under build/, one tree per side: build/el2 for the hypervisor, build/host for tests.

.DEFAULT_GOAL := all
# Quiet output ("  CC      core/vm.c"); V=1 prints the full command lines.
ifeq ($(V),1)
Q        :=
say       = @true
else
Q        := @
say       = @printf '  %-7s %s\n' $(1) $(2)
endif
CROSS    ?= aarch64-linux-gnu-
CC       := $(CROSS)gcc
OBJCOPY  := $(CROSS)objcopy
# septum links with LLVM's linker: it packs the image's relative relocations (RELR), which GNU
# ld 2.40 cannot do for aarch64 (6,648 bytes of RELA became 88 bytes of RELR)
LD       := ld.lld
HOSTCC   ?= gcc
BUILD    ?= build
DEPS     ?= $(CURDIR)/.deps
QEMU     ?= qemu-system-aarch64
CPUS     ?= 2
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

NEWLIB   := $(DEPS)/newlib/aarch64-none-elf
LIBFDT   := $(DEPS)/libfdt-arm64/usr
DEPS_OK  := $(DEPS)/.ready

# Include paths by room. A room sees its own headers and those of the rooms below it, so an
# upward #include does not compile: arch, platform <- mm <- core/lib <- core <- core/config,
# core/xen, vdev <- boot. boot/include/boot/layout.h (the contract with head.S) is seen by all.
INC_arch     := -Iarch/aarch64/include -Iboot/include
INC_platform := -Iplatform/include -Iboot/include
INC_mm       := $(INC_arch) -Imm/include
INC_lib      := $(INC_arch) $(INC_platform) -Icore/lib/include
INC_core     := $(INC_mm) $(INC_platform) -Icore/lib/include -Icore/include -Iguest/include
INC_config   := $(INC_core) -Icore/config/include
INC_xen      := $(INC_core) -Icore/xen/include
INC_vdev     := $(INC_core)
INC_boot     := $(INC_core) -Icore/config/include -Icore/xen/include
# host tests and tools see everything
INCLUDES     := $(INC_boot)

WARN     := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
            -Wpointer-arith -Wundef -Wvla -Wimplicit-fallthrough -Wformat=2 -Wcast-qual \
            -Wnull-dereference -Wmissing-declarations -Wredundant-decls \
            -Wno-missing-field-initializers

# The hypervisor: freestanding C11 on newlib's headers, no FP/SIMD at EL2, strict alignment
# (hardware faults unaligned accesses while the MMU is off), linked position-independent so the
# same image runs wherever it was loaded (-kernel) or copied (flash).
EL2_CFLAGS := -std=c11 -O2 -g -ffreestanding -fno-pie -mgeneral-regs-only -mstrict-align \
              -mno-outline-atomics -fno-asynchronous-unwind-tables -fno-unwind-tables \
              -fno-stack-protector -ffunction-sections -fdata-sections -fno-common \
              -fno-tree-loop-distribute-patterns \
              -march=armv8-a $(WARN) -isystem $(NEWLIB)/include \
              -isystem $(LIBFDT)/include -MMD -MP
EL2_ASFLAGS := -D__ASSEMBLY__ -g -MMD -MP
# -O2: merge string tails as GNU ld does. -z notext: GCC (-fno-pie) puts tables of pointers in
# .rodata, which head.S relocates before the MMU is on; tools/check-image.sh refuses any
# relocation in .text.
EL2_LDFLAGS := -O2 -static -pie --no-dynamic-linker -z notext -z norelro --pack-dyn-relocs=relr \
               --gc-sections -z max-page-size=4096 --build-id=none -z noexecstack \
               -T linker/septum.ld
EL2_LIBS := $(LIBFDT)/lib/aarch64-linux-gnu/libfdt.a $(NEWLIB)/lib/libc.a
EL2_LIBGCC = $(shell $(CC) -print-libgcc-file-name 2>/dev/null)

# Sources of the hypervisor, room by room.
EL2_SRCS := $(wildcard boot/*.S) \
            $(wildcard arch/aarch64/*.S) $(wildcard arch/aarch64/*.c) \
            $(wildcard boot/*.c) $(wildcard mm/*.c) $(wildcard core/*.c) \
            $(wildcard core/lib/*.c) $(wildcard core/config/*.c) $(wildcard core/xen/*.c) \
            $(wildcard vdev/*.c) $(wildcard platform/*.c)
EL2_OBJS := $(patsubst %,$(BUILD)/el2/%.o,$(EL2_SRCS))
# Built for size (-Os, appended after EL2_CFLAGS' -O2): code that runs once at boot or on a rare
# path: parsing, guest DT building, loading, VM creation, platform tables and console drivers,
# the monitor and the register dump, PSCI's calls other than the constant ones (answered in the
# vector), abort injection, and the Xen calls a guest makes at boot or to balloon (shared_info
# and vcpu_info registration, HVM parameters, holes) and its PV console. A file not named here is
# hot and stays -O2 (the vectors, trap, MMIO, hypercall, interrupt, vGIC, vPL011, grant and
# event-channel paths, and any new file); its cold functions (set-up, teardown, isolation,
# logging) carry __attribute__((cold)), which builds them for size too.
$(BUILD)/el2/boot/%.c.o $(BUILD)/el2/core/config/%.c.o $(BUILD)/el2/platform/%.c.o: EL2_OPT = -Os
$(patsubst %,$(BUILD)/el2/%.o,core/vm.c core/monitor.c core/lib/panic.c arch/aarch64/esr.c \
  arch/aarch64/mmu.c mm/el2map.c mm/reserve.c mm/tables.c core/lib/fmt.c core/lib/seed.c \
  core/psci.c arch/aarch64/psci.c arch/aarch64/inject.c core/xen/shinfo.c core/xen/hvm.c \
  core/xen/physmap.c core/xen/console.c): EL2_OPT = -Os
# each object compiles with its room's include paths (the most specific pattern wins)
$(BUILD)/el2/arch/%:        ROOM_INC = $(INC_arch)
$(BUILD)/el2/platform/%:    ROOM_INC = $(INC_platform)
$(BUILD)/el2/mm/%:          ROOM_INC = $(INC_mm)
$(BUILD)/el2/core/lib/%:    ROOM_INC = $(INC_lib)
$(BUILD)/el2/core/%:        ROOM_INC = $(INC_core)
$(BUILD)/el2/core/config/%: ROOM_INC = $(INC_config)
$(BUILD)/el2/core/xen/%:    ROOM_INC = $(INC_xen)
$(BUILD)/el2/vdev/%:        ROOM_INC = $(INC_vdev)
$(BUILD)/el2/boot/%:        ROOM_INC = $(INC_boot) -I$(BUILD)/include

# The version the banner prints: regenerated on every make, rewritten only when it changes, so
# the banner never shows a stale commit and an unchanged tree relinks nothing.
VERSION_H := $(BUILD)/include/septum_version.h
$(VERSION_H): FORCE
	@mkdir -p $(dir $@)
	@printf '#define SEPTUM_VERSION "%s"\n' '$(VERSION)' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/el2/boot/main.c.o: $(VERSION_H)
FORCE:
$(BUILD)/septum.elf:        ROOM_INC = $(INC_boot)
# The lean data-abort path (trap_dabt) is counted instruction by instruction (make bench): no
# frame record, so its prologue and epilogue are one store and one load pair.
$(BUILD)/el2/core/mmio.c.o: EL2_CFLAGS += -fomit-frame-pointer

# Host unit tests (cmocka): each tests/unit/test_X.c is linked with the sources units.mk lists
# for it, built with the host compiler and sanitizers against the fake arch: its headers
# (tests/unit/fake_arch/include) come before arch/aarch64's and stand in for the ones with inline
# assembly; its functions are a static library every test links, so a test may define its own.
HOST_CFLAGS := -std=c11 -O1 -g -DSEPTUM_HOST=1 -DPACK_NO_MAIN $(WARN) -Wno-missing-prototypes \
               -Wno-missing-declarations -Itests/unit/include -Itests/unit/fake_arch/include \
               -Itools $(INCLUDES) -fsanitize=address,undefined -fno-omit-frame-pointer -MMD -MP
HOST_LIBS := -lcmocka -lfdt
include tests/unit/units.mk
UNIT_BINS := $(patsubst %,$(BUILD)/host/%,$(UNIT_TESTS))
FAKE_ARCH_LIB := $(BUILD)/host/libfake_arch.a

# Bare-metal test guests (tests/guests/*.c) on the guest SDK (guest/), and the systems that run
# them: configs/*.dts and tests/system/configs/*.dts, each packed with the guests into a bundle
# (-initrd for the kernel flow) and a 64 MiB flash image (septum + bundle).
GUEST_CFLAGS := -std=c11 -O2 -g -ffreestanding -fno-pie -mstrict-align -mno-outline-atomics \
                -fno-asynchronous-unwind-tables -fno-stack-protector -march=armv8-a $(WARN) \
                -Wno-missing-prototypes -Iguest/include -isystem $(NEWLIB)/include \
                -isystem $(LIBFDT)/include
comma    := ,
GUESTS   := $(patsubst tests/guests/%.c,%,$(wildcard tests/guests/*.c))
GUEST_LOAD_DEFAULT := 0x40080000
isolation_LOAD := 0x80080000
xip_LOAD       := 0x0
xip_DATA       := 0x40000000
GUEST_BINS := $(patsubst %,$(BUILD)/guests/%.bin,$(GUESTS))
SYSTEMS  := $(patsubst configs/%.dts,%,$(wildcard configs/*.dts)) \
            $(patsubst tests/system/configs/%.dts,%,$(wildcard tests/system/configs/*.dts))
PACKS    := $(patsubst %,$(BUILD)/systems/%.pack,$(SYSTEMS)) \
            $(patsubst %,$(BUILD)/systems/%-flash.img,$(SYSTEMS))
PACKER   := $(BUILD)/tools/septum-pack

$(BUILD)/guests/%.elf: tests/guests/%.c guest/lib.c guest/gnttab.c guest/evtchn.c guest/crt0.S guest/guest.ld | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,GUEST,$<)
	$(Q)$(CC) $(GUEST_CFLAGS) -nostdlib -static -no-pie -T guest/guest.ld \
	  -Wl,--no-warn-rwx-segments -Wl,--build-id=none -Wl,--defsym=GUEST_LOAD=$(or $($*_LOAD),$(GUEST_LOAD_DEFAULT)) \
	  $(if $($*_DATA),-Wl$(comma)--defsym=GUEST_DATA=$($*_DATA)) -o $@ guest/crt0.S \
	  guest/lib.c guest/gnttab.c guest/evtchn.c $< $(LIBFDT)/lib/aarch64-linux-gnu/libfdt.a $(NEWLIB)/lib/libc.a -lgcc

# A guest of your own on the SDK (docs/tutorial.md): make sdk-guest SRC=app.c OUT=app.bin, with
# LOAD=address if it does not run at 0x40080000.
sdk-guest: $(PACKER) | $(DEPS_OK)
	@if [ -z "$(SRC)" ] || [ -z "$(OUT)" ]; then \
	  echo "usage: make sdk-guest SRC=app.c OUT=app.bin [LOAD=0x40080000]"; exit 2; fi
	$(call say,GUEST,$(SRC))
	$(Q)$(CC) $(GUEST_CFLAGS) -nostdlib -static -no-pie -T guest/guest.ld \
	  -Wl,--no-warn-rwx-segments -Wl,--build-id=none \
	  -Wl,--defsym=GUEST_LOAD=$(or $(LOAD),$(GUEST_LOAD_DEFAULT)) -o $(basename $(OUT)).elf \
	  guest/crt0.S guest/lib.c guest/gnttab.c guest/evtchn.c $(SRC) $(LIBFDT)/lib/aarch64-linux-gnu/libfdt.a \
	  $(NEWLIB)/lib/libc.a -lgcc
	$(Q)$(OBJCOPY) -O binary $(basename $(OUT)).elf $(OUT)

$(BUILD)/guests/%.bin: $(BUILD)/guests/%.elf
	$(Q)$(OBJCOPY) -O binary $< $@

$(PACKER): tools/septum-pack.c core/config/bundle.c core/config/include/config/bundle.h | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) -std=c11 -O2 $(WARN) -Wno-missing-prototypes -Icore/config/include -Iarch/aarch64/include -Itools -o $@ \
	  tools/septum-pack.c core/config/bundle.c

$(BUILD)/systems/%.dtb: configs/%.dts | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(Q)dtc -q -I dts -O dtb -o $@ $<
$(BUILD)/systems/%.dtb: tests/system/configs/%.dts | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

# every guest goes into every bundle: a description names the ones it runs
$(BUILD)/systems/%.pack: $(BUILD)/systems/%.dtb $(GUEST_BINS) $(PACKER)
	$(call say,PACK,$@)
	$(Q)$(PACKER) -q -o $@ system.dtb=$< $(foreach g,$(GUESTS),$(g).bin=$(BUILD)/guests/$(g).bin)

$(BUILD)/systems/%-flash.img: $(BUILD)/systems/%.dtb $(GUEST_BINS) $(PACKER) $(BUILD)/septum.bin
	$(call say,PACK,$@)
	$(Q)$(PACKER) -q -o $@ --flash $(BUILD)/septum.bin system.dtb=$< \
	  $(foreach g,$(GUESTS),$(g).bin=$(BUILD)/guests/$(g).bin)

# Real-guest systems (tests/system/linux/): Debian's kernel, a busybox initramfs and U-Boot,
# fetched on demand by tools/linux-guest.sh into $(BUILD)/linux, packed with the test guests.
LINUX     := $(BUILD)/linux
LINUX_SYSTEMS := $(patsubst tests/system/linux/%.dts,%,$(wildcard tests/system/linux/*.dts)) \
                 linux linux-xen
# configs/linux.dts and linux-xen.dts, the interactive demos, are packed with the Linux guest
# like the tests' systems
LINUX_FILES = Image=$(LINUX)/Image initramfs.cpio.gz=$(LINUX)/initramfs.cpio.gz \
              initramfs-xen.cpio.gz=$(LINUX)/initramfs-xen.cpio.gz u-boot.bin=$(LINUX)/u-boot.bin

$(LINUX)/.done: tools/linux-guest.sh tools/xen-demo/xen-demo.c | $(DEPS_OK)
	tools/linux-guest.sh $(LINUX)

$(BUILD)/systems/%.dtb: tests/system/linux/%.dts | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

$(patsubst %,$(BUILD)/systems/%.pack,$(LINUX_SYSTEMS)): $(BUILD)/systems/%.pack: \
  $(BUILD)/systems/%.dtb $(GUEST_BINS) $(PACKER) $(LINUX)/.done
	$(call say,PACK,$@)
	$(Q)$(PACKER) -q -o $@ system.dtb=$< $(LINUX_FILES) \
	  $(foreach g,$(GUESTS),$(g).bin=$(BUILD)/guests/$(g).bin)

$(patsubst %,$(BUILD)/systems/%-flash.img,$(LINUX_SYSTEMS)): $(BUILD)/systems/%-flash.img: \
  $(BUILD)/systems/%.dtb $(GUEST_BINS) $(PACKER) $(BUILD)/septum.bin $(LINUX)/.done
	$(call say,PACK,$@)
	$(Q)$(PACKER) -q -o $@ --flash $(BUILD)/septum.bin system.dtb=$< $(LINUX_FILES) \
	  $(foreach g,$(GUESTS),$(g).bin=$(BUILD)/guests/$(g).bin)

linux: $(patsubst %,$(BUILD)/systems/%.pack,$(LINUX_SYSTEMS)) \
       $(patsubst %,$(BUILD)/systems/%-flash.img,$(LINUX_SYSTEMS))

.SECONDARY:
SYSTEM   ?= default
guests: $(GUEST_BINS) $(PACKS)

.PHONY: all deps help check-system sdk-guest run run-flash debug test unit clean distclean format guests bench linux FORCE
all: $(BUILD)/septum.elf $(BUILD)/septum.bin $(BUILD)/septum-flash.img

help:
	@echo "septum targets:"
	@echo "  make            build build/septum.elf, build/septum.bin, build/septum-flash.img"
	@echo "  make run        boot septum and the default system in QEMU (-kernel flow + bundle)"
	@echo "  make sdk-guest  SRC=app.c OUT=app.bin: a guest of your own on the SDK (docs/tutorial.md)"
	@echo "  make run-flash  the same as a flashed firmware image (septum + bundle in pflash)"
	@echo "  make guests     test guests, and a bundle + flash image per system description"
	@echo "  make linux      fetch Debian's Linux, busybox and U-Boot; pack tests/system/linux/*.dts"
	@echo "  make debug      like run, QEMU waits for gdb on :1234 (-s -S)"
	@echo "  make test       unit tests, make check, QEMU system tests; ends with 'N passed, N failed'"
	@echo "  make test TESTS=\"vms linux\"  unit tests and only those tests/system/*.sh files"
	@echo "  make unit       host unit tests only"
	@echo "  make check      static checks: layering, format, clang-tidy, cppcheck, shellcheck"
	@echo "  make format     apply .clang-format to every C file in git"
	@echo "  make soak       the hostile-VM soak, SOAK_OPS=n operations (10^6); SEED=n replays a run"
	@echo "  make fuzz       every fuzz harness for FUZZ_LONG_RUNS=n inputs (10^7; fuzz_gnttab, fuzz_xenmem a tenth)"
	@echo "  make bench      benchmarks under QEMU -icount shift=0; prints the README's table"
	@echo "  make deps       install/prepare toolchain, QEMU, newlib, libfdt (done on demand)"
	@echo "  make clean      remove build/ (keeps the .deps cache)"
	@echo "variables: SYSTEM=name (configs/ or tests/system/configs/, default $(SYSTEM)),"
	@echo "           BOARD=name ($(BOARDS); default $(BOARD)),"
	@echo "           CPUS=n (default $(CPUS)), QEMU_EXTRA='...', DEPS=dir"

deps: $(DEPS_OK)
# One stamp, so a parallel make runs the script once; it re-runs (a no-op if all is there)
# whenever the script changes.
$(DEPS_OK): tools/deps.sh
	@SEPTUM_DEPS=$(DEPS) tools/deps.sh
	@touch $@

$(BUILD)/el2/%.c.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(EL2_CFLAGS) $(EL2_OPT) $(ROOM_INC) -c $< -o $@

$(BUILD)/el2/%.S.o: %.S | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(EL2_ASFLAGS) $(ROOM_INC) -c $< -o $@

$(BUILD)/septum.elf: $(EL2_OBJS) linker/septum.ld | $(DEPS_OK)
	$(call say,LD,$@)
	$(Q)$(LD) $(EL2_LDFLAGS) -o $@ $(EL2_OBJS) $(EL2_LIBS) $(EL2_LIBGCC)
	@CHECK_IMAGE_LIBS='$(filter %.a,$(EL2_LIBS))' tools/check-image.sh $@

# the loaded sections only (linker/septum.ld places the dynamic-linking tables past the image)
$(BUILD)/septum.bin: $(BUILD)/septum.elf
	$(Q)$(OBJCOPY) -O binary -j .text -j .rodata -j .relr.dyn -j .data $< $@
	@tools/size.sh $< $@

# The flashed firmware image: septum at offset 0 of a 64 MiB bank, zero-padded.
$(BUILD)/septum-flash.img: $(BUILD)/septum.bin
	$(Q)cp $< $@.tmp && truncate -s 64M $@.tmp && mv $@.tmp $@

# The console: QEMU's own escape moves to Ctrl-] (Ctrl-] x quits, Ctrl-] c is QEMU's monitor),
# so Ctrl-A, septum's console escape (Ctrl-A 1..9 / n switch the input), reaches septum.
# The board QEMU models (BOARD=name; README "Boards"): its machine and what it needs.
BOARD    ?= virt
BOARDS   := virt virt-gicv2 zcu102
QEMU_MACHINE_virt       := -M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -m 1G -smp $(CPUS)
QEMU_MACHINE_virt-gicv2 := -M virt,virtualization=on,gic-version=2 -cpu cortex-a57 -m 1G -smp $(CPUS)
# Xilinx's ZCU102: its four Cortex-A53 (CPUS does not apply), 4 GiB of RAM (2 GiB at 0x0, the
# rest at 0x800000000) and the board's device tree from Debian's kernel package, which QEMU
# patches (memory, PSCI) and hands over in x0 with -kernel. QEMU models no memory-mapped flash
# there: the flash image goes into RAM with QEMU's generic loader, the board DTB at 0x40000000
# where septum's flash flow looks, and septum moves out of the image to run.
QEMU_MACHINE_zcu102     := -M xlnx-zcu102,virtualization=on -m 4G
QEMU_KERNEL_DTB_zcu102  := -dtb $(LINUX)/zcu102.dtb
QEMU_FLASH_zcu102        = -device loader,file=$(LINUX)/zcu102.dtb,addr=0x40000000,force-raw=on \
                           -device loader,file=$(1),addr=0x10000000,cpu-num=0,force-raw=on
BOARD_FILES_zcu102      := $(LINUX)/zcu102.dtb
QEMU_FLASH_pflash        = -drive if=pflash,format=raw,file=$(1)
QEMU_FLASH = $(call $(if $(QEMU_FLASH_$(BOARD)),QEMU_FLASH_$(BOARD),QEMU_FLASH_pflash),$(1))
QEMU_BASE = $(QEMU) $(QEMU_MACHINE_$(BOARD)) -display none -nic none -no-reboot
$(LINUX)/zcu102.dtb: $(LINUX)/.done
	@test -f $@ || { echo "make: tools/linux-guest.sh did not extract $@"; exit 1; }
QEMU_CONSOLE := -serial mon:stdio -echr 0x1d
SYSTEM_DTS := $(wildcard configs/$(SYSTEM).dts tests/system/configs/$(SYSTEM).dts \
                         tests/system/linux/$(SYSTEM).dts)
check-system: $(BOARD_FILES_$(BOARD))
	@if [ -z "$(QEMU_MACHINE_$(BOARD))" ]; then \
	  echo "make: there is no board '$(BOARD)'. Boards: $(BOARDS)"; exit 2; fi
	@if [ -z "$(SYSTEM_DTS)" ]; then \
	  echo "make: there is no system '$(SYSTEM)'. Systems:"; \
	  for f in configs/*.dts tests/system/configs/*.dts tests/system/linux/*.dts; do \
	    n=$${f##*/}; printf '%s ' "$${n%.dts}"; done | fold -s -w 96 | sed 's/^/  /'; echo; \
	  exit 2; fi
	@echo "septum: $(SYSTEM) in QEMU; Ctrl-A 1..9 or Ctrl-A n moves console input between VMs," \
	  "Ctrl-] x quits QEMU"
run: check-system $(BUILD)/septum.bin $(BUILD)/systems/$(SYSTEM).pack
	$(QEMU_BASE) $(QEMU_CONSOLE) $(QEMU_KERNEL_DTB_$(BOARD)) -kernel $(BUILD)/septum.bin \
	  -initrd $(BUILD)/systems/$(SYSTEM).pack $(QEMU_EXTRA)
run-flash: check-system $(BUILD)/systems/$(SYSTEM)-flash.img
	$(QEMU_BASE) $(QEMU_CONSOLE) $(call QEMU_FLASH,$(BUILD)/systems/$(SYSTEM)-flash.img) \
	  $(QEMU_EXTRA)
debug: check-system $(BUILD)/septum.bin $(BUILD)/systems/$(SYSTEM).pack
	@echo "QEMU waits for gdb: gdb-multiarch $(BUILD)/septum.elf -ex 'target remote :1234'"
	$(QEMU_BASE) $(QEMU_CONSOLE) $(QEMU_KERNEL_DTB_$(BOARD)) -kernel $(BUILD)/septum.bin \
	  -initrd $(BUILD)/systems/$(SYSTEM).pack -s -S $(QEMU_EXTRA)

$(BUILD)/host/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(FAKE_ARCH_LIB): $(patsubst %.c,$(BUILD)/host/%.o,$(FAKE_ARCH_SRCS))
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

define unit_rule
$(BUILD)/host/$(1): $(BUILD)/host/tests/unit/$(1).o $(patsubst %.c,$(BUILD)/host/%.o,$($(1)_SRCS)) \
                    $(FAKE_ARCH_LIB)
	$$(call say,LINK,$$@)
	$$(Q)$$(HOSTCC) $$(HOST_CFLAGS) -o $$@ $$^ $$(HOST_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

# Real board device trees, dumped by QEMU itself, for the DT-parsing unit tests.
TEST_DTBS := $(BUILD)/dtb/virt-gicv3-smp1.dtb $(BUILD)/dtb/virt-gicv3-smp4.dtb \
             $(BUILD)/dtb/virt-gicv2-smp2.dtb
# and a ZCU102 device tree as QEMU hands it to septum, cut down and written by hand (the real
# one comes from Debian's kernel package: $(BUILD)/linux/zcu102.dtb, for the system tests)
TEST_DTBS += $(BUILD)/dtb/zcu102-qemu.dtb
$(BUILD)/dtb/%.dtb: tests/unit/boards/%.dts | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(Q)dtc -q -I dts -O dtb -o $@ $<
$(BUILD)/dtb/virt-gicv%.dtb: | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(QEMU) -M virt,virtualization=on,gic-version=$(word 1,$(subst -smp, ,$*)),dumpdtb=$@ \
	  -cpu cortex-a57 -m 1G -smp $(word 2,$(subst -smp, ,$*)) -display none -nic none >/dev/null

# The stand-in loader the device-tree system tests boot septum through (tests/system/jump.S).
$(BUILD)/tests/jump.bin: tests/system/jump.S | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) -nostdlib -static -Wl,-Ttext=0x40100000 -o $(BUILD)/tests/jump.elf $<
	$(OBJCOPY) -O binary -j .text $(BUILD)/tests/jump.elf $@

# Fuzz harnesses (libFuzzer, clang), run for a bounded number of inputs by the test runner.
FUZZ_BINS := $(BUILD)/host/fuzz_gnttab
$(BUILD)/host/fuzz_gnttab: tests/fuzz/fuzz_gnttab.c core/xen/gnttab.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -DSEPTUM_HOST=1 -Itests/unit/include $(INCLUDES) \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $^

# The others: tests/fuzz/fuzz_X.c with the sources it tests (fuzz_X_SRCS, the only code
# instrumented for coverage, so libFuzzer's effort goes there and the harness's own checks stay
# cheap) and helpers (fuzz_X_LIBS); AddressSanitizer and UBSan on all of it.
FUZZ_NAMES        := region ldst sysdesc board evtchn xencons
fuzz_region_SRCS  := mm/region.c
fuzz_ldst_SRCS    := arch/aarch64/ldst.c
fuzz_sysdesc_SRCS := core/config/sysdesc.c core/config/bundle.c
fuzz_sysdesc_LIBS := tools/septum-pack.c
fuzz_board_SRCS   := core/config/board.c
fuzz_board_LIBS   := $(PLATFORM_TABLES)
fuzz_evtchn_SRCS  := core/xen/evtchn.c
fuzz_xencons_SRCS := core/xen/consring.c
# A harness over the fake arch (fuzz_X_ARCH := fake) builds its objects under $(BUILD)/fuzz-fake/
# with the fake arch's headers first (tests/unit/fake_arch/include) and links its sources.
FUZZ_NAMES        += xenmem
fuzz_xenmem_SRCS  := core/xen/guestmem.c core/xen/shinfo.c core/xen/physmap.c core/xen/hvm.c \
                     core/xen/domain.c
fuzz_xenmem_LIBS  := core/xen/gnttab.c mm/region.c mm/reserve.c
fuzz_xenmem_ARCH  := fake
FUZZ_BINS += $(patsubst %,$(BUILD)/host/fuzz_%,$(FUZZ_NAMES))
FUZZ_CFLAGS := -std=gnu11 -O1 -g -DSEPTUM_HOST=1 -DPACK_NO_MAIN $(WARN) -Wno-missing-prototypes \
               -Wno-missing-declarations -Itests/unit/include -Itools $(INCLUDES) \
               -fsanitize=address,undefined -fno-sanitize-recover=all -MMD -MP
$(BUILD)/fuzz/%.cov.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$<)
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(BUILD)/fuzz/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$<)
	$(Q)clang $(FUZZ_CFLAGS) -c $< -o $@
$(BUILD)/fuzz-fake/%.cov.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$<)
	$(Q)clang -Itests/unit/fake_arch/include $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(BUILD)/fuzz-fake/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$<)
	$(Q)clang -Itests/unit/fake_arch/include $(FUZZ_CFLAGS) -c $< -o $@
fuzz_dir = $(BUILD)/fuzz$(if $(fuzz_$(1)_ARCH),-fake)
define fuzz_rule
$(BUILD)/host/fuzz_$(1): $(call fuzz_dir,$(1))/tests/fuzz/fuzz_$(1).o \
  $(patsubst %.c,$(call fuzz_dir,$(1))/%.cov.o,$(fuzz_$(1)_SRCS)) \
  $(patsubst %.c,$(call fuzz_dir,$(1))/%.o,$(fuzz_$(1)_LIBS) \
    $(if $(fuzz_$(1)_ARCH),$(FAKE_ARCH_SRCS)))
	@mkdir -p $$(dir $$@)
	$$(call say,LINK,$$@)
	$$(Q)clang -fsanitize=fuzzer,address,undefined -o $$@ $$^ -lfdt
endef
$(foreach f,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$(f))))

# make fuzz: every harness for FUZZ_LONG_RUNS inputs (not part of make test), two at a time
# with make -j2, each growing its corpus in $(BUILD)/fuzz/corpus/X; fuzz_sysdesc starts from the
# descriptions of configs/ and tests/system/configs/, fuzz_board from QEMU's DTBs. A crash
# leaves its input in $(BUILD)/fuzz/ (rerun: the harness with that file as its argument); once
# mended, the input goes into tests/fuzz/regress/<harness>/, which make test runs first.
FUZZ_LONG_RUNS ?= 10000000
# fuzz_gnttab runs about 650 inputs a second and fuzz_xenmem about 800 (the others 3,000 to
# 1,000,000): a tenth of the count, or 10^7 would take each three to four hours
FUZZ_LONG_RUNS_fuzz_gnttab ?= $(shell expr $(FUZZ_LONG_RUNS) / 10)
FUZZ_LONG_RUNS_fuzz_xenmem ?= $(shell expr $(FUZZ_LONG_RUNS) / 10)
FUZZ_SEEDS := $(BUILD)/fuzz/seeds/sysdesc
fuzz: $(patsubst $(BUILD)/host/%,fuzz-run-%,$(FUZZ_BINS))
fuzz-run-%: $(BUILD)/host/% $(TEST_DTBS) $(FUZZ_SEEDS)/.done
	@mkdir -p $(BUILD)/fuzz/corpus/$* $(BUILD)/logs
	@echo "  FUZZ    $* for $(or $(FUZZ_LONG_RUNS_$*),$(FUZZ_LONG_RUNS)) inputs (log: $(BUILD)/logs/$*.log)"
	@SEPTUM_DTB_DIR=$(BUILD)/dtb $< -runs=$(or $(FUZZ_LONG_RUNS_$*),$(FUZZ_LONG_RUNS)) \
	  -max_len=2048 -print_final_stats=1 \
	  -artifact_prefix=$(BUILD)/fuzz/$*- $(BUILD)/fuzz/corpus/$* \
	  $(if $(filter fuzz_sysdesc,$*),$(FUZZ_SEEDS)) >$(BUILD)/logs/$*.log 2>&1 \
	  && awk '/number_of_executed_units/ { n = $$NF } /average_exec_per_sec/ { r = $$NF } \
	    END { printf "PASS fuzz/$* (%d inputs, %d/s)\n", n, r }' $(BUILD)/logs/$*.log \
	  || { echo "FAIL fuzz/$* (see $(BUILD)/logs/$*.log)"; exit 1; }
# the descriptions as raw inputs: two bytes 0xff, then the blob
$(FUZZ_SEEDS)/.done: $(patsubst %,$(BUILD)/systems/%.dtb,$(SYSTEMS))
	@mkdir -p $(dir $@)
	@for d in $^; do { printf '\377\377'; cat "$$d"; } >$(dir $@)$$(basename $$d); done
	@touch $@

# The soak's two guests go into its own bundles only, which name nothing else (a bundle holds
# at most BUNDLE_ENTRY_MAX entries, and every other one carries every other guest).
.PHONY: soak fuzz
SOAK_GUESTS := hostile victim
GUESTS := $(filter-out $(SOAK_GUESTS),$(GUESTS))
SOAK_FILES = $(foreach g,$(SOAK_GUESTS),$(g).bin=$(BUILD)/guests/$(g).bin)
$(BUILD)/systems/soak.pack: $(BUILD)/systems/soak.dtb $(PACKER) \
  $(patsubst %,$(BUILD)/guests/%.bin,$(SOAK_GUESTS))
	$(call say,PACK,$@)
	$(Q)$(PACKER) -q -o $@ system.dtb=$< $(SOAK_FILES)
$(BUILD)/systems/soak-flash.img: $(BUILD)/systems/soak.dtb $(PACKER) $(BUILD)/septum.bin \
  $(patsubst %,$(BUILD)/guests/%.bin,$(SOAK_GUESTS))
	$(call say,PACK,$@)
	$(Q)$(PACKER) -q -o $@ --flash $(BUILD)/septum.bin system.dtb=$< $(SOAK_FILES)

# The soak test's long run (tests/system/soak.sh; make test runs 50,000 operations with seed 1):
# the hostile VM for SOAK_OPS operations with seed SEED, a new random one unless given; the
# description is tests/system/configs/soak.dts with both set. `make soak SEED=N` replays run N.
SOAK_OPS ?= 1000000
ifndef SEED
SEED := $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
endif
SOAK := $(BUILD)/soak/soak-$(SEED)-$(SOAK_OPS)
soak: $(BUILD)/septum.bin $(BUILD)/guests/hostile.bin $(BUILD)/guests/victim.bin $(PACKER)
	@mkdir -p $(dir $(SOAK))
	$(Q)sed -e 's/seed=[0-9]*/seed=$(SEED)/g' -e 's/ops=[0-9]*/ops=$(SOAK_OPS)/g' \
	  tests/system/configs/soak.dts | dtc -q -I dts -O dtb -o $(SOAK).dtb -
	$(Q)$(PACKER) -q -o $(SOAK).pack system.dtb=$(SOAK).dtb $(SOAK_FILES)
	@BUILD=$(BUILD) SOAK_PACK=$(SOAK).pack SOAK_OPS=$(SOAK_OPS) SOAK_SEED=$(SEED) tests/system/soak.sh

unit: $(UNIT_BINS) $(TEST_DTBS)
	@tests/run.sh --unit-only $(UNIT_BINS)

test: all $(UNIT_BINS) $(FUZZ_BINS) $(TEST_DTBS) $(BUILD)/tests/jump.bin guests linux $(LINUX)/zcu102.dtb
	@BUILD=$(BUILD) DEPS=$(DEPS) MAKE='$(MAKE)' FUZZ_BINS='$(FUZZ_BINS)' TESTS='$(TESTS)' \
	  tests/run.sh $(UNIT_BINS)

bench: all guests linux
	@tests/bench.sh

# Static checks (tools/check.sh, also run by `make test`): include layering, clang-format,
# clang-tidy, cppcheck, shellcheck (CHECKS='format layers' runs some). One line per check as the
# test runner prints them; logs in $(BUILD)/logs/check/. `make format` applies .clang-format.
.PHONY: check print-el2-compile
check: | $(DEPS_OK)
	@BUILD=$(BUILD) DEPS=$(DEPS) MAKE='$(MAKE)' tools/check.sh $(CHECKS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# For clang-tidy and cppcheck: each hypervisor C file and the flags it compiles with, one line
# each ("el2-cc FILE FLAGS"). The same EL2_CFLAGS and target-specific ROOM_INC as its object, so
# what the analysers see never drifts from the build.
print-el2-compile: $(patsubst %,$(BUILD)/el2/%.print,$(filter %.c,$(EL2_SRCS)))
$(BUILD)/el2/%.c.print: FORCE $(VERSION_H) | $(DEPS_OK)
	@echo 'el2-cc $*.c $(EL2_CFLAGS) $(EL2_OPT) $(ROOM_INC)'

clean:
	rm -rf $(BUILD)
distclean: clean
	rm -rf $(DEPS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
