"""The real cards' profiles (docs/cards.md "Real cards"), on both interpreters: a Carte
Vitale 2 and a CPS3 replay transcripts recorded from their virtual twins (`-k vitale2`,
`-k cps3`). Whole visits signed and saved: the CPS3's RSA signature, the Vitale 2 signing
by being read (its serial and certificate named by the bundle); every bad input of the
issue refused with a typed error, a French screen and no sheet half-written."""

from _cardkit import OPPOSED, SCENARIOS, ReplaySlot, events, load_transcripts, make_app
from _cardkit import run_scenario
from _visitkit import REFUSED_VISITS, VISITS, VITALE2_FUND, make_visit_app, run_visit, sheets

from protocol import bundle, sheet
from protocol import sheet_fields as F

TRANSCRIPTS = load_transcripts()
CPS3_PRO = "10003456786"  # the cps3-gp fixture's RPPS (emulator/cards/fixtures_real.py)
VITALE2_SERIAL = "2500000017"
PSO_SIGN = "002a9e9a"
MSE_SET = "002241b6"


def _slots(name):
    t = TRANSCRIPTS[name]
    return ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])


def _read(name):
    vitale, cps = _slots(name)
    app = make_app(vitale, cps, OPPOSED)
    run_scenario(app, vitale, cps, SCENARIOS[name][2])
    assert vitale.pos == len(vitale.exchanges) and cps.pos == len(cps.exchanges), name
    return app


def _sent(slot, prefix):
    return [e[1] for e in slot.exchanges[: slot.pos] if e[1].startswith(prefix)]


def _shown(app):
    return "\n".join(repr(lines) for lines in app.board.display.history)


def test_vitale2_and_cps3_are_read_and_shown():
    app = _read("vitale2-cps3-read")
    lines = app.board.display.lines
    print(lines)
    assert lines[0] == "LEFEBVRE MARC"
    patient = app.reading.patient
    assert patient.serial == VITALE2_SERIAL and patient.signs_by_reading
    assert [(b.rank, b.birth_date) for b in patient.beneficiaries] == [
        (1, 19690214),
        (2, 20120930),
    ]
    assert patient.nir == "169027505601757" and patient.beneficiaries[1].nir == ""
    assert patient.beneficiaries[0].fund is None  # not on the card's public part
    cps = app.reading.cps_card
    assert cps.holder_id == CPS3_PRO and cps.name() == "DURAND HELENE"
    assert [s.billing for s in cps.situations] == ["751239990", "751239982"]
    log = [e.as_list()[1:] for e in app.access_log.entries()]
    print(log)
    assert log[-1] == [CPS3_PRO, "vitale", VITALE2_SERIAL, "identite,beneficiaires,exonerations"]
    assert log[0][1:3] == ["cps", "00345678"]


def test_vitale2_read_with_tla_cps():
    app = _read("vitale2-with-tla-cps")
    assert app.board.display.lines[0] == "LEFEBVRE MARC"


def test_cps3_pin_counter_wrong_pin_then_read():
    app = _read("cps3-wrong-pin-then-read")
    pins = events(app, "pin")
    print([sorted(p["pin"].items()) for p in pins])
    assert pins[0]["pin"] == {"ok": False, "tries_left": 2} and pins[-1]["pin"] == {"ok": True}
    assert events(app, "read")[0]["read"]["tries_left"] == 3  # GET DATA's counter
    assert app.board.display.lines[0] == "LEFEBVRE MARC"
    assert "1111" not in _shown(app)


def test_cps3_refusals_are_typed_and_french():
    cases = (
        ("cps3-blocked-card", "cps", "PinBlocked", "Code PIN bloque"),
        ("cps3-bad-cert", "cps", "MalformedCardData", "Carte illisible"),
        ("cps3-in-vitale", "vitale", "WrongSlot", "Carte CPS dans le"),
        ("vitale2-in-cps", "cps", "WrongSlot", "Carte Vitale dans le"),
        ("cps3-with-tla-vitale", "vitale", "NotSupported", "Operation impossible"),
    )
    for name, slot, error, french in cases:
        app = _read(name)
        got = events(app, "error")[-1]
        print(name, sorted(got.items()), app.board.display.lines)
        assert got["error"] == error and got["slot"] == slot, name
        assert french in " ".join(app.board.display.lines), name
        assert app.reading.patient is None


def test_vitale2_bad_cards_are_refused_with_a_french_screen():
    for name, what in (
        ("vitale2-bad-pointers", "TLV tronque"),
        ("vitale2-missing-file", "fichier absent"),
        ("vitale2-long-tag", "TLV tronque"),
        ("vitale2-bad-cert", "certificat"),
    ):
        app = _read(name)
        got = events(app, "error")[-1]
        print(name, sorted(got.items()))
        assert got["error"] == "MalformedCardData" and got["slot"] == "vitale", name
        assert what in got["message"], name
        screen = " ".join(app.board.display.lines)
        assert "Carte illisible" in screen and "Retirez la carte" in screen, name
        assert app.reading.patient is None
        log = list(app.access_log.entries())[-1].as_list()
        assert log[2] == "vitale" and log[4] == "refus MalformedCardData", name


def _visit(name, table=VISITS):
    vitale, cps = _slots(name)
    app = make_visit_app(vitale, cps)
    run_visit(app, vitale, cps, *table[name][2:])
    assert vitale.pos == len(vitale.exchanges) and cps.pos == len(cps.exchanges), name
    return app, vitale, cps


def test_vitale2_cps3_visit_is_signed_rsa_and_by_reading():
    app, vitale, cps = _visit("vitale2-cps3-visit")
    lines = app.board.display.lines
    print(lines)
    assert lines[1] == "Enregistree no 1"
    stored = sheets(app)
    assert len(stored) == 1 and stored[0].pro_id == CPS3_PRO
    b = bundle.decode(stored[0].payload)
    s = sheet.decode(b.sheet)
    assert b.version == 2 and b.cps_alg == bundle.RS256 and len(b.cps_signature) == 256
    # R161-43: the Vitale 2 signs by being read; the bundle names its serial and the
    # certificate read from it, and the sheet says so.
    assert b.vitale_signature is None and b.vitale_read == VITALE2_SERIAL
    assert s.unsigned_reason == F.SIGNED_BY_READING and s.fund == VITALE2_FUND
    assert s.professional == CPS3_PRO and s.insured == "169027505601757"
    certs = app.storage.certs
    assert certs.has(b.vitale_cert) and certs.has(b.cps_cert)
    assert bundle.cert_id(certs.get(b.vitale_cert)) == b.vitale_cert
    assert certs.get(b.vitale_cert)[:2] == b"\x7f\x21"
    # The CPS3 signed the SHA-256 of exactly the stored bytes, after MSE SET (80 01 42).
    assert [c[10:] for c in _sent(cps, PSO_SIGN)] == [bundle.digest(b.sheet).hex() + "00"]
    assert _sent(cps, MSE_SET) == ["002241b606800142840182"]
    assert not _sent(vitale, "00e2")  # no copy: the Vitale 2's copy file is not public
    log = [e.as_list()[2:] for e in app.access_log.entries()]
    assert ["vitale", VITALE2_SERIAL, "signature par lecture"] in log
    print("bundle", len(stored[0].payload), "bytes")


def test_vitale2_visit_with_tla_cps_names_es256():
    app, _, _ = _visit("vitale2-tla-cps-visit")
    b = bundle.decode(sheets(app)[0].payload)
    assert b.cps_alg == bundle.ES256 and len(b.cps_signature) == 64
    assert b.vitale_read == VITALE2_SERIAL


def test_cps3_refusing_to_sign_saves_nothing():
    for name, why in (
        ("cps3-no-mse-visit", "Commande refusee"),
        ("cps3-6982-visit", "Acces refuse"),
        ("cps3-short-signature-visit", "illisible"),
    ):
        app, _, cps = _visit(name, REFUSED_VISITS)
        lines = app.board.display.lines
        print(name, lines, [sorted(e.items()) for e in events(app, "not_saved")])
        assert lines[0] == "Feuille NON enreg." and why in " ".join(lines), name
        assert sheets(app) == [], name
        assert _sent(cps, MSE_SET), name
        # The order number reserved is a gap, never reused (R161-44 1°).
        assert app.storage.journal.peek_order(CPS3_PRO) == 2, name
