"""The power-cut bench (emulator/powercut.py) under both interpreters: a working day replayed
with the power cut at its flash writes, every promise checked after each reboot; and the
bench catches journals that break a promise. The synthetic day (emulator/workday.py) and the
real day of visits through the App (emulator/visitday.py: every cut point under CPython,
one in 40 under micropython, the stored signatures checked). The full sweeps are `tla-emu
replay [--workload emulator.visitday:VisitDay]`."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VISITS = "emulator.visitday:VisitDay"
SUMMARY = re.compile(
    r"powercut (\w+) seed (\d+): (\d+) cut points tried of (\d+) writes, (\d+) failures"
)


def replay(*args):
    proc = subprocess.run(
        [sys.executable, "-m", "emulator.cli", "replay", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return proc


# Cut points tried in `make test`: one in N (the seed shifts which); the full sweeps run
# with `tla-emu replay` (about 1150 cut points per interpreter for the synthetic day, 1521
# for the real one, see docs/journal.md and docs/visit.md).
@pytest.mark.parametrize(
    "interpreter,seed,every,workload",
    [
        ("cpython", 1, 4, None),
        ("micropython", 2, 12, None),
        ("cpython", 3, 1, VISITS),
        ("micropython", 4, 40, VISITS),
    ],
)
def test_power_cut_sweep_keeps_every_promise(interpreter, seed, every, workload):
    more = ["--workload", workload] if workload else []
    proc = replay("-i", interpreter, "--seed", str(seed), "--every", str(every), *more)
    print(proc.stdout)
    m = SUMMARY.search(proc.stdout)
    assert m, proc.stdout + proc.stderr
    tried, writes, failures = int(m.group(3)), int(m.group(4)), int(m.group(5))
    assert writes > (1000 if workload else 500)  # 20 visits, a sync, a purge
    assert tried >= writes // every
    assert failures == 0, proc.stdout
    assert proc.returncode == 0


def test_one_cut_replays_by_its_id():
    proc = replay("cpython-s1-c321")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "-- power cut at write 321" in proc.stdout
    assert "SAVED" in proc.stdout and proc.stdout.rstrip().endswith("cpython-s1-c321: ok")


def test_one_cut_of_the_real_day_replays_by_its_id():
    proc = replay("micropython-s1-c700", "--workload", VISITS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "-- power cut at write 700" in proc.stdout and "-- boot again" in proc.stdout
    assert proc.stdout.count("SAVED") >= 20 and "PURGING" in proc.stdout


def test_bad_id_is_one_clear_line():
    proc = replay("c123")
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error:") and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "workload,symptom,every",
    [
        ("tests.powercut_faulty:ReusesOrders", "order number was handed out twice", 7),
        ("tests.powercut_faulty:SavesTooEarly", "shown as saved is missing", 7),
        ("tests.powercut_faulty:VisitsSavedTooEarly", "shown as saved is missing", 60),
        ("tests.powercut_faulty:VisitsHalfSigned", "no Vitale signature and no reason", 60),
    ],
)
def test_the_bench_catches_a_broken_journal(workload, symptom, every):
    proc = replay("-i", "cpython", "--every", str(every), "--workload", workload)
    assert proc.returncode == 1
    m = SUMMARY.search(proc.stdout)
    assert m and int(m.group(5)) > 0
    assert symptom in proc.stdout
    failed = re.search(r"^FAIL (cpython-s1-c\d+): .*" + re.escape(symptom), proc.stdout, re.M)
    assert failed, proc.stdout
    again = replay(failed.group(1), "--workload", workload)
    assert again.returncode == 1 and symptom in again.stdout
