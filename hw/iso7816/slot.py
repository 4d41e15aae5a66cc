"""ContactSlot: a hw.hal.CardSlot over a CardLine, speaking ISO/IEC 7816-3.

power_on(): activation (6.2: VCC, CLK, RST low for 40 000 clocks then high), the ATR (8),
PPS (9) when the card offers a better rate or T=1 beside T=0, then for T=1 the IFSD
announcement. A wrong TCK or a failed PPS earns one warm reset (6.3.2); after that the slot
keeps the default parameters or gives up with hal.CardIOError. transmit() runs T=0 or T=1.
Every failure is a hal error: the card gone is CardRemoved, a mute or garbled card is
CardIOError, and the card is deactivated (6.4) before the error leaves.
"""

from hw import hal
from hw.iso7816 import atr as atr_mod
from hw.iso7816 import line as L
from hw.iso7816 import pps, timing
from hw.iso7816.errors import Garbled, Gone, Mute
from hw.iso7816.t0 import T0
from hw.iso7816.t1 import T1


class ContactSlot(hal.CardSlot):
    """`line`: the slot's CardLine; `clock_khz`: the CLK the board runs; `max_d`: the highest
    Di the line can keep up with; `prefer_t1`: choose T=1 when the card offers both."""

    def __init__(self, name, line, clock_khz=4000, max_d=16, prefer_t1=True):
        self.name = name
        self.line = line
        self.clock_khz = clock_khz
        self.max_d = max_d
        self.prefer_t1 = prefer_t1
        self.transport = None
        self.atr = None

    def present(self):
        return self.line.detect()

    # ------------------------------------------------------------ activation

    def power_on(self):
        if not self.line.detect():
            raise hal.CardAbsent(self.name)
        self.power_off()
        try:
            return self._activate()
        except Gone:
            self.power_off()
            raise hal.CardRemoved(self.name)
        except (Mute, Garbled, atr_mod.AtrError, pps.PpsError) as e:
            self.power_off()
            raise hal.CardIOError(self.name, _detail(e, "the card does not answer its reset"))

    def _activate(self):
        line = self.line
        line.set_rate(timing.F_DEFAULT, timing.D_DEFAULT, 0)
        line.set_inverse(False)
        line.set_error_signal(False)
        line.reset(False)
        line.power(True)
        line.clock(True)
        card = None
        for attempt in (0, 1):  # cold reset, then one warm reset (6.3)
            line.reset(False)
            line.wait(timing.RST_LOW_CLOCKS // timing.F_DEFAULT + 1)
            line.reset(True)
            try:
                card = atr_mod.Atr(self._read_atr())
            except atr_mod.AtrError:
                if attempt:
                    raise
                continue
            if self._select(card, negotiate=attempt == 0):
                break
        self.atr = card
        return card.raw

    def _read_atr(self):
        first = self.line.receive(timing.ATR_FIRST_ETU)
        if first == atr_mod.TS_INVERSE_AS_DIRECT:
            self.line.set_inverse(True)
            first = atr_mod.TS_INVERSE
        elif first != atr_mod.TS_DIRECT:
            if not self.line.detect():
                raise Gone()
            if first == L.NOTHING:
                raise Mute()
            raise Garbled("TS %02X" % (first & 0xFF))
        raw = bytearray((first,))
        while len(raw) < atr_mod.expected_length(raw):
            if len(raw) >= atr_mod.MAX_LENGTH:
                raise atr_mod.AtrError("ATR too long")
            c = self.line.receive(timing.ATR_CHAR_ETU)
            if c < 0:
                if not self.line.detect():
                    raise Gone()
                if c == L.NOTHING:
                    raise Mute()
                raise atr_mod.AtrError("parity error in the ATR")
            raw.append(c)
        return bytes(raw)

    def _select(self, card, negotiate):
        """Choose the protocol and rate, PPS when needed; False when a warm reset is due."""
        want = 1 if (self.prefer_t1 and 1 in card.protocols) or 0 not in card.protocols else 0
        if want not in (0, 1):
            raise Garbled("the card offers no protocol the reader speaks")
        ta1 = card.ta1 if self._rate_ok(card) else 0x11
        if card.specific is not None:
            # Specific mode (TA2): the card imposes its protocol, and TA1's rate unless b5.
            want = card.specific
            if want not in (0, 1):
                raise Garbled("specific mode T=%d" % want)
            ta1 = 0x11 if card.implicit or not self._rate_ok(card) else card.ta1
            if ta1 != card.ta1 and not card.implicit:
                raise Garbled("the card imposes a rate the reader cannot run")
        elif want != card.first_protocol or ta1 != 0x11:
            if not negotiate:
                want, ta1 = card.first_protocol, 0x11
            else:
                ta1 = self._pps(want, ta1 if ta1 != 0x11 else None)
                if ta1 is None:
                    return False
        if want == 1 and card.crc:
            raise Garbled("the card asks for CRC under T=1")
        f, d = timing.FI[ta1 >> 4], timing.DI[ta1 & 0x0F]
        tim = card.timing(f, d)
        self.line.set_rate(f, d, tim.guard_etu)
        if want == 0:
            self.line.set_error_signal(True)
            self.transport = T0(self.line, tim.wt_etu)
        else:
            self.transport = T1(self.line, tim, card.ifsc)
            try:
                self.transport.negotiate_ifsd()
            except (Garbled, Mute):
                self.line.flush()  # IFSD stays 32 (11.4.2)
        return True

    def _rate_ok(self, card):
        return card.fmax_khz >= self.clock_khz and card.di <= self.max_d

    def _pps(self, protocol, ta1):
        """The TA1 in force after a successful PPS exchange, None when it failed."""
        sent = pps.request(protocol, ta1)
        for b in sent:
            self.line.send(b)
        got = bytearray()
        need = 2
        while len(got) < need:
            c = self.line.receive(timing.PPS_WAIT_ETU)
            if c < 0:
                if not self.line.detect():
                    raise Gone()
                return None  # 9.1: no valid answer, the reader resets the card
            got.append(c)
            if len(got) == 2:
                need = pps.response_length(got)
        try:
            return pps.check_response(sent, got)
        except pps.PpsError:
            return None

    # ------------------------------------------------------------ exchanges

    def transmit(self, apdu):
        if self.transport is None:
            raise hal.CardAbsent(self.name)
        if not self.line.detect():
            self.power_off()
            raise hal.CardRemoved(self.name)
        try:
            return self.transport.transmit(apdu)
        except Gone:
            self.power_off()
            raise hal.CardRemoved(self.name)
        except (Mute, Garbled) as e:
            self.power_off()
            raise hal.CardIOError(self.name, _detail(e, "the card does not answer"))

    def power_off(self):
        """Deactivation (6.4): RST low, CLK stopped, then VCC off."""
        self.transport = None
        self.line.reset(False)
        self.line.clock(False)
        self.line.power(False)


def _detail(e, default):
    text = str(e)
    return text if text else default
