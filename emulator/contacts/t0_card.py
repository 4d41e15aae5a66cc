"""The card side of T=0 (ISO/IEC 7816-3:2006, clause 10) in front of an APDU-level card.

The header arrives; for a command that carries data (INS in INCOMING, P3 > 0) the engine
answers ACK (INS), or ~INS byte by byte when `one_by_one`, takes P3 bytes, runs the APDU
(without Le: T=0 cannot know it) and answers 61xx when data waits for GET RESPONSE. For a
command that expects data, P3 is Le: a length that is not the response's earns 6Cxx, and
the same header with the right P3 is answered from that response without running the
command again. Options: `nulls` NULL bytes before each answer, `mute_after` commands
answered before the card falls silent (or an application answering None), `gap` ETUs the card thinks before answering.
"""

# Instructions whose data flows to the card (ISO 7816-4): SELECT, VERIFY, MSE, PSO,
# INTERNAL/EXTERNAL AUTHENTICATE, UPDATE BINARY/RECORD, APPEND RECORD, PUT DATA.
# A card whose own commands differ says so: `t0_incoming` on the application (a CPS3's GET
# DATA of its PIN counter carries data: emulator/cards/cps3.py).
INCOMING = (0xA4, 0x20, 0x22, 0x2A, 0x88, 0x82, 0xD6, 0xDC, 0xE2, 0xDA)
INS_GET_RESPONSE = 0xC0


class T0Card:
    def __init__(self, app, nulls=0, mute_after=None, gap=5, one_by_one=False, **_):
        self.app = app
        self.incoming = getattr(app, "t0_incoming", INCOMING)
        self.nulls = nulls
        self.mute_after = mute_after
        self.gap = gap
        self.one_by_one = one_by_one
        self.commands = 0
        self.header = bytearray()
        self.data = bytearray()
        self.pending = b""  # data waiting for GET RESPONSE
        self.pending_sw = b"\x90\x00"
        self.retained = None  # (header[:4], response) after a 6Cxx

    def _emit(self, data):
        out = [[1, b] for b in data]
        if out:
            out[0][0] = self.gap
        return [[self.gap, 0x60] for _ in range(self.nulls)] + out

    def receive(self, byte):
        if len(self.header) < 5:
            self.header.append(byte)
            if len(self.header) < 5:
                return []
            self.commands += 1
            if self.mute_after is not None and self.commands > self.mute_after:
                return []
            ins, p3 = self.header[1], self.header[4]
            if ins in self.incoming and p3:
                self.data = bytearray()
                return self._emit(bytes((ins ^ 0xFF if self.one_by_one else ins,)))
            return self._outgoing()
        self.data.append(byte)
        if len(self.data) < self.header[4]:
            return [[1, self.header[1] ^ 0xFF]] if self.one_by_one else []
        return self._incoming()

    def _incoming(self):
        h = bytes(self.header)
        self.header = bytearray()
        response = self.app.execute(h + bytes(self.data))
        if response is None:
            return []  # the application does not answer: a mute card
        data, sw = response[:-2], response[-2:]
        if data:
            self.pending, self.pending_sw = data, sw
            return self._emit(bytes((0x61, len(data) & 0xFF)))
        return self._emit(sw)

    def _outgoing(self):
        h = bytes(self.header)
        self.header = bytearray()
        want = h[4] or 256
        if h[1] == INS_GET_RESPONSE and self.pending:
            if want > len(self.pending):
                return self._emit(bytes((0x6C, len(self.pending) & 0xFF)))
            data, self.pending = self.pending[:want], self.pending[want:]
            sw = bytes((0x61, len(self.pending) & 0xFF)) if self.pending else self.pending_sw
            return self._emit(bytes((h[1],)) + data + sw)
        if self.retained and self.retained[0] == h[:4]:
            response = self.retained[1]
        elif h[1] in INCOMING:
            response = self.app.execute(h[:4])  # P3 = 0 on a data-in command: case 1
        else:
            response = self.app.execute(h)
        self.retained = None
        if response is None:
            return []
        data, sw = response[:-2], response[-2:]
        if data and len(data) != want:
            self.retained = (h[:4], response)
            return self._emit(bytes((0x6C, len(data) & 0xFF)))
        if not data:
            return self._emit(sw)
        return self._emit(bytes((h[1],)) + data + sw)
