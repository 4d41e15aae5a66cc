"""The terminal's side of ROUND (docs/round.md): a query answered with the round held and
its visits done (the PC counts the sessions back), or a chunk of the next round, checked
as hostile input and stored (firmware/round_store.py). Imported by the first ROUND only.
"""

from firmware import round_store
from firmware.journal_format import SHEET_ROOM
from protocol import messages
from protocol import round as rp
from protocol.security_errors import SecurityError


def serve(app, body):
    """The reply (type, body) to a ROUND request for the App `app`."""
    storage = app.storage
    journal = storage.journal
    if storage.fs is None or journal is None or storage.salvage:
        raise rp.RoundRefused("this terminal cannot store a round (no flash, or read-only)")
    store = round_store.of(storage)
    if store is None:
        raise rp.RoundRefused("this terminal cannot store a round (no flash)")
    try:
        chunk = rp.RoundChunk(body)
    except SecurityError:
        store.abort()  # the round being received is dropped whole; the one held stays
        raise
    if chunk.query:
        done = sorted(store.done.items())
        return messages.ROUND, rp.reply(store.id, 0, store.day, done)
    visit = app.visit
    if visit is not None and visit.round_in_use():
        # The visit's sheet comes from an entry of the round held, which it marks taken
        # and done by its index: replaced now, the mark would name another patient's entry.
        store.abort()
        raise rp.RoundRefused(
            "a visit of the round is going on: previous round kept, send it after the visit"
        )
    before = store.id
    answer = store.receive(
        chunk,
        app.board.serial_number,
        journal.free_bytes,
        journal.reserve_bytes + SHEET_ROOM,  # what can_accept_sheet() keeps free
    )
    if store.id != before or (chunk.end and not store.id):
        app.board.emit("EVENT", {"round": store.id, "entries": store.count})
    return messages.ROUND, answer
