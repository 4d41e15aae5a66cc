"""The care sheet's encoding (both interpreters): round trips, one encoding per sheet, sizes,
and decoding that refuses unknown keys, wrong types and non-deterministic bytes."""

from _kit import raises
from _sheets import nurse_visit, samples

from protocol import bundle, cbor
from protocol import sheet_fields as F
from protocol.sheet import Act, Beneficiary, Sheet, SheetFormatError, decode


def test_field_tables_are_sound():
    for kind in F.RECORDS:
        fields = F.RECORDS[kind]
        keys = [f[F.KEY] for f in fields]
        names = [f[F.NAME] for f in fields]
        assert len(set(keys)) == len(keys) and len(set(names)) == len(names), kind
        assert keys == sorted(keys) and max(keys) < 24, kind  # one-byte keys, listed in order
        for f in fields:
            assert f[F.KIND] in ("int", "text", "bool") or f[F.KIND] in F.RECORDS, f
            assert len(f[F.SCREEN] % 12 if "%d" in f[F.SCREEN] else f[F.SCREEN]) <= 20, f
            assert all(32 <= ord(ch) < 127 for ch in f[F.SCREEN] + f[F.FRENCH]), f


def test_samples_round_trip_and_print_their_bytes():
    for name, sheet in samples():
        data = sheet.encode()
        again = decode(data)
        assert again == sheet, name
        assert again.encode() == data, name
        print(name, len(data), data.hex())


def test_typical_sizes():
    # A home visit of 3 acts stays around 200 bytes; with both signatures and the journal's
    # header (about 12 bytes) it stays under 400.
    for name, sheet in samples()[:2]:
        data = sheet.encode()
        signed = bundle.encode(data, bytes(64), bytes(8), bytes(64), bytes(8))
        print(name, "sheet", len(data), "bundle", len(signed))
        assert len(data) <= 210
        assert len(signed) + 12 <= 400


def test_missing_items_decode_as_missing():
    # Decoding sets no defaults: the validator must see what the bytes lack.
    value = cbor.decode(nurse_visit().encode())
    for key in (0, 4, 12, 13):
        partial = dict(value)
        del partial[key]
        sheet = decode(cbor.encode(partial))
        name = [f[F.NAME] for f in F.SHEET if f[F.KEY] == key][0]
        assert getattr(sheet, name) is None, name
    assert decode(nurse_visit().encode()).degraded is False


def test_degraded_is_written_only_when_true():
    sheet = nurse_visit()
    plain = sheet.encode()
    sheet.degraded = True
    marked = sheet.encode()
    assert len(marked) == len(plain) + 2
    assert decode(marked).degraded is True
    value = cbor.decode(marked)
    value[20] = False  # false has no encoding of its own: absent means false
    e = raises(SheetFormatError, decode, cbor.encode(value))
    print(e)


def _refused(value):
    e = raises(SheetFormatError, decode, cbor.encode(value))
    print(e)


def test_decode_refuses_unknown_keys():
    value = cbor.decode(nurse_visit().encode())
    _refused(_with(value, 23, 1))
    _refused(_with(value, "insured", "x"))
    acts = [dict(a) for a in value[12]]
    acts[1][9] = 1
    _refused(_with(value, 12, acts))
    _refused(_with(value, 18, _with(value[18], 3, "x")))


def _with(mapping, key, item):
    copy = dict(mapping)
    copy[key] = item
    return copy


def test_decode_refuses_wrong_types():
    value = cbor.decode(nurse_visit().encode())
    _refused(_with(value, 3, "42"))  # order number as text
    _refused(_with(value, 3, True))  # a bool is not an int, on either interpreter
    _refused(_with(value, 5, 180027512345678))  # NIR as an int
    _refused(_with(value, 12, {0: 1}))  # acts not a list
    _refused(_with(value, 12, [1, 2]))  # an act not a map
    _refused(_with(value, 18, [20261102]))  # prescription not a map
    _refused(_with(value, 13, b"\x04\x5b"))  # fees as bytes
    _refused([value])  # not a map at all


def test_decode_refuses_bytes_that_are_not_deterministic():
    data = nurse_visit().encode()
    # 0x18 0x2a (order number 42) rewritten with a longer head: 0x19 0x00 0x2a.
    i = data.index(b"\x03\x18\x2a")
    longer = data[:i] + b"\x03\x19\x00\x2a" + data[i + 3 :]
    _decode_fails(longer)
    _decode_fails(data + b"\x00")  # trailing byte
    _decode_fails(data[:-1])  # cut short
    # The first two entries (version 0: 1, nomenclature 1: 1) swapped: not bytewise order.
    assert data[1:5] == b"\x00\x01\x01\x01"
    _decode_fails(data[:1] + data[3:5] + data[1:3] + data[5:])


def _decode_fails(data):
    e = raises(SheetFormatError, decode, data)
    print(e)


def test_encode_refuses_wrong_types():
    sheet = nurse_visit()
    sheet.order_no = "42"
    print(raises(SheetFormatError, sheet.encode))
    sheet = nurse_visit()
    sheet.acts[0].coef = 1.5
    print(raises(SheetFormatError, sheet.encode))
    sheet = nurse_visit()
    sheet.acts.append({"code": "AMI"})
    print(raises(SheetFormatError, sheet.encode))
    sheet = nurse_visit()
    sheet.beneficiary = (None, 20150310, 1)
    print(raises(SheetFormatError, sheet.encode))
    sheet = nurse_visit()
    sheet.degraded = 1
    print(raises(SheetFormatError, sheet.encode))


def test_records_take_only_their_fields():
    raises(TypeError, lambda: Act(code="AMI", price=3))
    raises(TypeError, lambda: Sheet(patient="x"))
    b = Beneficiary(birth=20150310, birth_rank=1)
    assert b.nir is None and b == Beneficiary(birth=20150310, birth_rank=1)
    assert b != Beneficiary(birth=20150310, birth_rank=2)
    print(repr(b))


def test_third_party_paid_follows_the_payment_mode():
    sheet = nurse_visit()
    assert not sheet.third_party_paid()
    sheet.payment = F.THIRD_PARTY
    assert sheet.third_party_paid()
