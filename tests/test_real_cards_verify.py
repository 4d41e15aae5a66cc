"""The practice PC verifies what the real cards sign (docs/care-sheet.md "Verification"):
a CPS3's RSA PKCS#1 v1.5 signature with `cryptography`, its certificate bound to the
sheet's professional by the CN (PS_IdNat, 8 + RPPS) and chained only to the IGC-Santé
authorities the practice installed (never trusted by default); a Vitale 2 signing by being
read, its certificate as read known; version 1 bundles still verify."""

import pytest

from emulator.cards import igc
from host_agent import verify
from protocol import bundle, cbor
from protocol import sheet_fields as F
from tests import lots_kit
from tests import real_cards_kit as kit

DAY = lots_kit.DAY


def _verify(data, trusted=None, certs=None):
    return verify.Verifier(certs or kit.certificates(), trusted or kit.igc_trust()).verify(
        data, DAY
    )


def test_cps3_and_vitale2_bundle_verifies_with_the_installed_igc_roots():
    result = _verify(kit.sign(kit.make_sheet(1)))
    assert result.ok, result.reason
    assert result.bundle.cps_alg == bundle.RS256 and result.bundle.vitale_read == "2500000017"


def test_cps3_is_not_trusted_by_default():
    result = _verify(kit.sign(kit.make_sheet(1)), lots_kit.root_der())
    assert not result.ok and "no IGC-Santé authority is installed" in result.reason


def test_cps3_certificate_of_another_professional_is_refused():
    other_key, other_cert = igc.lookalike().issue(
        "cps3/other", "10009998882", "AUTRE", "MEDECIN", (20240101, 20290101)
    )
    data = kit.sign(kit.make_sheet(1), other_key, other_cert)
    result = _verify(data, certs=kit.certificates() + [other_cert])
    assert not result.ok and "is 10009998882's, not the sheet's professional" in result.reason


def test_cps3_signature_tampered_or_short_is_refused():
    data = kit.sign(kit.make_sheet(1))
    value = cbor.decode(data)
    flipped = dict(value)
    flipped[2] = bytes([value[2][0] ^ 1]) + value[2][1:]
    assert "does not match the sheet bytes" in _verify(cbor.encode(flipped)).reason
    short = dict(value)
    short[2] = value[2][:255]
    assert "must be 256 bytes, not 255" in _verify(cbor.encode(short)).reason
    # ES256 named over an RSA key: the algorithm is the bundle's, checked against the key.
    as_es = dict(value)
    as_es[2], as_es[6] = value[2][:64], bundle.ES256
    assert "not an ECDSA P-256 key" in _verify(cbor.encode(as_es)).reason


def test_vitale2_reading_needs_its_certificate_and_both_sides_to_say_so():
    data = kit.sign(kit.make_sheet(1))
    unknown = _verify(data, certs=kit.certificates()[:1])
    assert "read from the Vitale card is unknown" in unknown.reason
    value = cbor.decode(data)
    del value[8]  # the bundle no longer names the card read, the sheet still says so
    del value[5]
    assert (
        "disagree on a Vitale card that signed by being read" in _verify(cbor.encode(value)).reason
    )
    sheet = kit.make_sheet(2)
    sheet.unsigned_reason = F.CANNOT_EXPRESS_WILL  # the sheet says another reason
    assert "disagree" in _verify(kit.sign(sheet)).reason


def test_a_version_1_bundle_still_verifies():
    sheet = lots_kit.make_sheet("gp", "single", 1)
    v2 = lots_kit.sign(sheet, "gp", "single")
    value = cbor.decode(v2)
    assert value[0] == 2 and value[6] == bundle.ES256
    v1 = {k: v for k, v in value.items() if k < 6}
    v1[0] = 1
    certs = [lots_kit.card("gp").cert, lots_kit.card("single").cert]
    result = verify.Verifier(certs, lots_kit.root_der()).verify(cbor.encode(v1), DAY)
    assert result.ok and result.bundle.version == 1, result.reason


@pytest.mark.parametrize("day", [20231231, 20290102])
def test_cps3_certificate_outside_its_validity_is_refused(day):
    result = _verify(kit.sign(kit.make_sheet(1, completion=day)))
    assert not result.ok and "was not valid on" in result.reason, result.reason
