"""The Answer-To-Reset (ISO/IEC 7816-3:2006, clause 8): parsed, checked, and sized while it
arrives, so the reader knows how many characters still to wait for.

TS gives the convention (3B direct, 3F inverse); T0 announces the first interface bytes and
the number K of historical bytes; each TDi announces the next group and a protocol T; TCK
closes the ATR when any protocol other than T=0 is indicated (8.2.5). Anything that does not
fit is an AtrError: the slot turns it into hal.CardIOError.
"""

from hw.iso7816 import timing

TS_DIRECT = 0x3B
TS_INVERSE = 0x3F
TS_INVERSE_AS_DIRECT = 0x03  # 8.1: 3F read in the direct convention
MAX_LENGTH = 33  # 8.2.1: TS and at most 32 characters


class AtrError(Exception):
    """The ATR is malformed, or asks for what no reader may give (RFU values)."""


def _groups(atr):
    """Walk the interface bytes: yields (i, ta, tb, tc, td, end) for each group i >= 1,
    None for absent bytes; `end` is the offset after the group. Stops at a missing byte."""
    pos = 1
    y = atr[1] >> 4 if len(atr) > 1 else 0
    i = 1
    while True:
        vals = []
        for bit in (1, 2, 4, 8):
            if y & bit:
                pos += 1
                vals.append(atr[pos] if pos < len(atr) else -1)
            else:
                vals.append(None)
        yield i, vals[0], vals[1], vals[2], vals[3], pos + 1
        td = vals[3]
        if td is None or td < 0:
            return
        y = td >> 4
        i += 1


def expected_length(atr) -> int:
    """How long the ATR whose first characters are `atr` is, as far as they tell: the exact
    length once every TDi has arrived, otherwise a lower bound that grows with `atr`."""
    if len(atr) < 2:
        return 2
    end = 2
    tck = False
    for _i, _ta, _tb, _tc, td, end in _groups(atr):
        if td is not None and td >= 0 and td & 0x0F:
            tck = True
        if td is not None and td < 0:
            return end  # TDi has not arrived yet: at least up to it
    return end + (atr[1] & 0x0F) + (1 if tck else 0)


class Atr:
    """A checked ATR. Attributes: raw, inverse, fi, di, fmax_khz, n (extra guard time),
    protocols (offered, in ATR order), first_protocol, specific (the protocol of specific
    mode, TA2, or None), can_change, implicit (TA2 b5: F and D are not TA1's), wi, ifsc,
    cwi, bwi, crc (T=1 CRC asked by TC3), historical."""

    def __init__(self, raw):
        raw = bytes(raw)
        if len(raw) < 2 or len(raw) > MAX_LENGTH:
            raise AtrError("ATR of %d bytes" % len(raw))
        if raw[0] not in (TS_DIRECT, TS_INVERSE):
            raise AtrError("TS %02X is neither 3B nor 3F" % raw[0])
        if expected_length(raw) != len(raw):
            raise AtrError("ATR length does not match its interface bytes")
        self.raw = raw
        self.inverse = raw[0] == TS_INVERSE
        self.fi, self.di, self.fmax_khz = timing.F_DEFAULT, timing.D_DEFAULT, 5000
        self.ta1 = 0x11
        self.n = 0
        self.wi = timing.WI_DEFAULT
        self.ifsc, self.crc = timing.IFSC_DEFAULT, False
        self.cwi, self.bwi = timing.CWI_DEFAULT, timing.BWI_DEFAULT
        self.specific = None
        self.can_change = True
        self.implicit = False
        self.protocols = []
        tck = t1_done = False
        t = 0  # protocol announced by the previous TD (T=0 before TD1)
        end = 2
        for group in _groups(raw):
            i, ta, tb, tc, td, end = group  # `end` outlives the loop: historical bytes
            if i == 1:
                if ta is not None:
                    self._rates(ta)
                if tc is not None:
                    self.n = tc
            elif i == 2:
                if ta is not None:
                    # 8.3 and 7.3: TA2 present = specific mode; b8 = unable to change,
                    # b5 = parameters implicit (not TA1's), b4-b1 = the protocol.
                    self.specific = ta & 0x0F
                    self.can_change = not ta & 0x80
                    self.implicit = bool(ta & 0x10)
                if tc is not None and t == 0:
                    if tc == 0:
                        raise AtrError("TC2 = 0 (WI must be 1 to 255)")
                    self.wi = tc
            elif t == 1 and i >= 3 and not t1_done:
                self._t1(ta, tb, tc)
                t1_done = True
            if td is not None:
                t = td & 0x0F
                if t != 0:
                    tck = True
                if t != 15 and t not in self.protocols:
                    self.protocols.append(t)
        if not self.protocols:
            self.protocols = [0]
        self.first_protocol = self.protocols[0]
        k = raw[1] & 0x0F
        self.historical = raw[end : end + k]
        if tck:
            x = 0
            for b in raw[1:]:
                x ^= b
            if x:
                raise AtrError("wrong TCK")

    def _rates(self, ta1):
        fi, di = timing.FI[ta1 >> 4], timing.DI[ta1 & 0x0F]
        if not fi or not di:
            raise AtrError("TA1 %02X holds RFU values" % ta1)
        self.ta1 = ta1
        self.fi, self.di, self.fmax_khz = fi, di, timing.FMAX_KHZ[ta1 >> 4]

    def _t1(self, ta, tb, tc):
        # 11.4: the first TA, TB, TC after a TD announcing T=1 (i >= 3) are T=1's.
        if ta is not None:
            if ta in (0x00, 0xFF):
                raise AtrError("IFSC %d is invalid" % ta)
            self.ifsc = ta
        if tb is not None:
            self.cwi, self.bwi = tb & 0x0F, tb >> 4
            if self.bwi > 9:
                raise AtrError("BWI %d is RFU" % self.bwi)
        if tc is not None:
            self.crc = bool(tc & 1)

    def timing(self, f=None, d=None):
        """The Timing at rate (f, d) (default: the initial F = 372, D = 1)."""
        return timing.Timing(
            f or timing.F_DEFAULT, d or timing.D_DEFAULT, self.n, self.wi, self.cwi, self.bwi
        )
