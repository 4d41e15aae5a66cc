"""Every scenario file (emulator/scenarios/*.json) played on the emulated terminal, the firmware
under CPython in this process and under the real `micropython` (cards over card servers): the
same expectations hold on both. The demo's day (`play_day`) saves 12 sheets whose stored bytes
verify with `cryptography`; a card pulled during the signing under micropython saves nothing
half-signed; `tla-emu play` prints one line per scenario and fails on a broken expectation."""

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.cards import fixtures
from emulator.ptylink import PtyBridge
from emulator.scenario import DAY, SCENARIOS, TerminalDriver, play, play_day, play_file
from emulator.scenario_play import ScenarioError, split_keys
from emulator.terminal import make_terminal
from firmware.certstore import CertStore
from firmware.journal import Journal
from host_agent.verify import verify_bundle
from hw._compat import mount_littlefs
from hw.flash import NorFlash
from protocol import bundle
from tests.ui_prints import terminal_frames

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(SCENARIOS.glob("*.json"))
BAD_INPUTS = (
    "bad-unknown-code",
    "bad-negative-amount",
    "bad-absurd-amount",
    "bad-future-date",
    "bad-before-rights",
    "bad-dependant",
    "bad-third-party-over-fees",
    "bad-nir-key",
)


def test_the_scenarios_asked_for_are_there():
    names = {p.stem for p in FILES}
    for name in (
        "gp-single",
        "nurse-twin-third-party",
        "exemption",
        "cannot-sign",
        "no-signature-key",
        "no-copies",
        "degraded",
        "day",
        "nurse-first-visit",
    ) + BAD_INPUTS:
        assert name in names, name
    day = json.loads(DAY.read_text())
    assert len(day["visits"]) >= 10


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario(path, interpreter, ui_prints):
    screens = []
    saved, _ = play_file(path, interpreter, on_show=screens.append)
    ui_prints.check("scenario/" + path.stem, terminal_frames(screens))
    assert saved, "every scenario ends with a saved sheet"
    orders = [s["order"] for s in saved]
    assert orders == list(range(1, len(saved) + 1))  # no gap: nothing reserved in vain


class Started:
    """A terminal started on a blank flash image in `tmp`."""

    def __init__(self, interpreter, tmp):
        self.interpreter = interpreter
        self.flash_path = tmp / "flash.img"
        self.bridge = PtyBridge().start()
        self.screens = []
        self.t = make_terminal(
            interpreter,
            self.bridge.terminal_path,
            flash_path=str(self.flash_path),
            opposition=fixtures.OPPOSED_SERIALS,
            on_show=self.screens.append,
        )
        self.t.start()
        self.t.wait_event("READY", 30)

    def stop(self):
        if self.interpreter == "cpython" and self.t.board is not None:
            self.t.board.flash.store.flush()
        code = self.t.stop()
        self.bridge.close()
        return code

    def stored(self):
        """(journal records, certificates) read back from the flash image."""
        flash = NorFlash(io.BytesIO(self.flash_path.read_bytes()), block_count=512)
        fs = mount_littlefs(flash, False)
        certs = CertStore(fs)
        ders = [certs.get(cid) for cid in certs.unknown_to_host()]
        return list(Journal(fs).records_after(0, 0, 0, None)), ders


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_the_demo_day_saves_twelve_sheets_that_verify(interpreter, tmp_path, ui_prints):
    run = Started(interpreter, tmp_path)
    try:
        saved = play_day(run.t)
    finally:
        assert run.stop() in (0, None)
    ui_prints.check("scenario/demo-day", terminal_frames(run.screens))
    assert len(saved) == 12 and [s["order"] for s in saved] == list(range(1, 13))
    assert {s["third_party"] > 0 for s in saved} == {True, False}
    assert {s["rank"] for s in saved} >= {1, 2, 3, 4} and {1, 3} <= {s["exemption"] for s in saved}
    records, ders = run.stored()
    assert [hashlib.sha256(r.payload).hexdigest() for r in records] == [s["sha256"] for s in saved]
    for r in records:
        check = verify_bundle(r.payload, ders, fixtures.pki().root_der, 20261118)
        assert check.ok, check.reason
        assert r.third_party == (check.sheet.payment == 1)


def _played_sheets(interpreter, tmp_path, scenario):
    """The sheets `scenario` saves on a terminal started afresh, each verified as the PC
    verifies them and signed by the Vitale card."""
    run = Started(interpreter, tmp_path)
    try:
        play(run.t, scenario)
    finally:
        assert run.stop() in (0, None)
    records, ders = run.stored()
    sheets = []
    for r in records:
        check = verify_bundle(r.payload, ders, fixtures.pki().root_der, 20261118)
        assert check.ok, check.reason
        assert bundle.decode(r.payload).vitale_signature is not None
        sheets.append(check.sheet)
    return sheets


def _keys(steps):
    return sum(len(split_keys(step["keys"])) for step in steps if "keys" in step)


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_a_nurses_first_visit_on_prescription_takes_30_keys_and_its_repeat_5(interpreter, tmp_path):
    """Issue 13: AMI + IFD on prescription by a nurse, PIN included, in at most 30 key
    presses (about 45 before); the patient's evening visit repeats that sheet in at most
    5, its keys only (the CPS stayed in: no PIN again). Both sheets are signed and verify as the PC verifies them."""
    scenario = json.loads((SCENARIOS / "nurse-first-visit.json").read_text())
    first, repeat = scenario["visits"]
    counted = (_keys(scenario["setup"] + first["steps"]), _keys(repeat["steps"]))
    print("keys: first visit with the PIN %d, repeat %d" % counted)
    assert counted[0] <= 30 and counted[1] <= 5
    a, b = _played_sheets(interpreter, tmp_path, scenario)
    assert [(x.code, x.coef, x.rank) for x in a.acts] == [("AMI", 100, 1), ("IFD", 100, None)]
    assert [(x.code, x.coef, x.rank) for x in b.acts] == [(x.code, x.coef, x.rank) for x in a.acts]
    assert a.prescription == b.prescription and a.prescription.prescriber == "10009876543"
    assert a.prescription.date == 20261102 and a.prescription.ref == "20261102-1"
    assert a.nomenclature == b.nomenclature == 3 and a.fees == b.fees == 590
    assert a.third_party == a.fees and b.third_party == b.fees


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_a_night_surcharge_is_two_keys_and_a_known_prescription_three(interpreter, tmp_path):
    """Issue 23: at 21:00 the act menu's 4 opens the surcharges on N (OK takes it: 2 keys,
    not 9 to 11 DOWN and OK); the patient's next visit keyed by hand proposes the last
    sheet's prescription (OK, OK, OK instead of a date, 11 digits and the reference):
    AMI on prescription + N, third party, in 11 keys. Both sheets verify."""
    scenario = json.loads((SCENARIOS / "nurse-night-by-hand.json").read_text())
    first, later = scenario["visits"]
    night = [s for s in first["steps"] if s.get("screen") == ">1 N Nuit 20-23,5-8"][0]
    at = first["steps"].index(night)
    assert _keys(first["steps"][at : at + 2]) == 2
    counted = (_keys(scenario["setup"] + first["steps"]), _keys(later["steps"]))
    print("keys: first visit with the PIN %d, the next one by hand %d" % counted)
    assert counted[1] <= 11
    a, b = _played_sheets(interpreter, tmp_path, scenario)
    assert [x.code for x in a.acts] == ["AMI", "IFD", "IK", "N"] and a.fees == 1785
    assert [x.code for x in b.acts] == ["AMI", "N"] and b.prescription == a.prescription


def test_a_card_pulled_during_the_signing_under_micropython(tmp_path):
    """Under micropython too: the Vitale card pulled at each exchange of the signing saves
    either nothing or a whole sheet (pulled during the copy), and never reuses a number."""
    run = Started("micropython", tmp_path)
    scenario = json.loads((SCENARIOS / "gp-single.json").read_text())
    steps = scenario["visits"][0]["steps"]
    review = [i for i, s in enumerate(steps) if s.get("screen") == "OK:signer MENU:sans"][0]
    visit = {"name": "pull", "start": scenario["start"], "visits": [{"steps": steps[: review + 1]}]}
    # The practice situation is asked once a CPS session: the next visits go on without it.
    assert steps[1]["screen"] == "Lieu d'exercice"
    again = dict(
        visit, visits=[{"steps": [steps[0], dict(steps[2], keys="1")] + steps[3 : review + 1]}]
    )
    outcomes = []
    try:
        play(run.t, dict(scenario, visits=[], teardown=[]))  # the CPS and its PIN
        for n in range(1, 9):
            play(run.t, visit if n == 1 else again)
            run.t.pull_during("vitale", n)
            run.t.press("OK")
            got = {}
            while "saved" not in got and "not_saved" not in got:
                got = run.t.wait_event("EVENT", 15)
            outcomes.append("saved" if "saved" in got else got["not_saved"])
            run.t.remove("vitale")
            run.t.press("OK")
            driver = TerminalDriver(run.t)
            mark = driver.mark()
            assert driver.expect((mark[0] - 1, mark[1]), {"screen": "Inserer carte Vitale"}) is None
    finally:
        assert run.stop() in (0, None)
    # Pulled during the first exchanges: nothing saved; once the pull comes after the
    # signing (the certificate stored by then), the sheet is whole.
    assert outcomes[0] == "CardRemoved" and outcomes[-1] == "saved", outcomes
    records, ders = run.stored()
    assert len(records) == outcomes.count("saved")
    orders = [r.order_no for r in records]
    assert orders == sorted(set(orders))
    for r in records:
        assert bundle.decode(r.payload).vitale_signature is not None
        assert verify_bundle(r.payload, ders, fixtures.pki().root_der, 20261118).ok


def test_a_broken_expectation_names_its_step(tmp_path):
    scenario = json.loads((SCENARIOS / "gp-single.json").read_text())
    scenario["visits"][0]["steps"][1]["screen"] = "Not on any screen"
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps(scenario))
    with pytest.raises(ScenarioError, match=r"visit martin, step 2 .*Not on any screen"):
        play_file(bad, "cpython", timeout=1.0)
    proc = subprocess.run(
        [sys.executable, "-m", "emulator.cli", "play", str(bad), str(SCENARIOS / "degraded.json")]
        + ["--timeout", "10"],  # a step's liveness bound: the broken one waits it out
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("FAIL broken (cpython): visit martin, step 2")
    assert lines[1].startswith("ok   degraded (cpython): 1 sheet(s) saved")
