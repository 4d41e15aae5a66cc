"""Sheets the practice PC received and quarantined, shown on the terminal until the
professional has seen each one (journal state "rejected", then "dismissed").

A part of App: it opens after a sync that rejected sheets, and from the menu. It shows one
sheet at a time (order number, completion date); OK marks it seen, CANCEL leaves the rest
for later. The reason is on the PC (`tla-agent sheets list --quarantine`).
"""

from firmware.journal import REJECTED, JournalError
from firmware.reading import today
from hw import hal
from hw.drivers.battery import LowBattery
from protocol import dates


class RejectedSheets:
    def __init__(self, board, journal):
        self.board = board
        self.journal = journal
        self.current = None  # the SheetRecord shown (header only)
        self.is_open = False
        self.count = 0
        self.failed = None  # why the last OK could not mark the sheet seen

    def active(self):
        return self.is_open

    def open(self):
        self.is_open = True
        self.failed = None
        self._next()

    def _next(self):
        self.current = None
        self.count = 0
        if self.journal is None:
            return
        for r in self.journal.headers((REJECTED,)):
            if self.current is None:
                self.current = r
            self.count += 1

    def step(self, key):
        if key is None:
            return False
        if self.failed is not None:
            self.failed = None  # any key: back to the sheet, still unmarked
            return True
        if key == hal.KEY_OK and self.current is not None:
            try:
                self.journal.dismiss([self.current.rec_no], today(self.board.clock))
            except hal.PowerCut:
                raise  # the power is gone (emulator, power-cut bench)
            except LowBattery:
                self.failed = "Batterie faible"
                return True
            except (OSError, hal.FlashError, JournalError):
                self.failed = "Memoire en panne"
                return True
            self._next()
            if self.current is None:
                self.is_open = False
        elif key in (hal.KEY_OK, hal.KEY_CANCEL, hal.KEY_BACK):
            self.is_open = False
        return True

    def screen(self):
        if self.failed is not None:
            return [self.failed, "Feuille non marquee", "vue: reessayez", "OK: retour"]
        r = self.current
        if r is None:
            return ["Aucune feuille", "refusee par le PC", "", "OK: retour"]
        d = r.completion_date
        return [
            "%d refusee(s) par PC" % self.count,
            "Feuille no %d" % r.order_no,
            "du " + dates.french(dates.ymd_tuple(d)),
            "OK: vu  ANNUL: apres",
        ]
