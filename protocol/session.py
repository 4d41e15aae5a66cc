"""An open session of the link: sealed frames, encrypted with AES-256-CTR then authenticated
with HMAC-SHA256 over the frame header, a per-direction counter and the ciphertext.

Sealed body (the CBOR byte string a frame carries): counter u32 BE | ciphertext | tag[16].
  CTR counter block: counter u32 BE | 12 zero bytes, the whole block incremented per block.
  tag = HMAC-SHA256(mac key, version u8 | type u8 | seq u16 BE | counter | ciphertext)[:16]
A receiver accepts a counter only above the last one it accepted (gaps allowed), so a
replayed, reordered or dropped-then-replayed frame is refused; see docs/protocol.md.
"""

from protocol import cbor, frame
from protocol._compat import const
from protocol.aes_ctr import AesCtr
from protocol.hmac_sha256 import HmacSha256, compare_digest
from protocol.messages import PROTOCOL_VERSION
from protocol.security_errors import BadMac, MalformedMessage, ReplayError, SessionError

COUNTER_SIZE = const(4)
TAG_SIZE = const(16)  # 128-bit tag: RFC 2104 section 5, NIST SP 800-107 5.3.4
OVERHEAD = COUNTER_SIZE + TAG_SIZE
MAX_COUNTER = 0xFFFFFFFF
# Largest plaintext whose sealed body fits a frame: the CBOR head of a byte string of
# 256 to 65535 bytes is 3 bytes.
MAX_PLAINTEXT = frame.MAX_BODY - 3 - OVERHEAD


def _header(version, mtype, seq) -> bytes:
    if not (0 <= version <= 0xFF and 0 <= mtype <= 0xFF and 0 <= seq <= 0xFFFF):
        raise SessionError("frame header out of range")
    return bytes((version, mtype, seq >> 8, seq & 0xFF))


def _counter_block(counter) -> bytes:
    return counter.to_bytes(COUNTER_SIZE, "big") + bytes(16 - COUNTER_SIZE)


class _Direction:
    """Keys and counter of one direction of the session."""

    def __init__(self, enc_key, mac_key):
        self.cipher = AesCtr(enc_key)
        self.mac = HmacSha256(mac_key)

    def tag(self, header, sealed_without_tag) -> bytes:
        return self.mac.digest(header, sealed_without_tag)[:TAG_SIZE]

    def wipe(self):
        self.mac.wipe()


class Session:
    """Seals outgoing frame bodies and opens incoming ones, for one side of one session.

    Made by protocol.auth once both sides proved the pairing key; `role` says which side
    this is ("agent" or "terminal"). Counters: `sent` (next counter to use), `received`
    (frames opened), `rejected` (frames refused). A retransmission must be sealed anew:
    the same sealed bytes are accepted once only.
    """

    def __init__(self, role, send_enc, send_mac, recv_enc, recv_mac):
        self.role = role
        self._send = _Direction(send_enc, send_mac)
        self._recv = _Direction(recv_enc, recv_mac)
        self.sent = 0
        self.received = 0
        self.rejected = 0
        self._last_received = -1

    def __repr__(self):
        return "Session(%s, %s, sent=%d, received=%d, rejected=%d)" % (
            self.role,
            "closed" if self.closed else "open",
            self.sent,
            self.received,
            self.rejected,
        )

    def seal(self, mtype, seq, plaintext, version=PROTOCOL_VERSION) -> bytes:
        """The sealed body (bytes, to be carried as the frame's CBOR byte string) of a frame
        of type `mtype` and sequence `seq` whose plaintext is `plaintext` (bytes)."""
        send = self._send
        if send is None:
            raise SessionError("the session is closed")
        if len(plaintext) > MAX_PLAINTEXT:
            raise frame.FrameTooLarge(
                "plaintext of %d bytes exceeds %d" % (len(plaintext), MAX_PLAINTEXT)
            )
        counter = self.sent
        if counter > MAX_COUNTER:
            raise SessionError("the session has used all its counters; open a new one")
        header = _header(version, mtype, seq)
        out = bytearray(counter.to_bytes(COUNTER_SIZE, "big"))
        out.extend(send.cipher.xor(_counter_block(counter), plaintext))
        out.extend(send.tag(header, out))
        self.sent = counter + 1
        return bytes(out)

    def seal_body(self, mtype, seq, body, version=PROTOCOL_VERSION) -> bytes:
        """seal() of the deterministic CBOR encoding of `body`."""
        return self.seal(mtype, seq, cbor.encode(body), version)

    def encode(self, mtype, seq, body) -> bytes:
        """Wire bytes of a sealed frame carrying `body`: frame.encode's sealed twin."""
        return frame.encode_raw(mtype, seq, cbor.encode(self.seal_body(mtype, seq, body)))

    def open(self, fr) -> bytes:
        """The plaintext of a received frame.Frame whose body is a sealed body.

        Raises ReplayError (counter not above the last accepted), BadMac (any bit changed,
        header included, or another key), SessionError (closed, not a sealed body). A refused
        frame changes nothing: the next good frame is still accepted.
        """
        try:
            return self._open(fr)
        except SessionError:
            self.rejected += 1
            raise

    def _open(self, fr) -> bytes:
        recv = self._recv
        if recv is None:
            raise SessionError("the session is closed")
        sealed = fr.body
        if not isinstance(sealed, bytes) or len(sealed) < OVERHEAD:
            raise SessionError("the frame body is not a sealed body")
        counter = int.from_bytes(sealed[:COUNTER_SIZE], "big")
        if counter <= self._last_received:
            raise ReplayError(
                "frame counter %d is not above the last accepted, %d: replayed or reordered"
                % (counter, self._last_received)
            )
        header = _header(fr.version, fr.mtype, fr.seq)
        body = sealed[:-TAG_SIZE]
        if not compare_digest(recv.tag(header, body), sealed[-TAG_SIZE:]):
            raise BadMac("the frame's tag does not match: altered, or sealed with another key")
        self._last_received = counter
        self.received += 1
        return recv.cipher.xor(_counter_block(counter), body[COUNTER_SIZE:])

    def open_body(self, fr):
        """open() then decode the plaintext as deterministic CBOR."""
        plaintext = self.open(fr)
        try:
            return cbor.decode_link(plaintext)
        except cbor.CBORError:
            raise MalformedMessage("the sealed body does not hold valid CBOR")

    @property
    def last_counter(self) -> int:
        """Counter of the last frame opened (-1: none). Each side seals with counters 0, 1,
        2... so a jump shows that frames were lost: the sync's stream relies on it."""
        return self._last_received

    @property
    def closed(self) -> bool:
        return self._send is None

    def close(self):
        """End the session: overwrite the MAC keys and drop the ciphers."""
        for d in (self._send, self._recv):
            if d is not None:
                d.wipe()
        self._send = None
        self._recv = None
