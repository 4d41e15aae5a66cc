"""Power-cut figures for `make bench` (`make bench ARGS=powercut` alone): every cut point of
the synthetic day and of the real visit day, in the single mode (one cut, the recovery
uncut) and in the linear mode (the recovery boots cut too, three cuts a chain), and of the
real day taken from the round in the single mode, under both interpreters: cut points
tried, chains of cuts checked, failures (each with the id that `tla-emu replay ID
--workload ...` runs again) and time. `make test` runs seeded samples of the same sweeps
(tests/test_powercut.py, tests/test_round_powercut.py)."""

from emulator.powercut_chain import cut_id
from emulator.powercut_sweep import sweep

SYNTHETIC = "emulator.workday:SyntheticDay"
VISITS = "emulator.visitday:VisitDay"
ROUND_VISITS = "emulator.visitday_round:RoundVisitDay"  # tests/test_round_powercut.py
RUNS = (  # title, workload, cuts per chain (1: single mode)
    ("synthetic day, single", SYNTHETIC, 1),
    ("synthetic day, linear-3", SYNTHETIC, 3),
    ("real visit day, single", VISITS, 1),
    ("real visit day, linear-3", VISITS, 3),
    ("real visit day from the round, single", ROUND_VISITS, 1),
)
UPDATE = "emulator.updatecut:UpdateDay"
UPDATE_RUNS = (  # `make bench ARGS=update` (docs/board.md "Updates")
    ("signed update, single", UPDATE, 1),
    ("signed update, linear-3", UPDATE, 3),
)
SHOWN = 10  # failures printed per sweep (all are counted)


def main(interpreters=("cpython", "micropython"), seed=1, jobs=2, every=1, runs=RUNS):
    """`every` > 1: a sample (a quick look at the output), not the figures."""
    for title, spec, depth in runs:
        for interpreter in interpreters:
            writes, tried, chains, failures, seconds = sweep(
                interpreter, seed, spec, jobs, every, depth
            )
            print(
                "%s, %s: %d cut points of %d writes, %d chains of cuts, %d failures, "
                "%.0f s (%d processes)"
                % (title, interpreter, tried, writes, chains, len(failures), seconds, jobs)
            )
            for cuts, wrong in sorted(failures.items())[:SHOWN]:
                print(
                    "  FAIL %s --workload %s: %s"
                    % (cut_id(interpreter, seed, cuts), spec, wrong[0])
                )
