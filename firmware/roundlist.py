"""The day's round on the terminal (docs/round.md "The round's list"): DOWN on the idle
screen, or "Tournee du jour" on the menu, lists its patients in the round's order, one a
line: a mark (' ' to do, '*' done, '!' its prescription used up, '?' refused when it came:
its NIR's key is wrong, protocol/round.refusal), the name and the acts;
UP/DOWN scroll, OK or ANNUL leave. With a verified CPS and no Vitale card, a cursor '>'
picks a patient (UP/DOWN) and OK starts the visit without the card (docs/round.md).
A part of App, loaded with the first round only.

The entries are read once when it opens, one record at a time; only a short line each
stays in RAM (a round has at most round_store's count of entries).
"""

from firmware import round_store
from firmware.daylist import scroll_key
from hw import hal
from protocol import dates
from protocol import round as rp

ROWS = 2  # entries a screen: the title above, the keys below
TODO, DONE, USED_UP, REFUSED = " ", "*", "!", "?"


def _line(mark, entry):
    codes = " ".join(a[0] for a in entry[4])
    return "%s%-12s %s" % (mark, entry[2][:12], codes)  # cut to the screen's width


class RoundList:
    def __init__(self, storage):
        self.storage = storage
        self.rows = None  # [line] while open
        self.top = 0
        self.day = 0
        self.done = 0
        self.pick = None  # pick(index): OK on a patient starts its visit without the card
        self.cursor = 0  # the patient OK picks, when `pick` is set

    def active(self):
        return self.rows is not None

    def open(self, pick=None):
        """Read the round held (none: the list says so). With `pick` (a verified CPS and
        no Vitale card: firmware/app.py), a cursor starts on the first patient to do and
        OK calls pick(its index): the visit without the card (firmware/visit_nocard.py)."""
        store = round_store.of(self.storage)
        self.top = 0
        self.rows = []
        self.done = 0
        self.pick = pick
        self.cursor = -1
        if store is None or not store.id:
            return
        self.day = store.day
        used = []  # the prescriptions of the visits done today, once a visit
        for index, e in store.entries():
            if index in store.done and e[5] is not None:
                used.append(e[5])
        for index, e in store.entries():
            if index in store.done:
                mark = DONE
                self.done += 1
            elif rp.refusal(e) is not None:
                mark = REFUSED  # no visit may take it (firmware/visit_round._check)
            elif e[5] is not None and e[6] - used.count(e[5]) < 1:
                mark = USED_UP  # R161-44 2°: no session left on the prescription
            else:
                mark = TODO
                if self.cursor < 0:
                    self.cursor = index
            self.rows.append(_line(mark, e))
        self.cursor = max(self.cursor, 0)
        if pick is not None:  # the list to pick from opens on its first patient to do
            self.top = min(self.cursor, max(len(self.rows) - ROWS, 0))

    def step(self, key):
        if self.pick is None or not self.rows or key not in (hal.KEY_UP, hal.KEY_DOWN, hal.KEY_OK):
            return scroll_key(self, key, ROWS)
        if key == hal.KEY_OK:
            self.rows, pick, self.pick = None, self.pick, None
            pick(self.cursor)  # the visit says why not when it cannot serve this one
            return True
        step = 1 if key == hal.KEY_DOWN else -1
        self.cursor = min(max(self.cursor + step, 0), len(self.rows) - 1)
        self.top = min(max(self.top, self.cursor - ROWS + 1), self.cursor)
        return True

    def screen(self):
        rows = self.rows or []
        if not rows:
            return ["Tournee du jour", "Aucune tournee", "(envoyee par le PC)", "OK: retour"]
        title = "Tournee %s %d/%d" % (
            dates.french(dates.ymd_tuple(self.day))[:5],
            self.done,
            len(rows),
        )
        lines = [title[:20]]
        shown = rows[self.top : self.top + ROWS]
        for i, row in enumerate(shown):
            if self.pick is not None:
                row = (">" if self.top + i == self.cursor else " ") + row
            more = i == len(shown) - 1 and self.top + ROWS < len(rows)
            lines.append(("%-19s" % row[:19]) + "v" if more else row[:20].rstrip())
        while len(lines) < 1 + ROWS:
            lines.append("")
        return lines + ["OK:retour *:faite" if self.pick is None else "OK:sans carte *faite"]
