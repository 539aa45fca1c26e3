/*
 * Unit tests of a guest's data abort, end to end on the host: core/mmio.c (the lean path
 * trap_dabt, as vectors.S calls it, and the full path mmio_dabt), core/trap.c (the isolation
 * rule and the exception-class dispatch), arch/aarch64/fault.c (the faulting IPA) and
 * arch/aarch64/ldst.c (the decoder), over a VM's real region table and reservations. The
 * guest's RAM is host memory, its stage 1 the fake arch's table, and its devices callbacks that
 * record every access. Covered: loads and stores of every size through the ISS (sign extension,
 * 32-bit registers, xzr); instructions the ISS does not describe (pairs, both elements or none;
 * writeback forms, sp as base); devices that refuse (an abort is injected, the PC stays) or ask
 * for a retry; accesses where no device is (the isolation rule); and the IPA of a permission
 * fault, which comes from the guest's stage 1 (AT) rather than HPFAR. Also: an access its
 * region permits that faulted anyway (a break-before-make window) is retried, not punished; an
 * abort whose vector the guest cannot fetch through its own stage 1 stops the VM; a guest's
 * AArch32 EL0 accesses step its PC by the instruction's length and through its IT block, and
 * are never decoded as A64; the debug and PMU registers read as zero and ignore writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arch/fault.h>
#include <arch/gic.h>
#include <arch/sysreg.h>
#include <arch/vcpu.h>
#include <core/hvc.h>
#include <core/irq.h>
#include <core/trap.h>
#include <errno.h>
#include <fake_arch.h>
#include <fake_log.h>
#include <mm/fwmap.h>
#include <stdlib.h>
#include <string.h>
#include <test_vm.h>

#define RAM_GPA  0x40000000UL
#define RAM_SIZE 0x8000UL
#define RO_GPA   (RAM_GPA + RAM_SIZE) /* one read-only page of RAM after it */
#define DEV      0x09000000UL         /* the test's device: one page */
#define DEV_SIZE 0x1000UL
#define DEV2     0x09010000UL         /* a second one */
#define DEV_VA   0xffff000009000000UL /* where the guest maps them */
#define DEV2_VA  0xffff000009010000UL
#define CODE_VA  0xffff000000001000UL /* the guest's code, at RAM_GPA + 0x1000 */
#define CODE_IPA (RAM_GPA + 0x1000)
#define PC       (CODE_VA + 0x40)
#define VECTOR   (RAM_GPA + 0x200) /* its exception vector */

/* ---- ESR_EL2 for a data abort from EL1 ---- */
#define ESR_DABT    ((uint64_t)EC_DABT_LOW << ESR_EC_SHIFT | ESR_IL)
#define FSC_TRANS3  0x07 /* translation fault, level 3 */
#define FSC_PERM3   0x0f /* permission fault, level 3 */
#define FSC_ACCESS3 0x0b /* access flag fault, level 3 */

/* ISV = 1: size 1 << sas bytes, register srt, sign extension and 64-bit register as given. */
static uint64_t esr_iss(unsigned sas, bool write, unsigned srt, bool sse, bool sf)
{
    return ESR_DABT | BIT(ESR_ISS_ISV_BIT) | (uint64_t)sas << 22 | (uint64_t)sse << 21 |
           (uint64_t)srt << ESR_ISS_SRT_SHIFT | (uint64_t)sf << 15 | (write ? ESR_ISS_WNR : 0) |
           FSC_TRANS3;
}

/* ISV = 0: the instruction must be decoded. */
static uint64_t esr_noiss(bool write) { return ESR_DABT | (write ? ESR_ISS_WNR : 0) | FSC_TRANS3; }

static uint64_t hpfar_of(uint64_t ipa) { return ipa >> 12 << 4; }

/* ---- the rest of septum, faked ---- */

static jmp_buf left_guest;
static const char *stop_why;
/* The caller is a vCPU of the VM: on hardware this does not return. */
void vm_stop(vm_t *vm, const char *why)
{
    (void)vm;
    stop_why = why;
    longjmp(left_guest, 1);
}

static unsigned hvc_calls, irqs;
static uint64_t hvc_imm_last;
void hvc_dispatch(vcpu_t *v, arch_regs_t *f, uint64_t imm)
{
    (void)v, (void)f;
    hvc_calls++;
    hvc_imm_last = imm;
}
static uint32_t irq_first;
void irq_handle(vcpu_t *v, uint32_t first)
{
    (void)v;
    irqs++;
    irq_first = first;
}
void exception_fatal(arch_regs_t *regs, uint64_t vector)
{
    (void)regs;
    fail_msg("exception_fatal (vector %lu)", (unsigned long)vector);
    abort();
}

/* Firmware maps (mm/fwmap.c), faked: the guest's RAM is host memory at its own host address,
 * so a map is that address; handles index a small table. The checks are the checked variant's:
 * RAM, or ROM for reading, in one region. */
#define MAPS 4
static void *maps[MAPS];
static unsigned maps_live;
int gasp_map(const region_table_t *t, uint64_t gpa, uint64_t length, unsigned prot,
             gasp_map_handle_t *h)
{
    const region_t *r = region_find(t, gpa);
    if (!r || !length || gpa + length - r->gpa > r->len ||
        !(r->type == REGION_RAM || (r->type == REGION_ROM && !(prot & GMF_W))))
        return ENXIO;
    for (unsigned i = 0; i < MAPS; i++)
        if (!maps[i]) {
            maps[i] = (void *)(uintptr_t)(r->hpa + (gpa - r->gpa));
            maps_live++;
            *h = i + 1;
            return EOK;
        }
    return ENOMEM;
}
void *gasp_get_vaddr(gasp_map_handle_t h) { return h && h <= MAPS ? maps[h - 1] : NULL; }
void gasp_unmap_handle(gasp_map_handle_t h)
{
    if (h && h <= MAPS && maps[h - 1]) {
        maps[h - 1] = NULL;
        maps_live--;
    }
}

/* ---- the VM, its RAM and its devices ---- */

/* A device: every access is recorded; reads answer a value whose low 7 bits are the address's
 * and whose every byte has its top bit set, so the element, the size and any zero or sign
 * extension show in the register. */
typedef struct test_dev {
    mem_access_t a[8];
    unsigned n;
    memory_fault_result_t answer;
} test_dev_t;

static uint64_t dev_value(uint64_t addr) { return 0x8182838485868780UL | (addr & 0x7f); }

static memory_fault_result_t dev_access(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    test_dev_t *d = cookie;
    (void)mem;
    if (!a->write)
        a->value = dev_value(a->addr);
    if (d->n < 8)
        d->a[d->n] = *a;
    d->n++;
    return d->answer;
}

static vm_t vm;
static uint8_t *ram;
static test_dev_t dev, dev2;
static arch_regs_t frame;

static void put_insn(uint64_t va, uint32_t insn)
{
    assert_true(va - CODE_VA < 0x1000);
    memcpy(ram + (CODE_IPA - RAM_GPA) + (va - CODE_VA), &insn, 4);
}

static int setup(void **state)
{
    (void)state;
    fake_arch_reset();
    fake_log_reset();
    hvc_calls = irqs = 0;
    stop_why = NULL;
    test_vm_init(&vm, 0, "mmio", 1);
    ram = aligned_alloc(0x1000, RAM_SIZE + 0x1000);
    memset(ram, 0, RAM_SIZE + 0x1000);
    uint64_t hpa = (uint64_t)(uintptr_t)ram;
    assert_int_equal(test_vm_region(&vm, RAM_GPA, RAM_SIZE, hpa, REGION_RAM,
                                    REGION_R | REGION_W | REGION_X),
                     0);
    assert_int_equal(test_vm_region(&vm, RO_GPA, 0x1000, hpa + RAM_SIZE, REGION_RAM, REGION_R), 0);
    dev = (test_dev_t){.answer = FAULT_HANDLED};
    dev2 = (test_dev_t){.answer = FAULT_HANDLED};
    assert_non_null(vm_reserve_memory_at(&vm.mem, DEV, DEV_SIZE, dev_access, &dev));
    assert_non_null(vm_reserve_memory_at(&vm.mem, DEV2, DEV_SIZE, dev_access, &dev2));
    fake_arch_map_va(CODE_VA, CODE_IPA);
    fake_arch_map_va(VECTOR, VECTOR); /* its vectors, identity-mapped */
    fake_arch.inject_target = VECTOR;
    test_vm_run(&vm, 0);
    memset(&frame, 0, sizeof(frame));
    for (unsigned i = 0; i < 31; i++)
        frame.x[i] = 0x5a5a5a5a00000000UL | i; /* every register distinct */
    maps_live = 0;
    memset(maps, 0, sizeof(maps));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(ram);
    assert_int_equal(maps_live, 0); /* every map of the guest's memory was given back */
    return 0;
}

/* A data abort on the lean path, as vectors.S takes it: the syndrome in the fault registers
 * (ESR also in x1), ELR and SPSR in theirs; afterwards the vectors step ELR when trap_dabt
 * returns 0 and restore it from the frame when it returns 1. The guest's PC afterwards; *full
 * says which way it went. */
static uint64_t lean(uint64_t esr, uint64_t va, uint64_t ipa, bool *full)
{
    fake_sysregs_t *r = fake_sysregs();
    r->esr_el2 = esr;
    r->far_el2 = va;
    r->hpfar_el2 = hpfar_of(ipa);
    r->elr_el2 = PC;
    r->spsr_el2 = SPSR_EL1H_DAIF;
    frame.elr = frame.spsr = frame.esr = frame.far = frame.hpfar = 0; /* not saved on this path */
    int rc = trap_dabt(&frame, esr);
    assert_true(rc == 0 || rc == 1);
    if (full)
        *full = rc;
    return rc ? frame.elr : PC + 4;
}

/* A data abort on the full path (trap_lower's): the whole frame. */
static void full_path(uint64_t esr, uint64_t va, uint64_t hpfar_ipa)
{
    frame.esr = esr;
    frame.far = va;
    frame.hpfar = hpfar_of(hpfar_ipa);
    frame.elr = PC;
    frame.spsr = SPSR_EL1H_DAIF;
    mmio_dabt(vcpu_current(), &frame);
}

static void assert_access(const mem_access_t *a, uint64_t addr, unsigned size, bool write,
                          uint64_t value)
{
    assert_int_equal(a->addr, addr);
    assert_int_equal(a->size, size);
    assert_int_equal(a->write, write);
    assert_int_equal(a->vcpu, 0);
    if (write)
        assert_int_equal(a->value, value);
}

/* ---- the faulting IPA ---- */

static void test_fault_ipa(void **state)
{
    (void)state;
    const uint64_t far = 0xffff000012345678UL, hpfar = hpfar_of(0x8765000);
    uint64_t ipa = 0;
    /* translation and access-flag faults: HPFAR, with FAR's offset in the page */
    assert_true(arch_fault_ipa(ESR_DABT | FSC_TRANS3, far, hpfar, &ipa));
    assert_int_equal(ipa, 0x8765678);
    assert_true(arch_fault_ipa(ESR_DABT | FSC_ACCESS3, far, hpfar, &ipa));
    assert_int_equal(ipa, 0x8765678);
    assert_int_equal(fake_arch.at_calls, 0);

    /* a permission fault: HPFAR is UNKNOWN, FAR goes through the guest's stage 1 */
    fake_arch_map_va(far, 0x4242000);
    assert_true(arch_fault_ipa(ESR_DABT | FSC_PERM3, far, hpfar, &ipa));
    assert_int_equal(ipa, 0x4242678);
    assert_int_equal(fake_arch.at_calls, 1);
    assert_int_equal(fake_arch.at_last_va, far);
    /* ... and when the guest's tables no longer map it, there is no IPA: the guest retries */
    assert_false(arch_fault_ipa(ESR_DABT | FSC_PERM3, far + 0x1000, hpfar, &ipa));

    /* a permission fault on the stage-1 walk: HPFAR is valid, no translation */
    assert_true(arch_fault_ipa(ESR_DABT | ESR_ISS_S1PTW | FSC_PERM3, far, hpfar, &ipa));
    assert_int_equal(ipa, 0x8765678);
    /* FAR not valid: nothing to translate either */
    assert_true(arch_fault_ipa(ESR_DABT | ESR_ISS_FNV | FSC_PERM3, far, hpfar, &ipa));
    assert_int_equal(ipa, 0x8765678);
    assert_int_equal(fake_arch.at_calls, 2);
}

/* ---- the ISS path ---- */

/* Loads of every size: zero-extended, sign-extended to 64 or to 32 bits (upper half clear), into
 * x0, x18, x30 and xzr; the first on the full path (the device is found), the rest on the lean
 * path (the device used last). */
static void test_loads(void **state)
{
    (void)state;
    static const struct {
        unsigned sas;
        bool sse, sf;
        uint64_t want;
    } loads[] = {
        {0, false, false, 0x90},                /* LDRB w */
        {0, true, true, 0xffffffffffffff90UL},  /* LDRSB x */
        {0, true, false, 0xffffff90},           /* LDRSB w */
        {1, false, false, 0x8790},              /* LDRH w */
        {1, true, true, 0xffffffffffff8790UL},  /* LDRSH x */
        {1, true, false, 0xffff8790},           /* LDRSH w */
        {2, false, false, 0x85868790},          /* LDR w (the upper half cleared) */
        {2, true, true, 0xffffffff85868790UL},  /* LDRSW */
        {3, false, true, 0x8182838485868790UL}, /* LDR x */
    };
    static const unsigned regs[] = {0, 18, 30};
    bool full;
    assert_int_equal(lean(esr_iss(2, false, 5, false, false), DEV_VA + 0x10, DEV + 0x10, &full),
                     PC + 4);
    assert_true(full); /* the first: found the slow way, remembered */
    assert_int_equal(frame.x[5], 0x85868790);
    for (unsigned i = 0; i < sizeof(loads) / sizeof(loads[0]); i++)
        for (unsigned k = 0; k < 3; k++) {
            dev.n = 0;
            uint64_t esr = esr_iss(loads[i].sas, false, regs[k], loads[i].sse, loads[i].sf);
            assert_int_equal(lean(esr, DEV_VA + 0x10, DEV + 0x10, &full), PC + 4);
            assert_false(full);
            assert_int_equal(dev.n, 1);
            assert_access(&dev.a[0], DEV + 0x10, 1u << loads[i].sas, false, 0);
            assert_int_equal(frame.x[regs[k]], loads[i].want);
        }
    /* into xzr: the device is read, no register changes */
    dev.n = 0;
    arch_regs_t before = frame;
    assert_int_equal(lean(esr_iss(3, false, 31, false, true), DEV_VA + 8, DEV + 8, NULL), PC + 4);
    assert_int_equal(dev.n, 1);
    assert_memory_equal(frame.x, before.x, sizeof(frame.x));
}

/* Stores of every size: the device sees the register's low bytes only; xzr stores zero. */
static void test_stores(void **state)
{
    (void)state;
    frame.x[3] = 0x1122334455667788UL;
    frame.x[30] = 0x99aabbccddeeff00UL;
    static const uint64_t want[] = {0x88, 0x7788, 0x55667788, 0x1122334455667788UL};
    for (unsigned sas = 0; sas < 4; sas++) {
        dev.n = 0;
        uint64_t off = 0x100 + 8 * sas;
        assert_int_equal(lean(esr_iss(sas, true, 3, false, sas == 3), DEV_VA + off, DEV + off,
                              NULL),
                         PC + 4);
        assert_int_equal(dev.n, 1);
        assert_access(&dev.a[0], DEV + off, 1u << sas, true, want[sas]);
        assert_int_equal(frame.x[3], 0x1122334455667788UL); /* a store changes no register */
    }
    dev.n = 0;
    assert_int_equal(lean(esr_iss(2, true, 30, false, false), DEV_VA, DEV, NULL), PC + 4);
    assert_access(&dev.a[0], DEV, 4, true, 0xddeeff00);
    assert_int_equal(lean(esr_iss(3, true, 31, false, true), DEV_VA, DEV, NULL), PC + 4);
    assert_access(&dev.a[1], DEV, 8, true, 0);
}

/* Registers the lean path never sees (x19-x29) come through the full path, with the same
 * rules. */
static void test_full_path_iss(void **state)
{
    (void)state;
    full_path(esr_iss(1, false, 19, true, true), DEV_VA + 0x20, DEV + 0x20);
    assert_int_equal(frame.x[19], 0xffffffffffff87a0UL);
    assert_int_equal(frame.elr, PC + 4);
    frame.x[29] = 0xcafef00d;
    full_path(esr_iss(2, true, 29, false, false), DEV_VA + 0x24, DEV + 0x24);
    assert_access(&dev.a[1], DEV + 0x24, 4, true, 0xcafef00d);
    assert_int_equal(frame.elr, PC + 4);
    assert_int_equal(dev.n, 2);
    /* into xzr: read, and nothing written (the frame's sp field least of all) */
    arch_regs_t before = frame;
    full_path(esr_iss(3, false, 31, false, true), DEV_VA + 0x28, DEV + 0x28);
    assert_int_equal(dev.n, 3);
    assert_memory_equal(frame.x, before.x, sizeof(frame.x));
    assert_int_equal(frame.sp, before.sp);
    assert_int_equal(fake_arch.aborts, 0);
}

/* ---- what the device answers ---- */

static void test_device_refuses(void **state)
{
    (void)state;
    bool full;
    /* the full path: refused or failed, an abort (with the direction) and the PC stays */
    dev.answer = FAULT_UNHANDLED;
    full_path(esr_iss(2, true, 1, false, false), DEV_VA + 4, DEV + 4);
    assert_int_equal(dev.n, 1);
    assert_int_equal(fake_arch.aborts, 1);
    assert_false(fake_arch.abort.instruction);
    assert_true(fake_arch.abort.write);
    assert_int_equal(fake_arch.abort.far, DEV_VA + 4);
    assert_int_equal(frame.elr, PC);
    assert_true(fake_log_has("refused by its device"));
    dev.answer = FAULT_ERROR;
    full_path(esr_iss(2, false, 1, false, false), DEV_VA + 4, DEV + 4);
    assert_int_equal(fake_arch.aborts, 2);
    assert_false(fake_arch.abort.write);
    assert_int_equal(frame.elr, PC);
    /* restart: the mapping changed; no abort, the PC stays and the access runs again */
    dev.answer = FAULT_RESTART;
    full_path(esr_iss(2, false, 1, false, false), DEV_VA + 4, DEV + 4);
    assert_int_equal(fake_arch.aborts, 2);
    assert_int_equal(frame.elr, PC);

    /* the same on the lean path (the device is the last one used by now) */
    uint64_t x1 = frame.x[1];
    assert_int_equal(lean(esr_iss(2, false, 1, false, false), DEV_VA + 8, DEV + 8, &full), PC);
    assert_true(full);
    assert_int_equal(fake_arch.aborts, 2);
    assert_int_equal(frame.x[1], x1); /* nothing loaded */
    dev.answer = FAULT_UNHANDLED;
    assert_int_equal(lean(esr_iss(3, true, 2, false, true), DEV_VA + 8, DEV + 8, &full), PC);
    assert_true(full);
    assert_int_equal(fake_arch.aborts, 3);
    assert_true(fake_arch.abort.write);
    assert_int_equal(fake_arch.abort.far, DEV_VA + 8);
    assert_int_equal(fake_arch.abort.elr, PC); /* the frame had ELR when it was injected */
    assert_int_equal(dev.n, 5);

    /* an access that runs past the end of the device is not given to it */
    dev.answer = FAULT_HANDLED;
    dev.n = 0;
    assert_int_equal(lean(esr_iss(3, false, 2, false, true), DEV_VA + DEV_SIZE - 4,
                          DEV + DEV_SIZE - 4, NULL),
                     PC);
    assert_int_equal(dev.n, 0);
    assert_int_equal(fake_arch.aborts, 4);
}

/* The lean path only finishes accesses to the device used last; another device goes the full
 * way (and becomes the last one). */
static void test_device_switch(void **state)
{
    (void)state;
    bool full;
    lean(esr_iss(2, false, 1, false, false), DEV_VA, DEV, &full);
    assert_true(full);
    lean(esr_iss(2, false, 1, false, false), DEV_VA, DEV, &full);
    assert_false(full);
    lean(esr_iss(2, false, 1, false, false), DEV2_VA + 4, DEV2 + 4, &full);
    assert_true(full);
    assert_int_equal(dev2.n, 1);
    assert_int_equal(frame.x[1], 0x85868784);
    lean(esr_iss(2, false, 1, false, false), DEV2_VA + 4, DEV2 + 4, &full);
    assert_false(full);
    assert_int_equal(dev.n, 2);
    assert_int_equal(dev2.n, 2);
}

/* ---- instructions the ISS does not describe ---- */

/* A pair is two accesses, both or none; FAR may name either element. */
static void test_decoded_pairs(void **state)
{
    (void)state;
    put_insn(PC, 0xa9400861); /* ldp x1, x2, [x3] */
    frame.x[3] = DEV_VA + 0x40;
    full_path(esr_noiss(false), DEV_VA + 0x40, DEV + 0x40);
    assert_int_equal(dev.n, 2);
    assert_access(&dev.a[0], DEV + 0x40, 8, false, 0);
    assert_access(&dev.a[1], DEV + 0x48, 8, false, 0);
    assert_int_equal(frame.x[1], dev_value(DEV + 0x40));
    assert_int_equal(frame.x[2], dev_value(DEV + 0x48));
    assert_int_equal(frame.x[3], DEV_VA + 0x40);
    assert_int_equal(frame.elr, PC + 4);
    assert_int_equal(fake_arch.at_last_va, PC); /* the instruction came from the guest's PC */

    /* stp w4, w5, [x6, #8]: 32-bit elements, the low halves */
    put_insn(PC, 0x290114c4);
    frame.x[4] = 0xaaaaaaaa11111111UL;
    frame.x[5] = 0xbbbbbbbb22222222UL;
    frame.x[6] = DEV_VA + 0x100;
    dev.n = 0;
    full_path(esr_noiss(true), DEV_VA + 0x108, DEV + 0x108);
    assert_int_equal(dev.n, 2);
    assert_access(&dev.a[0], DEV + 0x108, 4, true, 0x11111111);
    assert_access(&dev.a[1], DEV + 0x10c, 4, true, 0x22222222);
    assert_int_equal(frame.elr, PC + 4);

    /* ldp x29, x30, [x3, #-16] with FAR naming the second element: the first is 8 below */
    put_insn(PC, 0xa97f787d);
    frame.x[3] = DEV_VA + 0x60;
    dev.n = 0;
    full_path(esr_noiss(false), DEV_VA + 0x58, DEV + 0x58);
    assert_int_equal(dev.n, 2);
    assert_access(&dev.a[0], DEV + 0x50, 8, false, 0);
    assert_access(&dev.a[1], DEV + 0x58, 8, false, 0);
    assert_int_equal(frame.x[29], dev_value(DEV + 0x50));
    assert_int_equal(frame.x[30], dev_value(DEV + 0x58));

    /* stp xzr, x7, [x3]: xzr stores zero */
    put_insn(PC, 0xa9001c7f);
    frame.x[3] = DEV_VA + 0x200;
    frame.x[7] = 77;
    dev.n = 0;
    full_path(esr_noiss(true), DEV_VA + 0x200, DEV + 0x200);
    assert_access(&dev.a[0], DEV + 0x200, 8, true, 0);
    assert_access(&dev.a[1], DEV + 0x208, 8, true, 77);

    /* the second element past the end of the device: neither is performed */
    put_insn(PC, 0xa9400861); /* ldp x1, x2, [x3] */
    frame.x[3] = DEV_VA + DEV_SIZE - 8;
    uint64_t x1 = frame.x[1], x2 = frame.x[2];
    dev.n = 0;
    full_path(esr_noiss(false), DEV_VA + DEV_SIZE - 8, DEV + DEV_SIZE - 8);
    assert_int_equal(dev.n, 0);
    assert_int_equal(frame.x[1], x1);
    assert_int_equal(frame.x[2], x2);
    assert_int_equal(fake_arch.aborts, 1);
    assert_int_equal(frame.elr, PC);
}

/* Writeback forms update the base register after the access (post-index: the access at the old
 * base; pre-index: at the new one); sp as the base is the guest's SP for its mode. */
static void test_decoded_writeback(void **state)
{
    (void)state;
    put_insn(PC, 0xf8410441); /* ldr x1, [x2], #16 */
    frame.x[2] = DEV_VA + 0x300;
    full_path(esr_noiss(false), DEV_VA + 0x300, DEV + 0x300);
    assert_int_equal(dev.n, 1);
    assert_access(&dev.a[0], DEV + 0x300, 8, false, 0);
    assert_int_equal(frame.x[1], dev_value(DEV + 0x300));
    assert_int_equal(frame.x[2], DEV_VA + 0x310);
    assert_int_equal(frame.elr, PC + 4);

    put_insn(PC, 0xf81f8c41); /* str x1, [x2, #-8]! */
    frame.x[1] = 0x0123456789abcdefUL;
    frame.x[2] = DEV_VA + 0x320;
    full_path(esr_noiss(true), DEV_VA + 0x318, DEV + 0x318);
    assert_access(&dev.a[1], DEV + 0x318, 8, true, 0x0123456789abcdefUL);
    assert_int_equal(frame.x[2], DEV_VA + 0x318);

    /* ldp x0, x1, [sp], #16 at EL1h: SP_EL1 */
    put_insn(PC, 0xa8c107e0);
    fake_sysregs()->sp_el1 = DEV_VA + 0x400;
    fake_sysregs()->sp_el0 = 0x1111;
    dev.n = 0;
    full_path(esr_noiss(false), DEV_VA + 0x400, DEV + 0x400);
    assert_int_equal(dev.n, 2);
    assert_int_equal(frame.x[0], dev_value(DEV + 0x400));
    assert_int_equal(frame.x[1], dev_value(DEV + 0x408));
    assert_int_equal(fake_sysregs()->sp_el1, DEV_VA + 0x410);
    assert_int_equal(fake_sysregs()->sp_el0, 0x1111);
    assert_int_equal(frame.elr, PC + 4);

    /* a refused element: the base is not written back, the PC stays */
    dev.answer = FAULT_UNHANDLED;
    put_insn(PC, 0xf8410441); /* ldr x1, [x2], #16 */
    frame.x[2] = DEV_VA + 0x300;
    full_path(esr_noiss(false), DEV_VA + 0x300, DEV + 0x300);
    assert_int_equal(frame.x[2], DEV_VA + 0x300);
    assert_int_equal(frame.elr, PC);
    assert_int_equal(fake_arch.aborts, 1);
}

/* An instruction septum cannot see or does not emulate gets an abort, never a guess. */
static void test_decoded_refusals(void **state)
{
    (void)state;
    static const uint32_t insns[] = {
        0x3dc00020, /* ldr q0, [x1]: SIMD */
        0xc85f7c20, /* ldxr x0, [x1]: exclusive */
    };
    frame.x[1] = DEV_VA;
    for (unsigned i = 0; i < 2; i++) {
        put_insn(PC, insns[i]);
        full_path(esr_noiss(false), DEV_VA, DEV);
        assert_int_equal(fake_arch.aborts, i + 1);
        assert_int_equal(frame.elr, PC);
    }
    assert_true(fake_log_has("does not emulate"));
    /* the PC not mapped by the guest's stage 1, or mapped to something other than its RAM */
    put_insn(PC, 0xf8410441);
    frame.elr = PC + 0x1000;
    frame.esr = esr_noiss(false);
    mmio_dabt(vcpu_current(), &frame);
    assert_int_equal(fake_arch.aborts, 3);
    assert_int_equal(frame.elr, PC + 0x1000);
    fake_arch_map_va(0xffff00000000a000UL, DEV);
    frame.elr = 0xffff00000000a000UL;
    mmio_dabt(vcpu_current(), &frame);
    assert_int_equal(fake_arch.aborts, 4);
    /* a PC that is not word-aligned is not read from */
    frame.elr = PC + 2;
    mmio_dabt(vcpu_current(), &frame);
    assert_int_equal(fake_arch.aborts, 5);
    assert_int_equal(dev.n, 0); /* the device was never read for an instruction, nor accessed */
}

/* ---- no device there: the isolation rule ---- */

static void test_isolation(void **state)
{
    (void)state;
    /* no region at all */
    full_path(esr_iss(2, true, 1, false, false), 0xffff000020000010UL, 0x20000010);
    assert_int_equal(vm.faults, 1);
    assert_int_equal(fake_arch.aborts, 1);
    assert_true(fake_arch.abort.write);
    assert_false(fake_arch.abort.instruction);
    assert_int_equal(fake_arch.abort.far, 0xffff000020000010UL);
    assert_int_equal(frame.elr, PC);
    assert_true(fake_log_has("vm mmio vcpu 0: write at IPA 0x20000010"));
    assert_true(fake_log_has("outside its regions"));

    /* a write to read-only RAM, a stage-2 permission fault: HPFAR says nothing useful (here
     * another page entirely), the IPA is the one the guest's stage 1 gives */
    fake_log_reset();
    const uint64_t va = 0xffff000000777010UL;
    fake_arch_map_va(va, RO_GPA);
    full_path(ESR_DABT | BIT(ESR_ISS_ISV_BIT) | 2UL << 22 | ESR_ISS_WNR | FSC_PERM3, va, DEV);
    assert_int_equal(dev.n, 0);
    assert_int_equal(fake_arch.aborts, 2);
    assert_true(fake_log_has("write at IPA 0x40008010"));
    assert_true(fake_log_has("not permitted by its region"));

    /* the guest changed its tables meanwhile (AT finds nothing): it simply retries */
    full_path(ESR_DABT | BIT(ESR_ISS_ISV_BIT) | 2UL << 22 | ESR_ISS_WNR | FSC_PERM3, va + 0x1000,
              DEV);
    assert_int_equal(fake_arch.aborts, 2);
    assert_int_equal(vm.faults, 2);
    assert_int_equal(frame.elr, PC);

    /* a fault on the guest's stage-1 walk: its tables are outside its RAM; HPFAR names them */
    fake_log_reset();
    full_path(ESR_DABT | ESR_ISS_S1PTW | FSC_TRANS3, va, 0x30000000);
    assert_int_equal(fake_arch.aborts, 3);
    assert_true(fake_log_has("read at IPA 0x30000010"));
    /* ... even when they point into a device: a table walk is never emulated, on either path */
    full_path(ESR_DABT | ESR_ISS_S1PTW | FSC_TRANS3, va, DEV);
    assert_int_equal(fake_arch.aborts, 4);
    full_path(esr_iss(2, false, 1, false, false), DEV_VA, DEV); /* DEV is now the last used */
    dev.n = 0;
    assert_int_equal(lean(ESR_DABT | BIT(ESR_ISS_ISV_BIT) | 2UL << 22 | ESR_ISS_S1PTW | FSC_TRANS3,
                          va, DEV, NULL),
                     PC);
    assert_int_equal(dev.n, 0);
    assert_int_equal(fake_arch.aborts, 5);

    /* an instruction fetch from outside its regions (through the exception-class dispatch) */
    frame.esr = (uint64_t)EC_IABT_LOW << ESR_EC_SHIFT | ESR_IL | FSC_TRANS3;
    frame.far = 0x50000000;
    frame.hpfar = hpfar_of(0x50000000);
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(fake_arch.aborts, 6);
    assert_true(fake_arch.abort.instruction);
    assert_false(fake_arch.abort.write);
    assert_int_equal(vm.faults, 6);
    /* an execute-never (permission) fault at a VA the guest's tables no longer map: retried */
    frame.esr = (uint64_t)EC_IABT_LOW << ESR_EC_SHIFT | ESR_IL | FSC_PERM3;
    frame.far = 0xffff000000999000UL;
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(fake_arch.aborts, 6);
    assert_int_equal(vm.faults, 6);
}

/* A read outside the VM's regions on the full path; why the VM was stopped, or NULL if the
 * access came back to the guest. */
static const char *outside_access(void)
{
    stop_why = NULL;
    if (!setjmp(left_guest))
        full_path(esr_iss(2, false, 1, false, false), 0x20000000, 0x20000000);
    return stop_why;
}

/* The VM is stopped instead when its description says so, or when the abort could not be
 * delivered (its vector is not executable memory). */
static void test_isolation_stops(void **state)
{
    (void)state;
    assert_null(outside_access());
    assert_int_equal(fake_arch.aborts, 1);
    vm.cfg.stop_on_fault = true;
    const char *why = outside_access();
    assert_non_null(why);
    assert_string_equal(why, "access outside its regions");
    assert_int_equal(fake_arch.aborts, 1);

    vm.cfg.stop_on_fault = false;
    /* the vector's IPA, as its stage 1 gives it, is not executable memory: not X, emulated,
     * nothing there */
    static const uint64_t vectors[] = {RO_GPA, DEV, 0x20000000};
    for (unsigned i = 0; i < 3; i++) {
        fake_arch.inject_target = 0xffff000000100000UL + i * 0x1000;
        fake_arch_map_va(fake_arch.inject_target, vectors[i]);
        why = outside_access();
        assert_non_null(why);
        assert_string_equal(why, "undeliverable abort");
    }
    assert_true(fake_log_has("is not memory it may execute; the abort cannot be delivered"));
    /* its stage 1 does not map the vector (or its tables are where the walk faults): the
     * vector's VA is that of executable RAM, which is what used to be checked */
    fake_log_reset();
    fake_arch.inject_target = CODE_IPA;
    why = outside_access();
    assert_non_null(why);
    assert_string_equal(why, "undeliverable abort");
    assert_true(fake_log_has("is not mapped by its stage 1"));
    /* ... and maps to a hole while the VA is executable RAM's IPA */
    fake_arch_map_va(CODE_IPA, 0x20000000);
    why = outside_access();
    assert_non_null(why);
    assert_int_equal(fake_arch.aborts, 1);
    /* a vector that can be fetched: delivered */
    fake_arch.inject_target = VECTOR;
    assert_null(outside_access());
    assert_int_equal(fake_arch.aborts, 2);
}

/* An access its region permits that faulted anyway: stage 2 did not show the region at that
 * moment (break-before-make while another vCPU changes the table). Retried: no abort, the PC
 * stays, nothing counted. Not for what the region does not permit, nor for faults no window
 * explains. And a fault that keeps coming back is not spun on forever. */
static void test_retry_window(void **state)
{
    (void)state;
    const uint64_t ram_va = 0xffff000000400000UL;
    fake_arch_map_va(ram_va, RAM_GPA + 0x4000);
    /* a read, a write (translation faults), an instruction fetch, a stage-1 walk's read, a
     * write to writable RAM that met a read-only mapping (a permission fault) */
    full_path(esr_iss(2, false, 1, false, false), ram_va, RAM_GPA + 0x4000);
    full_path(esr_iss(3, true, 1, false, true), ram_va, RAM_GPA + 0x4000);
    frame.esr = (uint64_t)EC_IABT_LOW << ESR_EC_SHIFT | ESR_IL | FSC_TRANS3;
    frame.far = ram_va;
    frame.hpfar = hpfar_of(RAM_GPA + 0x4000);
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    full_path(ESR_DABT | ESR_ISS_S1PTW | FSC_TRANS3, ram_va, RAM_GPA + 0x5000);
    full_path(ESR_DABT | ESR_ISS_WNR | FSC_PERM3, ram_va, 0);
    full_path(ESR_DABT | FSC_ACCESS3, ram_va, RAM_GPA + 0x4000);
    assert_int_equal(fake_arch.aborts, 0);
    assert_int_equal(vm.faults, 0);
    assert_int_equal(frame.elr, PC);
    assert_int_equal(fake_log.count[LOG_WARN] + fake_log.count[LOG_ERROR], 0);

    /* not permitted: a write to the read-only page, an instruction fetch from it */
    full_path(esr_iss(2, true, 1, false, false), RO_GPA, RO_GPA);
    assert_int_equal(fake_arch.aborts, 1);
    frame.esr = (uint64_t)EC_IABT_LOW << ESR_EC_SHIFT | ESR_IL | FSC_TRANS3;
    frame.hpfar = hpfar_of(RO_GPA);
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(fake_arch.aborts, 2);
    /* an external abort or an alignment fault on RAM: no window explains them */
    full_path(ESR_DABT | FSC_SEA, ram_va, RAM_GPA + 0x4000);
    full_path(ESR_DABT | FSC_ALIGN, ram_va, RAM_GPA + 0x4000);
    assert_int_equal(fake_arch.aborts, 4);
    assert_int_equal(vm.faults, 4);

    /* the same access faulting again and again, back to back (a retry every 10 us of the
     * counter): for a second that is still a window; after that stage 2 and the table disagree
     * for good, and the guest gets the abort (with the reason in the log) */
    const uint64_t freq = 1000000;
    fake_sysregs()->cntfrq_el0 = freq;
    unsigned n = 0;
    while (fake_arch.aborts == 4 && n < 1000000) {
        fake_sysregs()->cntpct_el0 += freq / 100000;
        full_path(esr_iss(2, false, 1, false, false), ram_va, RAM_GPA + 0x6000);
        n++;
    }
    assert_int_equal(fake_arch.aborts, 5);
    assert_in_range(n, 100000, 100002);
    assert_true(fake_log_has("keeps faulting though its region permits it"));
    /* ... but the same access meeting a window now and then (each run of retries short, with
     * quiet time between) is retried each time, however long that goes on */
    for (unsigned k = 0; k < 1000; k++) {
        fake_sysregs()->cntpct_el0 += freq / 10; /* 100 ms without a fault */
        for (unsigned i = 0; i < 10; i++) {
            fake_sysregs()->cntpct_el0 += freq / 100000;
            full_path(esr_iss(2, false, 1, false, false), ram_va, RAM_GPA + 0x6000);
        }
    }
    assert_int_equal(fake_arch.aborts, 5);
}

/* ---- a guest's own AArch32 EL0 ---- */

#define SPSR_USR   0x10UL /* AArch32 User mode */
#define SPSR_THUMB 0x20UL

/* ISV = 1 accesses: the PC steps by ESR.IL's length on both paths (the lean one leaves AArch32
 * to the full one), and through a Thumb IT block. */
static void test_aarch32_pc(void **state)
{
    (void)state;
    /* A32, full path: 4 bytes, and the PC stays 32-bit */
    frame.spsr = SPSR_USR;
    frame.esr = esr_iss(2, false, 3, false, false);
    frame.far = DEV + 0x10;
    frame.hpfar = hpfar_of(DEV + 0x10);
    frame.elr = 0x8000;
    mmio_dabt(vcpu_current(), &frame);
    assert_int_equal(frame.elr, 0x8004);
    assert_int_equal(frame.x[3], 0x85868790);
    /* T16 (IL = 0): 2 bytes */
    frame.spsr = SPSR_USR | SPSR_THUMB;
    frame.esr = esr_iss(2, true, 3, false, false) & ~ESR_IL;
    frame.elr = 0x8002;
    mmio_dabt(vcpu_current(), &frame);
    assert_int_equal(frame.elr, 0x8004);
    assert_access(&dev.a[1], DEV + 0x10, 4, true, 0x85868790);
    /* in an IT block: ITSTATE advances as executing the instruction would (Arm ARM ITAdvance:
     * IT[7:0] 0x0a, base condition EQ with more of the block to come, becomes 0x14) */
    frame.spsr = SPSR_USR | SPSR_THUMB | (0x0aUL >> 2) << 10 | (0x0aUL & 3) << 25;
    frame.elr = 0x8004;
    mmio_dabt(vcpu_current(), &frame);
    assert_int_equal(frame.elr, 0x8006);
    assert_int_equal(frame.spsr, SPSR_USR | SPSR_THUMB | (0x14UL >> 2) << 10 | (0x14UL & 3) << 25);
    /* the block's last instruction: ITSTATE clears */
    frame.spsr = SPSR_USR | SPSR_THUMB | (0x08UL >> 2) << 10;
    mmio_dabt(vcpu_current(), &frame);
    assert_int_equal(frame.spsr, SPSR_USR | SPSR_THUMB);

    /* the lean path hands AArch32 over: PC + 2 for a 16-bit Thumb store */
    fake_sysregs_t *r = fake_sysregs();
    r->esr_el2 = esr_iss(2, true, 3, false, false) & ~ESR_IL;
    r->far_el2 = DEV + 0x20;
    r->hpfar_el2 = hpfar_of(DEV + 0x20);
    r->elr_el2 = 0x9000;
    r->spsr_el2 = SPSR_USR | SPSR_THUMB;
    dev.n = 0;
    assert_int_equal(trap_dabt(&frame, r->esr_el2), 1);
    assert_int_equal(frame.elr, 0x9002);
    assert_int_equal(dev.n, 1);
    assert_int_equal(fake_arch.aborts, 0);
}

/* ISV = 0 from AArch32 (an LDM, a writeback form): its instruction is A32 or T32, never
 * decoded as A64, even when its bits happen to be a load A64 septum emulates. */
static void test_aarch32_not_decoded(void **state)
{
    (void)state;
    put_insn(PC, 0xf9400041); /* ldr x1, [x2] as A64 */
    fake_arch_map_va(0x8000, CODE_IPA);
    frame.x[2] = DEV;
    frame.spsr = SPSR_USR;
    frame.esr = esr_noiss(false);
    frame.far = DEV;
    frame.hpfar = hpfar_of(DEV);
    frame.elr = 0x8000 + (PC - CODE_VA);
    mmio_dabt(vcpu_current(), &frame);
    assert_int_equal(dev.n, 0);
    assert_int_equal(fake_arch.aborts, 1);
    assert_int_equal(frame.elr, 0x8000 + (PC - CODE_VA));
    assert_true(fake_log_has("does not emulate"));
}

/* A permission fault on a device page (mapped read-only to the guest, say): the device is found
 * at the IPA the guest's stage 1 gives, not at HPFAR's. */
static void test_permission_fault_ipa(void **state)
{
    (void)state;
    fake_arch_map_va(DEV_VA + 0x80, DEV2 + 0x80);
    full_path(ESR_DABT | BIT(ESR_ISS_ISV_BIT) | 3UL << 22 | 4UL << ESR_ISS_SRT_SHIFT | 1UL << 15 |
                  FSC_PERM3,
              DEV_VA + 0x80, DEV + 0x80);
    assert_int_equal(dev.n, 0);
    assert_int_equal(dev2.n, 1);
    assert_access(&dev2.a[0], DEV2 + 0x80, 8, false, 0);
    assert_int_equal(frame.x[4], dev_value(DEV2 + 0x80));
    assert_int_equal(frame.elr, PC + 4);
    assert_int_equal(fake_arch.at_last_va, DEV_VA + 0x80);

    /* on the lean path too: it leaves permission faults to the full path, even when HPFAR
     * happens to name a place in the device used last */
    bool full;
    dev2.n = 0;
    uint64_t esr = ESR_DABT | BIT(ESR_ISS_ISV_BIT) | 2UL << 22 | 4UL << ESR_ISS_SRT_SHIFT |
                   FSC_PERM3;
    assert_int_equal(lean(esr, DEV_VA + 0x80, DEV2 + 0x40, &full), PC + 4);
    assert_true(full);
    assert_int_equal(dev.n, 0);
    assert_int_equal(dev2.n, 1);
    assert_int_equal(dev2.a[0].addr, DEV2 + 0x80);
    assert_int_equal(frame.x[4], 0x85868780);
}

/* ---- the exception-class dispatch around it ---- */

static uint64_t sgi_value;
static unsigned sgi_calls;
static void chip_sgi(vcpu_t *v, uint64_t value)
{
    (void)v;
    sgi_calls++;
    sgi_value = value;
}
static const irqchip_t chip = {.name = "test", .sgi = chip_sgi};

static uint64_t esr_sysreg(uint64_t reg, unsigned rt, bool read)
{
    return (uint64_t)EC_SYS64 << ESR_EC_SHIFT | ESR_IL | reg | (uint64_t)rt << 5 |
           (read ? ISS_SYSREG_READ : 0);
}

static void test_trap_dispatch(void **state)
{
    (void)state;
    /* SMC #0: stepped over first, then answered as HVC #0 */
    frame.esr = (uint64_t)EC_SMC64 << ESR_EC_SHIFT | ESR_IL;
    frame.elr = PC;
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(hvc_calls, 1);
    assert_int_equal(hvc_imm_last, 0);
    assert_int_equal(frame.elr, PC + 4);

    /* a data abort through trap_lower reaches the device */
    frame.esr = esr_iss(2, false, 9, false, false);
    frame.far = DEV_VA + 0x30;
    frame.hpfar = hpfar_of(DEV + 0x30);
    frame.elr = PC;
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(frame.x[9], 0x858687b0);
    assert_int_equal(frame.elr, PC + 4);

    /* ICC_SGI1R_EL1 writes go to the VM's interrupt controller; without one, or a read of it,
     * the guest gets an undefined instruction */
    frame.x[12] = 0x1000003000002UL;
    frame.esr = esr_sysreg(SYSREG_ICC_SGI1R, 12, false);
    frame.elr = PC;
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(fake_arch.undefs, 1); /* no controller yet */
    assert_int_equal(frame.elr, PC);
    vm.irqchip = &chip;
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(sgi_calls, 1);
    assert_int_equal(sgi_value, 0x1000003000002UL);
    assert_int_equal(frame.elr, PC + 4);
    frame.esr = esr_sysreg(SYSREG_ICC_SGI1R, 12, true);
    frame.elr = PC;
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(sgi_calls, 1);
    assert_int_equal(fake_arch.undefs, 2);
    frame.esr = esr_sysreg(SYSREG_ICC_SGI1R, 31, false); /* xzr */
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(sgi_value, 0);

    /* set/way maintenance is done as clean and invalidate, with the guest's operand */
    frame.x[3] = 0x40000002;
    frame.esr = esr_sysreg(SYSREG_DC_ISW, 3, false);
    frame.elr = PC;
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(fake_arch.cisw_num, 1);
    assert_int_equal(fake_arch.cisw_last, 0x40000002);
    assert_int_equal(frame.elr, PC + 4);

    /* the debug and PMU registers (MDCR_EL2 traps them): read as zero, writes ignored */
    static const uint64_t raz_wi[] = {
        ISS_SYSREG(2, 0, 0, 2, 2),   /* MDSCR_EL1 */
        ISS_SYSREG(2, 0, 1, 0, 4),   /* OSLAR_EL1 */
        ISS_SYSREG(2, 0, 1, 3, 4),   /* OSDLR_EL1 */
        ISS_SYSREG(2, 0, 0, 5, 4),   /* DBGBVR5_EL1 */
        ISS_SYSREG(2, 0, 0, 15, 7),  /* DBGWCR15_EL1 */
        ISS_SYSREG(2, 0, 1, 0, 0),   /* MDRAR_EL1 */
        ISS_SYSREG(2, 3, 0, 4, 0),   /* DBGDTR_EL0 */
        ISS_SYSREG(3, 3, 9, 12, 0),  /* PMCR_EL0 */
        ISS_SYSREG(3, 3, 9, 13, 0),  /* PMCCNTR_EL0 */
        ISS_SYSREG(3, 3, 9, 14, 0),  /* PMUSERENR_EL0 */
        ISS_SYSREG(3, 0, 9, 14, 1),  /* PMINTENSET_EL1 */
        ISS_SYSREG(3, 3, 14, 8, 0),  /* PMEVCNTR0_EL0: septum's own counter */
        ISS_SYSREG(3, 3, 14, 12, 0), /* PMEVTYPER0_EL0 */
        ISS_SYSREG(3, 3, 14, 15, 7), /* PMCCFILTR_EL0 */
    };
    unsigned undefs = fake_arch.undefs;
    for (unsigned i = 0; i < sizeof(raz_wi) / sizeof(raz_wi[0]); i++) {
        frame.x[7] = 0x1234;
        frame.esr = esr_sysreg(raz_wi[i], 7, true);
        frame.elr = PC;
        trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
        assert_int_equal(frame.x[7], 0);
        assert_int_equal(frame.elr, PC + 4);
        frame.x[7] = 0xffffffff;
        frame.esr = esr_sysreg(raz_wi[i], 7, false);
        frame.elr = PC;
        trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
        assert_int_equal(frame.x[7], 0xffffffff);
        assert_int_equal(frame.elr, PC + 4);
    }
    frame.esr = esr_sysreg(ISS_SYSREG(3, 3, 9, 12, 0), 31, true); /* into xzr: nothing written */
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(fake_arch.undefs, undefs);
    /* neighbours that are neither: the statistical profiling unit, an ID register */
    frame.esr = esr_sysreg(ISS_SYSREG(3, 0, 9, 9, 0), 7, true); /* PMSCR_EL1 */
    frame.elr = PC;
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(fake_arch.undefs, undefs + 1);
    assert_int_equal(frame.elr, PC);

    /* anything else: undefined instruction; IRQs go to the interrupt handler */
    frame.esr = (uint64_t)EC_FP_ASIMD << ESR_EC_SHIFT | ESR_IL;
    trap_lower(&frame, VEC_LOWER_64 | VEC_SYNC);
    assert_int_equal(fake_arch.undefs, 4);
    trap_lower(&frame, VEC_LOWER_64 | VEC_IRQ);
    assert_int_equal(irqs, 1);
    assert_int_equal(irq_first, GIC_INTID_SPURIOUS); /* nothing acknowledged yet */
    /* the IRQ vector's own call: the INTID it acknowledged goes to the handler first */
    trap_irq(&frame, 27);
    assert_int_equal(irqs, 2);
    assert_int_equal(irq_first, 27);
    assert_int_equal(fake_arch.aborts, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fault_ipa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stores, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_path_iss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_switch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decoded_pairs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decoded_writeback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decoded_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isolation_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aarch32_pc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aarch32_not_decoded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permission_fault_ipa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trap_dispatch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
