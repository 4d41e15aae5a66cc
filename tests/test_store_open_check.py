"""SQLite's quick_check at the store's opening (docs/agent.md "The database"): at each
opening (the web app's pages alone open it without, `serve` having checked it at its
start): a file damaged after a good opening is refused at the next one, in the same
process."""

import os

import pytest

from host_agent.store import Store, StoreError
from tests import web_kit as web


def test_a_file_damaged_after_a_good_opening_is_refused_at_the_next(tmp_path):
    db = web.day(tmp_path)
    Store(db).close()  # checked: whole
    Store(db).close()  # checked again: whole
    size = db.stat().st_size
    with open(db, "r+b") as f:  # a page in the middle of the file overwritten
        f.seek(size // 2 // 4096 * 4096)
        f.write(b"\xff" * 4096)
    os.utime(db, ns=(db.stat().st_atime_ns, db.stat().st_mtime_ns + 1))  # a coarse clock
    with pytest.raises(StoreError) as e:
        Store(db).close()
    assert "damaged" in str(e.value) or "cannot use the database" in str(e.value)
