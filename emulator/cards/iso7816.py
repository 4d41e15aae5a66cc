"""A virtual smart card at the APDU level, in vsmartcard's shape: `power_up() -> ATR`,
`execute(apdu) -> response data + SW1 SW2`, `power_down()`.

`VirtualCard` holds one application with its elementary files (transparent, linear and
cyclic record files, each with read and write access conditions) and answers SELECT, READ
BINARY, READ RECORD, UPDATE RECORD, APPEND RECORD, GET CHALLENGE and GET RESPONSE, with
command chaining. `t0=True` answers in T=0 style: 61xx then GET RESPONSE for data after a
command that carried data, 6Cxx when Le is not the exact length. Subclasses (vitale.py,
cps.py) add their security (access conditions, VERIFY, MSE SET, PSO, authentication).
"""

import random

from emulator.cards import pki
from firmware.cards import profile, tlv

SW_OK = b"\x90\x00"


def sw(value) -> bytes:
    return bytes((value >> 8, value & 0xFF))


def build_atr(historical: bytes, t0: bool) -> bytes:
    """An ATR: T=0 only (no TCK), or T=1 announced (3B 8x 80 01 ... TCK)."""
    if len(historical) > 15:
        raise ValueError("at most 15 historical bytes")
    if t0:
        return bytes([0x3B, len(historical)]) + historical
    body = bytes([0x3B, 0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for b in body[1:]:
        tck ^= b
    return body + bytes([tck])


class CardStatus(Exception):
    """Raised by a command handler to answer a status word."""

    def __init__(self, value):
        super().__init__("%04X" % value)
        self.value = value


class EF:
    """An elementary file: `kind` is binary, linear or cyclic (profile.FILES)."""

    def __init__(
        self, fid, kind, read_ac, write_ac, data=b"", records=(), max_records=0, max_record_len=0
    ):
        self.fid = fid
        self.kind = kind
        self.read_ac = read_ac
        self.write_ac = write_ac
        self.data = bytes(data)
        self.records = [bytes(r) for r in records]
        self.max_records = max_records
        self.max_record_len = max_record_len


class Command:
    """A parsed short command APDU (cases 1 to 4)."""

    def __init__(self, apdu: bytes):
        if len(apdu) < 4:
            raise CardStatus(profile.SW_WRONG_LENGTH)
        self.cla, self.ins, self.p1, self.p2 = apdu[0], apdu[1], apdu[2], apdu[3]
        self.data = b""
        self.le = None  # None: no response data expected; else 1..256
        body = apdu[4:]
        if len(body) == 1:
            self.le = body[0] or 256
        elif len(body) > 1:
            lc = body[0]
            if lc == 0 or len(body) not in (1 + lc, 2 + lc):
                raise CardStatus(profile.SW_WRONG_LENGTH)
            self.data = bytes(body[1 : 1 + lc])
            if len(body) == 2 + lc:
                self.le = body[-1] or 256


class VirtualCard:
    """One application (`aid`) with `files`; see the module docstring."""

    kind = "card"
    aid = b""
    historical = b"TLA"

    def __init__(self, t0=False, seed=0):
        self.t0 = t0
        self.files = {}
        self.rng = random.Random(seed)  # challenges: the same on every run of a fixture
        self.powered = False
        self.apdus = 0  # commands executed (tests)
        self.power_ups = 0
        self._reset()

    # ------------------------------------------------------------ vsmartcard's interface

    def atr(self) -> bytes:
        return build_atr(self.historical, self.t0)

    def power_up(self) -> bytes:
        self.power_ups += 1
        self.powered = True
        self._reset()
        return self.atr()

    def power_down(self) -> None:
        self.powered = False
        self._reset()

    def reset(self) -> bytes:
        return self.power_up()

    def execute(self, apdu: bytes) -> bytes | None:
        self.apdus += 1
        try:
            cmd = Command(bytes(apdu))
            if cmd.cla & ~profile.CLA_CHAINING & 0xFF:
                raise CardStatus(profile.SW_CLA_NOT_SUPPORTED)
            if cmd.ins == profile.INS_GET_RESPONSE:
                return self._get_response(cmd)
            self._pending = b""
            if cmd.cla & profile.CLA_CHAINING:
                return self._chain(cmd)
            if self._chain_ins is not None:
                if self._chain_ins != (cmd.ins, cmd.p1, cmd.p2):
                    self._chain_ins, self._chain_data = None, b""
                    raise CardStatus(profile.SW_LAST_EXPECTED)
                cmd.data = self._chain_data + cmd.data
                self._chain_ins, self._chain_data = None, b""
            data = self.dispatch(cmd)
        except CardStatus as e:
            return sw(e.value)
        return self._answer(cmd, data)

    # ------------------------------------------------------------ transport details

    def _reset(self):
        self.selected = False
        self.current = None
        self.challenge = None
        self._pending = b""
        self._chain_ins = None
        self._chain_data = b""
        self.reset_security()

    def reset_security(self):
        """Subclasses forget their security state here (power down, reset)."""

    def _chain(self, cmd):
        key = (cmd.ins, cmd.p1, cmd.p2)
        if self._chain_ins is not None and self._chain_ins != key:
            self._chain_ins, self._chain_data = None, b""
            return sw(profile.SW_LAST_EXPECTED)
        self._chain_ins = key
        self._chain_data += cmd.data
        if len(self._chain_data) > 4096:
            self._chain_ins, self._chain_data = None, b""
            return sw(profile.SW_WRONG_LENGTH)
        return SW_OK

    def _answer(self, cmd, data):
        if not data:
            return SW_OK
        if not self.t0:
            if len(data) <= 256:
                return data + SW_OK
            # More than a short response holds (a long sheet copy): the rest waits behind
            # 61xx for GET RESPONSE, as ISO 7816-4 allows under T=1 too.
            self._pending = data[256:]
            return data[:256] + bytes([profile.SW1_MORE_DATA, len(self._pending) & 0xFF])
        if cmd.data or cmd.le is None:
            # T=0 cannot send data after a command that carried data: 61xx, GET RESPONSE.
            self._pending = data
            return bytes([profile.SW1_MORE_DATA, len(data) & 0xFF])
        if cmd.le != len(data):
            return bytes([profile.SW1_WRONG_LE, len(data) & 0xFF])
        return data + SW_OK

    def _get_response(self, cmd):
        if cmd.p1 or cmd.p2:
            return sw(profile.SW_WRONG_P1P2)
        if not self._pending:
            return sw(profile.SW_CONDITIONS)
        want = cmd.le or 256
        if want > len(self._pending):
            return bytes([profile.SW1_WRONG_LE, len(self._pending) & 0xFF])
        out, self._pending = self._pending[:want], self._pending[want:]
        if self._pending:
            return out + bytes([profile.SW1_MORE_DATA, len(self._pending) & 0xFF])
        return out + SW_OK

    # ------------------------------------------------------------ commands

    def allowed(self, condition) -> bool:
        """Whether an access condition (profile.AC_*) holds now."""
        return condition == profile.AC_ALWAYS

    def handlers(self):
        return {
            profile.INS_SELECT: self.select,
            profile.INS_READ_BINARY: self.read_binary,
            profile.INS_READ_RECORD: self.read_record,
            profile.INS_UPDATE_RECORD: self.update_record,
            profile.INS_APPEND_RECORD: self.append_record,
            profile.INS_GET_CHALLENGE: self.get_challenge,
        }

    def dispatch(self, cmd) -> bytes:
        handler = self.handlers().get(cmd.ins)
        if handler is None:
            raise CardStatus(profile.SW_INS_NOT_SUPPORTED)
        return handler(cmd) or b""

    def select(self, cmd):
        if cmd.p1 == profile.SELECT_BY_AID:
            if cmd.data != self.aid or not self.aid:
                raise CardStatus(profile.SW_FILE_NOT_FOUND)
            self.selected = True
            self.current = None
            if cmd.p2 == profile.SELECT_NO_RESPONSE:
                return b""
            return bytes([0x6F, len(self.aid) + 2, 0x84, len(self.aid)]) + self.aid
        if cmd.p1 in (0x00, profile.SELECT_EF):
            if len(cmd.data) != 2:
                raise CardStatus(profile.SW_WRONG_LENGTH)
            ef = self.files.get(int.from_bytes(cmd.data, "big")) if self.selected else None
            if ef is None:
                raise CardStatus(profile.SW_FILE_NOT_FOUND)
            self.current = ef
            return b""
        raise CardStatus(profile.SW_WRONG_P1P2)

    def _current(self, kinds, condition_of):
        ef = self.current
        if ef is None:
            raise CardStatus(profile.SW_NO_CURRENT_EF)
        if ef.kind not in kinds:
            raise CardStatus(profile.SW_INCOMPATIBLE)
        if not self.allowed(condition_of(ef)):
            raise CardStatus(profile.SW_SECURITY)
        return ef

    def read_binary(self, cmd):
        if cmd.p1 & 0x80:
            raise CardStatus(profile.SW_NOT_SUPPORTED)  # short file ids: not in tla's profile
        ef = self._current(("binary",), lambda f: f.read_ac)
        offset = (cmd.p1 << 8) | cmd.p2
        if offset >= len(ef.data):
            raise CardStatus(profile.SW_WRONG_OFFSET)
        return ef.data[offset : offset + (cmd.le or 256)]

    def read_record(self, cmd):
        if cmd.p2 != profile.RECORD_ABSOLUTE:
            raise CardStatus(profile.SW_WRONG_P1P2)
        ef = self._current(("linear", "cyclic"), lambda f: f.read_ac)
        if not 1 <= cmd.p1 <= len(ef.records):
            raise CardStatus(profile.SW_RECORD_NOT_FOUND)
        return ef.records[cmd.p1 - 1]

    def check_write(self, ef, data):
        """Hook for a subclass's own rules on writing a record (e.g. the holder objects)."""

    def _record_to_write(self, cmd, p1p2_ok):
        """The current record file, once the command may write `cmd.data` into it."""
        if not p1p2_ok:
            raise CardStatus(profile.SW_WRONG_P1P2)
        ef = self._current(("linear", "cyclic"), lambda f: f.write_ac)
        if not cmd.data or len(cmd.data) > ef.max_record_len:
            raise CardStatus(profile.SW_WRONG_LENGTH)
        self.check_write(ef, cmd.data)
        return ef

    def update_record(self, cmd):
        ef = self._record_to_write(cmd, cmd.p2 == profile.RECORD_ABSOLUTE)
        if not 1 <= cmd.p1 <= len(ef.records):
            raise CardStatus(profile.SW_RECORD_NOT_FOUND)
        ef.records[cmd.p1 - 1] = cmd.data

    def append_record(self, cmd):
        ef = self._record_to_write(cmd, not cmd.p1 and not cmd.p2)
        if ef.kind == "cyclic":
            # The newest record is record 1; the oldest falls off the end.
            ef.records = [cmd.data] + ef.records[: ef.max_records - 1]
        elif len(ef.records) >= ef.max_records:
            raise CardStatus(profile.SW_FILE_FULL)
        else:
            ef.records.append(cmd.data)

    def get_challenge(self, cmd):
        if cmd.p1 or cmd.p2:
            raise CardStatus(profile.SW_WRONG_P1P2)
        n = cmd.le or profile.CHALLENGE_LENGTH
        if n != profile.CHALLENGE_LENGTH and not self.t0:
            raise CardStatus(profile.SW_WRONG_LENGTH)
        self.challenge = bytes(self.rng.getrandbits(8) for _ in range(profile.CHALLENGE_LENGTH))
        return self.challenge

    # ------------------------------------------------------------ building

    def add_files(self, card_kind, contents):
        """Create this card's files from profile.FILES; `contents`: {fid: bytes or [records]}
        (a file missing from `contents` is not on the card)."""
        for card, fid, kind, read_ac, write_ac, max_records, max_len, _ in profile.FILES:
            if card != card_kind or fid not in contents:
                continue
            value = contents[fid]
            if kind == "binary":
                self.files[fid] = EF(fid, kind, read_ac, write_ac, data=value)
            else:
                self.files[fid] = EF(
                    fid,
                    kind,
                    read_ac,
                    write_ac,
                    records=value,
                    max_records=max_records,
                    max_record_len=max_len,
                )


class SigningCard(VirtualCard):
    """A card with a signature key (`key`, None when it has none): MSE SET names it, then
    PSO COMPUTE DIGITAL SIGNATURE signs a SHA-256 digest, if `may_sign()`."""

    key = None

    def issue_key(self, pki_, unit, label, common_name, subject_serial, valid, nir=None) -> dict:
        """Give the card its key and certificate from the test PKI; returns the files'
        contents {certificate, certificate id}."""
        since, until = pki.date_utc(valid[0]), pki.date_utc(valid[1])
        self.key, self.cert = pki_.issue(
            label, unit, common_name, subject_serial, since, until, nir
        )
        return {profile.EF_CERTIFICATE: self.cert, profile.EF_CERT_ID: pki.cert_id(self.cert)}

    def reset_security(self):
        self.mse_ready = False

    def may_sign(self) -> bool:
        raise NotImplementedError

    def mse(self, cmd):
        self.mse_ready = False
        if (cmd.p1, cmd.p2) != profile.MSE_SET_SIGN:
            raise CardStatus(profile.SW_WRONG_P1P2)
        try:
            items = tlv.parse(cmd.data)
        except Exception:
            raise CardStatus(profile.SW_WRONG_DATA) from None
        if tlv.first(items, profile.MSE_TAG_KEY) != bytes([profile.KEY_SIGN]) or self.key is None:
            raise CardStatus(profile.SW_REF_NOT_FOUND)
        if tlv.first(items, profile.MSE_TAG_ALG) != bytes([profile.ALG_ECDSA_P256]):
            raise CardStatus(profile.SW_WRONG_DATA)
        self.mse_ready = True

    def compute_signature(self, cmd):
        if not self.may_sign():
            raise CardStatus(profile.SW_SECURITY)
        if not self.mse_ready:
            raise CardStatus(profile.SW_CONDITIONS)
        if len(cmd.data) != profile.DIGEST_LENGTH:
            raise CardStatus(profile.SW_WRONG_LENGTH)
        return self.sign(cmd.data)

    def sign(self, digest):
        """The card's ECDSA signature (r || s) of a digest; 6A88 without a key."""
        if self.key is None:
            raise CardStatus(profile.SW_REF_NOT_FOUND)
        return pki.sign_digest(self.key, digest)

    def handlers(self):
        h = super().handlers()
        h[profile.INS_MSE] = self.mse
        return h
