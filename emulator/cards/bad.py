"""Bad cards for tests and benches: a card of another kind (neither Vitale nor CPS), and a
mute card that gives its ATR and never answers a command."""

from emulator.cards.iso7816 import VirtualCard, build_atr


class UnknownCard(VirtualCard):
    """An ISO card with some other application: every SELECT of tla's AIDs fails (6A82)."""

    kind = "unknown"
    aid = bytes.fromhex("A0000000031010")  # a payment application
    historical = b"OTHER-CARD"

    def __init__(self, t0=False):
        super().__init__(t0=t0)


class MuteCard:
    """Gives an ATR, then never answers (`execute` returns None: no response at all)."""

    kind = "mute"

    def __init__(self, t0=False):
        self.t0 = t0
        self.apdus = 0

    def atr(self):
        return build_atr(b"MUTE", self.t0)

    def power_up(self):
        return self.atr()

    def reset(self):
        return self.power_up()

    def power_down(self):
        pass

    def execute(self, apdu):
        self.apdus += 1
        return None
