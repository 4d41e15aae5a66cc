"""When littlefs may be formatted (hw/format_rule.py), both interpreters: only over a flash
that holds nothing, never over one holding data littlefs cannot mount.

What it shows (issue 17, 1): a littlefs whose blocks 2.. were erased (the superblock pair
with the root directory and the `marks` still readable) is never formatted (on main it was,
as "a first format the power cut short"); nor is a superblock pair of random bytes, one bit
cleared where a format leaves 0xFF, or one stray byte beyond blocks 0-1; the image is left
byte for byte as it was. A format the power cut short (at every write, with torn writes,
and again cut while it is done again) is formatted, and said.
"""

import hashlib

from _kit import Rng, raises

from hw import hal
from hw._compat import mount_littlefs
from hw.flash import NorFlash, RamStore

BLOCK = 4096
BLOCKS = 16


def _flash(store, **kw):
    return NorFlash(store, block_count=BLOCKS, **kw)


def _used_flash():
    store = RamStore(BLOCKS * BLOCK)
    fs = mount_littlefs(_flash(store))
    with fs.open("marks", "wb") as f:
        f.write(b"M highest numbers")
    fs.mkdir("journal")
    with fs.open("journal/00000001", "wb") as f:
        f.write(b"sheet " * 2000)
    return store


def _digest(store):
    return hashlib.sha256(store.buf).digest()


def _erase(store, blocks):
    for b in blocks:
        store.buf[b * BLOCK : (b + 1) * BLOCK] = b"\xff" * BLOCK


def _refused(store):
    before = _digest(store)
    raises(hal.FlashDamaged, mount_littlefs, _flash(store))
    raises(hal.FlashDamaged, mount_littlefs, _flash(store), False)
    assert _digest(store) == before  # not a byte written


def _formatted():
    store = RamStore(BLOCKS * BLOCK)
    mount_littlefs(_flash(store))
    return store


def test_a_littlefs_whose_blocks_2_on_were_erased_is_never_formatted():
    store = _used_flash()
    _erase(store, range(2, BLOCKS))
    _refused(store)


def test_blocks_0_1_that_are_not_part_of_a_format_are_never_formatted():
    rng = Rng(4)
    store = RamStore(BLOCKS * BLOCK)  # random bytes in blocks 0-1, the rest erased
    store.buf[: 2 * BLOCK] = rng.bytes(2 * BLOCK)
    _refused(store)
    fmt = _formatted()
    for block, at in ((0, 200), (1, 200), (0, BLOCK - 1), (1, 3)):
        store = RamStore(BLOCKS * BLOCK)
        store.buf[: 2 * BLOCK] = fmt.buf[: 2 * BLOCK]
        store.buf[0] = 0  # (so that the superblock does not mount by itself)
        store.buf[BLOCK] = 0
        i = block * BLOCK + at
        if fmt.buf[i] == 0:
            continue
        store.buf[i] = fmt.buf[i] & 0xFE if fmt.buf[i] & 1 else 0  # a bit a format leaves set
        _refused(store)


def test_one_byte_beyond_blocks_0_1_is_never_formatted():
    for block in (2, 7, BLOCKS - 1):
        store = RamStore(BLOCKS * BLOCK)
        store.buf[block * BLOCK + 100] = 0x7F
        _refused(store)


def _boot_writes(store):
    """The flash writes (op, block, offset, data) a boot's mount makes on `store` (on a copy)."""
    copy = RamStore(BLOCKS * BLOCK)
    copy.buf[:] = store.buf
    writes = []
    flash = _flash(copy, on_write=lambda op, b, at, data: writes.append((op, b, at, bytes(data))))
    mount_littlefs(flash)
    return writes


def _cut_format(store, cut, tear):
    """The boot's format with the power cut at its write `cut`, whose first `tear` bytes land
    (NOR: a program clears bits, an erase sets them). Replayed from the writes an uncut boot
    makes: a cut raised inside littlefs-python's callbacks is not a clean power loss."""
    writes = _boot_writes(store)
    flash = _flash(store)
    for op, block, at, data in writes[: cut - 1]:
        if op == "erase":
            flash.erase(block)
        else:
            flash.writeblocks(block, data, at)
    if cut - 1 < len(writes) and tear:
        op, block, at, data = writes[cut - 1]
        if op == "erase":
            store.buf[block * BLOCK : block * BLOCK + tear] = b"\xff" * tear
        else:
            flash.writeblocks(block, data[:tear], at)


def test_a_format_the_power_cut_short_is_formatted_again_at_every_cut():
    told = 0
    for tear in (0, 1, 7, 33, 64):
        for first in range(1, 7):
            for second in range(0, 7):
                store = RamStore(BLOCKS * BLOCK)
                _cut_format(store, first, tear)
                if second:
                    _cut_format(store, second, tear)
                fs = mount_littlefs(_flash(store))
                told += fs.format_resumed
                with fs.open("marks", "wb") as f:
                    f.write(b"after")
                again = mount_littlefs(_flash(store))
                with again.open("marks", "rb") as f:
                    assert f.read() == b"after"
                assert not again.format_resumed
    print("formats resumed and said:", told)
    assert told > 0


def test_a_blank_flash_is_formatted_and_says_nothing():
    store = RamStore(BLOCKS * BLOCK)
    fs = mount_littlefs(_flash(store))
    assert not fs.format_resumed
    store = RamStore(BLOCKS * BLOCK)
    raises(OSError, mount_littlefs, _flash(store), False)
    assert store.buf == b"\xff" * (BLOCKS * BLOCK)


def test_the_rp2350_repl_partition_follows_the_same_rule():
    try:
        from hw.boards.rp2350 import FLASH_PAGE, mount_repl_root
    except ImportError:
        # frozen32 freezes hw/ with the unix board only (hw/boards/unix_frozen/manifest.py):
        # the RP2350 file is tested here under CPython and micropython.
        import sys

        assert sys.implementation.name == "micropython"
        return

    store = RamStore(BLOCKS * BLOCK)
    flash = _flash(store)
    assert mount_repl_root(flash) is not None  # blank: formatted, 256-byte pages
    fs = mount_littlefs(_flash(store), prog_size=FLASH_PAGE)
    fs.mkdir("lib")
    with fs.open("lib/notes.py", "wb") as f:
        f.write(b"# a REPL user's file\n" * 400)
    _erase(store, range(2, BLOCKS))  # (on main: formatted over the user's files)
    before = _digest(store)
    assert mount_repl_root(_flash(store)) is None
    assert _digest(store) == before
