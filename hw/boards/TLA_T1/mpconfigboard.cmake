# TLA-T1 terminal: MicroPython's rp2 port on an RP2350 with 4 MB of flash (Pico 2 class).
# The board is RPI_PICO2's (same chip, flash and clock) with tla's modules frozen and
# deflate compression on (a later sync compresses batches). docs/board.md.
set(PICO_BOARD "pico2")
set(PICO_PLATFORM "rp2350")
if(NOT DEFINED MICROPY_HW_FLASH_STORAGE_BYTES)
    # The A/B build (hw/boards/TLA_T1/partition_table.json): the linker's FLASH region is
    # 4 MB less this, 1020 KB, a partition's size, so an image that would not fit its
    # partition fails to link. rp2.Flash itself spans more (mpconfigboard.h).
    set(MICROPY_HW_FLASH_STORAGE_BYTES 3149824)
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
