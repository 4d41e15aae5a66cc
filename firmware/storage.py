"""What the terminal keeps in flash, opened together at boot: the journal of sheets, the
access log and the certificate store on the board's littlefs.

A board without flash (unit tests) gets the in-memory access log and no journal. Problems
found while mounting (damaged files, kept and never deleted) are gathered in `problems`.
"""

from firmware.accesslog import MemoryAccessLog
from firmware.accesslog_flash import FlashAccessLog
from firmware.certstore import CertStore
from firmware.journal import Journal


class Storage:
    def __init__(self, board, **journal_options):
        """`journal_options`: Journal's keyword arguments (reserve, batch of order numbers)."""
        self.fs = None
        self.journal = None
        self.certs = None
        self.problems = []
        if board.flash is None:
            self.access_log = MemoryAccessLog()
            return
        self.fs = board.filesystem()
        self.journal = Journal(self.fs, **journal_options)
        self.access_log = FlashAccessLog(self.fs)
        self.certs = CertStore(self.fs)
        for part in (self.journal, self.access_log, self.certs):
            self.problems.extend(part.problems)
        # The access log's chain head goes into the journal too, so that cutting entries off
        # the end of the log is detected (docs/journal.md).
        seq, digest = self.access_log.head_anchor()
        if seq:
            self.journal.anchor_access_log(seq, digest)  # no-op unless newer
