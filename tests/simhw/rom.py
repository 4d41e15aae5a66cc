"""A simulated RP2350 boot ROM and flash chip for the A/B update (hw/boards/rp2350_update.py):
one 4 MB NOR flash that every rp2.Flash(start, len) region of the A/B build views (its
storage starting after the partition table), and the ROM's try before you buy as the
pico-sdk describes it (bootrom.h: rom_reboot, rom_explicit_buy, rom_get_boot_info): a
normal boot runs the partition bought last; a "flash update" boot runs the partition at
p0 once, when its image is there (a first block not erased), else the bought one, saying
it was a flash update to p0; an explicit buy makes the running partition the bought one.
A partition run on trial and not bought is restarted by the ROM's watchdog (16.7 s in the
RP2350 datasheet, "Try before you buy"): `watchdog()` is that time passing. `buy_fails`
failures come first from explicit_buy (BOOTROM_ERROR_NOT_PERMITTED, as a flash write that
did not take), any number for a ROM that never takes the buy. A reboot is the exception
Rebooted: the test boots again.

Booted from a partition, the ROM's address translation maps only that partition at
XIP_BASE, where rp2.Flash reads: a read there beyond the partition's size is a bus fault
(BusFault), one inside it reads the booted partition's bytes; programming and erasing take
untranslated offsets, and the ROM binding's `read` reads the flash untranslated."""

import io

from hw import hal
from hw.boards import rp2350_update as ab
from hw.flash import NorFlash
from hw.update_slot import Region


class Rebooted(Exception):
    pass


class BusFault(Exception):
    """A read through the translated window outside the booted partition: the device hangs."""


class Chip:
    def __init__(self):
        self.nor = NorFlash(io.BytesIO(), block_size=ab.BLOCK, block_count=ab.FLASH_END // ab.BLOCK)
        self.window = None  # the booted partition's (flash offset, bytes) at XIP_BASE

    def translated(self, at, n):
        """The flash offset a read of `n` bytes at XIP_BASE + `at` reaches."""
        if self.window is None:
            return at
        start, size = self.window
        if at + n > size:
            raise BusFault("XIP read at 0x%x outside the booted partition" % at)
        return start + at

    def read(self, at, n):
        out = b""
        while len(out) < n:
            block, offset = divmod(at + len(out), ab.BLOCK)
            part = bytearray(min(n - len(out), ab.BLOCK - offset))
            self.nor.readblocks(block, part, offset)
            out += part
        return out


class FlashRegion(Region):
    """rp2.Flash(start, len) of the A/B build: `start` counted from its storage base."""

    def __init__(self, chip, start, len):
        assert start % ab.BLOCK == 0 and len % ab.BLOCK == 0 and len > 0
        self.chip = chip
        self.first = (ab.STORAGE_BASE + start) // ab.BLOCK
        self.count = len // ab.BLOCK
        assert (self.first + self.count) * ab.BLOCK <= ab.FLASH_END

    def _block(self, n):
        if not 0 <= n < self.count:
            raise hal.FlashError("no block %d in this region" % n)
        return self.first + n

    def readblocks(self, block_num, buf, offset=0):
        at = self._block(block_num) * ab.BLOCK + offset
        buf[:] = self.chip.read(self.chip.translated(at, len(buf)), len(buf))

    def writeblocks(self, block_num, buf, offset=0):
        self.chip.nor.writeblocks(self._block(block_num), buf, offset)

    def erase_block(self, block_num):
        self.chip.nor.ioctl(hal.IOCTL_BLOCK_ERASE, self._block(block_num))


class Rp2:
    """The `rp2` module's Flash over one chip."""

    def __init__(self, chip):
        self.chip = chip

    def Flash(self, start=0, len=None):
        return FlashRegion(self.chip, start, len)


class SimRom(ab.RomBoot):
    def __init__(self, chip):
        self.chip = chip
        self.bought = 0  # partition A: the factory image, flashed and bought
        self._booted(0)  # partition A, bought
        self.boot_type, self.p0 = 0, 0
        self.reboots = []
        self.buys = 0  # buys taken
        self.buy_fails = 0  # failures to come from explicit_buy
        self.failed_buys = 0

    def boot_info(self):
        return self.partition, self.boot_type, self.p0

    def read(self, offset, buf):
        buf[:] = self.chip.read(offset, len(buf))

    def _booted(self, partition):
        self.partition = partition
        self.chip.window = (ab.PARTITIONS[partition], ab.PARTITION_BYTES)

    def without_partition_table(self):
        """The flash never given the partition table: the image runs from offset 0,
        untranslated, and the ROM says BOOT_PARTITION_NONE."""
        self.partition, self.chip.window = -1, None

    def reboot(self, flags, delay_ms, p0, p1):
        self.reboots.append((flags, p0))
        assert flags & ab.REBOOT2_FLAG_NO_RETURN_ON_SUCCESS
        if flags & 0xF == ab.REBOOT2_FLAG_REBOOT_TYPE_FLASH_UPDATE:  # the reboot type's bits
            self.flash_update_boot(p0)
        else:
            self.power_on()
        raise Rebooted()

    def power_on(self):
        self._booted(self.bought)
        self.boot_type, self.p0 = 0, 0

    def flash_update_boot(self, p0, refuse=False):
        there = ab.PARTITIONS.index(p0)
        has_image = self.chip.read(p0, 16) != b"\xff" * 16
        self._booted(there if has_image and not refuse else self.bought)
        self.boot_type, self.p0 = ab.BOOT_TYPE_FLASH_UPDATE, p0

    @property
    def trial(self):
        """True when the running partition is on trial: run by a flash update boot, not
        bought."""
        return self.boot_type == ab.BOOT_TYPE_FLASH_UPDATE and self.partition != self.bought

    def watchdog(self):
        """The trial's time passes: a partition on trial not bought, the ROM restarts into
        the bought one (Rebooted); else nothing happens."""
        if self.trial:
            self.power_on()
            raise Rebooted()

    def explicit_buy(self):
        if self.buy_fails:
            self.buy_fails -= 1
            self.failed_buys += 1
            return BOOTROM_ERROR_NOT_PERMITTED
        self.buys += 1
        self.bought = self.partition
        return 0


BOOTROM_ERROR_NOT_PERMITTED = -4  # pico-sdk bootrom_constants.h


class Port(hal.Port):
    """A USB port nothing comes over."""

    def read(self, max_bytes=256):
        return b""

    def write(self, data):
        return len(data)


class Time:
    """Virtual microseconds: every look at the clock moves it on 5 us."""

    def __init__(self):
        self.us = 0

    def ticks_us(self):
        self.us += 5
        return self.us

    def fns(self):
        return (self.ticks_us, lambda a, b: a - b, lambda: self.ticks_us() // 1000, lambda ms: None)


def board(chip, rom, rp2):
    """An Rp2350Board of the A/B build over `chip` and `rom` (`rp2`: simhw.rp2sim.make()'s
    module), as one power-up makes it: its display, clock and battery simulated at rest."""
    from hw.boards import rp2350
    from simhw import devices, rp2sim
    from simhw import machine as simmachine

    sim = simmachine.SimBoard()
    sim.i2c = {0x27: devices.LcdBackpack(), 0x68: devices.Ds3231()}
    sim.adc[rp2350.PIN_VSYS_ADC] = 3900 * 65535 // (3 * 3300)  # 3.9 V
    for p in rp2350.SLOTS.values():  # empty card slots
        rp2sim.StateMachine.wires[p["io"]] = rp2sim.Wire()
        sim.inputs[p["off"]] = lambda: 0
    flash, rp2.Flash = rp2.Flash, Rp2(chip).Flash  # the A/B build's storage: all after the table
    try:
        return rp2350.Rp2350Board(simmachine.make(sim), rp2, Port(), Time().fns(), rom)
    finally:
        rp2.Flash = flash
