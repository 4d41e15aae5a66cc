"""Flash damage on the terminal, frame by frame (both interpreters): littlefs formats only an
erased flash, an unmountable one opens in read-only salvage mode, and damage found at boot
is kept in the damage log and told in HELLO and STATUS.

What it shows: overwriting the superblock pair (blocks 0-1), or erasing every block after
it (issue 17: formatted on main, numbers back to 1), never formats the flash; the
terminal says "Memoire endommagee", refuses visits, answers HELLO with flash 2, and after
pairing again serves every sheet the raw scan finds, writing nothing; a lost sheet found at
boot is named by number in every STATUS, also after a reboot; the PC's highest record
raises the numbering.
"""

import hashlib

from _kit import Rng, raises
from _sync_agent import Agent, FlashBoard, boot

from firmware.salvage import RawScan
from hw import hal
from hw._compat import mount_littlefs
from hw.flash import NorFlash, RamStore
from protocol import messages
from protocol import sync_messages as sm
from protocol.record_stream import SHEET

PRO = "60001234567"
DAY = 20261118
BLOCK = 4096


def _save(app, n):
    j = app.storage.journal
    app.storage.certs.add(b"\x30\x82cps certificate DER" * 20)
    recs = {}
    for i in range(n):
        order = j.reserve_order(PRO)
        payload = bytes([i + 1]) * 300
        recs[j.append_sheet(payload, order, PRO, DAY, False)] = payload
    return recs


def _scribble(store, block, seed):
    store.buf[block * BLOCK : (block + 1) * BLOCK] = Rng(seed).bytes(BLOCK)


def test_only_an_erased_flash_is_formatted():
    store = RamStore(16 * BLOCK)
    mount_littlefs(NorFlash(store, block_count=16))  # blank: formatted
    store.buf[5 * BLOCK] = 0  # one byte beyond the superblock pair, nothing mounts
    for b in (0, 1):
        _scribble(store, b, b + 1)
    raises(hal.FlashDamaged, mount_littlefs, NorFlash(store, block_count=16))
    assert store.buf[5 * BLOCK] == 0  # left as it was
    half = RamStore(16 * BLOCK)  # random bytes in block 0 alone: not part of any format
    _scribble(half, 0, 3)
    raises(hal.FlashDamaged, mount_littlefs, NorFlash(half, block_count=16))


def test_superblock_pair_overwritten_opens_read_only_and_serves_what_survives():
    app = boot(FlashBoard(seed=1))
    first = Agent(app)
    first.pair()
    saved = _save(app, 10)
    store = app.board.store
    _scribble(store, 0, 7)
    _scribble(store, 1, 8)
    littlefs = memoryview(store.buf)[: app.board.blocks * BLOCK]  # (a key block may follow)
    image = hashlib.sha256(littlefs).digest()  # (a copy of the image would not fit the heap)
    app = boot(app.board.reboot())
    assert app.storage.salvage and not app.storage.journal.can_accept_sheet()
    app.step()
    assert app.board.display.lines[0] == "Memoire endommagee"
    agent = Agent(app, seed=9)
    hello = agent.ask(messages.HELLO, {})[2]
    assert hello["flash"] == messages.FLASH_UNREADABLE
    if app.gate.pairing is None:  # it lived in littlefs' root directory: pair again
        agent.pair()
    else:
        agent.pairing = first.pairing  # kept outside littlefs: the PC's pairing still holds
    assert agent.authenticate() is None
    status = sm.read_status(agent.ask(messages.STATUS, {})[2])
    assert status["flash"] == messages.FLASH_UNREADABLE
    entries, _ = agent.pull()
    sheets = {e[1]: e[2] for e in entries if e[0] == SHEET}
    print("salvaged", len(sheets), "of", len(saved), "lost", status["damaged"])
    for rec_no, payload in saved.items():
        found = sheets.get(rec_no)
        named = any(f <= rec_no < f + c for f, c in status["damaged"])
        assert (found is not None and payload in found) or named, rec_no
    assert hashlib.sha256(littlefs).digest() == image  # salvage writes nothing


def test_a_lost_sheet_is_named_in_every_status_and_after_a_reboot():
    app = boot(FlashBoard(seed=2))
    agent = Agent(app)
    agent.pair()
    _save(app, 6)
    # Sheet 6, the last, damaged in every copy littlefs left on the flash: the marks know
    # it was promised.
    scan = RawScan(app.board.flash)
    store = app.board.store
    for body, (block, at, _, _, _) in scan.bodies(0x53):
        if body[:4] == b"\x00\x00\x00\x06":
            store.buf[block * BLOCK + at + 20] ^= 0x40
    for seed in (3, 4):
        app = boot(app.board.reboot(seed))
        agent = Agent(app, seed=seed)
        agent.pair()
        assert agent.authenticate() is None
        status = sm.read_status(agent.ask(messages.STATUS, sm.status_request(40))[2])
        assert status["flash"] == messages.FLASH_DAMAGED
        assert [6, 1] in status["damaged"], status["damaged"]
    order = app.storage.journal.reserve_order(PRO)
    assert app.storage.journal.append_sheet(b"new", order, PRO, DAY, False) == 41


def test_garbage_in_blocks_0_1_over_an_erased_flash_is_salvaged_not_formatted():
    """Outside review F5 said it; issue 17 found it formatted: bytes in blocks 0-1 that are
    no part of a format, the rest erased, open in salvage mode and are never written."""
    board = FlashBoard(seed=3)
    app = boot(board)
    assert app.storage.problems == []
    buf = board.store.buf
    for b in range(board.blocks):
        buf[b * BLOCK : (b + 1) * BLOCK] = (b"\x5a" if b < 2 else b"\xff") * BLOCK
    app = boot(board.reboot())
    assert app.storage.salvage
    assert buf[: 2 * BLOCK] == b"\x5a" * (2 * BLOCK)
    assert boot(app.board.reboot()).storage.salvage  # and at every boot after


def test_blocks_2_on_erased_keep_the_numbers_and_the_flash_unformatted():
    """Issue 17, 1: blocks 2.. erased under a terminal that saved sheets (the superblock
    pair, the root directory and its `marks` intact). On main the boot formatted over
    blocks 0-1 and the next sheet was record 1, order 1 again. Now: salvage mode, the flash
    untouched, no sheet saved, and the marks' highest numbers still known and told."""
    board = FlashBoard(seed=4)
    app = boot(board)
    agent = Agent(app)
    agent.pair()
    saved = _save(app, 8)
    high = max(saved)
    buf = board.store.buf
    for b in range(2, board.blocks):
        buf[b * BLOCK : (b + 1) * BLOCK] = b"\xff" * BLOCK
    pair_before = hashlib.sha256(memoryview(buf)[: 2 * BLOCK]).digest()
    app = boot(board.reboot())
    s = app.storage
    assert s.salvage and s.flash_state == messages.FLASH_UNREADABLE, s.problems
    assert not s.journal.can_accept_sheet()
    assert s.journal.next_rec_no > high  # the marks in the root directory still count
    assert hashlib.sha256(memoryview(buf)[: 2 * BLOCK]).digest() == pair_before
    assert all(buf[b * BLOCK : (b + 1) * BLOCK] == b"\xff" * BLOCK for b in range(2, board.blocks))
    app.step()
    assert app.board.display.lines[0] == "Memoire endommagee"
