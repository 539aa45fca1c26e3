/*
 * Unit tests of arch/aarch64/esr.c: the exception-class and fault-status names the register
 * dump prints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arch/esr.h>
#include <arch/sysreg.h>

static uint64_t esr(unsigned ec, unsigned iss)
{
    return ((uint64_t)ec << ESR_EC_SHIFT) | ESR_IL | iss;
}

static void test_classes(void **state)
{
    (void)state;
    assert_string_equal(esr_class_name(esr(EC_DABT_CUR, 0)), "data abort from EL2");
    assert_string_equal(esr_class_name(esr(EC_DABT_LOW, 0)), "data abort from a lower EL");
    assert_string_equal(esr_class_name(esr(EC_IABT_CUR, 0)), "instruction abort from EL2");
    assert_string_equal(esr_class_name(esr(EC_HVC64, 0)), "HVC");
    assert_string_equal(esr_class_name(esr(EC_SYS64, 0)), "MSR/MRS/system instruction trapped");
    assert_string_equal(esr_class_name(esr(EC_BRK64, 0)), "BRK instruction");
    assert_string_equal(esr_class_name(esr(0x3f, 0)), "reserved exception class");
    assert_true(esr_is_abort(esr(EC_DABT_LOW, 0)));
    assert_true(esr_is_abort(esr(EC_IABT_LOW, 0)));
    assert_false(esr_is_abort(esr(EC_HVC64, 0)));
}

static void test_fault_status(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(esr_fsc_name(0x07, buf, sizeof(buf)), "translation fault, level 3");
    assert_string_equal(esr_fsc_name(0x04, buf, sizeof(buf)), "translation fault, level 0");
    assert_string_equal(esr_fsc_name(0x0f, buf, sizeof(buf)), "permission fault, level 3");
    assert_string_equal(esr_fsc_name(0x09, buf, sizeof(buf)), "access flag fault, level 1");
    assert_string_equal(esr_fsc_name(0x02, buf, sizeof(buf)), "address size fault, level 2");
    assert_string_equal(esr_fsc_name(0x10, buf, sizeof(buf)), "synchronous external abort");
    assert_string_equal(esr_fsc_name(0x15, buf, sizeof(buf)),
                        "external abort on table walk, level 1");
    assert_string_equal(esr_fsc_name(0x21, buf, sizeof(buf)), "alignment fault");
    assert_string_equal(esr_fsc_name(0x30, buf, sizeof(buf)), "TLB conflict abort");
    assert_string_equal(esr_fsc_name(0x3d, buf, sizeof(buf)), "fault status 0x3d");
    /* only the 6-bit field counts */
    assert_string_equal(esr_fsc_name(0x1c7, buf, sizeof(buf)), "translation fault, level 3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_fault_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
