"""Power cuts replayed in one process (both interpreters): the flash writes an action
makes, recorded on a copy of the flash, then replayed on fresh copies up to each cut, the
write at the cut torn (NOR rules: a program clears bits, an erase sets them). A cut raised
inside littlefs-python's callbacks is no clean power loss (it may abort the process), which
is why emulator/powercut.py forks; this is the same cut without a process."""

from _sync_agent import FlashBoard, boot

from hw.flash import NorFlash, RamStore

BLOCK = 4096


def copy_store(store):
    copy = RamStore(len(store.buf))
    copy.buf[:] = store.buf
    return copy


def writes_of(store, blocks, action):
    """The writes (op, block, offset, data) `action(app)` makes on a terminal booted on a
    copy of `store` (the boot's own writes are not counted)."""
    board = FlashBoard(store=copy_store(store), blocks=blocks)
    app = boot(board)
    writes = []
    board.flash.on_write = lambda op, b, at, data: writes.append((op, b, at, bytes(data)))
    action(app)
    return writes


def replay(store, blocks, writes, landed, tear):
    """`store` after writes[:landed] and the first `tear` bytes of the next."""
    flash = NorFlash(store, block_count=blocks, reserved=1)
    for op, block, at, data in writes[:landed]:
        if op == "erase":
            flash.erase(block)
        else:
            flash.writeblocks(block, data, at)
    if landed < len(writes) and tear:
        op, block, at, data = writes[landed]
        if op == "erase":
            store.buf[block * BLOCK : block * BLOCK + tear] = b"\xff" * tear
        else:
            flash.writeblocks(block, data[:tear], at)


def each_cut(store, blocks, action, tears=(0, 9)):
    """Yield (landed, tear, the app booted after the cut) for every cut of `action`, and
    last the uncut end (landed = every write)."""
    writes = writes_of(store, blocks, action)
    for tear in tears:
        for landed in range(len(writes) + 1):
            cut = copy_store(store)
            replay(cut, blocks, writes, landed, tear)
            yield landed, tear, boot(FlashBoard(store=cut, blocks=blocks))
