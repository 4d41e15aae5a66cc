// tla_rom: the RP2350 boot ROM's calls that tla's A/B update needs, which MicroPython's rp2
// port (1.29) does not bind. hw/boards/rp2350_update.py uses this module as its RomBoot:
// each function is named after the pico-sdk 2.2.0 call it wraps
// (src/rp2_common/pico_bootrom/include/pico/bootrom.h), and `read` reads the flash
// untranslated. docs/board.md "Updates", "RP2350".

#include <string.h>

#include "py/runtime.h"
#include "py/mperrno.h"
#include "pico/bootrom.h"
#include "hardware/regs/addressmap.h"
#include "rp2_flash.h"

#if !PICO_RP2350
#error "tla_rom is for the RP2350's boot ROM"
#endif

#define FLASH_BYTES (PICO_FLASH_SIZE_BYTES)
#define BUY_WORKAREA (4096)  // rom_explicit_buy's scratch space: 4 KiB, word aligned

// boot_info() -> (partition, boot type, p0): rom_get_boot_info's partition (0 A, 1 B,
// BOOT_PARTITION_NONE -1 when the flash has no partition table), boot_type with its
// BOOT_TYPE_CHAINED_FLAG masked off, and reboot_params[0] (a flash update's base).
static mp_obj_t tla_rom_boot_info(void) {
    boot_info_t info;
    if (!rom_get_boot_info(&info)) {
        mp_raise_OSError(MP_EIO);
    }
    mp_obj_t out[3] = {
        mp_obj_new_int(info.partition),
        mp_obj_new_int(info.boot_type & 0x7f),
        mp_obj_new_int_from_uint(info.reboot_params[0]),
    };
    return mp_obj_new_tuple(3, out);
}
static MP_DEFINE_CONST_FUN_OBJ_0(tla_rom_boot_info_obj, tla_rom_boot_info);

// reboot(flags, delay_ms, p0, p1) -> rom_reboot's status (it does not return on success
// with REBOOT2_FLAG_NO_RETURN_ON_SUCCESS).
static mp_obj_t tla_rom_reboot(size_t n_args, const mp_obj_t *args) {
    (void)n_args;
    int rc = rom_reboot(mp_obj_get_int_truncated(args[0]), mp_obj_get_int_truncated(args[1]),
        mp_obj_get_int_truncated(args[2]), mp_obj_get_int_truncated(args[3]));
    return mp_obj_new_int(rc);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(tla_rom_reboot_obj, 4, 4, tla_rom_reboot);

// explicit_buy() -> 0 or a BOOTROM_ERROR: the image booted on trial is bought (the ROM
// clears its TBYB flag in flash). The ROM's flash programming resets the flash timing:
// set it back as rp2.Flash does after each write.
static mp_obj_t tla_rom_explicit_buy(void) {
    uint32_t *workarea = m_new(uint32_t, BUY_WORKAREA / 4);
    int rc = rom_explicit_buy((uint8_t *)workarea, BUY_WORKAREA);
    rp2_flash_set_timing();
    m_del(uint32_t, workarea, BUY_WORKAREA / 4);
    return mp_obj_new_int(rc);
}
static MP_DEFINE_CONST_FUN_OBJ_0(tla_rom_explicit_buy_obj, tla_rom_explicit_buy);

// read(offset, buf): `buf` filled from the flash at `offset` through the untranslated,
// uncached window. Booted from a partition, the ROM maps only that partition at XIP_BASE
// (rp2.Flash reads there): the other partition and the data region are reached here.
static mp_obj_t tla_rom_read(mp_obj_t offset_in, mp_obj_t buf_in) {
    mp_uint_t offset = mp_obj_get_int_truncated(offset_in);
    mp_buffer_info_t buf;
    mp_get_buffer_raise(buf_in, &buf, MP_BUFFER_WRITE);
    if (offset > FLASH_BYTES || buf.len > FLASH_BYTES - offset) {
        mp_raise_ValueError(MP_ERROR_TEXT("outside the flash"));
    }
    memcpy(buf.buf, (const void *)(XIP_NOCACHE_NOALLOC_NOTRANSLATE_BASE + offset), buf.len);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(tla_rom_read_obj, tla_rom_read);

static const mp_rom_map_elem_t tla_rom_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_tla_rom) },
    { MP_ROM_QSTR(MP_QSTR_boot_info), MP_ROM_PTR(&tla_rom_boot_info_obj) },
    { MP_ROM_QSTR(MP_QSTR_reboot), MP_ROM_PTR(&tla_rom_reboot_obj) },
    { MP_ROM_QSTR(MP_QSTR_explicit_buy), MP_ROM_PTR(&tla_rom_explicit_buy_obj) },
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&tla_rom_read_obj) },
};
static MP_DEFINE_CONST_DICT(tla_rom_globals, tla_rom_globals_table);

const mp_obj_module_t tla_rom_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&tla_rom_globals,
};

MP_REGISTER_MODULE(MP_QSTR_tla_rom, tla_rom_module);
