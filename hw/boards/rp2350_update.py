"""Updates on the TLA-T1 (RP2350): its image slots are the boot ROM's A/B partitions, its
stage 1 runs the same choice as every board (hw/bootloader.choose), and the ROM's "try
before you buy" boots a version on trial (docs/board.md "Updates", "RP2350").

The flash (4 MB), as the partition table hw/boards/TLA_T1/partition_table.json says it
(`picotool partition create`; tests/test_board_rp2350_update.py checks the two agree):

    0       8 KB     the partition table (the boot ROM reads it from the start of flash)
    8 KB    1020 KB  partition A (id 0): an image
    1028 KB 1020 KB  partition B (id 1, linked to A: the ROM's A/B pair)
    2 MB    2 MB     data (unpartitioned): the REPL's "/", the journal, the slots' headers,
                     the boot record, the key block, in rp2.Flash's storage region

A slot (hw/update_slot.Slot) is its header blocks, kept in the data region, joined to its
partition, which holds the image from its first byte: the ROM looks for the image's
IMAGE_DEF block at the start of the partition, where a slot of the other boards keeps its
header. The ROM's calls come through `rom` (RomBoot's interface: the device's binding, or
tests/simhw/rom.py), each named after the pico-sdk function it wraps (pico-sdk 2.2.0,
src/rp2_common/pico_bootrom/include/pico/bootrom.h).
"""

from hw import bootloader, hal
from hw.update_slot import HEADER_BLOCKS, Region

BLOCK = 4096
PARTITION_A = 8 * 1024  # flash offsets
PARTITION_BYTES = 1020 * 1024
PARTITION_B = PARTITION_A + PARTITION_BYTES
DATA = 2 * 1024 * 1024
# rom_reboot's flags (pico-sdk src/common/boot_picoboot_headers/include/boot/
# picoboot_constants.h): a "flash update" boot prefers the partition at p0 and boots an
# image flagged for an explicit buy once, on trial (the ROM's TBYB)
REBOOT2_FLAG_REBOOT_TYPE_FLASH_UPDATE = 0x4
REBOOT2_FLAG_NO_RETURN_ON_SUCCESS = 0x100
REBOOT_DELAY_MS = 10
BOOT_TYPE_FLASH_UPDATE = 4  # bootrom_constants.h
# rom_explicit_buy rewrites the image's first flash sector: a failure may be passing (a
# flash busy, a brown-out); tried this many times in a row before the caller falls back
BUY_TRIES = 3
PARTITIONS = (PARTITION_A, PARTITION_B)  # by the ROM's partition number
FLASH_END = 4 * 1024 * 1024
# The data region (flash offset, bytes): rp2.Flash(start=offset - STORAGE_BASE, len=bytes),
# the A/B build's storage starting after the partition table
# (MICROPY_HW_FLASH_STORAGE_BYTES = 4088 KB)
STORAGE_BASE = PARTITION_A
ROOT_FS = (DATA, 256 * 1024)
KEY_BLOCK = (FLASH_END - BLOCK, BLOCK)
RECORDS = (KEY_BLOCK[0] - 2 * BLOCK, 2 * BLOCK)
HEADERS = (RECORDS[0] - 2 * HEADER_BLOCKS * BLOCK, 2 * HEADER_BLOCKS * BLOCK)
JOURNAL = (ROOT_FS[0] + ROOT_FS[1], HEADERS[0] - ROOT_FS[0] - ROOT_FS[1])
# Slot 0 is partition B: the factory image is flashed into A (docs/board.md), and an update
# goes into slot 0 first (firmware/update_store.py: the spare slot of the factory image).
SLOT_PARTITION = (1, 0)


class RomBoot:
    """The boot ROM's calls the update needs. The device's: the C module `tla_rom`
    (hw/cmodules/tla_rom/tla_rom.c, frozen into the TLA-T1 image by tools/firmware.sh), whose
    functions are these methods; without it, `device()` is None and the RP2350 takes no
    update."""

    def boot_info(self):
        """(partition, boot type, p0) of this boot: rom_get_boot_info's `partition` (0: A,
        1: B, BOOT_PARTITION_NONE -1: the flash has no partition table), `boot_type`
        (BOOT_TYPE_NORMAL 0, BOOT_TYPE_FLASH_UPDATE 4, its BOOT_TYPE_CHAINED_FLAG 0x80
        masked off) and `reboot_params[0]` (a flash update's base): pico-sdk bootrom.h,
        boot_info_t."""
        raise NotImplementedError

    def reboot(self, flags, delay_ms, p0, p1):
        """rom_reboot(flags, delay_ms, p0, p1): does not return with NO_RETURN_ON_SUCCESS."""
        raise NotImplementedError

    def explicit_buy(self):
        """rom_explicit_buy(buffer, 4096): the image booted on trial becomes the one the ROM
        boots (its TBYB flag cleared); 0 on success, a BOOTROM_ERROR otherwise."""
        raise NotImplementedError

    def read(self, offset, buf):
        """`buf` filled from flash offset `offset`, untranslated. Booted from a partition,
        the ROM maps only that partition at XIP_BASE, where rp2.Flash reads: the other
        partition and the data region would be a bus fault there (pico-sdk #3017; the
        RP2350 datasheet's address translation). XIP_NOCACHE_NOALLOC_NOTRANSLATE_BASE
        (0x1c000000) reaches the whole flash."""
        raise NotImplementedError


def device():
    """The device's RomBoot (the `tla_rom` module), or None when the firmware has none."""
    try:
        import tla_rom  # type: ignore[import-not-found]
    except ImportError:
        return None
    return tla_rom


def partitioned(rom):
    """True when the ROM booted partition A or B; False on a flash without the partition
    table (BOOT_PARTITION_NONE): the image then runs from the start of the flash, where
    partition A would be, and takes no update."""
    return rom.boot_info()[0] in (0, 1)


class JoinedSlotDevice(Region):
    """A slot's block device: its HEADER_BLOCKS header blocks from `header`, then the
    blocks of `image` (the partition)."""

    def __init__(self, header, image):
        self.header = header
        self.image = image
        self.block_size = image.ioctl(hal.IOCTL_BLOCK_SIZE, 0)
        self.count = HEADER_BLOCKS + image.ioctl(hal.IOCTL_BLOCK_COUNT, 0)

    def _at(self, block_num):
        if not 0 <= block_num < self.count:
            raise hal.FlashError("no block %d in this slot" % block_num)
        if block_num < HEADER_BLOCKS:
            return self.header, block_num
        return self.image, block_num - HEADER_BLOCKS

    def readblocks(self, block_num, buf, offset=0):
        dev, n = self._at(block_num)
        dev.readblocks(n, buf, offset)

    def writeblocks(self, block_num, buf, offset=0):
        dev, n = self._at(block_num)
        dev.writeblocks(n, buf, offset)

    def erase_block(self, block_num):
        dev, n = self._at(block_num)
        dev.ioctl(hal.IOCTL_BLOCK_ERASE, n)


class FlashRegion(Region):
    """`where` (flash offset, bytes) of the A/B build's flash: erased and programmed through
    rp2.Flash (the ROM's flash_range_* take untranslated offsets), read through
    `rom.read` (RomBoot.read: rp2.Flash's reads go through the translated window)."""

    def __init__(self, rp2, rom, where):
        self.flash = rp2.Flash(start=where[0] - STORAGE_BASE, len=where[1])
        self.rom = rom
        self.first = where[0]
        self.count = where[1] // BLOCK
        self.block_size = BLOCK

    def _at(self, block_num, offset, n):
        if not 0 <= block_num < self.count or offset + n > BLOCK:
            raise hal.FlashError("no block %d in this region" % block_num)
        return self.first + block_num * BLOCK + offset

    def readblocks(self, block_num, buf, offset=0):
        self.rom.read(self._at(block_num, offset or 0, len(buf)), buf)

    def writeblocks(self, block_num, buf, offset=0):
        self._at(block_num, offset or 0, len(buf))
        self.flash.writeblocks(block_num, buf, offset or 0)

    def erase_block(self, block_num):
        self._at(block_num, 0, 0)
        self.flash.ioctl(hal.IOCTL_BLOCK_ERASE, block_num)


def region(rp2, rom, where):
    """The block device of `where` (flash offset, bytes) in the A/B build."""
    return FlashRegion(rp2, rom, where)


def slot_devices(rp2, rom):
    """(slot 0, slot 1) block devices: slot 0 is partition B, slot 1 partition A."""
    out = []
    for i in (0, 1):
        at = HEADERS[0] + i * HEADER_BLOCKS * BLOCK
        header = region(rp2, rom, (at, HEADER_BLOCKS * BLOCK))
        image = region(rp2, rom, (PARTITIONS[SLOT_PARTITION[i]], PARTITION_BYTES))
        out.append(JoinedSlotDevice(header, image))
    return tuple(out)


def on_trial(rom):
    """True when the ROM runs this partition on trial: a "flash update" boot of it, which
    is how the ROM runs an image flagged for an explicit buy, never bought yet (its watchdog
    then restarts the board into the bought one unless this one buys itself)."""
    partition, boot_type, update_base = rom.boot_info()
    return boot_type & 0x7F == BOOT_TYPE_FLASH_UPDATE and update_base == PARTITIONS[partition]


def stage1(records, slots, rom):
    """What runs first at each boot: the bootloader's choice (a trial's boot counted in the
    record) on the partition the ROM booted. Another partition chosen (a version to try, or
    the active one when the ROM booted the other), the ROM reboots into it with a "flash
    update" boot (an image flagged for an explicit buy runs once, on trial): None. Booted
    instead of the partition asked (the ROM refused it), a trial is given up, and an active
    image the ROM will not boot leaves this one running, "damaged". The record's active
    version running on the ROM's trial (its buy failed, or the record went back after a
    buy) is bought now; failing, the ROM's watchdog restarts it and the next boot tries
    again. The Boot to run."""
    partition, boot_type, update_base = rom.boot_info()
    running = SLOT_PARTITION.index(partition)
    booted = bootloader.choose(records, slots, write=False)
    if booted.slot in (0, 1) and booted.slot != running:
        target = PARTITIONS[SLOT_PARTITION[booted.slot]]
        if boot_type & 0x7F != BOOT_TYPE_FLASH_UPDATE or update_base != target:
            flags = REBOOT2_FLAG_REBOOT_TYPE_FLASH_UPDATE | REBOOT2_FLAG_NO_RETURN_ON_SUCCESS
            rom.reboot(flags, REBOOT_DELAY_MS, target, 0)
            return None
        if booted.state == "trial":  # asked, and refused by the ROM
            records.write(bootloader.rolled_back(records.read(), "the boot ROM did not boot it"))
            booted = bootloader.choose(records, slots, write=False)
        if booted.slot in (0, 1) and booted.slot != running:
            return bootloader.Boot(running, "damaged")
    booted = bootloader.choose(records, slots)
    if booted.slot == bootloader.FACTORY:
        booted.slot = running  # the image the board was flashed with: it has no header
    if booted.state != "trial" and on_trial(rom):
        try:
            buy(rom)
        except OSError:
            pass  # the watchdog restarts it into the bought partition; stage 1 asks again
    return booted


def keep_trial(rom):
    """After the version on trial passed its self-test, before the record confirms it: the
    ROM boots it from now on (bought), or why not ("" when bought, or when the ROM did not
    run it on trial: a normal boot runs only a bought image)."""
    if not on_trial(rom):
        return ""
    try:
        buy(rom)
    except OSError as e:
        return str(e.args[-1])
    return ""


def buy(rom):
    """The ROM boots this image from now on: rom_explicit_buy, tried BUY_TRIES times."""
    status = 0
    for _ in range(BUY_TRIES):
        status = rom.explicit_buy()
        if status == 0:
            return
    raise OSError(5, "the boot ROM did not take the image (rom_explicit_buy: %d)" % status)
