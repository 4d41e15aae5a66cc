"""The signed sheet bundle (both interpreters): round trip, never without the CPS signature,
lengths checked, unknown keys refused, and the size of a typical bundle; version 2 names
each signature's algorithm (ES256, RS256) and a Vitale card that signed by being read,
version 1 bundles stay readable."""

import hashlib

from _kit import Rng, raises
from _sheets import doctor_visit, nurse_visit

from protocol import bundle, cbor


def _signed(sheet_bytes, vitale=True):
    rng = Rng(len(sheet_bytes))
    if vitale:
        return bundle.encode(sheet_bytes, rng.bytes(64), rng.bytes(8), rng.bytes(64), rng.bytes(8))
    return bundle.encode(sheet_bytes, rng.bytes(64), rng.bytes(8))


def test_round_trip_with_and_without_the_vitale_signature():
    data = nurse_visit().encode()
    for vitale in (True, False):
        signed = _signed(data, vitale)
        b = bundle.decode(signed)
        assert b.sheet == data and len(b.cps_signature) == 64 and len(b.cps_cert) == 8
        assert (b.vitale_signature is not None) == vitale
        assert (b.vitale_cert is not None) == vitale
        again = bundle.encode(
            b.sheet, b.cps_signature, b.cps_cert, b.vitale_signature, b.vitale_cert
        )
        assert again == signed
        print("vitale" if vitale else "cps only", len(signed), signed[:12].hex())


def test_typical_bundle_size():
    # Goal: under 400 bytes with the journal's header (about 12 bytes).
    for sheet in (nurse_visit(), doctor_visit()):
        signed = _signed(sheet.encode())
        print("sheet", len(sheet.encode()), "bundle", len(signed), "with header", len(signed) + 12)
        assert len(signed) + 12 < 400


def test_never_without_the_cps_signature():
    data = nurse_visit().encode()
    e = raises(bundle.BundleFormatError, bundle.encode, data, None, None, bytes(64), bytes(8))
    print(e)


def test_lengths_and_pairs_are_checked():
    data = nurse_visit().encode()
    for args in (
        (data, bytes(63), bytes(8)),
        (data, bytes(64), bytes(9)),
        (data, bytes(64), bytes(8), bytes(64), None),
        (data, bytes(64), bytes(8), None, bytes(8)),
        (data, bytes(64), bytes(8), bytes(65), bytes(8)),
        ("sheet", bytes(64), bytes(8)),
    ):
        print(raises(bundle.BundleFormatError, bundle.encode, *args))


def test_decode_refuses_what_is_not_a_bundle():
    value = cbor.decode(_signed(nurse_visit().encode()))
    cases = []
    extra = dict(value)
    extra[6] = b"x"
    cases.append(extra)
    wrong_version = dict(value)
    wrong_version[0] = 3
    cases.append(wrong_version)
    no_sheet = dict(value)
    del no_sheet[1]
    cases.append(no_sheet)
    text_sheet = dict(value)
    text_sheet[1] = "sheet"
    cases.append(text_sheet)
    short_sig = dict(value)
    short_sig[4] = value[4][:32]
    cases.append(short_sig)
    lone_cert = dict(value)
    del lone_cert[4]
    cases.append(lone_cert)
    cases.append([value])
    for case in cases:
        print(raises(bundle.BundleFormatError, bundle.decode, cbor.encode(case)))
    signed = _signed(nurse_visit().encode())
    print(raises(bundle.BundleFormatError, bundle.decode, signed + b"\x00"))
    print(raises(bundle.BundleFormatError, bundle.decode, signed[:-1]))


def test_a_missing_cps_signature_decodes_for_the_verifier_to_refuse():
    value = cbor.decode(_signed(nurse_visit().encode()))
    del value[2]
    del value[3]
    del value[6]  # its algorithm goes with it
    b = bundle.decode(cbor.encode(value))
    assert b.cps_signature is None and b.cps_cert is None


def test_digest_and_certificate_id():
    data = nurse_visit().encode()
    assert bundle.digest(data) == hashlib.sha256(data).digest()
    der = Rng(7).bytes(300)
    assert bundle.cert_id(der) == hashlib.sha256(der).digest()[:8]
    print(bundle.digest(data).hex(), bundle.cert_id(der).hex())


def _v1(sheet_bytes, vitale=True):
    """A version 1 bundle, as terminals wrote them before version 2 (no algorithm named)."""
    rng = Rng(len(sheet_bytes))
    value = {0: 1, 1: sheet_bytes, 2: rng.bytes(64), 3: rng.bytes(8)}
    if vitale:
        value[4] = rng.bytes(64)
        value[5] = rng.bytes(8)
    return cbor.encode(value)


def test_version_1_bundles_stay_readable_as_es256():
    data = nurse_visit().encode()
    for vitale in (True, False):
        b = bundle.decode(_v1(data, vitale))
        assert b.version == 1 and b.cps_alg == bundle.ES256
        assert b.vitale_alg == (bundle.ES256 if vitale else None)
        assert b.vitale_read is None
    # A version 1 bundle never named an algorithm nor a reading: one that does is forged.
    value = cbor.decode(_v1(data))
    for key, item in ((6, bundle.RS256), (7, bundle.ES256), (8, "1234")):
        forged = dict(value)
        forged[key] = item
        print(raises(bundle.BundleFormatError, bundle.decode, cbor.encode(forged)))


def test_version_2_names_each_algorithm():
    data = nurse_visit().encode()
    rng = Rng(3)
    signed = bundle.encode(data, rng.bytes(256), rng.bytes(8), cps_alg=bundle.RS256)
    b = bundle.decode(signed)
    assert b.version == 2 and b.cps_alg == bundle.RS256 and len(b.cps_signature) == 256
    assert b.vitale_alg is None
    value = cbor.decode(signed)
    assert value[0] == 2 and value[6] == -257
    # The length is the algorithm's: an RSA 2048 signature is 256 bytes, ES256 64.
    for sig, alg in (
        (rng.bytes(255), bundle.RS256),
        (rng.bytes(64), bundle.RS256),
        (rng.bytes(256), bundle.ES256),
        (rng.bytes(64), -8),
    ):
        print(
            raises(
                bundle.BundleFormatError, bundle.encode, data, sig, rng.bytes(8), None, None, alg
            )
        )
        forged = dict(value)
        forged[2] = sig
        forged[6] = alg
        print(raises(bundle.BundleFormatError, bundle.decode, cbor.encode(forged)))
    no_alg = dict(value)
    del no_alg[6]
    print(raises(bundle.BundleFormatError, bundle.decode, cbor.encode(no_alg)))


def test_a_card_that_signed_by_being_read():
    data = nurse_visit().encode()
    rng = Rng(4)
    cps, cid, cvc = rng.bytes(256), rng.bytes(8), rng.bytes(8)
    signed = bundle.encode(data, cps, cid, None, cvc, bundle.RS256, vitale_read="1234567890")
    b = bundle.decode(signed)
    assert b.vitale_read == "1234567890" and b.vitale_cert == cvc
    assert b.vitale_signature is None and b.vitale_alg is None
    print("read by", len(signed), "bytes")
    # The reading comes with the certificate read and never with a signature.
    for args in (
        (data, cps, cid, None, None, bundle.RS256, bundle.ES256, "1234567890"),
        (data, cps, cid, rng.bytes(64), cvc, bundle.RS256, bundle.ES256, "1234567890"),
        (data, cps, cid, None, cvc, bundle.RS256, bundle.ES256, "12AB"),
        (data, cps, cid, None, cvc, bundle.RS256, bundle.ES256, ""),
        (data, cps, cid, None, cvc, bundle.RS256, bundle.ES256, b"1234"),
    ):
        print(raises(bundle.BundleFormatError, bundle.encode, *args))


def test_encode_is_the_deterministic_cbor_of_the_map():
    data = nurse_visit().encode()
    rng = Rng(5)
    for args, kw in (
        ((data, rng.bytes(64), rng.bytes(8), rng.bytes(64), rng.bytes(8)), {}),
        (
            (data, rng.bytes(256), rng.bytes(8), None, rng.bytes(8)),
            {"cps_alg": bundle.RS256, "vitale_read": "2500000017"},
        ),
        ((bytearray(data), bytearray(rng.bytes(64)), memoryview(rng.bytes(8))), {}),
    ):
        signed = bundle.encode(*args, **kw)
        assert type(signed) is bytes
        assert cbor.encode(cbor.decode(signed)) == signed
