"""The TLA-T1 terminal: an RP2350 (Pico 2 class, 4 MB flash) with two card slots behind
TDA8035 interface chips, a 4 x 20 HD44780 display on a PCF8574 backpack, a 4 x 4 keypad,
a DS3231 clock with its own cell, the battery on VSYS behind a power latch and the USB CDC
link. Its pins come from the board's net table (hw/boards/tla_t1_pins.py), the one the
schematic is drawn from (docs/img/tla-t1-schematic.svg, docs/board-wiring.md).

`Rp2350Board()` builds every part from `machine` and `rp2`; the frozen _boot.py (this
folder's TLA_T1/_boot.py) holds the power latch, then calls `run()`, which starts the
firmware unless MENU is held.
"""

from hw import hal
from hw._compat import mount_littlefs
from hw.boards import rp2350_update
from hw.boards.tla_t1_pins import GPIO, SLOT_NETS
from hw.drivers.battery import Battery, GuardedFlash
from hw.drivers.cdc_port import CdcPort
from hw.drivers.ds3231 import Ds3231Clock
from hw.drivers.hd44780 import Hd44780
from hw.drivers.keypad import MatrixKeypad
from hw.drivers.pio_card_line import PioCardLine
from hw.iso7816.slot import ContactSlot

# ---------------------------------------------------------------- pin map (GPIO numbers)
# Every GPIO comes from the board's net table (hw/boards/tla_t1_pins.py), which the
# schematic is drawn from (tools/schematic.py, docs/img/tla-t1-schematic.svg).
I2C_ID, I2C_HZ = 0, 400000  # display backpack (through the PCA9306) and DS3231
PIN_SDA, PIN_SCL = GPIO["I2C0_SDA"], GPIO["I2C0_SCL"]
LCD_ADDRESS = 0x27
KEY_ROWS = tuple(GPIO["KEY_ROW%d" % i] for i in (1, 2, 3, 4))
KEY_COLS = tuple(GPIO["KEY_COL%d" % i] for i in (1, 2, 3, 4))


def _slot_pins(name, sm):
    net = SLOT_NETS[name] + "_"
    return {
        "io": GPIO[net + "IO"],
        "clk": GPIO[net + "CLK"],
        "rst": GPIO[net + "RST"],
        "cmdvcc": GPIO[net + "CMDVCCN"],
        "off": GPIO[net + "OFFN"],
        "sm": sm,
    }


# Each slot: I/O, CLK (PWM), RST, CMDVCC (active low), OFF (card present and powered fine),
# and its two PIO state machines (send, receive) in its own PIO block.
SLOTS = {"vitale": _slot_pins("vitale", (0, 1)), "cps": _slot_pins("cps", (4, 5))}
PIN_VSYS_ADC = GPIO["VSYS_DIV3"]  # Pico 2: VSYS / 3; the cell feeds VSYS through a Schottky
PIN_LED = GPIO["LED"]
PIN_POWER_HOLD = GPIO["PWR_HOLD"]  # the power latch: low switches the terminal off
CARD_CLOCK_HZ = 4000000  # 4 MHz: Fi 512 / Di 16 gives 125 kbit/s after PPS
# The battery watch of idle(): a reading every BATTERY_CHECK_MS, and EMPTY_READINGS in a row
# below battery.EMPTY_MV switch the terminal off (one dip under a card's load does not).
BATTERY_CHECK_MS = 10000
EMPTY_READINGS = 3
EMPTY_SCREEN = ("Batterie vide", "Arret du terminal", "Rechargez-le par USB", "")

# ---------------------------------------------------------------- flash partitions
# Without the ROM binding (an image built without hw/cmodules/tla_rom, rp2.Flash() the
# 3 MB after a 1 MB firmware):
# the first 256 KB is the REPL's "/" (mounted by _boot.py), then tla's journal, and the
# last 4 KB block the key block, outside littlefs (firmware/keyblock.py).
ROOT_FS_BYTES = 256 * 1024
KEY_BLOCK_BYTES = 4096
FLASH_PAGE = 256  # the flash programs whole 256-byte pages
STORAGE_BYTES = 3 * 1024 * 1024


class Rp2350Board(hal.Board):
    name = "rp2350"

    def __init__(self, machine=None, rp2=None, port=None, timefns=None, rom=None):
        """`machine`, `rp2`: the modules (the device's by default; tests pass simulated
        ones, with a `port` and `timefns` = (ticks_us, ticks_diff, ticks_ms, sleep_ms));
        `rom`: the boot ROM's calls (hw/boards/rp2350_update.RomBoot; the device's binding
        when the firmware has one): with them, the A/B flash layout and updates."""
        if machine is None:
            import machine  # type: ignore[no-redef]
        if rp2 is None:
            import rp2  # type: ignore[no-redef]
        if timefns is None:
            import time

            timefns = (time.ticks_us, time.ticks_diff, time.ticks_ms, time.sleep_ms)
        ticks_us, ticks_diff, ticks_ms, sleep_ms = timefns
        Pin = machine.Pin
        self.machine = machine
        # Held from the first instant (_boot.py already raised it): the ON button only
        # bridges the latch while it is pressed (docs/board-wiring.md "Power latch").
        self.power_hold = hold_power(machine)
        self._ticks_ms, self._ticks_diff = ticks_ms, ticks_diff
        self._battery_at = ticks_ms()
        self._empty_readings = 0
        i2c = machine.I2C(I2C_ID, sda=Pin(PIN_SDA), scl=Pin(PIN_SCL), freq=I2C_HZ)
        display = Hd44780(i2c, LCD_ADDRESS, sleep_ms)
        keypad = MatrixKeypad(
            [Pin(p, Pin.OUT, value=1) for p in KEY_ROWS],
            [Pin(p, Pin.IN, Pin.PULL_UP) for p in KEY_COLS],
        )
        self.battery = Battery(machine.ADC(PIN_VSYS_ADC), divider=3)
        ticks = (ticks_us, ticks_diff)
        slots = {}
        for name, p in SLOTS.items():
            line = PioCardLine(
                rp2,
                Pin(p["io"], Pin.IN, Pin.PULL_UP),
                machine.PWM(Pin(p["clk"])),
                Pin(p["rst"], Pin.OUT, value=0),
                Pin(p["cmdvcc"], Pin.OUT, value=1),
                Pin(p["off"], Pin.IN, Pin.PULL_UP),
                p["sm"][0],
                p["sm"][1],
                CARD_CLOCK_HZ,
                ticks,
            )
            slots[name] = ContactSlot(name, line, clock_khz=CARD_CLOCK_HZ // 1000)
        self.rom = rom if rom is not None else rp2350_update.device()
        self._slots = self._records = None
        if self.rom is not None:  # the A/B build (hw/boards/rp2350_update.py)
            rom = self.rom
            journal = rp2350_update.region(rp2, rom, rp2350_update.JOURNAL)
            keys = rp2350_update.region(rp2, rom, rp2350_update.KEY_BLOCK)
            self._records = rp2350_update.region(rp2, rom, rp2350_update.RECORDS)
            if rp2350_update.partitioned(rom):  # else the image runs where A would be
                self._slots = rp2350_update.slot_devices(rp2, rom)
        else:
            journal_bytes = STORAGE_BYTES - ROOT_FS_BYTES - KEY_BLOCK_BYTES
            journal = rp2.Flash(start=ROOT_FS_BYTES, len=journal_bytes)
            keys = rp2.Flash(start=STORAGE_BYTES - KEY_BLOCK_BYTES, len=KEY_BLOCK_BYTES)
        flash = GuardedFlash(journal, self.battery, keys=keys)
        clock = Ds3231Clock(i2c, ticks_ms, sleep_ms)
        serial = "TLA-" + "".join("%02X" % b for b in machine.unique_id())
        super().__init__(serial, slots, flash, port or _usb_port(), clock, display, keypad)
        self.led = Pin(PIN_LED, Pin.OUT, value=0)

    def filesystem(self, format_if_blank=True):
        return mount_littlefs(self.flash, format_if_blank, prog_size=FLASH_PAGE)

    def random_bytes(self, n):
        import os

        return os.urandom(n)  # the RP2350's TRNG

    def boot_records(self):
        if self._records is None:
            return None
        from hw.boot_record import BootRecords

        return BootRecords(GuardedFlash(self._records, self.battery))

    def update_slots(self):
        """Partitions B and A (rp2350_update.py), or None: no ROM binding, no partition
        table in the flash, or the active image the ROM would not boot (what runs might be
        the spare)."""
        if self._slots is None or self.boot_state == "damaged":
            return None
        from hw.update_slot import Slot

        return tuple(Slot(GuardedFlash(dev, self.battery)) for dev in self._slots)

    def restart(self):
        """The ROM reboots; stage 1 (rp2350_update.stage1) chooses what runs."""
        flags = rp2350_update.REBOOT2_FLAG_NO_RETURN_ON_SUCCESS  # REBOOT_TYPE_NORMAL is 0
        rom = self.rom
        if rom is None:  # no ROM binding: update_slots() is None, no update to restart into
            raise OSError("no boot ROM binding")
        rom.reboot(flags, rp2350_update.REBOOT_DELAY_MS, 0, 0)

    def keep_trial(self):
        """The ROM's explicit buy (rp2350_update.keep_trial), retried; failing, the trial is
        given up and the version before runs again, bought (no watchdog loop)."""
        if self.rom is None:
            return ""
        return rp2350_update.keep_trial(self.rom)

    def power_ok(self):
        """True when the battery allows a flash write or a signing to start."""
        return self.battery.can_write()

    def idle(self):
        self.machine.idle()  # wait for the next interrupt (USB, timer tick)
        self.clock.sleep_ms(5)
        self._watch_battery()

    def _watch_battery(self):
        """Below battery.EMPTY_MV for EMPTY_READINGS readings in a row, switch off. Only
        from idle(): no step of the firmware (a flash write, a signing) is under way, and
        below WRITE_MIN_MV none could have started anyway."""
        now = self._ticks_ms()
        if self._ticks_diff(now, self._battery_at) < BATTERY_CHECK_MS:
            return
        self._battery_at = now
        if not self.battery.empty():
            self._empty_readings = 0
            return
        self._empty_readings += 1
        if self._empty_readings >= EMPTY_READINGS:
            self.switch_off()

    def switch_off(self):
        """The cards deactivated, a last screen, then PWR_HOLD low: the latch opens and the
        cell is cut from VSYS. Still running a second later means USB feeds VSYS (the latch
        only switches the cell): hold the latch again and go on."""
        for slot in self.slots.values():
            slot.power_off()
        self.display.show(EMPTY_SCREEN)
        self.power_hold.value(0)
        self.clock.sleep_ms(1000)
        self.power_hold.value(1)
        self._empty_readings = 0


def _usb_port():
    import select
    import sys

    import micropython

    poll = select.poll()
    poll.register(sys.stdin, select.POLLIN)
    return CdcPort(sys.stdin.buffer, sys.stdout.buffer, poll, micropython.kbd_intr)


def hold_power(machine=None):
    """Raise PWR_HOLD: the power latch stays closed after the ON button is released. The
    frozen _boot.py calls it first of all, before the REPL or the firmware."""
    if machine is None:
        import machine  # type: ignore[no-redef]
    return machine.Pin(PIN_POWER_HOLD, machine.Pin.OUT, value=1)


def menu_held(machine=None):
    """True when MENU is held at power-up: the REPL stays on the USB port instead."""
    if machine is None:
        import machine  # type: ignore[no-redef]
    Pin = machine.Pin
    rows = [Pin(p, Pin.OUT, value=1) for p in KEY_ROWS]
    col = Pin(KEY_COLS[3], Pin.IN, Pin.PULL_UP)
    rows[2].value(0)  # MENU: third row, fourth column (hw/drivers/keypad.py LAYOUT)
    held = not col.value()
    rows[2].value(1)
    return held


def repl_root_device(rp2, rom=None):
    """The block device of the REPL's "/": in the A/B build (the ROM binding there) the data
    region's first 256 KB (rp2350_update.ROOT_FS), else the storage's first 256 KB."""
    if rom is None:
        rom = rp2350_update.device()
    if rom is not None:
        return rp2350_update.region(rp2, rom, rp2350_update.ROOT_FS)
    return rp2.Flash(start=0, len=ROOT_FS_BYTES)


def mount_repl_root(bdev):
    """The REPL's "/" littlefs on `bdev`, formatted only when it holds nothing (all erased,
    or a format the power cut short: hw/format_rule.py); None when it holds data littlefs
    cannot mount, which is left as it is (FlashDamaged: never formatted away)."""
    try:
        return getattr(mount_littlefs(bdev, prog_size=FLASH_PAGE), "impl")  # noqa: B009 - the VfsLfs2 itself
    except hal.FlashDamaged:
        return None


def run():
    """Start the firmware on this board (from _boot.py)."""
    from firmware.main import main

    board = Rp2350Board()
    if board.update_slots() is not None and boot(board) is None:
        return  # the ROM reboots into the partition chosen
    main(board)


def boot(board):
    """Stage 1 on `board` (rp2350_update.stage1): the Boot chosen, its state the board's;
    None when the ROM reboots into another partition."""
    booted = rp2350_update.stage1(board.boot_records(), board.update_slots(), board.rom)
    if booted is not None:
        board.boot_state = booted.state
    return booted
