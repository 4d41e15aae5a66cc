"""The power-cut bench (emulator/powercut*.py) under both interpreters: a working day
replayed with the power cut at its flash writes, every promise checked after each reboot;
in linear mode the recovery boots are cut too (a second and a third cut in their repair
writes); and the bench catches journals that break a promise, one of them only when a
recovery is cut. The synthetic day (emulator/workday.py) and the real day of visits through
the App (emulator/visitday.py, the stored signatures checked). These are seeded samples:
every cut point of every mode is `make bench ARGS=powercut` (docs/testing.md)."""

import re
import sys
from pathlib import Path

import pytest

from emulator import procgroup

ROOT = Path(__file__).resolve().parent.parent
VISITS = "emulator.visitday:VisitDay"
SUMMARY = re.compile(
    r"powercut (\w+) seed (\d+) ([\w-]+): (\d+) cut points tried of (\d+) writes, "
    r"(\d+) chains of cuts, (\d+) failures"
)
LIVENESS_S = 1200  # a bound for a hung child, far above any sample's time on a loaded machine


def replay(*args):
    return procgroup.run(
        [sys.executable, "-m", "emulator.cli", "replay", *args],
        timeout=LIVENESS_S,
        cwd=ROOT,
        text=True,
    )


def summary(proc):
    m = SUMMARY.search(proc.stdout)
    assert m, proc.stdout + proc.stderr
    return {
        "mode": m.group(3),
        "tried": int(m.group(4)),
        "writes": int(m.group(5)),
        "chains": int(m.group(6)),
        "failures": int(m.group(7)),
    }


# Cut points tried in `make test`: one first cut in N (the seed shifts which). The whole
# sweeps (about 1,260 writes for the synthetic day, 1,660 for the real one, single and
# linear, both interpreters) are `make bench ARGS=powercut`; docs/journal.md has figures,
# docs/testing.md the samples' times.
@pytest.mark.parametrize(
    "interpreter,seed,mode,every,workload",
    [
        ("cpython", 1, "single", 8, None),
        ("micropython", 2, "single", 24, None),
        ("cpython", 3, "single", 40, VISITS),
        ("micropython", 4, "single", 120, VISITS),
        ("cpython", 5, "linear", 30, None),
        ("micropython", 6, "linear", 60, None),
        ("cpython", 7, "linear", 120, VISITS),
        ("micropython", 8, "linear", 200, VISITS),
    ],
)
def test_power_cut_sweep_keeps_every_promise(interpreter, seed, mode, every, workload):
    more = ["--workload", workload] if workload else []
    proc = replay(
        "-i", interpreter, "--seed", str(seed), "--mode", mode, "--every", str(every), *more
    )
    print(proc.stdout)
    got = summary(proc)
    assert got["writes"] > (1000 if workload else 500)  # 20 visits, a sync, a purge
    assert got["tried"] >= got["writes"] // every
    if mode == "linear":
        # nearly every first cut is followed by a second and a third, in the recoveries
        assert got["mode"] == "linear-3" and got["chains"] > 2.5 * got["tried"], got
    else:
        assert got["chains"] == got["tried"]
    assert got["failures"] == 0, proc.stdout
    assert proc.returncode == 0


def test_one_cut_replays_by_its_id():
    proc = replay("cpython-s1-c321")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "-- power cut at write 321" in proc.stdout
    assert "SAVED" in proc.stdout and proc.stdout.rstrip().endswith("cpython-s1-c321: ok")


def test_a_chain_of_cuts_in_the_recovery_of_the_real_day_replays_by_its_id():
    proc = replay("micropython-s1-c700,12,3", "--workload", VISITS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "-- power cut at write 700" in out
    assert "-- boot again, power cut at its write 12" in out
    assert "-- boot again, power cut at its write 3" in out
    assert "-- boot again, recover and finish the day" in out
    assert out.count("SAVED") >= 20 and "PURGING" in out
    assert out.rstrip().endswith("micropython-s1-c700,12,3: ok")


@pytest.mark.parametrize(
    "bad",
    [
        ["c123"],
        ["cpython-s1-c"],
        ["cpython-s1-c12,"],
        ["cpython-s1-c0,4"],
        ["--mode", "sideways"],
        ["--mode", "linear", "--depth", "1"],
        ["--every", "0"],
    ],
)
def test_a_bad_id_or_mode_is_one_clear_line(bad):
    proc = replay(*bad)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error:") and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "workload,symptom,mode,every",
    [
        ("tests.powercut_faulty:ReusesOrders", "order number was handed out twice", "single", 7),
        ("tests.powercut_faulty:SavesTooEarly", "shown as saved is missing", "single", 15),
        ("tests.powercut_faulty:VisitsSavedTooEarly", "shown as saved is missing", "single", 120),
        (
            "tests.powercut_faulty:VisitsHalfSigned",
            "no Vitale signature and no reason",
            "single",
            120,
        ),
    ],
)
def test_the_bench_catches_a_broken_journal(workload, symptom, mode, every):
    proc = replay("-i", "cpython", "--mode", mode, "--every", str(every), "--workload", workload)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert summary(proc)["failures"] > 0
    assert symptom in proc.stdout
    failed = re.search(r"^FAIL (cpython-s1-c[\d,]+): .*" + re.escape(symptom), proc.stdout, re.M)
    assert failed, proc.stdout
    again = replay(failed.group(1), "--workload", workload)
    assert again.returncode == 1 and symptom in again.stdout


def test_a_cut_during_recovery_is_what_only_the_linear_mode_sees():
    """RepairsUnsafely rewrites its orders file at every boot, not atomically: harmless
    unless the power goes during that boot, which the single mode never does."""
    workload = "tests.powercut_faulty:RepairsUnsafely"
    single = replay("-i", "cpython", "--mode", "single", "--every", "80", "--workload", workload)
    assert single.returncode == 0 and summary(single)["failures"] == 0, single.stdout
    linear = replay("-i", "cpython", "--mode", "linear", "--every", "80", "--workload", workload)
    assert summary(linear)["failures"] > 0
    failed = re.findall(r"^FAIL cpython-s1-c(\d+(?:,\d+)+): ", linear.stdout, re.M)
    assert failed, linear.stdout
    # every failure is a chain of at least two cuts, and shows the lost orders file
    assert not re.search(r"^FAIL cpython-s1-c\d+: ", linear.stdout, re.M), linear.stdout
    assert "numeros d'ordre illisible" in linear.stdout
    chain = "cpython-s1-c" + failed[0]
    again = replay(chain, "--workload", workload)
    assert again.returncode == 1 and "FAIL %s: " % chain in again.stdout
