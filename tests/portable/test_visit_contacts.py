"""The whole visit (reading, PIN, signing by both cards, the copy on the Vitale card)
through the ISO 7816-3 driver, character by character, on both interpreters: the cards
replay the visit's transcript (tests/portable/card_transcripts.json) behind a T=0 and a
T=1 engine (emulator/contacts), and the bundle saved is byte for byte the one the
APDU-level replay saves (tests/portable/test_visit.py). A card pulled in the middle of a
block of the signature, or falling silent at it, saves nothing half-signed and says so in
French on the screen."""

import hashlib

from _cardkit import ReplaySlot, load_transcripts
from _contactkit import ContactReplaySlot
from _visitkit import PRO, VISITS, make_visit_app, run_visit, sheets

from protocol import bundle

TRANSCRIPTS = load_transcripts()
PSO_SIGN = "002a9e9a"


def _visit(protocols, pull=None, garble=(), **options):
    t = TRANSCRIPTS["visit"]
    vitale = ContactReplaySlot("vitale", t["vitale"], protocols, **options)
    cps = ContactReplaySlot("cps", t["cps"], protocols, **options)
    vitale.line.garble_at = cps.line.garble_at = set(garble)
    if pull is not None:
        slot, at = pull
        (cps if slot == "cps" else vitale).line.pull_at = at
    app = make_visit_app(vitale, cps)
    run_visit(app, vitale, cps, *VISITS["visit"][2:])
    return app, vitale, cps


def _saved_digest(protocols, **options):
    app, vitale, cps = _visit(protocols, **options)
    for slot in (vitale, cps):
        assert slot.app.pos == len(slot.app.exchanges), (slot.name, slot.app.pos)
        assert slot.transport.protocol == protocols[-1] and (slot.line.f, slot.line.d) == (512, 16)
    lines = app.board.display.lines
    assert lines[1] == "Enregistree no 1" and lines[2] == "Copie sur carte: oui", lines
    stored = sheets(app)
    assert len(stored) == 1 and stored[0].pro_id == PRO
    b = bundle.decode(stored[0].payload)
    assert len(b.cps_signature) == 64 and len(b.vitale_signature) == 64
    print(protocols, "characters", vitale.line.count, cps.line.count)
    return hashlib.sha256(stored[0].payload).digest().hex()


def _apdu_level_digest():
    t = TRANSCRIPTS["visit"]
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    app = make_visit_app(vitale, cps)
    run_visit(app, vitale, cps, *VISITS["visit"][2:])
    return hashlib.sha256(sheets(app)[0].payload).digest().hex()


def test_the_visit_over_t0_and_t1_saves_the_same_bundle():
    t0 = _saved_digest((0,))
    t1 = _saved_digest((1,))
    both = _saved_digest((0, 1))  # T=1 chosen by PPS
    assert t0 == t1 == both == _apdu_level_digest()
    print("bundle", t0)


def test_the_visit_survives_parity_errors_nulls_and_wtx():
    # A parity error every 397 characters from the cards (more than the longest block) (repeated under T=0, the block sent
    # again under T=1); T=0 with NULL bytes before every answer; T=1 with a WTX.
    garble = range(60, 2000, 397)
    t0 = _saved_digest((0,), garble=garble, nulls=2)
    t1 = _saved_digest((1,), garble=garble, wtx_at=(5,), wtx=2, slow=100)
    assert t0 == t1 == _apdu_level_digest()


def test_the_cps_pulled_in_the_middle_of_its_signature_block():
    app, vitale, cps = _visit((1,))
    at = [count for apdu, count in cps.app.marks if apdu.startswith(PSO_SIGN)][0]
    for offset in (4, 40):  # inside the card's answer, in the prologue and in the signature
        app, vitale, cps = _visit((1,), pull=("cps", at + offset))
        assert sheets(app) == [] and not cps.line.vcc
        lines = app.board.display.lines
        print(offset, lines)
        assert lines[0] == "Feuille NON enreg.", lines


def test_a_cps_that_falls_silent_at_its_signature():
    for protocols in ((0,), (1,)):
        # The card says nothing to its PSO (one too slow for the waiting time its ATR set
        # is the same to the reader): a hal error, the French screen, nothing saved.
        t = TRANSCRIPTS["visit"]
        vitale = ContactReplaySlot("vitale", t["vitale"], protocols)
        cps = ContactReplaySlot("cps", t["cps"], protocols, mute_at=PSO_SIGN)
        app = make_visit_app(vitale, cps)
        run_visit(app, vitale, cps, *VISITS["visit"][2:])
        lines = app.board.display.lines
        print(protocols, lines)
        assert sheets(app) == [] and not cps.line.vcc
        assert lines[0] == "Feuille NON enreg.", lines
