"""Print what `make firmware` built: image size, share of the 4 MB flash, RAM and heap.

Usage: firmware_report.py OUT_DIR SECONDS. Reads tla-t1.bin and the symbols of tla-t1.elf
(arm-none-eabi-nm/size); the heap is what the linker leaves between __GcHeapStart and
__GcHeapEnd (MicroPython's rp2 port gives the rest of the SRAM to the GC heap).
"""

import subprocess
import sys
from pathlib import Path

FLASH_BYTES = 4 * 1024 * 1024
FIRMWARE_PARTITION = 1020 * 1024  # partition A or B (hw/boards/TLA_T1/partition_table.json)
SRAM_BYTES = 520 * 1024


def symbols(elf):
    out = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            table[parts[2]] = int(parts[0], 16)
    return table


def main():
    out = Path(sys.argv[1])
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    image = (out / "tla-t1.bin").stat().st_size
    uf2 = (out / "tla-t1.uf2").stat().st_size
    sym = symbols(out / "tla-t1.elf")
    heap = sym.get("__GcHeapEnd", 0) - sym.get("__GcHeapStart", 0)
    static = sym.get("__bss_end__", 0) - sym.get("__data_start__", sym.get("__bss_end__", 0))
    unix = (out / "micropython-tla32").stat().st_size
    print("TLA-T1 image (RP2350): %d B (UF2 %d B)" % (image, uf2))
    print(
        "  flash: %.1f %% of 4 MB, %.1f %% of a 1020 KB image partition"
        % (100.0 * image / FLASH_BYTES, 100.0 * image / FIRMWARE_PARTITION)
    )
    if heap > 0:
        print(
            "  RAM: %d KiB static (data+bss), %d KiB MicroPython heap of %d KiB SRAM"
            % (static // 1024, heap // 1024, SRAM_BYTES // 1024)
        )
    print("unix port, 32-bit, tla frozen: %d B (build/firmware/out/micropython-tla32)" % unix)
    if seconds:
        print("make firmware took %d s" % seconds)


if __name__ == "__main__":
    main()
