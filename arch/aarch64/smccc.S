/*
 * The SMCCC conduits to the firmware below EL2: SMC #0 (or HVC #0 when septum itself runs
 * nested). Arguments in x0-x3, result in x0; x4-x17 may be clobbered by the callee (SMCCC 1.1),
 * which the AAPCS already treats as caller-saved.
 */
    .section .text.smccc, "ax"
    .global arch_smc
arch_smc:
    smc     #0
    ret

    .global arch_hvc
arch_hvc:
    hvc     #0
    ret
