"""The card side of T=1 (ISO/IEC 7816-3:2006, clause 11) in front of an APDU-level card.

Blocks are gathered character by character; a bad LRC or length earns R(error). I-blocks
are chained both ways (the reader's up to the card's IFSC, the card's up to the IFSD the
reader announced by S(IFS)); an R-block that is not an acknowledgement makes the card send
its last block again; S(RESYNCH) resets the sequence numbers. Options: `wtx_at` (commands
before which the card asks S(WTX request) for `wtx` times BWT, `wtx_repeat` times, and then
answers after `slow` ETUs), `corrupt` (indices of the blocks the card sends whose LRC it damages),
`ifs_request` (the card asks for a new IFSC before its first answer), `ifsc` (the card's
IFSC, as in its ATR), `mute_after`, `gap`.
"""

from hw.iso7816.t1 import block, lrc


class T1Card:
    def __init__(
        self,
        app,
        ifsc=254,
        wtx_at=(),
        wtx=2,
        wtx_repeat=1,
        slow=0,
        corrupt=(),
        ifs_request=None,
        mute_after=None,
        gap=5,
        **_,
    ):
        self.app = app
        self.ifsc = ifsc
        self.ifsd = 32
        self.wtx_at = wtx_at
        self.wtx = wtx
        self.wtx_repeat = wtx_repeat  # S(WTX request)s before the answer
        self._wtx_left = 0
        self.slow = slow
        self.corrupt = corrupt
        self.ifs_request = ifs_request
        self.mute_after = mute_after
        self.gap = gap
        self.raw = bytearray()
        self.ns = 0  # N(S) of the card's next I-block
        self.nr = 0  # N(S) expected from the reader
        self.chain = bytearray()  # the reader's chained command so far
        self.out = []  # the card's response chunks still to send
        self.last = b""
        self.sent = 0  # blocks sent (for `corrupt`)
        self.commands = 0
        self.held = None  # the answer held back behind S(WTX request)

    def _emit(self, blk, gap=None):
        self.last = blk
        data = bytearray(blk)
        if self.sent in self.corrupt:
            data[-1] ^= 0x5A
        self.sent += 1
        out = [[1, b] for b in data]
        out[0][0] = self.gap if gap is None else gap
        return out

    def receive(self, byte):
        self.raw.append(byte)
        raw = self.raw
        if len(raw) < 3 or len(raw) < 4 + raw[2]:
            return []
        self.raw = bytearray()
        if lrc(raw) or raw[2] == 0xFF:
            return self._emit(block(0, 0x81 | (self.nr << 4)))
        pcb, inf = raw[1], bytes(raw[3:-1])
        if not pcb & 0x80:
            return self._i_block(pcb, inf)
        if pcb & 0xC0 == 0x80:
            if self.out and (pcb >> 4) & 1 == self.ns and not pcb & 0x0F:
                return self._next_chunk()  # our chained block acknowledged
            return self._emit(self.last)
        if pcb == 0xC0:  # RESYNCH request
            self.ns = self.nr = 0
            self.chain = bytearray()
            self.out = []
            return self._emit(block(0, 0xE0))
        if pcb == 0xC1 and len(inf) == 1:  # IFS request
            self.ifsd = inf[0]
            return self._emit(block(0, 0xE1, inf))
        if pcb == 0xE3 and self.held is not None:  # WTX response: the answer, late
            self._wtx_left -= 1
            if self._wtx_left > 0:
                return self._emit(block(0, 0xC3, bytes((self.wtx,))))  # more time again
            held, self.held = self.held, None
            return self._send_response(held, gap=self.slow)
        if pcb == 0xE1:  # IFS response to our request: now the answer
            held, self.held = self.held, None
            return self._send_response(held) if held is not None else []
        return self._emit(block(0, 0x82 | (self.nr << 4)))

    def _i_block(self, pcb, inf):
        if (pcb >> 6) & 1 != self.nr or len(inf) > self.ifsc:
            return self._emit(block(0, 0x82 | (self.nr << 4)))
        self.nr ^= 1
        self.chain += inf
        if pcb & 0x20:
            return self._emit(block(0, 0x80 | (self.nr << 4)))
        apdu, self.chain = bytes(self.chain), bytearray()
        self.commands += 1
        if self.mute_after is not None and self.commands > self.mute_after:
            return []
        response = self.app.execute(apdu)
        if response is None:
            return []  # the application does not answer: a mute card
        if self.ifs_request is not None:
            self.held, self.ifsc, self.ifs_request = response, self.ifs_request, None
            return self._emit(block(0, 0xC1, bytes((self.ifsc,))))
        if self.commands in self.wtx_at:
            self.held = response
            self._wtx_left = self.wtx_repeat
            return self._emit(block(0, 0xC3, bytes((self.wtx,))))
        return self._send_response(response)

    def _send_response(self, response, gap=None):
        n = self.ifsd
        self.out = [response[i : i + n] for i in range(0, len(response), n)]
        return self._next_chunk(gap)

    def _next_chunk(self, gap=None):
        chunk = self.out.pop(0)
        blk = block(0, (self.ns << 6) | (0x20 if self.out else 0), chunk)
        self.ns ^= 1  # an acknowledgement now carries N(R) = this new value
        return self._emit(blk, gap)
