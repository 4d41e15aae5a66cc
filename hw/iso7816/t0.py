"""T=0, the character protocol (ISO/IEC 7816-3:2006, clause 10, and 12.2 for the mapping of
command APDUs to TPDUs).

The reader sends the five-byte header CLA INS P1 P2 P3; the card answers procedure bytes:
NULL (60: wait again), ACK (INS: all the remaining data), ~INS (one byte), or SW1 SW2 (the
end). Case 1 sends P3 = 0; case 2 sends P3 = Le, and 6Cxx means "resend with P3 = xx";
case 3 sends the data; case 4 goes as case 3 and 61xx is followed by one GET RESPONSE of
min(xx, Le) bytes (12.2.4; a further 61xx goes up to the application). Parity errors are
repeated at the character level (10.2: at most MAX_REPEATS times here).
"""

from hw.iso7816 import line as L
from hw.iso7816.errors import Garbled, Gone, Mute

NULL = 0x60
MAX_REPEATS = 4  # tries of one character before the card counts as broken (EMV: 3 repeats)
MAX_NULLS = 100  # NULL bytes per TPDU: each restarts WT, so a card cannot hold us forever
INS_GET_RESPONSE = 0xC0


class T0:
    """T=0 over `line` with the waiting time `wt_etu` (timing.Timing.wt_etu)."""

    protocol = 0

    def __init__(self, line, wt_etu):
        self.line = line
        self.wt = wt_etu

    def _put(self, byte):
        for _ in range(MAX_REPEATS):
            if self.line.send(byte):
                return
            if not self.line.detect():
                raise Gone()
        raise Garbled("the card rejects every repetition of a character")

    def _get(self):
        for _ in range(MAX_REPEATS):
            c = self.line.receive(self.wt)
            if c >= 0:
                return c
            if not self.line.detect():
                raise Gone()
            if c == L.NOTHING:
                raise Mute()
        raise Garbled("parity error on every repetition")

    def tpdu(self, header, data=b"", ne=0):
        """One TPDU: header (5 bytes, P3 included), data to send, ne bytes to receive;
        returns (response data, sw1, sw2)."""
        for b in header:
            self._put(b)
        ins = header[1]
        out = bytearray()
        sent = 0
        nulls = 0
        while True:
            pb = self._get()
            if pb == NULL:
                nulls += 1
                if nulls > MAX_NULLS:
                    raise Garbled("the card sends NULL bytes without end")
                continue
            if pb == ins or pb == ins ^ 0xFF:
                one = pb != ins
                if sent < len(data):
                    for b in data[sent : sent + 1 if one else len(data)]:
                        self._put(b)
                        sent += 1
                elif len(out) < ne:
                    for _ in range(1 if one else ne - len(out)):
                        out.append(self._get())
                else:
                    raise Garbled("ACK with nothing left to transfer")
                continue
            if (pb & 0xF0) in (0x60, 0x90):
                return bytes(out), pb, self._get()
            raise Garbled("procedure byte %02X" % pb)

    def transmit(self, apdu):
        """A short command APDU (cases 1 to 4); response data + SW1 SW2."""
        apdu = bytes(apdu)
        n = len(apdu)
        if n < 4:
            raise ValueError("an APDU has at least 4 bytes")
        if n == 4:
            data, sw1, sw2 = self.tpdu(apdu + b"\x00")
            return data + bytes((sw1, sw2))
        lc = apdu[4]
        if n == 5:  # case 2
            ne = lc or 256
            data, sw1, sw2 = self.tpdu(apdu, b"", ne)
            if sw1 == 0x6C and not data:
                data, sw1, sw2 = self.tpdu(apdu[:4] + bytes((sw2,)), b"", sw2 or 256)
            elif sw1 == 0x61 and not data:
                return self._get_response(sw2, ne)
            return data + bytes((sw1, sw2))
        if lc == 0 or n not in (5 + lc, 6 + lc):
            raise ValueError("Lc does not match the APDU's length")
        data, sw1, sw2 = self.tpdu(apdu[:5], apdu[5 : 5 + lc])
        if n == 6 + lc and sw1 == 0x61:  # case 4: the response waits behind 61xx
            return self._get_response(sw2, apdu[-1] or 256)
        return data + bytes((sw1, sw2))

    def _get_response(self, available, ne):
        n = min(available or 256, ne)
        header = bytes((0x00, INS_GET_RESPONSE, 0, 0, n & 0xFF))
        data, sw1, sw2 = self.tpdu(header, b"", n)
        return data + bytes((sw1, sw2))
