"""Verification of signed sheet bundles on the practice PC (host_agent/verify.py) with a small
test PKI made here with `cryptography`: a flipped byte anywhere fails, and each wrong
certificate, root, validity or missing signature is refused with its own reason."""

import re
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from cryptography.x509.oid import NameOID

from emulator.cards import pki as test_pki
from firmware.cards import profile
from host_agent.verify import verify_bundle
from protocol import bundle, cbor
from protocol import sheet_fields as F

sys.path.insert(0, str(Path(__file__).resolve().parent / "portable"))
import _sheets  # noqa: E402

TODAY = _sheets.TODAY
PROFESSIONAL = "60001234567"  # the nurse of _sheets
DOCTOR = "10001234567"


def _name(cn, serial=None, nir=None, role=None):
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if role:  # a card's OU is its role (docs/cards.md), checked by signers.role_problem
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role))
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    if nir:
        attrs.append(x509.NameAttribute(NameOID.USER_ID, nir))
    return x509.Name(attrs)


def _cert(cn, key, issuer_cn, issuer_key, start=(2025, 1, 1), end=(2028, 1, 1), ca=False, **card):
    """A CA certificate, or (`card`: role, serial, nir) a card certificate of the profile."""
    card.setdefault("role", "CPS")
    card.setdefault("serial", PROFESSIONAL if card["role"] == "CPS" else "2000000011")
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, *(() if ca else (card["serial"], card.get("nir"), card["role"]))))
        .issuer_name(issuer_cn if isinstance(issuer_cn, x509.Name) else _name(issuer_cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(*start, tzinfo=UTC))
        .not_valid_after(datetime(*end, tzinfo=UTC))
    )
    if ca:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=None), critical=True
        ).add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    else:
        builder = test_pki.card_profile(builder, card["role"], issuer_key)
    return builder.sign(issuer_key, hashes.SHA256())


def _der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def _sign(key, data):
    """What a card returns: ECDSA P-256 over SHA-256 of `data`, 64 bytes r || s."""
    der = key.sign(bundle.digest(data), ec.ECDSA(Prehashed(hashes.SHA256())))
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


class Pki:
    """Root -> CPS CA -> CPS card certificates (one per professional); root -> Vitale card
    certificate of the sheets' insured."""

    def __init__(self):
        new = lambda: ec.generate_private_key(ec.SECP256R1())  # noqa: E731
        self.root_key, self.ca_key, self.cps_key, self.vitale_key = new(), new(), new(), new()
        self.root = _cert("tla test root", self.root_key, "tla test root", self.root_key, ca=True)
        self.ca = _cert("tla test CPS CA", self.ca_key, "tla test root", self.root_key, ca=True)
        self.cps = _cert("CPS nurse", self.cps_key, "tla test CPS CA", self.ca_key)
        self.doctor = _cert("CPS GP", self.cps_key, "tla test CPS CA", self.ca_key, serial=DOCTOR)
        self.vitale = _cert(
            "Vitale 2000000011",
            self.vitale_key,
            "tla test root",
            self.root_key,
            role="Vitale",
            nir=_sheets.INSURED,
        )
        self.known = [_der(c) for c in (self.ca, self.cps, self.doctor, self.vitale)]

    def signed(self, sheet_bytes, vitale=True, cps_key=None, cps_cert=None, vitale_key=None):
        if cps_cert is None:
            cps_cert = self.doctor if DOCTOR.encode() in sheet_bytes else self.cps
        cps_key = cps_key or self.cps_key
        args = [sheet_bytes, _sign(cps_key, sheet_bytes), bundle.cert_id(_der(cps_cert))]
        if vitale:
            args += [
                _sign(vitale_key or self.vitale_key, sheet_bytes),
                bundle.cert_id(_der(self.vitale)),
            ]
        return bundle.encode(*args)


@pytest.fixture(scope="module")
def pki():
    return Pki()


def verify(pki, data, known=None, root=None):
    return verify_bundle(data, pki.known if known is None else known, root or pki.root, TODAY)


def test_a_signed_sheet_verifies(pki):
    for name, sheet in _sheets.samples():
        result = verify(pki, pki.signed(sheet.encode()))
        assert result.ok, (name, result.reason)
        assert result.sheet == sheet and result.reason == ""
    # Certificates by id and as objects, the root as DER: the same answer.
    data = pki.signed(_sheets.nurse_visit().encode())
    by_id = {bundle.cert_id(d): d for d in pki.known}
    assert verify_bundle(data, by_id, _der(pki.root), TODAY).ok
    objects = [pki.ca, pki.cps, pki.vitale]
    assert verify_bundle(data, objects, pki.root, TODAY).ok


def test_a_flipped_byte_anywhere_fails(pki):
    data = pki.signed(_sheets.nurse_visit().encode())
    reasons = Counter()
    for i in range(len(data)):
        for mask in (0x01, 0x80, 0xFF):
            flipped = bytearray(data)
            flipped[i] ^= mask
            result = verify(pki, bytes(flipped))
            assert not result.ok, (i, mask)
            assert result.reason
            reasons[re.sub(r"[0-9a-f]{16}", "<id>", result.reason.split(":")[0])] += 1
    print("bundle of %d bytes, %d flips, all refused:" % (len(data), 3 * len(data)))
    for reason, count in reasons.most_common():
        print("  %5d  %s" % (count, reason))
    # Flips inside the sheet that still decode are caught by the signatures.
    assert any("signature does not match" in r for r in reasons)


def test_the_sheet_bytes_are_verified_as_received_not_re_encoded(pki):
    # The same sheet written with a non-shortest integer, and signed so: refused all the
    # same, because the bytes are not the one deterministic encoding.
    good = _sheets.nurse_visit().encode()
    i = good.index(b"\x03\x18\x2a")
    odd = good[:i] + b"\x03\x19\x00\x2a" + good[i + 3 :]
    result = verify(pki, pki.signed(odd))
    assert not result.ok and "malformed" in result.reason, result.reason
    print(result.reason)


def test_wrong_certificate(pki):
    sheet_bytes = _sheets.nurse_visit().encode()
    # Signed by the Vitale key but naming the CPS certificate.
    result = verify(pki, pki.signed(sheet_bytes, cps_key=pki.vitale_key))
    assert not result.ok and result.reason == "the CPS signature does not match the sheet bytes"
    # A certificate the PC does not know.
    stranger_key = ec.generate_private_key(ec.SECP256R1())
    stranger = _cert("CPS stranger", stranger_key, "tla test CPS CA", pki.ca_key)
    result = verify(pki, pki.signed(sheet_bytes, cps_key=stranger_key, cps_cert=stranger))
    assert not result.ok and result.reason.startswith("the CPS certificate ")
    assert result.reason.endswith(" is unknown"), result.reason
    print(result.reason)
    # Issued by a card certificate instead of a certificate authority.
    fake_key = ec.generate_private_key(ec.SECP256R1())
    fake = _cert("CPS fake", fake_key, pki.cps.subject, pki.cps_key)
    known = pki.known + [_der(fake)]
    result = verify(pki, pki.signed(sheet_bytes, cps_key=fake_key, cps_cert=fake), known)
    assert not result.ok and "must be asserted in a CA certificate" in result.reason, result.reason
    print(result.reason)


def test_wrong_root(pki):
    data = pki.signed(_sheets.nurse_visit().encode())
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _cert("another root", other_key, "another root", other_key, ca=True)
    result = verify(pki, data, root=other)
    assert not result.ok and "does not chain to the trusted root" in result.reason
    assert "no issuer up to the trusted root" in result.reason
    print(result.reason)
    # Same name as the real root, another key: the signature on the certificates fails.
    impostor = _cert("tla test root", other_key, "tla test root", other_key, ca=True)
    result = verify(pki, data, root=impostor)
    assert not result.ok and "signature does not match" in result.reason, result.reason
    print(result.reason)


def test_certificate_not_valid_at_the_completion_date(pki):
    sheet_bytes = _sheets.nurse_visit().encode()  # completed 18 November 2026
    for start, end in (((2024, 1, 1), (2026, 11, 17)), ((2026, 11, 19), (2029, 1, 1))):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert("CPS dated", key, "tla test CPS CA", pki.ca_key, start, end)
        known = pki.known + [_der(cert)]
        result = verify(pki, pki.signed(sheet_bytes, cps_key=key, cps_cert=cert), known)
        assert not result.ok and "was not valid on 2026-11-18" in result.reason, result.reason
        print(result.reason)
    # Valid for part of that French day only: accepted.
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _cert("CPS last day", key, "tla test CPS CA", pki.ca_key, (2024, 1, 1), (2026, 11, 18))
    known = pki.known + [_der(cert)]
    assert verify(pki, pki.signed(sheet_bytes, cps_key=key, cps_cert=cert), known).ok


def _signed_by(sheet_bytes, cps, vitale):
    """A bundle whose "CPS" and "Vitale" signatures are by these (key, certificate)."""
    args = [sheet_bytes]
    for key, cert in (cps, vitale):
        args += [_sign(key, sheet_bytes), bundle.cert_id(_der(cert))]
    return bundle.encode(*args)


def test_the_cps_signature_must_be_the_sheets_professionals_cps(pki):
    """Signer binding (docs/care-sheet.md step 3): a valid card of the PKI that is not the
    professional's CPS may not sign as "CPS"."""
    sheet_bytes = _sheets.nurse_visit().encode()  # the nurse 60001234567's
    # Another patient's Vitale card signs in the CPS's place, naming its own (valid)
    # certificate.
    key = ec.generate_private_key(ec.SECP256R1())
    vitale = _cert(
        "Vitale other", key, "tla test root", pki.root_key, role="Vitale", nir=_sheets.INSURED
    )
    known = pki.known + [_der(vitale)]
    result = verify(
        pki, _signed_by(sheet_bytes, (key, vitale), (pki.vitale_key, pki.vitale)), known
    )
    assert not result.ok
    assert result.reason == (
        "the CPS certificate is not a CPS certificate: it has not the CPS policy %s"
        % profile.CPS_CERT_POLICY
    )
    # The patient's own card signing twice: one certificate under both signatures.
    result = verify(
        pki, _signed_by(sheet_bytes, (pki.vitale_key, pki.vitale), (pki.vitale_key, pki.vitale))
    )
    assert result.reason == "the CPS and Vitale signatures name the same certificate"
    # Another professional's CPS (the GP's, valid, of the same PKI) signs the nurse's sheet.
    result = verify(pki, pki.signed(sheet_bytes, cps_cert=pki.doctor))
    assert not result.ok
    assert result.reason == (
        "the CPS certificate is 10001234567's, not the sheet's professional 60001234567"
    )
    # A CPS certificate (another card's) used as the Vitale one.
    other = _cert("CPS other", key, "tla test CPS CA", pki.ca_key)
    known = pki.known + [_der(other)]
    result = verify(pki, _signed_by(sheet_bytes, (pki.cps_key, pki.cps), (key, other)), known)
    assert result.reason.startswith("the Vitale certificate is not a Vitale certificate")


def test_the_vitale_signature_must_be_the_insureds_card(pki):
    sheet_bytes = _sheets.nurse_visit().encode()
    key = ec.generate_private_key(ec.SECP256R1())
    other = _cert(
        "Vitale other",
        key,
        "tla test root",
        pki.root_key,
        role="Vitale",
        serial="2000000099",
        nir="269054958815780",
    )
    data = _signed_by(sheet_bytes, (pki.cps_key, pki.cps), (key, other))
    result = verify(pki, data, pki.known + [_der(other)])
    assert not result.ok
    # The reason names no NIR: it is shown in the quarantine list.
    assert result.reason == "the Vitale certificate is not the card of the sheet's insured"


def test_a_card_certificate_without_the_profile_is_refused(pki):
    """A certificate of the right name, chained, but without the role's extensions."""
    key = ec.generate_private_key(ec.SECP256R1())
    bare = (
        x509.CertificateBuilder()
        .subject_name(_name("CPS bare", PROFESSIONAL))
        .issuer_name(pki.ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2025, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2028, 1, 1, tzinfo=UTC))
        .sign(pki.ca_key, hashes.SHA256())
    )
    sheet_bytes = _sheets.nurse_visit().encode()
    data = pki.signed(sheet_bytes, cps_key=key, cps_cert=bare)
    result = verify(pki, data, pki.known + [_der(bare)])
    assert (
        result.reason
        == "the CPS certificate is not a CPS certificate: it has no keyUsage extension"
    )


def test_missing_cps_signature(pki):
    value = cbor.decode(pki.signed(_sheets.nurse_visit().encode()))
    del value[2], value[3], value[6]  # the signature, its certificate, its algorithm
    result = verify(pki, cbor.encode(value))
    assert not result.ok and result.reason == "the CPS signature is missing (R161-43)"


def test_missing_vitale_signature_needs_a_recorded_reason(pki):
    sheet = _sheets.nurse_visit()
    result = verify(pki, pki.signed(sheet.encode(), vitale=False))
    assert not result.ok
    assert result.reason == (
        "the Vitale signature is missing and the sheet records no reason (R161-43)"
    )
    sheet.unsigned_reason = F.NO_SIGNATURE_KEY
    assert verify(pki, pki.signed(sheet.encode(), vitale=False)).ok
    sheet = _sheets.nurse_visit()
    sheet.degraded = True  # no Vitale card at all
    assert verify(pki, pki.signed(sheet.encode(), vitale=False)).ok
    result = verify(pki, pki.signed(sheet.encode(), vitale=True))
    assert not result.ok and "degraded" in result.reason


def test_an_invalid_sheet_is_refused_in_english(pki):
    sheet = _sheets.nurse_visit()
    sheet.insured = sheet.insured[:14] + "0"
    sheet.acts[0].code = "XYZ"
    sheet.unsigned_reason = F.NO_SIGNATURE_KEY  # no Vitale certificate to name the NIR
    result = verify(pki, pki.signed(sheet.encode(), vitale=False))
    assert not result.ok
    assert result.reason == (
        "the care sheet is refused: the insured's NIR is not valid (and 1 more problems)"
    )
    sheet = _sheets.nurse_visit()
    sheet.completion = 20261125
    result = verify(pki, pki.signed(sheet.encode()))
    assert result.reason == "the care sheet is refused: the completion date is in the future"
    sheet = _sheets.doctor_visit()
    sheet.third_party = sheet.fees + 100
    result = verify(pki, pki.signed(sheet.encode()))
    assert result.reason.startswith(
        "the care sheet is refused: the third-party amount is above the fees charged"
    ), result.reason


def test_every_rule_and_field_has_an_english_text():
    from host_agent.verify import FIELD_TEXT, RULE_TEXT
    from protocol.sheet_validation import RULES

    assert sorted(RULE_TEXT) == sorted(RULES)
    paths = ["acts.N"]
    for field in F.SHEET:
        paths.append(field[F.NAME])
        if field[F.KIND] in F.RECORDS:
            prefix = "acts.N." if field[F.KIND] == "acts" else field[F.NAME] + "."
            paths += [prefix + sub[F.NAME] for sub in F.RECORDS[field[F.KIND]]]
    assert sorted(FIELD_TEXT) == sorted(paths)


def test_garbage_is_refused_not_raised(pki):
    for data in (b"", b"\x00", b"\xa0", b"\xff" * 40, cbor.encode({1: b"x"})):
        result = verify(pki, data)
        assert not result.ok and result.reason.startswith("the bundle is malformed"), data


def test_a_hostile_keyed_name_is_refused(pki):
    """Sheet key 22 (patient_name) from the line is checked like the rest of the sheet."""
    sheet = _sheets.nurse_visit()
    sheet.degraded = True  # no Vitale card at all: the name keyed on the terminal
    sheet.patient_name = "L'HOTE ANNE-MARIE"
    assert verify(pki, pki.signed(sheet.encode(), vitale=False)).ok
    sheet.patient_name = "[red]MARTIN[/red]"
    result = verify(pki, pki.signed(sheet.encode(), vitale=False))
    assert not result.ok and result.reason == (
        "the care sheet is refused: the patient name keyed without the card is not valid"
    ), result.reason
