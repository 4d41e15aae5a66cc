"""Power cuts over a whole signed update (issue 22 item 2; docs/board.md "Updates"): the
power-cut bench's update workload (emulator/updatecut.py: sheets saved, the update taken
chunk by chunk, the switch, the trial boot and its confirmation, more sheets) cut at one
write in N, under both interpreters and in linear mode (the recovery boots cut too): the
bootloader always boots the factory version or the signed image whole, counter 2 and
nothing older once it was confirmed; no sheet lost, no number reused. Every cut point is
`make bench ARGS=update`. A switch written before the last chunk is caught."""

import pytest

from tests.test_powercut import replay, summary

UPDATE = "emulator.updatecut:UpdateDay"


@pytest.mark.parametrize("interpreter,every", [("cpython", 3), ("micropython", 7)])
def test_cuts_over_the_update_always_boot_a_signed_whole_version(interpreter, every):
    proc = replay("-i", interpreter, "--every", str(every), "--workload", UPDATE)
    got = summary(proc)
    assert got["writes"] > 100 and got["tried"] >= got["writes"] // every, got
    assert got["failures"] == 0 and proc.returncode == 0, proc.stdout


def test_cuts_in_the_recovery_and_trial_boots_too():
    proc = replay("-i", "cpython", "--mode", "linear", "--every", "4", "--workload", UPDATE)
    got = summary(proc)
    assert got["mode"] == "linear-3" and got["chains"] > 2.5 * got["tried"], got
    assert got["failures"] == 0 and proc.returncode == 0, proc.stdout


def test_the_bench_catches_a_switch_before_the_image_is_whole():
    workload = "tests.powercut_faulty:UpdateSwitchedEarly"
    proc = replay("-i", "cpython", "--every", "2", "--workload", workload)
    assert proc.returncode == 1 and summary(proc)["failures"] > 0, proc.stdout
    assert "names a trial of slot 0, not whole" in proc.stdout, proc.stdout
