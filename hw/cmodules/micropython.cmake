# tla's C modules for the RP2350 image (tools/firmware.sh passes this file as USER_C_MODULES).
include(${CMAKE_CURRENT_LIST_DIR}/tla_rom/micropython.cmake)
