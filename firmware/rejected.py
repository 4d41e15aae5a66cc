"""Sheets the practice PC received and quarantined, shown on the terminal until the
professional has seen each one (journal state "rejected", then "dismissed").

A part of App: it opens after a sync that rejected sheets, and from the menu. It shows one
sheet at a time (order number, completion date); OK marks it seen, CANCEL leaves the rest
for later. The reason is on the PC (`tla-agent sheets list --quarantine`).
"""

from firmware.journal import REJECTED
from firmware.reading import today
from hw import hal
from protocol import dates


class RejectedSheets:
    def __init__(self, board, journal):
        self.board = board
        self.journal = journal
        self.current = None  # the SheetRecord shown (header only)
        self.is_open = False
        self.count = 0

    def active(self):
        return self.is_open

    def open(self):
        self.is_open = True
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
        if key == hal.KEY_OK and self.current is not None:
            self.journal.dismiss([self.current.rec_no], today(self.board.clock))
            self._next()
            if self.current is None:
                self.is_open = False
        elif key in (hal.KEY_OK, hal.KEY_CANCEL, hal.KEY_BACK):
            self.is_open = False
        return True

    def screen(self):
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
