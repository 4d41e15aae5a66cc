"""Every number that must never go back (issue 17 items 1-2), found by an outsider's probe.

A terminal saves 5 sheets (record numbers 1-5, its nurse's order numbers 1-5). Then the
filesystem loses every trace of them that the journal looks at: the root's `marks`, the
journal's `orders` and its segment file (what littlefs shows when the metadata pairs of
the root and of journal/ fall back on older copies; here removed through the filesystem,
which leaves the sheets' data blocks as they were on the raw flash).

The boot used to decide the numbers were sure (`numbers_unsure` needed marks missing AND a
segment, a purge log or journal/orders left), scanned nothing and numbered the next sheet 1
with order number 1, saying nothing. Now a filesystem this boot did not format and that has
no marks (written at every journal's first boot) is a used flash that lost them: the raw
blocks bound the numbers (hw/_compat.py `formatted_now`, firmware/journal_mount.py).
A whole-chip erase is another matter (docs/journal.md, "What is still open").
"""

from emulator.simboard import SimBoard, open_private_image
from firmware.storage import Storage
from tests import lots_kit
from tests import sync_kit as kit


def _lose(image, paths):
    with open_private_image(image) as f:
        storage = Storage(SimBoard(serial_number=kit.SERIAL, flash_store=f))
        kit.add_sheets(storage, 5)
        for path in paths:
            storage.fs.remove(path)


def _numbers_after(image):
    with open_private_image(image) as f:
        storage = Storage(SimBoard(serial_number=kit.SERIAL, flash_store=f))
        rec = storage.journal.next_rec_no
        order = storage.journal.reserve_order(lots_kit.professional("nurse"))
        return rec, order, storage.problems


def test_with_journal_orders_left_the_raw_sheets_are_found_and_numbers_go_on(tmp_path):
    """The neighbour that holds: the same loss, journal/orders left."""
    image = tmp_path / "flash.img"
    _lose(image, ("marks", "journal/00000001"))
    rec, order, problems = _numbers_after(image)
    assert rec == 6 and order == 6
    assert any("recuperees" in p for p in problems)


def test_every_trace_lost_the_raw_sheets_still_keep_the_numbers_from_going_back(tmp_path):
    image = tmp_path / "flash.img"
    _lose(image, ("marks", "journal/orders", "journal/00000001"))
    rec, order, problems = _numbers_after(image)
    assert rec > 5 and order > 5, (rec, order, problems)
