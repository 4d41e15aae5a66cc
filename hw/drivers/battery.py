"""The battery gauge: the cell's voltage through a divider into an ADC (on a Pico 2 class
board, VSYS / 3 on ADC3, GP29), and the rule that follows from it.

Thresholds (one Li-ion cell, docs/board.md): below WRITE_MIN_MV no flash write starts and
no signing begins: a write cut by the battery is a power cut, which the journal survives,
but a sheet signed and then not saved would leave the patient's card with a copy the
terminal does not hold; under load a cell at 3.5 V still has several minutes, enough for
the visit in progress. Below EMPTY_MV the terminal switches itself off: the board opens its
power latch (hw/boards/rp2350.py Rp2350Board.switch_off, docs/board-wiring.md).
"""

from hw import hal

WRITE_MIN_MV = 3500
EMPTY_MV = 3300
SAMPLES = 8  # averaged: the ADC is noisy, and a radio burst must not refuse a write


class Battery:
    def __init__(self, adc, divider=3, vref_mv=3300):
        """`adc`: machine.ADC; `divider`: the input is the cell's voltage / divider."""
        self.adc = adc
        self.divider = divider
        self.vref_mv = vref_mv

    def millivolts(self):
        total = 0
        for _ in range(SAMPLES):
            total += self.adc.read_u16()
        return total * self.vref_mv * self.divider // (SAMPLES * 65535)

    def can_write(self):
        """True when a flash write or a signing may start."""
        return self.millivolts() >= WRITE_MIN_MV

    def empty(self):
        """True below EMPTY_MV: time to switch the terminal off."""
        return self.millivolts() < EMPTY_MV


class LowBattery(hal.FlashError):
    """Refused: the battery is too low for a flash write to start."""

    def __init__(self, mv):
        super().__init__("battery low (%d mV): nothing is written" % mv)
        self.millivolts = mv


class GuardedFlash(hal.BlockDevice):
    """A block device that refuses to start a program or an erase when the battery is low
    (LowBattery, a hal.FlashError: the firmware's error path, nothing half-written). Reads
    always pass.

    `keys`: an optional second block device (a small rp2.Flash region outside littlefs'
    partition) reached only through read_reserved / program_reserved / erase_reserved, the
    interface of hw/flash.NorFlash's reserved blocks: firmware/keyblock.py keeps the
    pairing key there, erased in place on unpairing (docs/journal.md "Keys outside
    littlefs"), which littlefs' copy-on-write blocks cannot promise."""

    def __init__(self, flash, battery, keys=None):
        self.flash = flash
        self.battery = battery
        self.keys = keys
        self.block_size = flash.ioctl(hal.IOCTL_BLOCK_SIZE, 0)
        self.reserved = keys.ioctl(hal.IOCTL_BLOCK_COUNT, 0) if keys is not None else 0

    def _check(self):
        mv = self.battery.millivolts()
        if mv < WRITE_MIN_MV:
            raise LowBattery(mv)

    def readblocks(self, block_num, buf, offset=0):
        return self.flash.readblocks(block_num, buf, offset)

    def writeblocks(self, block_num, buf, offset=0):
        self._check()
        return self.flash.writeblocks(block_num, buf, offset)

    def ioctl(self, op, arg):
        if op == hal.IOCTL_BLOCK_ERASE:
            self._check()
        return self.flash.ioctl(op, arg)

    def _reserved(self, index):
        if self.keys is None or not 0 <= index < self.reserved:
            raise hal.FlashError("no reserved flash block %d" % index)
        return self.keys

    def read_reserved(self, index, offset, n):
        buf = bytearray(n)
        self._reserved(index).readblocks(index, buf, offset)
        return bytes(buf)

    def program_reserved(self, index, offset, data):
        keys = self._reserved(index)
        self._check()
        keys.writeblocks(index, data, offset)

    def erase_reserved(self, index):
        keys = self._reserved(index)
        self._check()
        keys.ioctl(hal.IOCTL_BLOCK_ERASE, index)
