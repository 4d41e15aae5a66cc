# TLA-T1 terminal: MicroPython's rp2 port on an RP2350 with 4 MB of flash (Pico 2 class).
# The board is RPI_PICO2's (same chip, flash and clock) with tla's modules frozen and
# deflate compression on (a later sync compresses batches). docs/board.md.
set(PICO_BOARD "pico2")
set(PICO_PLATFORM "rp2350")
if(NOT DEFINED MICROPY_HW_FLASH_STORAGE_BYTES)
    # 4 MB flash - 1 MB firmware = 3 MB littlefs for the journal.
    set(MICROPY_HW_FLASH_STORAGE_BYTES 3145728)
endif()
if(NOT MICROPY_FROZEN_MANIFEST)
    set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)
endif()
# C stack: the port gives the RP2350 8 KB + 4 KB, but importing tla's firmware nests
# imports nine deep and peaks at about 38 KB of C stack (measured on the 32-bit unix build,
# docs/board.md): 36 KB more, taken from the end of the GC heap. The port's own
# --defsym comes first on the link line; this later one wins.
cmake_language(DEFER CALL target_link_options firmware PRIVATE
    -Wl,--defsym=__micropy_extra_stack__=36864)
