"""A virtual CPS3 that behaves as the ANS's Cryptolib expects the real one to (docs/cards.md
"Real cards"): its contact ATR (T=0 only), the IAS-ECC application, EF SN.ICC, situation
files under 3F00/0001, a PIN counter answered to GET DATA, and an RSA 2048 signature key:
MSE SET (80 01 42, 84 01 key) then PSO COMPUTE DIGITAL SIGNATURE over a 32-byte hash,
answered behind 61xx in at most 0xE7 bytes a GET RESPONSE. Its certificate is issued by
the look-alike IGC-Santé (igc.py).

`faults` make the bad cards of the tests: "mse" (MSE SET refused, 6A80), "pso-6982" (PSO
answers 6982 even after the PIN), "short-signature" (255 bytes), "bad-cert" (a
certificate file that is not DER).
"""

from emulator.cards import igc
from emulator.cards.cps import check_pin
from emulator.cards.iso7816 import EF, CardStatus, VirtualCard
from emulator.contacts.t0_card import INCOMING as T0_INCOMING
from firmware.cards import choose, cps3, fields, profile, tlv

F = fields.encode


def sn_icc(serial: str) -> bytes:
    """EF SN.ICC: 5A 0A, the ANS's prefix, the 8-digit serial in BCD, a check byte."""
    return bytes([0x5A, 10]) + cps3.SN_PREFIX + bytes.fromhex(serial) + b"\x0f"


def situation_bytes(rank, s, profession, specialty) -> bytes:
    """tla's situation template (the real layout is not public): docs/cards.md."""
    body = F(profile.TAG_RANK, rank) + F(profile.TAG_BILLING, s["billing"])
    body += F(profile.TAG_PLACE, s["place"]) + F(profile.TAG_PROFESSION, profession)
    body += F(profile.TAG_SPECIALTY, specialty)
    return tlv.encode(profile.TAG_SITUATION, body)


class VirtualCps3(VirtualCard):
    kind = "cps"
    aid = cps3.AID
    # Under T=0, its GET DATA 3F FF carries data (card-cps3.c:636: case 4).
    t0_incoming = T0_INCOMING + (cps3.INS_GET_DATA,)

    def __init__(self, data, seed=0, faults=()):
        super().__init__(t0=True, seed=seed)  # the CPS3's ATR is T=0 only
        self.data = data
        self.faults = set(faults)
        self._pin = data["pin"].encode()
        self.tries_left = data.get("tries_left", profile.PIN_TRIES)
        self.key, self.cert = igc.lookalike().issue(
            "cps3/" + data["serial"],
            data["holder_id"],
            data["usage_name"],
            data["first_names"][0],
            (data["valid_from"], data["valid_until"]),
        )
        cert = b"\x30\x03\x02\x01\x00" if "bad-cert" in self.faults else self.cert
        self.paths = {
            cps3.PATH_SN_ICC: EF(0xD003, "binary", profile.AC_ALWAYS, profile.AC_NEVER,
                                 data=sn_icc(data["serial"])),
            cps3.PATH_CERT: EF(0xC000, "binary", profile.AC_ALWAYS, profile.AC_NEVER, data=cert),
        }  # fmt: skip
        for i, s in enumerate(data["situations"]):
            fid = cps3.SITUATION_FIRST + i
            body = situation_bytes(i + 1, s, data["profession"], data["specialty"])
            self.paths[cps3.SITUATION_DIR + bytes((fid >> 8, fid & 0xFF))] = EF(
                fid, "binary", profile.AC_ALWAYS, profile.AC_NEVER, data=body
            )

    def __repr__(self):
        return "VirtualCps3(%s, tries_left=%d)" % (self.data["serial"], self.tries_left)

    @property
    def serial(self):
        return self.data["serial"]

    def atr(self) -> bytes:
        return choose.CPS3_ATR

    def reset_security(self):
        self.verified = False
        self.mse_ready = False

    def handlers(self):
        h = super().handlers()
        h[profile.INS_VERIFY] = self.verify
        h[profile.INS_MSE] = self.mse
        h[profile.INS_PSO] = self.pso
        h[cps3.INS_GET_DATA] = self.get_data
        h[profile.INS_INTERNAL_AUTHENTICATE] = self.internal_authenticate
        return h

    # ------------------------------------------------------------ transport habits

    def _answer(self, cmd, data):
        # At most 0xE7 bytes a response (card-cps3.c:116): a larger Le is refused.
        if data and not cmd.data and cmd.le is not None and cmd.le > cps3.MAX_LE:
            return bytes([profile.SW1_WRONG_LE, min(len(data), cps3.MAX_LE)])
        return super()._answer(cmd, data)

    def _get_response(self, cmd):
        if (cmd.le or 256) > cps3.MAX_LE:
            return bytes([profile.SW1_WRONG_LE, min(len(self._pending), cps3.MAX_LE)])
        return super()._get_response(cmd)

    def select(self, cmd):
        if cmd.p1 == cps3.SELECT_PATH:
            if cmd.data == cps3.PATH_MF:
                self.current = None
                return b""
            ef = self.paths.get(cmd.data)
            if ef is None:
                raise CardStatus(profile.SW_FILE_NOT_FOUND)
            self.current = ef
            return b""
        if cmd.p1 == profile.SELECT_BY_AID:
            return super().select(cmd)
        raise CardStatus(profile.SW_WRONG_P1P2)

    # ------------------------------------------------------------ security

    def get_data(self, cmd):
        if (cmd.p1, cmd.p2) != (0x3F, 0xFF) or cmd.data != cps3.PIN_QUERY:
            raise CardStatus(profile.SW_WRONG_DATA)
        inner = bytes([0x9A, 1, profile.PIN_TRIES, 0x9B, 1, self.tries_left])
        sdo = tlv.encode(0xBF8100 | cps3.PIN_REF, tlv.encode(0xA0, inner))
        return tlv.encode(0x70, sdo)

    def verify(self, cmd):
        return check_pin(self, cmd, cps3.PIN_REF)

    def mse(self, cmd):
        self.mse_ready = False
        if (cmd.p1, cmd.p2) != (0x41, 0xB6):
            raise CardStatus(profile.SW_WRONG_P1P2)
        if "mse" in self.faults:
            raise CardStatus(profile.SW_WRONG_DATA)
        try:
            items = tlv.parse(cmd.data)
        except Exception:
            raise CardStatus(profile.SW_WRONG_DATA) from None
        if tlv.first(items, profile.MSE_TAG_ALG) != bytes([cps3.ALG_SHA256_PKCS1]):
            raise CardStatus(profile.SW_WRONG_DATA)
        if tlv.first(items, profile.MSE_TAG_KEY) != bytes([cps3.KEY_REF]):
            raise CardStatus(profile.SW_REF_NOT_FOUND)
        self.mse_ready = True

    def pso(self, cmd):
        if (cmd.p1, cmd.p2) != (0x9E, 0x9A):
            raise CardStatus(profile.SW_WRONG_P1P2)
        if not self.verified or "pso-6982" in self.faults:
            raise CardStatus(profile.SW_SECURITY)
        if not self.mse_ready:
            raise CardStatus(profile.SW_CONDITIONS)
        if len(cmd.data) != profile.DIGEST_LENGTH:
            raise CardStatus(profile.SW_WRONG_LENGTH)
        signature = igc.sign_digest(self.key, cmd.data)
        return signature[:-1] if "short-signature" in self.faults else signature

    def internal_authenticate(self, cmd):
        # The authentication key is not tla's concern (docs/cards.md): not emulated.
        raise CardStatus(profile.SW_NOT_SUPPORTED)
