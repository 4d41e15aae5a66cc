"""Fuzz of the real cards' profiles (hypothesis, docs/cards.md "Real cards"): a malicious
Carte Vitale 2 or CPS3 answers like its recorded twin except where its answer is
truncated, extended, bit-flipped, given a random status word or replaced; and their
parsers get random bytes. Whatever comes, only the card layer's typed errors come out."""

from hypothesis import given
from hypothesis import strategies as st
from test_cards_fuzz import FUZZ, TODAY, TRANSCRIPTS, MaliciousSlot

from firmware.cards import cvc, vitale2
from firmware.cards.cps3 import Cps3App
from firmware.cards.vitale2 import Vitale2App
from firmware.cards.x509name import Certificate
from firmware.opposition import MemoryOppositionList
from hw import hal


def _recorded(slot):
    t = TRANSCRIPTS["vitale2-cps3-visit"][slot]
    return [bytes.fromhex(r) for kind, _, r in t if kind == "apdu"]


@FUZZ
@given(st.data())
def test_vitale2_application_raises_only_typed_errors(data):
    app = Vitale2App(MaliciousSlot("vitale", data, _recorded("vitale")))
    try:
        app.open(b"\x3b\x00")
        card = app.read(TODAY, MemoryOppositionList())
        assert card.beneficiaries and card.cert_id
    except hal.CardError as e:
        assert str(e)


@FUZZ
@given(st.data())
def test_cps3_application_raises_only_typed_errors(data):
    app = Cps3App(MaliciousSlot("cps", data, _recorded("cps")))
    try:
        app.open(b"\x3b\x00")
        app.read()
        app.tries_left()
        app.verify(bytearray(b"3719"))
        assert len(app.sign(bytes(32))) == 256
    except hal.CardError as e:
        assert str(e)


@FUZZ
@given(st.binary(max_size=400))
def test_vitale2_and_cps3_parsers_raise_only_typed_errors(raw):
    for parse in (vitale2.pointers, vitale2.objects, vitale2.pan_digits, cvc.check, Certificate):
        try:
            parse(raw)
        except hal.CardError as e:
            assert str(e)
