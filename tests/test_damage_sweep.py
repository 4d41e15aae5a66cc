"""The damage sweep (emulator/damagesweep.py): a 30-sheet journal image, every block
overwritten in turn and seeded 16-byte bursts, the terminal booted on each.

What it shows: 0 silent losses (every promised sheet is pulled intact or named by number
in the damage the terminal reports), 0 corrupt sheets, 0 reused record or order numbers,
0 dead boots; under CPython over every block of the image, under micropython on a sample.
`make bench` runs more bursts (`python -m emulator.damagesweep --bursts 2000`).
"""

import subprocess

from emulator import damagesweep
from emulator.interpreters import code_root, micropython_command, micropython_env


def _assert_clean(figures):
    assert figures.cases and figures.intact
    assert (figures.silent, figures.corrupt, figures.reused, figures.dead) == (0, 0, 0, 0), (
        figures.failures[:5]
    )


def test_every_block_of_a_thirty_sheet_image_and_seeded_bursts():
    figures = damagesweep.sweep(sheets=30, blocks=None, bursts=60, seed=9)
    _assert_clean(figures)
    assert figures.cases == damagesweep.FLASH_BLOCKS + 60
    assert figures.reported  # the sweep does hit sheets, and they are named


def test_erased_blocks_each_alone_and_every_end_of_the_image():
    """Issue 17: blocks 2.. erased was formatted over, numbers back to 1; and salvage then
    named only the last sheet (no segment header left to say where the journal began)."""
    figures = damagesweep.erase_sweep(sheets=30)
    _assert_clean(figures)
    assert figures.salvage and figures.reported


def test_acknowledged_sheets_before_the_damage():
    figures = damagesweep.sweep(sheets=30, blocks=range(0, 64, 3), bursts=30, seed=4, acked=10)
    _assert_clean(figures)


def test_a_sample_under_micropython():
    out = subprocess.run(
        [
            micropython_command(),
            "-X",
            "heapsize=16M",
            str(code_root() / "emulator" / "damagesweep.py"),
            "--blocks",
            "12",
            "--bursts",
            "12",
            "--seed",
            "3",
        ],
        env=micropython_env(),
        capture_output=True,
        text=True,
        timeout=600,
        start_new_session=True,
    )
    print(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert " 0 silent losses, 0 corrupt" in out.stdout and " 0 reused numbers" in out.stdout
