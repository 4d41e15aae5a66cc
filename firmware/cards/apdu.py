"""ISO 7816-4 command APDUs over a hal.CardSlot: short APDUs, GET RESPONSE on 61xx, one
retry with the right Le on 6Cxx (T=0 cards), command chaining, status words to typed errors.

A card answers through a `Channel`; whatever it answers, the caller gets the response data
or one of the card layer's typed errors (errors.py), never anything else.
"""

from firmware.cards import profile
from firmware.cards.errors import MalformedCardData, RecordNotFound, check_sw
from firmware.cards.tlv import encode, total_length
from hw import hal

MAX_ROUNDS = 16  # GET RESPONSE / retries per command: a card that wants more is faulty


def build(cla, ins, p1, p2, data=None, le=None) -> bytes:
    """A short command APDU. `le`: None (no response data expected), 0 (up to 256) or 1-256."""
    apdu = bytearray((cla, ins, p1, p2))
    if data:
        if len(data) > 255:
            raise ValueError("short APDU data is at most 255 bytes")
        apdu.append(len(data))
        apdu.extend(data)
    if le is not None:
        apdu.append(le & 0xFF)
    return bytes(apdu)


def redact(apdu) -> bytes:
    """The APDU with a VERIFY's PIN replaced by '*' bytes: the only form of a command that
    may reach a trace or a log."""
    if len(apdu) > 5 and apdu[1] == profile.INS_VERIFY:
        return bytes(apdu[:5]) + b"*" * (len(apdu) - 5)
    return bytes(apdu)


class Channel:
    """The card in one slot, spoken to in APDUs. `exchanges` counts every APDU sent."""

    def __init__(self, slot, max_response=profile.MAX_RESPONSE_BYTES, max_le=256):
        """`max_le`: the most a GET RESPONSE asks at once (a CPS3 sends at most 0xE7 bytes
        a response: card-cps3.c:116, iso7816.c:617 of the ANS's Cryptolib)."""
        self.slot = slot
        self.max_response = max_response
        self.max_le = max_le
        self.exchanges = 0

    def _send(self, apdu):
        self.exchanges += 1
        response = self.slot.transmit(apdu)
        if response is None or len(response) < 2:
            raise hal.CardIOError(getattr(self.slot, "name", "?"), "the card sent no status word")
        if len(response) > 258:
            raise MalformedCardData("reponse trop longue")
        return response

    def exchange(self, cla, ins, p1, p2, data=None, le=None):
        """(response data, status word) of one command, after 61xx / 6Cxx handling."""
        apdu = build(cla, ins, p1, p2, data, le)
        out = b""
        response = self._send(apdu)
        retried = False
        for _ in range(MAX_ROUNDS):
            sw1, sw2 = response[-2], response[-1]
            out += response[:-2]
            if len(out) > self.max_response:
                raise MalformedCardData("reponse trop longue")
            if sw1 == profile.SW1_WRONG_LE and le is not None and not retried and not out:
                # T=0: the card tells the exact length; ask again with it (once).
                retried = True
                response = self._send(apdu[:-1] + bytes([sw2]))
            elif sw1 == profile.SW1_MORE_DATA:
                want = min(sw2 or 256, self.max_le)
                response = self._send(
                    build(profile.CLA, profile.INS_GET_RESPONSE, 0, 0, None, want)
                )
            else:
                return out, (sw1 << 8) | sw2
        raise MalformedCardData("reponse sans fin")

    def command(self, cla, ins, p1, p2, data=None, le=None):
        """Response data of a command that must succeed; a refusal raises its typed error."""
        out, sw = self.exchange(cla, ins, p1, p2, data, le)
        check_sw(sw)
        return out

    def chained(self, ins, p1, p2, data, block=profile.CHAIN_BLOCK):
        """Send long command data in blocks with command chaining; data of the last answer."""
        pos = 0
        while True:
            chunk = data[pos : pos + block]
            pos += len(chunk)
            last = pos >= len(data)
            cla = profile.CLA if last else profile.CLA | profile.CLA_CHAINING
            out = self.command(cla, ins, p1, p2, chunk)
            if last:
                return out

    # ------------------------------------------------------------ files

    def select_aid(self, aid, p2=profile.SELECT_NO_RESPONSE, le=None):
        """SELECT the application `aid`; the status word, unchecked (callers tell cards
        apart). `p2`, `le`: what answer to ask (none by default; a FCI is not kept)."""
        return self.exchange(profile.CLA, profile.INS_SELECT, profile.SELECT_BY_AID, p2, aid, le)[1]

    def select_file(self, fid):
        self.command(
            profile.CLA,
            profile.INS_SELECT,
            profile.SELECT_EF,
            profile.SELECT_NO_RESPONSE,
            bytes((fid >> 8, fid & 0xFF)),
        )

    def read_binary(self, offset, le):
        return self.command(
            profile.CLA, profile.INS_READ_BINARY, offset >> 8, offset & 0xFF, None, le
        )

    def read_tlv_file(self, fid, max_bytes):
        """The whole transparent file `fid` holding one TLV object (a template or an X.509
        DER), read in blocks; its header says how long it is."""
        self.select_file(fid)
        data = self.read_binary(0, 0)
        if len(data) > 256:
            raise MalformedCardData("reponse trop longue")
        total = total_length(data)
        if total > max_bytes:
            raise MalformedCardData("fichier trop long")
        if len(data) > total:
            raise MalformedCardData("fichier")
        # The blocks are joined once at the end: no growing copy of the file on the way
        # (each would need a larger contiguous piece of the heap: docs/board.md "Heap").
        blocks = [data]
        got = len(data)
        while got < total:
            want = min(256, total - got)
            block = self.read_binary(got, want & 0xFF)
            if not block or len(block) > want:
                raise MalformedCardData("fichier")
            blocks.append(block)
            got += len(block)
        return data if len(blocks) == 1 else b"".join(blocks)

    def read_fixed_file(self, fid, length):
        """The transparent file `fid` of exactly `length` bytes (at most 256)."""
        self.select_file(fid)
        data = self.read_binary(0, length & 0xFF)
        if len(data) != length:
            raise MalformedCardData("fichier")
        return data

    def read_records(self, fid, max_count, max_bytes):
        """Every record of the record file `fid`, in order, until the card says there is no
        more (6A83); more than `max_count`, or one longer than `max_bytes`, is refused."""
        self.select_file(fid)
        records = []
        while True:
            try:
                record = self.read_record(len(records) + 1)
            except RecordNotFound:
                return records
            if len(records) >= max_count or len(record) > max_bytes:
                raise MalformedCardData("enregistrements")
            records.append(record)

    def read_record(self, number):
        """Record `number` (1 = first, or most recent in a cyclic file) of the current file."""
        return self.command(
            profile.CLA, profile.INS_READ_RECORD, number, profile.RECORD_ABSOLUTE, None, 0
        )

    # ------------------------------------------------------------ signing

    def sign(self, digest):
        """MSE SET (signature key, ECDSA P-256) then PSO COMPUTE DIGITAL SIGNATURE of a
        SHA-256 digest; the 64-byte r || s."""
        if len(digest) != profile.DIGEST_LENGTH:
            raise ValueError("a digest is %d bytes" % profile.DIGEST_LENGTH)
        mse = encode(profile.MSE_TAG_KEY, bytes([profile.KEY_SIGN])) + encode(
            profile.MSE_TAG_ALG, bytes([profile.ALG_ECDSA_P256])
        )
        p1, p2 = profile.MSE_SET_SIGN
        self.command(profile.CLA, profile.INS_MSE, p1, p2, mse)
        p1, p2 = profile.PSO_SIGN
        signature = self.command(profile.CLA, profile.INS_PSO, p1, p2, digest, 0)
        if len(signature) != profile.SIGNATURE_LENGTH:
            raise MalformedCardData("signature")
        return signature
