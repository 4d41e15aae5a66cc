// TLA-T1 terminal (RP2350, 4 MB flash). docs/board.md.
#define MICROPY_HW_BOARD_NAME "TLA-T1 terminal (RP2350)"
// deflate.DeflateIO can write, not only read: off at rp2's default feature level.
#define MICROPY_PY_DEFLATE_COMPRESS (1)
// The A/B build: rp2.Flash is the whole flash after the 8 KB partition table (4088 KB from
// offset 8 KB), so that it reaches both partitions and the data region
// (hw/boards/rp2350_update.py). mpconfigboard.cmake's figure sizes the linker's FLASH region.
#undef MICROPY_HW_FLASH_STORAGE_BYTES
#define MICROPY_HW_FLASH_STORAGE_BYTES (4088 * 1024)
#define MICROPY_HW_FLASH_STORAGE_BASE (8 * 1024)
