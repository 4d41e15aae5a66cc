"""The terminal's menu, opened with MENU on the idle screen, and also on the PIN and 'insert
Vitale' screens (so pairing works with a CPS in): pair a PC, unpair it, the sheets the PC
rejected, the day's sheets, and (a verified CPS, no Vitale card) a sheet without the Vitale
card. A part of App (protocol in firmware/app.py); it only dispatches."""

from firmware import entry, screens
from hw import hal

ITEMS = ("Appairer un PC", "Desappairer PC", "FSE refusees", "FSE du jour")
DEGRADED = "Sans la Vitale"


class Menu:
    def __init__(self, pairing, rejected, day, chosen):
        """`pairing`: the PairingPart; `rejected`: the RejectedSheets part; `day`: the
        DayList part; `chosen(part)`: App gives the part opened the screen, cards in or
        not; the 'sheet without card' item calls `degraded()` when set by open()."""
        self.pairing = pairing
        self.rejected = rejected
        self.day = day
        self.chosen = chosen
        self.entry = None
        self.degraded = None

    def active(self):
        return self.entry is not None

    def open(self, degraded=None):
        self.degraded = degraded
        items = ITEMS + (DEGRADED,) if degraded is not None else ITEMS
        self.entry = entry.Menu("Menu (ANNUL: retour)", items)

    def step(self, key):
        if key is None or self.entry is None:
            return False
        if key in (hal.KEY_MENU, hal.KEY_BACK):
            key = hal.KEY_CANCEL
        got = self.entry.key(key)
        if got == entry.CANCEL or got == entry.OUT:
            self.entry = None
        elif got == entry.DONE:
            i = self.entry.value
            self.entry = None
            if i == 0:
                self.pairing.open()
            elif i == 1:
                self.pairing.ask_unpair()
            elif i == 2:
                self.rejected.open()
                self.chosen(self.rejected)
            elif i == 3:
                self.day.open()
                self.chosen(self.day)
            elif self.degraded is not None:
                self.degraded()
        return True

    def screen(self):
        return screens.menu(self.entry)
