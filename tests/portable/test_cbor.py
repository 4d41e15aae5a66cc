"""Deterministic CBOR: RFC 8949 vectors, refusals, limits, round trips (both interpreters)."""

from _kit import Rng, from_json, load_vectors, raises

from protocol import cbor

VECTORS = load_vectors("cbor")


def test_encode_matches_every_vector():
    for v in VECTORS["valid"]:
        got = cbor.encode(from_json(v["value"])).hex()
        assert got == v["hex"], "%s: got %s want %s" % (v["value"], got, v["hex"])
    print("encoded", len(VECTORS["valid"]), "vectors")


def test_decode_matches_every_vector():
    for v in VECTORS["valid"]:
        assert cbor.decode(bytes.fromhex(v["hex"])) == from_json(v["value"]), v["hex"]


def test_refuses_every_invalid_vector_with_an_offset():
    for v in VECTORS["invalid"]:
        e = raises(cbor.CBORError, cbor.decode, bytes.fromhex(v["hex"]))
        assert e.offset >= 0, v["why"]
        print(v["why"], "->", e)


# Text at the edges of each UTF-8 length, and of the surrogates (source literals: MicroPython's
# json reads a surrogate pair escape as two surrogates, so these are not in the JSON vectors).
EDGES = (
    ("\u0080", "62c280"),
    ("\u07ff", "62dfbf"),
    ("\u0800", "63e0a080"),
    ("\ud7ff", "63ed9fbf"),
    ("\ue000", "63ee8080"),
    ("\uffff", "63efbfbf"),
    ("\U00010000", "64f0908080"),
    ("\U0010ffff", "64f48fbfbf"),
    ("a\u00e9\u20ac\U0001f600", "6a61c3a9e282acf09f9880"),
)


def test_text_at_every_utf8_edge_is_taken_both_ways():
    for text, hexed in EDGES:
        assert cbor.encode(text).hex() == hexed, text
        assert cbor.decode(bytes.fromhex(hexed)) == text, hexed


def test_malformed_utf8_is_refused_at_the_byte_that_breaks_it():
    # (text bytes, offset of the offending byte in the whole item)
    for raw, at in (
        ("eda080", 1),  # a surrogate: MicroPython's str() took it, CPython's refused it
        ("c080", 1),  # overlong
        ("f4908080", 1),  # above U+10FFFF
        ("41e282", 2),  # cut short
        ("414280", 3),  # a continuation byte alone
    ):
        data = bytes.fromhex("%02x" % (0x60 + len(raw) // 2) + raw)
        e = raises(cbor.CBORError, cbor.decode, data)
        assert e.offset == at and "UTF-8" in str(e), (raw, e)


def test_the_encoder_refuses_a_lone_surrogate():
    # MicroPython holds "\ud800" and encodes it as ED A0 80, which no decoder may take.
    for text in ("\ud800", "\udfff", "a\udc80b", ["ok", {"k": "\udbff"}]):
        raises(cbor.CBORError, cbor.encode, text)


def test_every_short_text_body_gets_the_same_answer_on_both_interpreters():
    """Every 2-byte text body and the 3- and 4-byte ones around each lead byte: how many
    decode, and a digest of them, printed (the harness compares the interpreters; the
    CPython test tests/test_cbor_properties.py checks the same sweep against cbor2)."""
    accepted = 0
    digest = 0
    for body in utf8_sweep():
        data = bytes((0x60 + len(body),)) + body
        try:
            text = cbor.decode(data)
        except cbor.CBORError:
            continue
        accepted += 1
        assert cbor.encode(text) == data
        for b in body:
            digest = (digest * 31 + b) & 0xFFFFFFFF
    print("accepted %d short texts, digest %08x" % (accepted, digest))


def utf8_sweep():
    """Text bodies: every pair of bytes from 0x80 on, then each lead byte C0-FF with every
    second byte and the continuations that matter after it."""
    tails = (b"", b"\x7f", b"\x80", b"\xbf", b"\xc0", b"\x80\x80", b"\xbf\xbf", b"\x80\x7f")
    for lead in range(0x80, 0x100):
        for second in range(0x100):
            yield bytes((lead, second))
            if lead >= 0xE0 and 0x70 <= second <= 0xC0:
                for tail in tails[1:]:
                    yield bytes((lead, second)) + tail


def test_encoder_refuses_what_cbor_core_cannot_hold():
    for bad in (2**64, -(2**64) - 1, 1.5, {(1, 2): 3}, {True: 1}, set()):
        raises(cbor.CBORError, cbor.encode, bad)


def test_encoder_refuses_deep_nesting():
    value = 0
    for _ in range(cbor.MAX_DEPTH + 1):
        value = [value]
    raises(cbor.CBORError, cbor.encode, value)


def test_item_limit_is_enforced_before_allocation():
    data = cbor.encode(list(range(100)))
    raises(cbor.CBORError, cbor.decode, data, cbor.MAX_DEPTH, 99)
    assert len(cbor.decode(data, cbor.MAX_DEPTH, 100)) == 100


def test_decode_prefix_walks_a_stream_of_items():
    stream = cbor.encode({"a": 1}) + cbor.encode([2, 3]) + cbor.encode(b"x")
    pos = 0
    items = []
    while pos < len(stream):
        value, pos = cbor.decode_prefix(stream, pos)
        items.append(value)
    assert items == [{"a": 1}, [2, 3], b"x"]


def _random_value(rng, depth):
    kind = rng.below(9 if depth < 3 else 6)
    if kind == 0:
        return rng.next() - 2**31
    if kind == 1:
        return (rng.next() << 32 | rng.next()) * (1 if rng.below(2) else -1)
    if kind == 2:
        return rng.bytes(rng.below(40))
    if kind == 3:
        return "".join(chr(0x20 + rng.below(0x2FF)) for _ in range(rng.below(12)))
    if kind == 4:
        return (None, True, False)[rng.below(3)]
    if kind == 5:
        return rng.below(30)
    if kind == 6:
        return [_random_value(rng, depth + 1) for _ in range(rng.below(5))]
    # Draw keys before values explicitly: MicroPython evaluates a dict comprehension's value
    # before its key, CPython the key first.
    result = {}
    for _ in range(rng.below(5)):
        key = rng.below(1000) if kind == 7 else "k%d" % rng.below(100)
        result[key] = _random_value(rng, depth + 1)
    return result


def test_random_values_round_trip_and_reencode_identically():
    rng = Rng(2024)
    digest = 0
    for _ in range(300):
        value = _random_value(rng, 0)
        data = cbor.encode(value)
        back = cbor.decode(data)
        assert back == value
        assert cbor.encode(back) == data
        for b in data:
            digest = (digest * 31 + b) & 0xFFFFFFFF
    # Printed so that the harness checks both interpreters produced the very same bytes.
    print("digest of 300 random encodings: %08x" % digest)


def test_random_garbage_never_escapes_cbor_error():
    rng = Rng(7)
    accepted = 0
    for _ in range(2000):
        data = rng.bytes(1 + rng.below(24))
        try:
            value = cbor.decode(data)
        except cbor.CBORError:
            continue
        accepted += 1
        # Whatever is accepted is canonical: it re-encodes to the very same bytes.
        assert cbor.encode(value) == data, data.hex()
    print("accepted", accepted, "of 2000 random inputs")
