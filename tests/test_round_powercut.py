"""The round stored power-safe (docs/round.md): the power-cut bench's round workload
(emulator/roundcut.py: round A in chunks, visits done, round B replacing it in chunks)
cut at every one of its flash writes, under both interpreters, and in linear mode (cuts in
the recovery boots too): the round on the flash is always A or B whole, with its own
visits done, never a mix, never none once one was promised. A store that replaces the
round by delete-then-rename is caught."""

import re

import pytest

from tests.test_powercut import replay, summary

ROUND = "emulator.roundcut:RoundDay"
VISITS = "emulator.visitday_round:RoundVisitDay"


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_every_cut_while_rounds_are_stored_leaves_the_old_round_or_the_new(interpreter):
    proc = replay("-i", interpreter, "--workload", ROUND)
    print(proc.stdout)
    got = summary(proc)
    assert got["writes"] > 100 and got["tried"] == got["writes"], got  # every cut point
    assert got["failures"] == 0 and proc.returncode == 0, proc.stdout


def test_cuts_in_the_recovery_boots_too():
    proc = replay("-i", "cpython", "--mode", "linear", "--every", "2", "--workload", ROUND)
    got = summary(proc)
    assert got["mode"] == "linear-3" and got["chains"] > 2.5 * got["tried"], got
    assert got["failures"] == 0 and proc.returncode == 0, proc.stdout


def test_the_bench_catches_a_round_replaced_by_delete_then_rename():
    workload = "tests.powercut_faulty:RoundReplacedUnsafely"
    proc = replay("-i", "cpython", "--workload", workload)
    assert proc.returncode == 1 and summary(proc)["failures"] > 0, proc.stdout
    failed = re.search(r"^FAIL (cpython-s1-c\d+): round 7 was promised", proc.stdout, re.M)
    assert failed, proc.stdout
    again = replay(failed.group(1), "--workload", workload)
    assert again.returncode == 1 and "the terminal holds none" in again.stdout


# Samples: every cut point of this day is `make bench ARGS=powercut` (bench/powercut.py).
@pytest.mark.parametrize("interpreter,every", [("cpython", 80), ("micropython", 240)])
def test_the_real_day_from_a_round_keeps_every_promise_and_offers_no_visit_twice(
    interpreter, every
):
    """The 20 visits of the real day taken from the round: a cut between a sheet saved and
    its visit marked done must not offer that visit again (its sheet would be made twice)."""
    proc = replay("-i", interpreter, "--seed", "3", "--every", str(every), "--workload", VISITS)
    got = summary(proc)
    assert got["writes"] > 1500 and got["tried"] >= got["writes"] // every, got
    assert got["failures"] == 0 and proc.returncode == 0, proc.stdout


def test_the_bench_catches_a_visit_marked_only_after_its_sheet():
    workload = "tests.powercut_faulty:RoundVisitsMarkedAfterOnly"
    proc = replay("-i", "cpython", "--every", "100", "--workload", workload)
    assert proc.returncode == 1 and summary(proc)["failures"] > 0, proc.stdout
    assert "saved twice" in proc.stdout
