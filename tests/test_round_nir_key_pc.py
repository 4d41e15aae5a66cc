"""A NIR whose key is wrong on the PC's side of the round (issue 23 "Bad input"): a
prescription typed with one is refused in one line; one kept before the key was checked is
left out of the round prepared, said; a round holding one anyway (an older agent's) is
taken by the terminal but for that entry, which the sync's summary names in one line."""

import subprocess
import sys

import pytest

from firmware import round_store
from host_agent import round_plan
from host_agent.cli.terminal import summary_lines
from protocol import cbor
from protocol import round as rp
from tests import sync_kit as kit
from tests.test_round_agent import MARTIN, NURSE, _prescription

WRONG = MARTIN[:-1] + str((int(MARTIN[-1]) + 1) % 10)  # the key's last digit off
DUPONT = "285056912304514"


def test_a_prescription_with_a_wrong_nir_key_is_refused():
    with pytest.raises(ValueError, match="NIR key is wrong"):
        _prescription(insured=WRONG)


def test_the_cli_refuses_it_in_one_line(tmp_path):
    world, store, _ = kit.paired_world(tmp_path)
    db = store.path
    store.close()
    proc = subprocess.run(
        [sys.executable, "-m", "host_agent.cli", "round", "prescription", "--professional",
         NURSE, "--insured", WRONG, "--name", "MARTIN PAUL", "--prescriber", "10009876543",
         "--date", "2026-11-02", "--ref", "1102", "--acts", "AMI 2 1", "--sessions", "3",
         "--db", str(db)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1 and "NIR key is wrong" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_a_kept_prescription_with_a_wrong_key_is_left_out_of_the_round(tmp_path):
    world, store, _ = kit.paired_world(tmp_path)
    store.add_prescription(_prescription())
    bad = _prescription(ref="7", name="DUPONT LEA")
    bad["insured"] = WRONG  # as a database from before the key was checked holds it
    store.add_prescription(bad)
    _, plan = round_plan.prepare_for(store, kit.SERIAL, NURSE, kit.lots_kit.DAY)
    assert [e[0] for e in plan.entries] == [MARTIN]
    assert [(p["ref"], why) for p, why in plan.refused] == [("7", rp.NIR_KEY_WRONG)]
    store.close()


def test_the_terminal_refuses_the_entry_alone_and_the_sync_says_it(tmp_path):
    world, store, root = kit.paired_world(tmp_path)
    row = store.terminal_row(kit.SERIAL)
    good = rp.entry(MARTIN, None, "MARTIN PAUL", "", [("AMI", 200, 1)])
    wrong = rp.entry(WRONG, None, "DUPONT LEA", "", [("AMI", 200, 1)])
    other = rp.entry(DUPONT, None, "DUPONT MARIE", "", [("AMI", 200, 1)])
    rid = store.save_round(
        row["id"], NURSE, kit.lots_kit.DAY, cbor.encode([good, wrong, other]), []
    )
    summary = kit.agent(world, store, root).run()
    assert summary.round_sent == (rid, kit.lots_kit.DAY, 3) and summary.round_refused is None
    assert summary.round_bad == [(1, "DUPONT LEA")]
    held = round_store.of(world.app.storage)
    assert held.id == rid and held.count == 3  # the other two kept
    lines = summary_lines(summary)
    print(lines)
    said = [x for x in lines if "refused by the terminal" in x]
    assert said == ["1 visit of the round refused by the terminal (NIR key wrong): 2 DUPONT LEA"]
    store.close()
