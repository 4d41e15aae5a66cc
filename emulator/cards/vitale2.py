"""A virtual Carte Vitale 2 with the files, tags and habits the public sources give the real
one (cardpeek's vitale_2.lua, docs/cards.md "Real cards"): its ATR (T=0 only), the
applications VITALE and MF_VITALE, the pointer file EF 2001 (E0 / A0, tag 82 application
entries, tag 80 file entries), data files holding tags 65 (beneficiary: 90, 93, 80, 81, 82),
66 (card: 80) and 7F21 (certificate: 5F37, 5F38), padded to their fixed size, and the PAN
in EF 2F02. T=0: 61xx and GET RESPONSE after a command with data, 6Cxx for a wrong Le.

The certificate is a look-alike (no one outside SESAM-Vitale holds its issuer's key): its
bytes come from the seed. `faults` make the bad cards of the tests: "pointers" (a malformed
pointer file), "missing-file" (a pointer to a file the card lacks), "long-tag" (a tag
length past the data), "bad-cert" (a 7F21 without its signature).
"""

import hashlib

from emulator.cards.iso7816 import EF, CardStatus, VirtualCard
from firmware.cards import choose, cvc, profile, tlv, vitale2

E = tlv.encode
FILE_BYTES = 256  # each data file's fixed size: its content, then 00 padding
APP_VITALE, APP_MF = 1, 2  # entry numbers of the pointer file


def _ascii(tag, text):
    return E(tag, str(text).encode())


def beneficiary(person, holder_nir) -> bytes:
    """Tag 65: nationality, NIR (the holder's for a dependant without one), names, birth."""
    body = _ascii(0x90, "FRA") + _ascii(vitale2.B_NIR, person.get("nir") or holder_nir)
    body += _ascii(vitale2.B_NAME, person["usage_name"])
    body += _ascii(vitale2.B_FIRST, person["first_names"][0])
    return E(vitale2.TAG_BENEFICIARY, body + _ascii(vitale2.B_BIRTH, person["birth_date"]))


def certificate(serial: str) -> bytes:
    """A look-alike 7F21: a 128-byte "signature" and a 58-byte "key remainder"."""
    stream = b"".join(hashlib.sha256(b"vitale2/%s/%d" % (serial.encode(), i)).digest()
                      for i in range(6))  # fmt: skip
    return E(cvc.TAG_CERTIFICATE, E(cvc.TAG_SIGNATURE, stream[:128]) + E(cvc.TAG_REMAINDER,
                                                                          stream[128:186]))  # fmt: skip


def pan(serial: str) -> bytes:
    digits = serial + ("F" if len(serial) % 2 else "")
    return E(vitale2.TAG_PAN, bytes.fromhex(digits))


def _entry_app(n, aid):
    return E(vitale2.TAG_APPLICATION, bytes((n >> 8, n & 0xFF, 0, len(aid))) + aid)


def _entry_file(name, n, fid):
    return E(
        vitale2.TAG_FILE, name.ljust(8).encode() + bytes((n >> 8, n & 0xFF, fid >> 8, fid & 0xFF))
    )


class VirtualVitale2(VirtualCard):
    kind = "vitale"
    aid = profile.VITALE_AID

    def __init__(self, data, seed=0, faults=()):
        super().__init__(t0=True, seed=seed)  # the Vitale 2's ATRs are T=0 only
        self.data = data
        self.faults = set(faults)
        holder = data["beneficiaries"][0]
        people = b"".join(beneficiary(b, data["nir"]) for b in data["beneficiaries"])
        card = E(vitale2.TAG_CARD, _ascii(vitale2.C_FROM, data["valid_from"]))
        cert = self.cert = certificate(data["serial"])
        if "bad-cert" in self.faults:
            cert = E(cvc.TAG_CERTIFICATE, E(cvc.TAG_REMAINDER, b"\x00" * 58))
        if "long-tag" in self.faults:
            # A last beneficiary announcing 240 bytes where the file has 256 in all.
            people += bytes([vitale2.TAG_BENEFICIARY, 0x81, 0xF0]) + _ascii(0x90, "FRA")
        files = [("BENEF", APP_VITALE, 0x2004, people), ("CARTE", APP_VITALE, 0x2006, card),
                 ("CERTIF", APP_VITALE, 0x2008, cert)]  # fmt: skip
        listed = files + (
            [("SOINS", APP_VITALE, 0x2010, b"")] if "missing-file" in self.faults else []
        )
        pointers = E(vitale2.TAG_APPLICATIONS, _entry_app(APP_VITALE, profile.VITALE_AID)
                     + _entry_app(APP_MF, vitale2.MF_VITALE_AID))  # fmt: skip
        pointers += b"".join(_entry_file(name, n, fid) for name, n, fid, _ in listed)
        if "pointers" in self.faults:
            pointers = pointers[:-3]  # a file entry of 9 bytes, not 12
        self.apps = {
            profile.VITALE_AID: {vitale2.EF_POINTERS: E(vitale2.TAG_POINTERS, pointers)},
            vitale2.MF_VITALE_AID: {
                0x2F00: E(0x61, E(0x4F, profile.VITALE_AID) + _ascii(0x50, "VITALE")),
                vitale2.EF_PAN: pan(data["serial"]),
            },
        }
        for _name, _n, fid, content in files:
            self.apps[profile.VITALE_AID][fid] = content.ljust(FILE_BYTES, b"\x00")
        self.holder = holder

    @property
    def serial(self):
        return self.data["serial"]

    def holder_nir(self):
        """The holder's NIR with its key, as the terminal reads it."""
        return vitale2.card_nir(self.data["nir"].encode())

    def atr(self) -> bytes:
        return choose.VITALE2_ATR[:5] + b"\x44" + choose.VITALE2_ATR[6:]

    def select(self, cmd):
        if cmd.p1 == profile.SELECT_BY_AID:
            files = self.apps.get(cmd.data)
            if files is None:
                raise CardStatus(profile.SW_FILE_NOT_FOUND)
            self.files = {
                fid: EF(fid, "binary", profile.AC_ALWAYS, profile.AC_NEVER, data=content)
                for fid, content in files.items()
            }
            self.selected, self.current = True, None
            return bytes([0x6F, len(cmd.data) + 2, 0x84, len(cmd.data)]) + cmd.data
        if cmd.p1 == profile.SELECT_EF:
            super().select(cmd)
            ef = self.current
            assert ef is not None  # select() raised 6A82 otherwise
            return bytes([0x62, 4, 0x80, 2, len(ef.data) >> 8, len(ef.data) & 0xFF])
        raise CardStatus(profile.SW_WRONG_P1P2)
