# tla_rom: the RP2350 boot ROM's calls the A/B update needs (hw/boards/rp2350_update.py).
add_library(usermod_tla_rom INTERFACE)
target_sources(usermod_tla_rom INTERFACE ${CMAKE_CURRENT_LIST_DIR}/tla_rom.c)
target_include_directories(usermod_tla_rom INTERFACE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(usermod INTERFACE usermod_tla_rom)
