"""T=1, the block protocol (ISO/IEC 7816-3:2006, clause 11), reader side.

A block is NAD PCB LEN INF EDC (LRC here: XOR of the other bytes; a card asking for CRC in
TC3 is refused by the slot). PCB: I-block 0 N(S) M ...; R-block 1 0 0 N(R) error; S-block
1 1 response type (RESYNCH 0, IFS 1, ABORT 2, WTX 3). Chaining both ways (M bit), WTX
(BWT times the card's multiplier for one wait), IFSC changes asked by the card, and error
recovery (11.6.3): an invalid block is answered by an R-block, up to MAX_RETRIES times, then
S(RESYNCH) up to MAX_RESYNCHS times, after which the card counts as broken.
"""

from hw.iso7816 import line as L
from hw.iso7816.errors import Fault, Garbled, Gone, Mute

S_RESYNCH, S_IFS, S_ABORT, S_WTX = 0, 1, 2, 3
S_RESPONSE = 0x20
MAX_RETRIES = 3  # R-blocks (or retransmissions) in a row before a resynchronisation
MAX_RESYNCHS = 3
MAX_WTX_TOTAL = 255  # sum of the WTX multipliers granted to one command
IFSD = 254  # the reader's receive buffer (what S(IFS request) announces)


def lrc(data) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def block(nad, pcb, inf=b"") -> bytes:
    head = bytes((nad, pcb, len(inf))) + bytes(inf)
    return head + bytes((lrc(head),))


class _Resynch(Exception):
    pass


class T1:
    """T=1 over `line`; `timing` gives CWT and BWT, `ifsc` the card's initial IFSC."""

    protocol = 1

    def __init__(self, line, timing, ifsc):
        self.line = line
        self.cwt = timing.cwt_etu
        self.bwt = timing.bwt_etu
        self.ifsc0 = ifsc
        self.ifsc = ifsc
        self.ns = 0  # N(S) of our next I-block
        self.nr = 0  # N(S) we expect in the card's next I-block

    # ------------------------------------------------------------ blocks on the line

    def _send(self, data):
        for b in data:
            self.line.send(b)  # no character repetition under T=1 (11.2)

    def _char(self, wait):
        c = self.line.receive(wait)
        if c == L.NOTHING:
            if not self.line.detect():
                raise Gone()
            raise Fault("timeout", 2)
        return c

    def _receive(self, wtx=1):
        """(pcb, inf) of the next block, or Fault; the first character within BWT (times
        the WTX multiplier), the others within CWT."""
        first = self.line.receive(self.bwt * wtx)
        if first == L.NOTHING:
            if not self.line.detect():
                raise Gone()
            raise Mute()
        raw = bytearray((first & 0xFF,))
        bad = first == L.PARITY
        while len(raw) < 3 or len(raw) < 4 + raw[2]:
            c = self._char(self.cwt)
            bad = bad or c == L.PARITY
            raw.append(c & 0xFF)
            if len(raw) == 3 and raw[2] == 0xFF:
                self.line.flush()
                raise Fault("LEN 255", 2)
        if bad:
            raise Fault("parity", 1)
        if lrc(raw):
            raise Fault("EDC", 1)
        if raw[0] != 0:
            raise Fault("NAD", 2)
        return raw[1], bytes(raw[3:-1])

    # ------------------------------------------------------------ S-block exchanges

    def _s_exchange(self, kind, inf=b""):
        """Send S(kind request) and return the INF of the matching response."""
        for _ in range(MAX_RETRIES + 1):
            self._send(block(0, 0xC0 | kind, inf))
            try:
                pcb, got = self._receive()
            except (Fault, Mute):
                self.line.flush()
                continue
            if pcb == 0xC0 | S_RESPONSE | kind:
                return got
        raise Garbled("no answer to S(%d) request" % kind)

    def negotiate_ifsd(self):
        """Tell the card our IFSD (11.4.2); a card that does not answer keeps 32."""
        got = self._s_exchange(S_IFS, bytes((IFSD,)))
        if got != bytes((IFSD,)):
            raise Garbled("S(IFS response) does not echo IFSD")

    def _resynch(self):
        self._s_exchange(S_RESYNCH)
        self.ns = self.nr = 0
        self.ifsc = self.ifsc0

    # ------------------------------------------------------------ APDUs

    def transmit(self, apdu):
        for _ in range(MAX_RESYNCHS):
            try:
                return self._exchange(bytes(apdu))
            except _Resynch:
                self.line.flush()
                self._resynch()
        raise Garbled("the card lost the T=1 exchange after every resynchronisation")

    def _exchange(self, apdu):
        chunks = [apdu[i : i + self.ifsc] for i in range(0, len(apdu), self.ifsc)] or [b""]
        k = 0
        out = bytearray()
        pending = self._i_block(chunks[0], len(chunks) > 1)  # what goes out next
        again = pending  # what a retransmission request (an R-block) gets
        errors = 0
        wtx = 1
        wtx_total = 0
        while True:
            self._send(pending)
            try:
                pcb, inf = self._receive(wtx)
            except (Fault, Mute) as e:
                # 11.6.3.2 rule 7: an invalid block or a BWT timeout -> R-block.
                errors += 1
                if errors > MAX_RETRIES:
                    raise _Resynch()
                self.line.flush()
                code = e.code if isinstance(e, Fault) else 2
                pending = block(0, 0x80 | (self.nr << 4) | code)
                wtx = 1
                continue
            wtx = 1
            if not pcb & 0x80:  # I-block
                if k < len(chunks) - 1 or (pcb >> 6) & 1 != self.nr or len(inf) > IFSD:
                    errors += 1
                    if errors > MAX_RETRIES:
                        raise _Resynch()
                    pending = block(0, 0x80 | (self.nr << 4) | 2)
                    continue
                if not out:
                    self.ns ^= 1  # the card's first I-block acknowledges ours
                self.nr ^= 1
                out += inf
                errors = 0
                if len(out) > 258:
                    raise Garbled("response longer than a short APDU's")
                if pcb & 0x20:  # more to come: acknowledge, ask for the next
                    pending = again = block(0, 0x80 | (self.nr << 4))
                    continue
                return bytes(out)
            if pcb & 0xC0 == 0x80:  # R-block
                if k < len(chunks) - 1 and (pcb >> 4) & 1 != self.ns and not pcb & 0x0F:
                    self.ns ^= 1  # our chained block acknowledged: the next one
                    k += 1
                    errors = 0
                    pending = again = self._i_block(chunks[k], k < len(chunks) - 1)
                    continue
                errors += 1
                if errors > MAX_RETRIES:
                    raise _Resynch()
                pending = again
                continue
            kind = pcb & 0x1F
            if pcb & S_RESPONSE or kind not in (S_IFS, S_WTX, S_ABORT):
                raise _Resynch()
            if kind == S_ABORT:
                raise Garbled("the card aborted the exchange")
            if len(inf) != 1:
                raise _Resynch()
            pending = block(0, 0xE0 | kind, inf)
            if kind == S_WTX:
                wtx = inf[0] or 1
                wtx_total += wtx
                if wtx_total > MAX_WTX_TOTAL:
                    raise Garbled("the card asks for more time without end")
            else:
                if inf[0] in (0, 0xFF):
                    raise _Resynch()
                self.ifsc = inf[0]

    def _i_block(self, chunk, more):
        return block(0, (self.ns << 6) | (0x20 if more else 0), chunk)
