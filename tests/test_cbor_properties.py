"""Deterministic CBOR against cbor2 (CPython), with random values from hypothesis."""

import cbor2
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import cbor

INT64 = st.integers(min_value=-(2**64), max_value=2**64 - 1)
SCALARS = st.one_of(st.none(), st.booleans(), INT64, st.binary(max_size=64), st.text(max_size=32))
# Keys of one major type per map: there RFC 8949's bytewise order and cbor2's
# canonical (RFC 7049 length-first) order coincide.
KEY_KINDS = [
    st.integers(min_value=0, max_value=2**64 - 1),
    st.integers(min_value=-(2**64), max_value=-1),
    st.text(max_size=30),
    st.binary(max_size=30),
]


def values(keys):
    return st.recursive(
        SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=6),
            st.one_of(*[st.dictionaries(k, children, max_size=6) for k in keys]),
        ),
        max_leaves=30,
    )


@settings(max_examples=600)
@given(values(KEY_KINDS))
def test_same_bytes_as_cbor2_canonical_and_readable_by_cbor2(value):
    ours = cbor.encode(value)
    assert ours == cbor2.dumps(value, canonical=True)
    assert cbor2.loads(ours) == value
    assert cbor.decode(ours) == value


MIXED_KEYS = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64 - 1),
    st.text(max_size=10),
    st.binary(max_size=10),
)


@settings(max_examples=300)
@given(st.dictionaries(MIXED_KEYS, SCALARS, max_size=8))
def test_mixed_key_maps_sort_bytewise_and_cbor2_reads_them(value):
    ours = cbor.encode(value)
    assert cbor2.loads(ours) == value
    assert cbor.decode(ours) == value
    # RFC 8949 4.2.1: keys in bytewise order of their encodings (cbor2's canonical mode
    # uses RFC 7049 length-first order instead, which differs for mixed key types).
    keys = [cbor.encode(k) for k in value]
    reread = list(cbor.decode(ours))
    assert [cbor.encode(k) for k in reread] == sorted(keys)


def test_length_first_and_bytewise_orders_differ_on_mixed_keys():
    value = {"b": 1, 1000: 2}
    assert cbor.encode(value).hex() == "a21903e8026162" + "01"
    assert cbor2.dumps(value, canonical=True).hex() == "a2616201" + "1903e802"
    try:
        cbor.decode(cbor2.dumps(value, canonical=True))
    except cbor.CBORError as e:
        assert "order" in str(e)
    else:
        raise AssertionError("length-first order accepted")


@settings(max_examples=2000)
@given(st.binary(max_size=64))
def test_random_bytes_decode_or_raise_cbor_error_and_accepted_input_is_canonical(data):
    try:
        value = cbor.decode(data)
    except cbor.CBORError:
        return
    assert cbor.encode(value) == data


@settings(max_examples=500)
@given(values(KEY_KINDS))
def test_non_canonical_cbor2_output_is_refused(value):
    # Same value, but with every integer in a longer-than-needed form when possible.
    loose = cbor2.dumps(value, canonical=False)
    try:
        again = cbor.decode(loose)
    except cbor.CBORError:
        return
    assert cbor.encode(again) == loose


# ---------------------------------------------------------------- text: strict UTF-8


def _text_item(body):
    """A CBOR text item holding `body` as its bytes, whatever they are."""
    head = [0x60 + len(body)] if len(body) < 24 else [0x78, len(body)]
    return bytes(head) + body


def _answers(body):
    """(ours, cbor2's, Python's strict decoder's) reading of the text body `body`; None
    for a refusal."""
    data = _text_item(body)
    try:
        ours = cbor.decode(data)
    except cbor.CBORError:
        ours = None
    try:
        theirs = cbor2.loads(data)
    except cbor2.CBORDecodeError:
        theirs = None
    try:
        python = body.decode("utf-8", "strict")
    except UnicodeDecodeError:
        python = None
    return ours, theirs, python


def test_the_utf8_sweep_gets_cbor2s_answer_every_time():
    """The sweep that tests/portable/test_cbor.py runs under both interpreters: every
    answer is cbor2's (and CPython's strict decoder's)."""
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent / "portable"))
    from test_cbor import utf8_sweep

    n = accepted = 0
    for body in utf8_sweep():
        ours, theirs, python = _answers(body)
        assert ours == theirs == python, body.hex()
        n += 1
        accepted += ours is not None
    assert n > 40000 and 1000 < accepted < n


# Valid text with some bytes damaged: flipped, cut off, or with bytes of every class put in.
_DAMAGE = st.sampled_from(
    [b"\x80", b"\xbf", b"\xc0", b"\xc1", b"\xc2", b"\xe0", b"\xed", b"\xef", b"\xf0", b"\xf4"]
    + [b"\xf5", b"\xf8", b"\xfe", b"\xff", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\x80"]
)


@st.composite
def damaged_text(draw):
    body = bytearray(draw(st.text(max_size=12)).encode("utf-8"))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(body)))
        kind = draw(st.integers(0, 2))
        if kind == 0 and body:
            body[min(at, len(body) - 1)] ^= 1 << draw(st.integers(0, 7))
        elif kind == 1:
            del body[at:]
        else:
            body[at:at] = draw(_DAMAGE)
    return bytes(body)


@settings(max_examples=1500)
@given(st.one_of(damaged_text(), st.binary(max_size=16)))
def test_damaged_text_gets_cbor2s_answer(body):
    ours, theirs, python = _answers(body)
    assert ours == theirs == python, body.hex()


@settings(max_examples=300)
@given(st.text(st.characters(exclude_categories=()), max_size=20))
def test_any_text_cpython_holds_round_trips_unless_it_has_a_surrogate(text):
    try:
        data = cbor.encode(text)
    except cbor.CBORError:
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in text)
        return
    assert data == cbor2.dumps(text) and cbor.decode(data) == text
