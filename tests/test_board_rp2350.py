"""The board file itself (hw/boards/rp2350.py) imported and run on the PC, over simulated
`machine` and `rp2` (tests/simhw: MicroPython's own rp2.asm_pio, and state machines that run
the PIO programs on rp2040-pio-emulator): a card powered, negotiated and read through the
PIO card line over T=1 and T=0, with a parity error each way; the display's nibble writes
seen as a 4 x 20 screen; the keypad's debouncing; the battery guard refusing flash writes
and opening the power latch on an empty cell; the RTC round-tripping dates and refusing a
time it lost."""

import pytest
from simhw import devices, rp2sim
from simhw import machine as simmachine
from simhw.rom import Port, Time

from emulator.contacts.card import ContactCard
from hw import hal
from hw.boards import rp2350
from hw.drivers import battery as bat
from hw.drivers.ds3231 import ClockLost

rp2 = rp2sim.make()
pytestmark = pytest.mark.skipif(
    rp2 is None, reason="no MicroPython source for rp2.py (../shared/micropython, TLA_SHARED)"
)
PINS = rp2350.SLOTS


class EchoCard:
    def power_up(self):
        pass

    def execute(self, apdu):
        if apdu[1] == 0xB0:
            return bytes(range(apdu[4] or 16)) + b"\x90\x00"
        return b"\x90\x00"


def _mv_to_raw(mv):
    return mv * 65535 // (3 * 3300)


@pytest.fixture
def world():
    sim = simmachine.SimBoard()
    lcd, rtc = devices.LcdBackpack(), devices.Ds3231()
    sim.i2c = {0x27: lcd, 0x68: rtc}
    sim.adc[rp2350.PIN_VSYS_ADC] = _mv_to_raw(3900)
    wires = {}
    for name, p in PINS.items():
        wire = rp2sim.Wire()
        wires[name] = wire
        rp2sim.StateMachine.wires[p["io"]] = wire
        sim.inputs[p["off"]] = lambda w=wire: 1 if w.card is not None else 0
        sim.on_output[p["cmdvcc"]] = lambda v, w=wire: w.power(not v)
        sim.on_output[p["rst"]] = wire.reset
    keys = set()  # (row, col) held down

    def column(j):
        def read():
            for i, r in enumerate(rp2350.KEY_ROWS):
                if (i, j) in keys and sim.outputs.get(r, 1) == 0:
                    return 0
            return 1

        return read

    for j, c in enumerate(rp2350.KEY_COLS):
        sim.inputs[c] = column(j)
    sim.time = Time()
    board = rp2350.Rp2350Board(simmachine.make(sim), rp2, Port(), sim.time.fns())
    return board, sim, lcd, rtc, wires, keys


def test_a_card_read_through_the_pio_line_over_t1_and_t0(world):
    board, sim, lcd, rtc, wires, keys = world
    for name, protocols in (("vitale", (1,)), ("cps", (0,))):
        slot, wire = board.slots[name], wires[name]
        assert not slot.present()
        wire.card = ContactCard(EchoCard(), protocols)
        assert slot.present()
        atr = slot.power_on()
        assert atr == wire.card.atr and slot.transport.protocol == protocols[0]
        assert sim.pwm[PINS[name]["clk"]].duty_u16() == 32768  # CLK running at 4 MHz
        assert sim.pwm[PINS[name]["clk"]].freq() == 4000000
        # After PPS the PIO runs 8 cycles an ETU of Fi 512 / Di 16 at 4 MHz: 1 MHz.
        assert slot.line.rx.freq == 1000000 and slot.line.tx.freq == 1000000
        assert slot.transmit(bytes.fromhex("00b0000008")) == bytes(range(8)) + b"\x90\x00"
        # A parity error on a character the card sends, and one on a character it gets.
        wire.garble = {wire.sent + 2}
        wire.reject = {wire.got + 1}
        assert slot.transmit(bytes.fromhex("00b0000004")) == bytes(range(4)) + b"\x90\x00"
        slot.power_off()
        assert not wire.powered and sim.outputs[PINS[name]["rst"]] == 0
    # Under T=0 the card's bad character earned the reader's error signal and came again;
    # under T=1 the block was asked again (no error signal on the line).
    assert wires["cps"].error_signals == 1 and wires["vitale"].error_signals == 0


def test_a_card_pulled_from_the_slot(world):
    board, sim, lcd, rtc, wires, keys = world
    slot, wire = board.slots["vitale"], wires["vitale"]
    wire.card = ContactCard(EchoCard(), (1,))
    slot.power_on()
    wire.card = None
    with pytest.raises(hal.CardRemoved):
        slot.transmit(bytes.fromhex("00b0000008"))
    with pytest.raises(hal.CardAbsent):
        slot.power_on()


def test_the_display_shows_what_the_nibbles_wrote(world):
    board, sim, lcd, rtc, wires, keys = world
    board.display.show(["Inserer carte CPS", "", "Carte Vitale: ok", "OK: continuer"])
    assert lcd.screen() == [
        "Inserer carte CPS   ",
        " " * 20,
        "Carte Vitale: ok    ",
        "OK: continuer       ",
    ]
    writes = sim.i2c_writes
    board.display.show(["Inserer carte CPS", "Code PIN: ****", "Carte Vitale: ok", "OK: continuer"])
    assert lcd.screen()[1] == "Code PIN: ****      "
    assert sim.i2c_writes - writes == 4 * (1 + 20)  # only the row that changed, 4 writes a byte
    board.display.show(["un texte bien trop long pour la ligne", "\xe9t\xe9"])
    assert lcd.screen()[0] == "un texte bien trop l" and lcd.screen()[1].startswith("?t?")


def test_the_keypad_debounces(world):
    board, sim, lcd, rtc, wires, keys = world
    kp = board.keypad
    assert [kp.get_key() for _ in range(5)] == [None] * 5
    keys.add((3, 3))  # OK
    got = [kp.get_key() for _ in range(6)]
    assert got == [None, None, "OK", None, None, None]  # 3 stable scans, then once only
    keys.clear()
    # Bounce: pressed and released on alternate scans never makes a key.
    bounce = []
    for n in range(8):
        (keys.add if n % 2 == 0 else keys.discard)((0, 1))
        bounce.append(kp.get_key())
    assert bounce == [None] * 8
    keys.clear()
    for _ in range(3):
        kp.get_key()
    keys.update({(0, 0), (1, 1)})  # two keys at once: none
    assert [kp.get_key() for _ in range(4)] == [None] * 4
    keys.clear()
    for _ in range(3):
        kp.get_key()
    keys.add((2, 3))
    assert [kp.get_key() for _ in range(3)][-1] == hal.KEY_MENU


def test_the_battery_guard_refuses_flash_writes(world):
    board, sim, lcd, rtc, wires, keys = world
    fs = board.filesystem()
    with fs.open("day.bin", "wb") as f:
        f.write(b"sheet" * 100)
    assert board.power_ok()
    sim.adc[rp2350.PIN_VSYS_ADC] = _mv_to_raw(bat.WRITE_MIN_MV - 20)
    assert not board.power_ok()
    assert bat.WRITE_MIN_MV - 40 <= board.battery.millivolts() < bat.WRITE_MIN_MV
    with pytest.raises(bat.LowBattery):
        board.flash.writeblocks(3, bytes(256))
    with pytest.raises(bat.LowBattery):
        board.flash.ioctl(hal.IOCTL_BLOCK_ERASE, 3)
    buf = bytearray(256)
    board.flash.readblocks(0, buf)  # reading still works
    sim.adc[rp2350.PIN_VSYS_ADC] = _mv_to_raw(3700)
    with fs.open("day.bin", "rb") as f:
        assert f.read() == b"sheet" * 100


class PowerGone(Exception):
    """The cell cut from VSYS: nothing of the board runs after it."""


def _readings(board, sim, n):
    """n battery readings: idle() every second, a reading every BATTERY_CHECK_MS."""
    for _ in range(n * rp2350.BATTERY_CHECK_MS // 1000):
        sim.time.us += 1000000
        board.idle()


def test_an_empty_cell_opens_the_power_latch(world):
    """Below EMPTY_MV for three readings in a row (10 s apart) the board deactivates the
    cards, says so on the screen and drives PWR_HOLD low; one reading back above resets
    the count, so a dip under a card's load does not switch the terminal off."""
    board, sim, lcd, rtc, wires, keys = world
    hold = rp2350.PIN_POWER_HOLD
    assert sim.outputs[hold] == 1  # held from the start: the ON button may be released

    def latch(value):
        if not value:
            raise PowerGone

    sim.on_output[hold] = latch
    wires["cps"].card = ContactCard(EchoCard(), (0,))
    board.slots["cps"].power_on()
    low, ok = _mv_to_raw(bat.EMPTY_MV - 30), _mv_to_raw(bat.EMPTY_MV + 30)
    sim.adc[rp2350.PIN_VSYS_ADC] = low
    _readings(board, sim, 2)
    sim.adc[rp2350.PIN_VSYS_ADC] = ok
    _readings(board, sim, 1)  # back above: the count starts again
    sim.adc[rp2350.PIN_VSYS_ADC] = low
    _readings(board, sim, 2)
    assert sim.outputs[hold] == 1 and wires["cps"].powered
    with pytest.raises(PowerGone):
        _readings(board, sim, 1)  # the third low reading in a row
    assert not wires["cps"].powered  # deactivated before the power went
    assert lcd.screen() == [row.ljust(20) for row in rp2350.EMPTY_SCREEN]


def test_on_usb_the_latch_is_held_again(world):
    """USB feeds VSYS through the Pico's own diode: opening the latch does not stop the
    board, which holds it again and goes on."""
    board, sim, lcd, rtc, wires, keys = world
    levels = []
    sim.on_output[rp2350.PIN_POWER_HOLD] = levels.append
    sim.adc[rp2350.PIN_VSYS_ADC] = _mv_to_raw(bat.EMPTY_MV - 30)
    _readings(board, sim, 3)
    assert levels == [0, 1] and sim.outputs[rp2350.PIN_POWER_HOLD] == 1


def test_the_rtc_round_trips_dates_and_says_when_it_lost_the_time(world):
    board, sim, lcd, rtc, wires, keys = world
    with pytest.raises(ClockLost):
        board.clock.now()  # OSF set at power-up: no made-up date
    for epoch in (1795000000, 1830297599, 1835395200, 4102444800 - 1, 4107542400):
        board.clock.set(epoch)
        assert board.clock.now() == epoch, epoch
    # 2028-02-29 12:00:00 UTC, in the registers as BCD.
    board.clock.set(1835438400)
    assert bytes(rtc.regs[0:7]) == bytes((0x00, 0x00, 0x12, 2, 0x29, 0x02, 0x28))
    with pytest.raises(ValueError):
        board.clock.set(946684800 - 1)  # 1999: outside what the DS3231 keeps


def test_serial_number_from_the_chip_id(world):
    board = world[0]
    assert board.serial_number == "TLA-E6614C311B7A2F35"


def test_the_pairing_key_lives_in_its_own_block_erased_in_place(world):
    """The board reserves a raw key block outside littlefs (firmware/keyblock.py): the
    pairing store keeps its key there, and unpairing leaves no byte of it in the flash."""
    from firmware.pairing_store import PairingStore, key_block_of
    from protocol.pairing import Pairing

    board, sim, lcd, rtc, wires, keys = world
    block = key_block_of(board.flash)
    assert block is not None and board.flash.reserved == 1
    store = PairingStore(block)
    key = bytes(range(100, 132))
    store.save(Pairing(bytes(8), key, "PC-CABINET"))
    assert store.load().key == key
    raw = board.flash.keys.store.getvalue()
    assert key in raw  # the search below can find it
    fs = board.filesystem()  # littlefs on the journal partition never sees the key block
    with fs.open("day.bin", "wb") as f:
        f.write(b"sheet" * 100)
    assert key not in board.flash.flash.store.getvalue()
    sim.adc[rp2350.PIN_VSYS_ADC] = _mv_to_raw(bat.WRITE_MIN_MV - 20)
    with pytest.raises(bat.LowBattery):  # no key write starts on a low battery either
        store.erase()
    sim.adc[rp2350.PIN_VSYS_ADC] = _mv_to_raw(3900)
    store.erase()
    assert store.load() is None
    assert board.flash.keys.store.getvalue() == b"\xff" * rp2350.KEY_BLOCK_BYTES


def test_without_the_rom_binding_it_takes_no_update_and_with_it_its_slots_are_a_and_b(world):
    board = world[0]
    assert board.rom is None and board.update_slots() is None  # MicroPython 1.29: no binding
    from simhw.rom import Chip, Rebooted, SimRom
    from simhw.rom import board as ab_board_of

    from hw.boards import rp2350_update as ab

    chip = Chip()
    rom = SimRom(chip)
    ab_board = ab_board_of(chip, rom, rp2)
    slots = ab_board.update_slots()
    assert [s.capacity for s in slots] == [ab.PARTITION_BYTES] * 2
    slots[0].write(0, b"B" * 256)
    assert chip.read(ab.PARTITION_B, 256) == b"B" * 256
    assert ab_board.boot_records().read()["active"] == -1
    assert ab_board.keep_trial() == "" and rom.buys == 0  # a normal boot: A, bought already
    with pytest.raises(Rebooted):
        ab_board.restart()
    assert rom.reboots == [(ab.REBOOT2_FLAG_NO_RETURN_ON_SUCCESS, 0)]


def _ab_board(rom_setup=None):
    """A board of the A/B build over a simulated chip and ROM: (board, chip, rom)."""
    from simhw.rom import Chip, SimRom, board

    chip = Chip()
    rom = SimRom(chip)
    if rom_setup:
        rom_setup(rom)
    return board(chip, rom, rp2sim.make()), chip, rom


def test_booted_from_b_the_data_region_and_partition_a_are_read_untranslated(world):
    """The ROM maps only the booted partition at XIP_BASE, where rp2.Flash reads: the
    journal, the key block, the records and the other partition come through the ROM
    binding's untranslated read, never rp2.Flash's (a bus fault on the device)."""
    from simhw.rom import BusFault, Rp2

    from hw.boards import rp2350_update as ab

    def boot_b(r):
        r.chip.nor.writeblocks(ab.PARTITION_B // ab.BLOCK, b"IMAGE_DEF" * 16, 0)  # an image
        r.flash_update_boot(ab.PARTITION_B)

    board, chip, rom = _ab_board(boot_b)
    assert rom.partition == 1
    with pytest.raises(BusFault):  # what rp2.Flash's own read of the data region does
        Rp2(chip).Flash(start=ab.JOURNAL[0] - ab.STORAGE_BASE, len=ab.BLOCK).readblocks(
            0, bytearray(16)
        )
    fs = board.filesystem()  # littlefs formats, then mounts: it read back what it wrote
    with fs.open("/probe", "wb") as f:
        f.write(b"kept")
    with fs.open("/probe", "rb") as f:
        assert f.read() == b"kept"
    slots = board.update_slots()
    assert bytes(slots[0].read(0, 9)) == b"IMAGE_DEF"  # slot 0, partition B: what runs
    slots[1].write(0, b"A" * 256)  # slot 1, partition A
    assert chip.read(ab.PARTITION_A, 256) == b"A" * 256
    assert bytes(slots[1].read(0, 256)) == b"A" * 256


def test_a_flash_without_the_partition_table_keeps_its_journal_and_takes_no_update(world):
    """The A/B image loaded onto a flash never given the table runs from offset 0, where
    partition A would be: no slot is offered (an update there could overwrite what runs),
    the journal and "/" stay in the data region."""
    from hw.boards import rp2350_update as ab

    board, chip, rom = _ab_board(lambda r: r.without_partition_table())
    assert board.rom is rom and board.update_slots() is None
    root = rp2350.repl_root_device(rp2, rom)
    assert root.first == ab.ROOT_FS[0] and root.count * ab.BLOCK == ab.ROOT_FS[1]
    fs = board.filesystem()  # kept while a file of it is open (littlefs-python)
    with fs.open("/probe", "wb") as f:
        f.write(b"kept")
    assert chip.read(ab.PARTITION_A, 16) == b"\xff" * 16  # nothing written where A would be
