"""The terminal's menu, opened with MENU on the idle screen: pair a PC, unpair it, see the
sheets the PC rejected. A part of App (protocol in firmware/app.py); it only dispatches."""

from hw import hal


class Menu:
    def __init__(self, pairing, rejected):
        """`pairing`: the PairingPart; `rejected`: the RejectedSheets part."""
        self.pairing = pairing
        self.rejected = rejected
        self.is_open = False

    def active(self):
        return self.is_open

    def open(self):
        self.is_open = True

    def step(self, key):
        if key is None:
            return False
        if key in (hal.KEY_CANCEL, hal.KEY_MENU, hal.KEY_BACK):
            self.is_open = False
        elif key == "1":
            self.is_open = False
            self.pairing.open()
        elif key == "2":
            self.is_open = False
            self.pairing.ask_unpair()
        elif key == "3":
            self.is_open = False
            self.rejected.open()
        return True

    def screen(self):
        return ["1 Appairer un PC", "2 Desappairer le PC", "3 Feuilles refusees", "ANNUL: retour"]
