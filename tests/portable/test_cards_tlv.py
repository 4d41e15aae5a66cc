"""BER-TLV parsing, the profile's field formats and the status-word errors of the card
layer, on both interpreters."""

from _kit import Rng, raises

from firmware.cards import errors, fields, profile, tlv
from firmware.cards.errors import MalformedCardData
from hw import hal


def test_encode_then_parse_round_trips_every_length_form():
    for n in (0, 1, 127, 128, 255, 256, 1000):
        value = bytes(i & 0xFF for i in range(n))
        for tag in (0xC1, 0x5F20, 0xDF8101):
            data = tlv.encode(tag, value)
            assert tlv.parse(data) == [(tag, value)], (tag, n)
            assert tlv.total_length(data[:6]) == len(data)
        print(n, tlv.encode(0xC1, bytes(n))[:4].hex())


def test_malformed_tlv_is_refused_with_a_typed_error():
    bad = (
        "C1",  # no length
        "C102AA",  # value shorter than its length
        "C180",  # indefinite length
        "C183000001AA",  # length in 3 bytes: not in the profile
        "C18101",  # long form, value missing
        "DF",  # multi-byte tag cut
        "DF8181810100",  # tag of 4 bytes
        "00",  # padding
        "FF0100",
        "C10141C1",  # trailing garbage
    )
    for text in bad:
        e = raises(MalformedCardData, tlv.parse, bytes.fromhex(text))
        print(text, str(e))


def test_template_must_be_exactly_one_object_of_its_tag():
    inner = tlv.encode(0xC1, b"0123456789")
    good = tlv.encode(0x61, inner)
    assert tlv.parse_template(good, 0x61, 100) == [(0xC1, b"0123456789")]
    raises(MalformedCardData, tlv.parse_template, tlv.encode(0x62, inner), 0x61, 100)
    raises(MalformedCardData, tlv.parse_template, good + b"\x00", 0x61, 100)
    raises(MalformedCardData, tlv.parse_template, good, 0x61, len(good) - 1)  # oversize
    many = tlv.encode(0x61, tlv.encode(0xD0, b"\x01") * (tlv.MAX_ITEMS + 1))
    raises(MalformedCardData, tlv.parse_template, many, 0x61, 1000)


def test_random_bytes_parse_or_raise_only_malformed():
    rng = Rng(7)
    outcomes = [0, 0]
    for _ in range(3000):
        data = rng.bytes(rng.below(12))
        try:
            tlv.parse(data)
            outcomes[0] += 1
        except MalformedCardData:
            outcomes[1] += 1
    print("parsed %d refused %d" % tuple(outcomes))
    assert outcomes[0] and outcomes[1]


def test_dates_are_bcd_and_real():
    assert fields.decode(profile.TAG_BIRTH_DATE, fields.date_bcd(20180305)) == 20180305
    assert fields.decode(profile.TAG_FROM, bytes.fromhex("20240229")) == 20240229
    for text in ("20230229", "20241301", "20240100", "2024A101", "202401"):
        raises(MalformedCardData, fields.decode, profile.TAG_FROM, bytes.fromhex(text))


def test_nir_key_is_checked_corsica_included():
    body = "1700475112233"
    good = body + "%02d" % fields.nir_key(body)
    assert fields.nir_valid(good)
    wrong = body + "%02d" % ((fields.nir_key(body) + 1) % 100)
    assert not fields.nir_valid(wrong)
    raises(MalformedCardData, fields.decode, profile.TAG_NIR, wrong.encode())
    corsica = "185052A123456"
    key = fields.nir_key(corsica)
    assert key == 97 - int("1850519123456") % 97
    assert fields.nir_valid(corsica + "%02d" % key)
    assert not fields.nir_valid("185052C123456%02d" % key)
    print(good, corsica, key)


def test_cps_holder_id_luhn():
    holder = "1000123456" + fields.luhn_digit("1000123456")
    assert fields.luhn_valid(holder)
    assert not fields.luhn_valid(holder[:-1] + str((int(holder[-1]) + 1) % 10))
    print(holder)


def test_formats_refuse_what_does_not_fit():
    raises(MalformedCardData, fields.decode, profile.TAG_SERIAL, b"12345")  # too short
    raises(MalformedCardData, fields.decode, profile.TAG_SERIAL, b"12345678X0")
    raises(MalformedCardData, fields.decode, profile.TAG_USAGE_NAME, b"DUPONT\n")
    raises(MalformedCardData, fields.decode, profile.TAG_USAGE_NAME, b" DUPONT")
    raises(MalformedCardData, fields.decode, profile.TAG_USAGE_NAME, b"X" * 33)
    raises(MalformedCardData, fields.decode, profile.TAG_CONSENT, b"\x02")
    assert fields.decode(profile.TAG_CONSENT, b"\x01") is True
    assert fields.decode(profile.TAG_USAGE_NAME, b"L'HERMITE-DURAND") == "L'HERMITE-DURAND"


def test_every_status_word_maps_to_a_typed_error_with_a_plain_message():
    for sw, _ in profile.STATUS_WORDS:
        if sw in (profile.SW_OK, profile.SW_EOF):
            errors.check_sw(sw)
            continue
        e = errors.error_for(sw)
        assert isinstance(e, errors.CardLayerError) and isinstance(e, hal.CardError)
        text = str(e)
        assert text and all(32 <= ord(c) < 127 for c in text), text
        print("%04X %s %s" % (sw, type(e).__name__, text))
    assert isinstance(errors.error_for(0x63C2), errors.PinWrong)
    assert errors.error_for(0x63C2).tries_left == 2
    assert isinstance(errors.error_for(0x63C0), errors.PinBlocked)
    assert isinstance(errors.error_for(0x6983), errors.PinBlocked)
    assert isinstance(errors.error_for(0x6982), errors.SecurityStatusNotSatisfied)
    assert isinstance(errors.error_for(0x6A82), errors.FileNotFound)
    assert type(errors.error_for(0x6F42)) is errors.CardStatusError
    assert "6F42" in str(errors.error_for(0x6F42))
