/*
 * Xilinx's ZCU102 (Zynq UltraScale+ MPSoC ZU9EG), in QEMU (`-M xlnx-zcu102,virtualization=on`)
 * and on the board, as septum needs it beyond its device tree. Its UART0 (Cadence, SPI 21) is
 * the console when the device tree names none. Its DDR is mapped in two windows: the first
 * 2 GiB at 0x0 and the rest from 0x8_0000_0000 (UG1085, system address map). QEMU's -dtb
 * handling rewrites the memory node as one range of the whole RAM from 0x0 (with -m 4G:
 * 0x0-0xffffffff, across the devices between 2 and 4 GiB), so the windows put what lies past
 * 2 GiB where the SoC has it. The QSPI flash is not memory-mapped for execution: no flash range.
 */
#include <platform/platform.h>

const platform_t platform_zcu102 = {
    .name = "zcu102",
    .compatible = {"xlnx,zynqmp-zcu102", "xlnx,zynqmp-zcu102-rev1.0", "xlnx,zynqmp-zcu102-rev1.1"},
    .console = {"cdns,uart-r1p12", 0xff000000, 32 + 21}, /* SPI 21 */
    .ddr = {{0x0, 0x80000000}, {0x800000000, 0x800000000}},
};
