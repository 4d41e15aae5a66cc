"""The day's sheets and their total, on request (OK on the idle screen, or the menu): how
many sheets this terminal completed today, the total fees, and one line per sheet (order
number, acts, fees), UP/DOWN to scroll, OK or ANNUL to leave. A part of App.

Read from the journal when opened, one sheet at a time; only a small tuple per sheet stays.
"""

from hw import hal
from protocol import bundle, dates
from protocol import sheet as sheet_codec
from protocol.sheet_validation import euros


def _amount(cents):
    return "%d,%02d" % divmod(cents, 100)


def scroll_key(part, key, shown):
    """A key on a list of `part.rows` showing `shown` rows from `part.top`: UP/DOWN scroll,
    OK, ANNUL, BACK or MENU close it (rows None). True when the key was the list's."""
    if key is None or part.rows is None:
        return False
    if key == hal.KEY_DOWN and part.top + shown < len(part.rows):
        part.top += 1
    elif key == hal.KEY_UP and part.top > 0:
        part.top -= 1
    elif key in (hal.KEY_OK, hal.KEY_CANCEL, hal.KEY_BACK, hal.KEY_MENU):
        part.rows = None
    return True


class DayList:
    def __init__(self, board, journal, storage=None):
        """`storage`: where the round is kept, whose names the list shows (none: the acts)."""
        self.board = board
        self.journal = journal
        self.storage = storage
        self.rows = None  # [(order number, acts, fees)] while open
        self.top = 0
        self.day = 0

    def active(self):
        return self.rows is not None

    def open(self):
        # The care date as firmware/reading.today gives it, not imported from there: App
        # imports this module first, and reading's card modules a level deeper took the
        # imports past the device's C stack (tests/test_firmware_image.py).
        self.day = dates.today_ymd(self.board.clock.now())
        self.top = 0
        self.rows = []
        j = self.journal
        if j is None:
            return
        first = None
        for r in j.headers(None):
            if r.completion_date == self.day:
                first = r.rec_no
                break
        if first is None:
            return
        names = self._round_names()
        for r in j.records_after(first - 1, 0, 0, None):
            if r.completion_date == self.day:
                s = sheet_codec.decode(bundle.decode(r.payload).sheet)
                who = s.beneficiary
                ben = None if who is None else [who.birth, who.birth_rank]
                name = names.get((s.insured, str(ben)))
                shown = name or ",".join([a.code for a in s.acts])
                self.rows.append((r.order_no, shown, s.fees))

    def _round_names(self):
        """{(NIR, beneficiary): name} of the round held (the sheet has the NIR, never the
        name: a round patient's sheet is shown by name, another by its acts)."""
        names = {}
        fs = self.storage.fs if self.storage is not None else None
        if fs is None or not fs.exists("round/day"):
            return names
        from firmware import round_store

        store = round_store.of(self.storage)
        for _, e in store.entries() if store is not None else ():
            names[(e[0], str(e[1]))] = e[2]
        return names

    def step(self, key):
        return scroll_key(self, key, 2)

    def screen(self):
        rows = self.rows or []
        total = 0
        for row in rows:
            total += row[2]
        lines = [
            "Jour %s: %d FSE" % (dates.french(dates.ymd_tuple(self.day))[:5], len(rows)),
            "Total %14s" % euros(total),
        ]
        shown = rows[self.top : self.top + 2]
        for i, (order, acts, fees) in enumerate(shown):
            amount = _amount(fees)
            room = 18 - len(amount)  # 19 columns, the 20th for the 'v'
            left = ("%d %s" % (order, acts))[:room]
            line = left + " " * (room - len(left) + 1) + amount
            more = i == len(shown) - 1 and self.top + 2 < len(rows)
            lines.append(line + ("v" if more else ""))
        if not rows:
            lines.append("Aucune feuille")
        while len(lines) < 4:
            lines.append("OK: retour" if len(lines) == 3 else "")
        return lines
