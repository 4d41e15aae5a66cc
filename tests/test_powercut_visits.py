"""The power-cut bench on the real day (emulator/visitday.py: 20 visits through the App with
cards, PIN, acts and both signatures, an evening sync, a purge 91 days on): every cut point
under CPython, a sample under micropython (every cut point: `tla-emu replay -i micropython
--workload emulator.visitday:VisitDay`); and the bench catches a terminal that says "saved"
before the commit, or stores a half-signed sheet."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKLOAD = "emulator.visitday:VisitDay"
SUMMARY = re.compile(
    r"powercut (\w+) seed (\d+): (\d+) cut points tried of (\d+) writes, (\d+) failures"
)


def replay(*args):
    return subprocess.run(
        [sys.executable, "-m", "emulator.cli", "replay", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.parametrize("interpreter,seed,every", [("cpython", 3, 1), ("micropython", 4, 40)])
def test_the_real_day_keeps_every_promise_at_each_cut(interpreter, seed, every):
    proc = replay(
        "-i", interpreter, "--seed", str(seed), "--every", str(every), "--workload", WORKLOAD
    )
    print(proc.stdout)
    m = SUMMARY.search(proc.stdout)
    assert m, proc.stdout + proc.stderr
    tried, writes, failures = int(m.group(3)), int(m.group(4)), int(m.group(5))
    assert writes > 1000  # 20 visits (cards, sheets, access log), a sync, a purge
    assert tried >= writes // every
    assert failures == 0, proc.stdout
    assert proc.returncode == 0


def test_one_cut_of_the_real_day_replays_by_its_id():
    proc = replay("micropython-s1-c700", "--workload", WORKLOAD)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "-- power cut at write 700" in proc.stdout and "-- boot again" in proc.stdout
    assert proc.stdout.count("SAVED") >= 20 and "PURGING" in proc.stdout


@pytest.mark.parametrize(
    "workload,symptom",
    [
        ("tests.powercut_faulty:VisitsSavedTooEarly", "shown as saved is missing"),
        ("tests.powercut_faulty:VisitsHalfSigned", "no Vitale signature and no reason"),
    ],
)
def test_the_bench_catches_a_broken_terminal(workload, symptom):
    proc = replay("-i", "cpython", "--every", "60", "--workload", workload)
    assert proc.returncode == 1
    m = SUMMARY.search(proc.stdout)
    assert m and int(m.group(5)) > 0, proc.stdout + proc.stderr
    assert symptom in proc.stdout
    failed = re.search(r"^FAIL (cpython-s1-c\d+): .*" + re.escape(symptom), proc.stdout, re.M)
    assert failed, proc.stdout
    again = replay(failed.group(1), "--workload", workload)
    assert again.returncode == 1 and symptom in again.stdout
