// TLA-T1 terminal (RP2350, 4 MB flash). docs/board.md.
#define MICROPY_HW_BOARD_NAME "TLA-T1 terminal (RP2350)"
// deflate.DeflateIO can write, not only read: off at rp2's default feature level.
#define MICROPY_PY_DEFLATE_COMPRESS (1)
