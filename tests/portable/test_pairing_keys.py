"""Key hygiene on the raw flash image (both interpreters): the pairing key lives only in the
reserved key block outside littlefs, survives a reboot there, and after MENU, unpair, OK
its 32 bytes occur nowhere in the image; a torn or damaged key block is reported, never
half-read.

What it shows: littlefs (copy-on-write) never holds the key, so no stale copy can outlive
unpairing; the search finds the key before unpairing (so it can fail) and not after.
"""

from _kit import raises
from _sync_agent import Agent, FlashBoard, boot

from firmware.keyblock import KeyBlock
from firmware.pairing_store import PairingStore
from hw.flash import NorFlash, RamStore
from hw.hal import PowerCut
from protocol import messages


def _count(image, needle, start=0, end=None):
    """Occurrences of `needle` in image[start:end], searched in place (no copy of the
    image: MicroPython's heap has no room for a second one)."""
    end = len(image) if end is None else end
    n, at = 0, image.find(needle, start, end)
    while at >= 0:
        n += 1
        at = image.find(needle, at + 1, end)
    return n


def _unpair(app):
    app.board.keypad.keys.extend(["MENU", "2", "OK"])
    for _ in range(3):
        app.step()
    assert app.board.display.lines[0] == "PC desappaire", app.board.display.lines


def test_after_unpair_the_key_is_nowhere_in_the_raw_image():
    board = FlashBoard(seed=11)
    app = boot(board)
    agent = Agent(app, seed=12)
    agent.pair()
    key = app.gate.pairing.key
    fs_bytes = board.blocks * 4096
    image = board.store.buf  # the raw image, every byte of it
    assert _count(image, key) == 1  # the search works: the key block holds it
    assert _count(image, key, 0, fs_bytes) == 0  # and littlefs never did
    # it survives a reboot, from the key block
    app = boot(board.reboot())
    agent.app = app
    assert agent.authenticate() is None and app.gate.pairing.key == key
    _unpair(app)
    assert _count(image, key) == 0 and _count(image, key[:16]) == 0
    assert _count(image, b"\xff" * 4096, fs_bytes) == 1  # the key block is erased
    assert ("EVENT", {"unpaired": True}) in app.board.events
    mtype, _, body = agent.ask(messages.AUTH, _step1(agent))
    assert mtype == messages.ERROR and body["code"] == messages.E_NOT_PAIRED
    # a second pairing and unpairing: neither key is left
    second = Agent(boot(board.reboot(seed=13)), seed=14)
    second.pair()
    key2 = second.app.gate.pairing.key
    assert _count(image, key2) == 1
    _unpair(second.app)
    assert _count(image, key) == _count(image, key2) == 0
    print("key occurrences after unpair: 0")


def _step1(agent):
    from protocol import auth

    return auth.AgentAuth(agent.pairing, agent.rng.bytes).request()


def test_a_torn_or_damaged_key_block_is_reported_not_half_read():
    flash = NorFlash(RamStore(3 * 4096), block_count=2, reserved=1)
    block = KeyBlock(flash)
    assert block.read() is None
    block.write(b"pairing record")
    assert block.read() == b"pairing record"
    # a power cut in the middle of the next write: erased, then torn
    flash.cut_at = flash.writes + 2
    flash.tear = 9
    raises(PowerCut, block.write, b"another pairing record")
    flash.cut_at = 0
    flash.powered = True
    store = PairingStore(block)
    assert store.load() is None and store.problems  # torn: reported, nothing half-read
    flash.program_reserved(0, 40, b"\x00")  # damage beyond the record is harmless
    flash.erase_reserved(0)
    flash.program_reserved(0, 0, b"TLAK\x01\x00\x03abc\x00\x00\x00\x00")  # bad CRC
    raises(ValueError, block.read)
    raises(ValueError, block.write, bytes(4096))  # does not fit
    print(store.problems[0])
    # littlefs never reaches the reserved block
    raises(Exception, flash.writeblocks, 2, b"x", 0)


def test_a_pairing_file_of_an_older_firmware_is_removed_and_said():
    board = FlashBoard(seed=15)
    app = boot(board)
    with app.storage.fs.open("pairing", "wb") as f:
        f.write(b"an old pairing record with its key in clear")
    app = boot(board.reboot())
    assert not app.storage.fs.exists("pairing") and app.gate.pairing is None
    assert app.pairings.problems == ["ancien appairage efface: appairez de nouveau le terminal"]


def test_an_unpair_erase_cut_short_is_scrubbed_at_the_next_boot():
    """Outside review F2: the erase torn after the 7-byte head left the key behind a blank
    head; the next boot took the block for erased and kept the key in the image."""
    board = FlashBoard(seed=3)
    app = boot(board)
    agent = Agent(app, seed=4)
    agent.pair()
    key = agent.pairing.key
    image = board.store.buf
    assert _count(image, key) == 1
    board.flash.cut_at = board.flash.writes + 1  # the key block's erase...
    board.flash.tear = 7  # ... lands only its first 7 bytes
    board.keypad.keys.extend(["MENU", "2", "OK"])
    raises(PowerCut, lambda: [app.step() for _ in range(3)])
    assert _count(image, key) == 1
    app2 = boot(board.reboot())
    assert app2.gate.pairing is None
    assert app2.pairings.problems[-1] == "bloc de cle endommage: efface"
    assert _count(image, key) == 0
    assert boot(app2.board.reboot()).pairings.problems == []  # erased: nothing more to say
