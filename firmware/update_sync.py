"""The terminal's side of UPDATE (docs/protocol.md "Updates"): a query answered with what it
runs and what its spare slot holds, a piece of a signed manifest, or a chunk of the image
(firmware/update_store.py takes them); and the switch, once an update is whole and the
terminal idle. Imported by the first UPDATE message only (docs/board.md "Heap").
"""

from firmware import update_screens, version
from hw.hal import FlashError
from protocol import messages
from protocol import update_messages as um


def taker_of(app):
    """The App's UpdateTaker, made at the first UPDATE."""
    if app.update is None:
        from firmware.update_store import UpdateTaker

        app.update = UpdateTaker(app)
    return app.update


def serve(app, body):
    """The reply (type, body) to an UPDATE request for the App `app`."""
    app.sync.seen()  # a sync is running: no switch until it has been quiet RUNNING_MS
    request = um.read_request(body)
    taker = taker_of(app)
    if request[0] == "q":
        return messages.UPDATE, taker.state()
    if request[0] == "s":
        return messages.UPDATE, taker.piece(request[1], request[2], request[3])
    return messages.UPDATE, taker.chunk(request[1], request[2])


def may_switch(app):
    """True when the new version may take over: no part owns the screen (no visit, no
    menu, no pairing), no sync message for RUNNING_MS and no stream open, the power fine."""
    if app.owner() is not None or app.state != "idle":
        return False
    progress = app.sync.progress()
    if progress is not None and progress[0] == "run":
        return False
    stream = app.sync.stream
    if stream is not None and not stream.done:
        return False
    return app.board.power_ok()


def step(app):
    """App.step's part: switch once the update is ready and the terminal idle."""
    taker = app.update
    if taker is None or not taker.ready or not may_switch(app):
        return False
    try:
        taker.switch()  # the board restarts: nothing after this runs
    except (OSError, FlashError):  # the boot record not written: the old version goes on
        taker.ready = False
        app.notice = update_screens.refused("storage", version.FIRMWARE_VERSION)
    return True
