/*
 * Unit tests of exception injection (arch/aarch64/inject.c) on the fake arch's system
 * registers: from each place a guest can be (EL1 on SP_EL1 or SP_EL0, its EL0 in AArch64, its
 * EL0 in AArch32 in A32 or Thumb state) an abort or an undefined instruction enters the
 * guest's vector at the offset the Arm ARM gives (0x200, 0x000, 0x400, 0x600) with the
 * syndrome the hardware would write: the exception class (from the current or a lower
 * Exception level), IL, the fault status and WnR; FAR, ELR and SPSR as they were, and EL1h
 * with every exception masked afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arch/inject.h>
#include <arch/sysreg.h>
#include <fake_arch.h>
#include <string.h>

#define VBAR     0xffff800010000800UL
#define PC       0xffff800000123450UL
#define PC32     0x00012344UL
#define SPSR_EL0 0x0UL             /* AArch64 EL0t */
#define SPSR_USR 0x10UL            /* AArch32 User mode */
#define SPSR_THM (0x10UL | 0x20UL) /* ... in Thumb state */
#define SPSR_EL1 0x4UL             /* EL1t: on SP_EL0 */

static arch_regs_t frame;

static int setup(void **state)
{
    (void)state;
    fake_arch_reset();
    fake_sysregs()->vbar_el1 = VBAR;
    memset(&frame, 0, sizeof(frame));
    return 0;
}

static void from(uint64_t spsr, uint64_t pc)
{
    frame.spsr = spsr;
    frame.elr = pc;
}

/* The guest resumes at VBAR + off in EL1h with DAIF set; ELR_EL1 and SPSR_EL1 say where it
 * was. */
static void assert_entered(uint64_t off, uint64_t spsr, uint64_t pc)
{
    assert_int_equal(frame.elr, VBAR + off);
    assert_int_equal(frame.spsr, SPSR_EL1H_DAIF);
    assert_int_equal(fake_sysregs()->elr_el1, pc);
    assert_int_equal(fake_sysregs()->spsr_el1, spsr);
}

static void test_vector_offsets(void **state)
{
    (void)state;
    static const struct {
        uint64_t spsr, off;
    } cases[] = {
        {SPSR_EL1H_DAIF, 0x200},          {SPSR_EL1, 0x000}, {SPSR_EL0, 0x400}, {SPSR_USR, 0x600},
        {SPSR_THM | 0x0600fc00UL, 0x600}, /* in an IT block */
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        from(cases[i].spsr, PC);
        assert_int_equal(arch_inject_target(&frame), VBAR + cases[i].off);
        arch_inject_undef(&frame);
        assert_entered(cases[i].off, cases[i].spsr, PC);
        assert_int_equal(fake_sysregs()->esr_el1, (uint64_t)EC_UNKNOWN << ESR_EC_SHIFT | ESR_IL);
    }
}

/* Data and instruction aborts: "from the current Exception level" only from EL1; from EL0 in
 * either state "from a lower Exception level". An external abort (FSC 0x10), IL set (no
 * instruction syndrome), WnR for a data write only. */
static void test_abort_syndrome(void **state)
{
    (void)state;
    static const struct {
        uint64_t spsr, pc, off;
        bool el1;
    } cases[] = {
        {SPSR_EL1H_DAIF, PC, 0x200, true},  {SPSR_EL1, PC, 0x000, true},
        {SPSR_EL0, PC, 0x400, false},       {SPSR_USR, PC32, 0x600, false},
        {SPSR_THM, PC32 + 2, 0x600, false},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        for (unsigned kind = 0; kind < 3; kind++) { /* read, write, instruction fetch */
            bool instruction = kind == 2, write = kind == 1;
            uint64_t far = cases[i].el1 || cases[i].off == 0x400 ? 0xffff000009000010UL
                                                                 : 0x09000010UL;
            from(cases[i].spsr, cases[i].pc);
            arch_inject_abort(&frame, instruction, far, write);
            assert_entered(cases[i].off, cases[i].spsr, cases[i].pc);
            uint64_t ec = instruction ? (cases[i].el1 ? EC_IABT_CUR : EC_IABT_LOW)
                                      : (cases[i].el1 ? EC_DABT_CUR : EC_DABT_LOW);
            assert_int_equal(fake_sysregs()->esr_el1,
                             ec << ESR_EC_SHIFT | ESR_IL | FSC_SEA | (write ? ESR_ISS_WNR : 0));
            assert_int_equal(fake_sysregs()->far_el1, far);
        }
}

/* An AArch32 EL0's address is 32 bits: FAR_EL1's top half is zero even if the caller's was
 * not. */
static void test_aarch32_far(void **state)
{
    (void)state;
    from(SPSR_USR, PC32);
    arch_inject_abort(&frame, false, 0xdead000009000010UL, false);
    assert_int_equal(fake_sysregs()->far_el1, 0x09000010UL);
    assert_int_equal(frame.elr, VBAR + 0x600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_vector_offsets, setup),
        cmocka_unit_test_setup(test_abort_syndrome, setup),
        cmocka_unit_test_setup(test_aarch32_far, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
