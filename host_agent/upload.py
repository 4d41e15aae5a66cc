"""A fund's return file handed over as bytes (the web page's upload) rather than as a path:
written to a private temporary folder and imported by host_agent/acks.py, all or nothing.

Until the returns of the funds (issue 12 item 4: host_agent/returns.py, whose apply() takes
the file's bytes) are on this branch, the acknowledgements of tla-ack/1 are what a page can
import; then the web page calls returns.apply() and this module goes.
"""

import tempfile
import time
from pathlib import Path

from host_agent import acks, files


def import_return(store, data: bytes, name: str, now: int | None = None) -> acks.Outcome:
    """Import a fund's return file given as bytes; acks.AckError (nothing changed) if refused."""
    now = int(time.time()) if now is None else now
    with tempfile.TemporaryDirectory(prefix="tla-return-") as tmp:
        path = Path(tmp) / (Path(name).name or "retour.json")
        files.write_private(path, data)
        return acks.apply(store, path, now)
