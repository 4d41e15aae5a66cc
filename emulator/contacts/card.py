"""ContactCard: an APDU-level card (anything with power_up() and execute(apdu) -> response,
e.g. emulator/cards' Vitale and CPS) behind its contacts: the ATR, the PPS answer, then a
T=0 or T=1 engine (t0_card, t1_card) that turns characters into APDUs and back.

The ATR offers PPS: TA1 = 95 (Fi = 512, Di = 16: 8 times the initial rate at 4 MHz) and the
protocols given (T=0, T=1 or both; with both, T=0 comes first so the reader must negotiate
T=1). `pps`: "accept", "defaults" (answers without PPS1: Fd, Dd), "refuse" (a different
PPS1), "mute" (no answer). `atr` replaces the whole ATR (e.g. a wrong TCK).
"""

from emulator.contacts.t0_card import T0Card
from emulator.contacts.t1_card import T1Card

ATR_GAP = 50  # ETUs between RST and TS (within the 108 allowed)


def build_atr(protocols, ta1=0x95, historical=b"TLA", ifsc=254, bwi=4, cwi=5, inverse=False):
    """An ATR offering `protocols` at TA1, with T=1's IFSC, BWI and CWI when T=1 is offered."""
    groups = [[ta1, None, None]]  # TA1 [TB1 TC1]
    tds = list(protocols)
    if tds == [1]:
        tds = [1, 1]  # T=1's own bytes come in group 3 or later (11.4)
    for _ in tds:
        groups.append([None, None, None])
    if 1 in protocols:
        groups[-1] = [ifsc, (bwi << 4) | cwi, None]  # after the second TD, announcing T=1
    body = bytearray((0x3F if inverse else 0x3B, 0))
    y_pos = 1
    for i, (ta, tb, tc) in enumerate(groups):
        y = 0
        for bit, v in ((1, ta), (2, tb), (4, tc)):
            if v is not None:
                y |= bit
        td = tds[i] if i < len(tds) else None
        if td is not None:
            y |= 8
        body[y_pos] |= y << 4
        for v in (ta, tb, tc):
            if v is not None:
                body.append(v)
        if td is not None:
            body.append(td)
            y_pos = len(body) - 1
    body[1] |= len(historical)
    body += historical
    if protocols != (0,):
        x = 0
        for b in body[1:]:
            x ^= b
        body.append(x)
    return bytes(body)


class ContactCard:
    def __init__(self, app, protocols=(1,), pps="accept", atr=None, inverse=False, **engine):
        self.app = app
        self.protocols = tuple(protocols)
        self.pps = pps
        self.inverse = inverse
        self.atr = atr or build_atr(self.protocols, inverse=inverse)
        self.engine_options = engine  # passed to the T=0 / T=1 engine (faults, WTX...)
        self.rate = (372, 1)
        self.resets = 0
        self.engine = None
        self._pps = None

    def reset(self):
        """RST went high: the ATR, as [gap, byte] pairs."""
        self.resets += 1
        self.app.power_up()
        self.engine = None
        self._pps = bytearray()
        out = [[1, b] for b in self.atr]
        out[0][0] = ATR_GAP
        return out

    def power_down(self):
        self.engine = None
        if hasattr(self.app, "power_down"):
            self.app.power_down()

    def receive(self, byte):
        """One character from the reader; the characters the card sends back."""
        if self.engine is not None:
            return self.engine.receive(byte)
        if self._pps is None:
            return []
        if byte == 0xFF or self._pps:
            self._pps.append(byte)
            if len(self._pps) < 2 or len(self._pps) < 3 + bin(self._pps[1] >> 4).count("1"):
                return []
            return self._pps_answer(bytes(self._pps))
        return self._start(self.protocols[0]).receive(byte)

    def _start(self, protocol):
        engine = T1Card if protocol == 1 else T0Card
        self.engine = engine(self.app, **self.engine_options)
        self._pps = None
        return self.engine

    def _pps_answer(self, req):
        t = req[1] & 0x0F
        if self.pps == "mute" or t not in self.protocols:
            self._pps = None
            return []
        if self.pps == "defaults":
            answer = bytes((0xFF, t))
        elif self.pps == "refuse":
            answer = bytes((0xFF, 0x10 | t, 0x11))
        else:
            answer = req[:-1]
        x = 0
        for b in answer:
            x ^= b
        self._start(t)
        return [[2, b] for b in answer + bytes((x,))]
