"""What the terminal keeps in flash, opened together at boot: the journal of sheets, the
access log and the certificate store on the board's littlefs, and the damage log.

A board without flash (unit tests) gets the in-memory access log and no journal. Problems
found while mounting (damaged files, kept and never deleted) are gathered in `problems`.

Flash damage is loud, never silent (docs/journal.md "Flash damage"): a flash littlefs cannot
mount (or whose journal directory it cannot read) is never formatted unless it holds
nothing (all erased, or a format the power cut short: hw/format_rule.py); the storage opens in
salvage mode (`salvage` True): nothing is written, the journal and certificates are what a
read-only scan of the raw blocks finds (firmware/salvage.py), the terminal refuses visits
and the PC still pulls what survives. Record numbers the damage took, found at boot, go to
the damage log (`damage`), which every STATUS reports.
"""

from firmware.accesslog import MemoryAccessLog
from firmware.accesslog_flash import FlashAccessLog
from firmware.certstore import CertStore
from firmware.damagelog import DamageLog
from firmware.journal import Journal
from hw.hal import FlashDamaged, PowerCut
from protocol.messages import FLASH_DAMAGED, FLASH_OK, FLASH_UNREADABLE


class Storage:
    def __init__(self, board, **journal_options):
        """`journal_options`: Journal's keyword arguments (reserve, batch of order numbers)."""
        self.fs = None
        self.journal = None
        self.certs = None
        self.problems = []
        self.salvage = False
        self.damage = DamageLog(None)
        if board.flash is None:
            self.access_log = MemoryAccessLog()
            return
        try:
            self._open_flash(board, journal_options)
        except PowerCut:  # the power went (simulated flash): there is no boot to finish
            raise
        except Exception as e:  # noqa: BLE001 - MemoryError or worse must not kill every boot
            # Any failure ends in salvage mode (the damaged-flash screen, the PC still
            # pulls what the raw scan finds), never in a firmware that dies at each boot.
            self._open_salvage(board, e)

    def _open_flash(self, board, journal_options):
        try:
            self.fs = board.filesystem()
            self.journal = Journal(self.fs, settle=False, **journal_options)
        except (FlashDamaged, OSError) as e:
            self._open_salvage(board, e)
            return
        self.damage = DamageLog(self.fs)
        if getattr(self.fs, "format_resumed", False):  # nothing was lost, yet said
            self.problems.append("memoire initialisee (formatage interrompu repris)")
        scan = None
        if self.journal.numbers_unsure:  # the marks are lost: the raw blocks bound them
            from firmware.salvage import RawScan

            scan = RawScan(board.flash)
            self.journal.bound_by_raw(scan)
        if self.journal.damaged:
            # Sheets lost from their segment may still lie in the raw blocks (a directory
            # fallen back on an older copy, a file whose block chain broke): recover them.
            from firmware.salvage import RawScan

            scan = scan or RawScan(board.flash)
            self.journal.recover(scan, self.damage.answered())
            self.journal.on_recovered = self.damage.note_answered
        self.journal.settle()  # writes begin only now
        self.access_log = self._open(FlashAccessLog, MemoryAccessLog)
        self.certs = self._open(CertStore, None)
        self.damage.note(self.journal.damaged)
        for part in (self.journal, self.access_log, self.certs, self.damage):
            if part is not None:
                self.problems.extend(getattr(part, "problems", ()))
        # The access log's chain head goes into the journal too, so that cutting entries off
        # the end of the log is detected (docs/journal.md).
        head_anchor = getattr(self.access_log, "head_anchor", None)
        seq, digest = head_anchor() if head_anchor is not None else (0, b"")
        if seq:
            try:
                self.journal.anchor_access_log(seq, digest)  # no-op unless newer
            except OSError as e:  # littlefs refuses to write: its metadata is damaged
                self.journal.refuse_writes("ancre non ecrite (%s)" % e)

    def _open(self, cls, fallback):
        try:
            return cls(self.fs)
        except OSError as e:  # its directory is damaged: loud, and the terminal goes on
            self.problems.append("%s illisible (%s)" % (cls.__name__, e))
            return fallback() if fallback is not None else None

    def _open_salvage(self, board, error):
        from firmware.salvage import RawScan, SalvagedCerts, SalvagedJournal

        self.fs = None
        self.salvage = True
        self.journal = None
        self.certs = None
        self.damage = DamageLog(None)
        self.access_log = MemoryAccessLog()
        self.problems.append("memoire endommagee (%s): lecture seule" % type(error).__name__)
        try:
            scan = RawScan(board.flash)
            self.journal = SalvagedJournal(scan)
            self.certs = SalvagedCerts(scan)
            self.damage.note(self.journal.damaged)
            self.problems.extend(self.journal.problems)
        except Exception as e:  # noqa: BLE001 - the scan failing too: the screen still says it
            self.problems.append("lecture brute impossible (%s)" % type(e).__name__)

    @property
    def flash_state(self) -> int:
        """FLASH_OK, FLASH_DAMAGED (records lost, named by the damage log) or
        FLASH_UNREADABLE (salvage mode)."""
        if self.salvage:
            return FLASH_UNREADABLE
        corrupt = self.journal is not None and self.journal.corrupt_fs
        return FLASH_DAMAGED if self.damage.runs() or corrupt else FLASH_OK

    def damaged_runs(self):
        return self.damage.runs()
