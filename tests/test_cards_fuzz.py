"""Fuzz of the firmware's card layer (hypothesis): a malicious card answers every command
with random bytes, or with the real card's answer truncated, extended, bit-flipped, given a
random status word, or oversize. Whatever it sends, the card layer raises only its typed
errors (hw.hal.CardError and below), and the terminal's reading flow never crashes."""

import sys
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from emulator.cards import fixtures
from firmware.cards.cps import CpsApp
from firmware.cards.vitale import VitaleApp
from firmware.opposition import MemoryOppositionList
from hw import hal

sys.path.insert(0, str(Path(__file__).resolve().parent / "portable"))
import _cardkit  # noqa: E402

TRANSCRIPTS = _cardkit.load_transcripts()
TODAY = 20261118


def _recorded(slot):
    return [bytes.fromhex(r) for kind, _, r in TRANSCRIPTS["read"][slot] if kind == "apdu"]


MUTATIONS = ("keep", "truncate", "extend", "flip", "status", "random", "oversize", "empty")


@st.composite
def answer(draw, base):
    how = draw(st.sampled_from(MUTATIONS))
    if how == "keep":
        return base
    if how == "truncate":
        return base[: draw(st.integers(0, max(0, len(base) - 1)))]
    if how == "extend":
        return base[:-2] + draw(st.binary(min_size=1, max_size=40)) + base[-2:]
    if how == "flip":
        if not base:
            return base
        i = draw(st.integers(0, len(base) - 1))
        return base[:i] + bytes([base[i] ^ (1 << draw(st.integers(0, 7)))]) + base[i + 1 :]
    if how == "status":
        return base[:-2] + draw(st.binary(min_size=2, max_size=2))
    if how == "oversize":
        return draw(st.binary(min_size=257, max_size=600)) + b"\x90\x00"
    if how == "empty":
        return b""
    return draw(st.binary(max_size=300))


class MaliciousSlot(hal.CardSlot):
    """Answers like the real card, except at a few positions (drawn once per example) where
    its answer is mutated; so every stage of a read gets attacked, not only the first."""

    def __init__(self, name, data, recorded):
        self.name = name
        self.data = data
        self.recorded = recorded
        self.n = 0
        self.targets = data.draw(
            st.sets(st.integers(0, len(recorded) + 4), min_size=1, max_size=3), label=name
        )

    def present(self):
        return True

    def power_on(self):
        return b"\x3b\x00"

    def transmit(self, apdu):
        base = self.recorded[self.n] if self.n < len(self.recorded) else b"\x90\x00"
        self.n += 1
        if self.n > 400:
            raise AssertionError("the card layer never stops asking")
        response = self.data.draw(answer(base)) if self.n - 1 in self.targets else base
        if len(response) < 2:
            raise hal.CardIOError(self.name, "the card sent a truncated response")
        return response

    def power_off(self):
        pass


class ReadyCps:
    """A verified CPS as the Vitale application sees it (the recorded scenario's CPS
    certificate, so the Vitale's answers stay in step with the recording)."""

    cert = fixtures.make("gp").cert

    def ready(self):
        return True

    def authenticate(self, challenge):
        return bytes(64)


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.data())
def test_vitale_application_raises_only_typed_errors(data):
    app = VitaleApp(MaliciousSlot("vitale", data, _recorded("vitale")))
    cps = ReadyCps()
    stage = "open"
    try:
        app.open()
        stage = "read"
        card = app.read(TODAY, MemoryOppositionList())
        stage = "exemptions"
        app.read_exemptions(card, cps)
        stage = "copies"
        app.read_copies(cps)
        app.read_certificate()
        app.sign(bytes(32), cps)
        if not card.objects_to_copies:
            app.write_copy(card, b"sheet", cps)
        stage = "all"
    except hal.CardError as e:
        assert str(e)
    event("stopped at " + stage)


@FUZZ
@given(st.data())
def test_cps_application_raises_only_typed_errors(data):
    app = CpsApp(MaliciousSlot("cps", data, _recorded("cps")))
    stage = "open"
    try:
        app.open()
        stage = "read"
        app.read()
        stage = "pin"
        app.tries_left()
        app.verify(bytearray(b"4827"))
        stage = "sign"
        app.authenticate(bytes(8))
        app.sign(bytes(32))
        stage = "all"
    except hal.CardError as e:
        assert str(e)
    event("stopped at " + stage)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_reading_flow_never_crashes_on_malicious_cards(data):
    vitale = MaliciousSlot("vitale", data, _recorded("vitale"))
    cps = MaliciousSlot("cps", data, _recorded("cps"))
    app = _cardkit.make_app(vitale, cps)
    for keys in ("", "4827 OK", "OK", "4827 OK"):
        if keys:
            _cardkit.press(app, keys)
        _cardkit.settle(app)
    assert len(app.board.display.lines) == 4
    reading = app.reading
    assert reading.patient is None or reading.cps.verified
