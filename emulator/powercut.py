"""The power-cut bench, after littlefs' power-loss runner (`runners/test_runner.c`): a
workload is replayed with the power cut at flash write 1, 2, ... to its end; after each cut
the terminal boots again, recovers and finishes the work, and a checker holds the flash to
every promise made. Two modes, as littlefs' runner has:

- single: one cut; the recovery boot runs uncut;
- linear: the recovery boot is cut too, in its repair writes, and the next one (up to
  `--depth` cuts: 3 by default); then an uncut boot recovers and finishes.

The parts: emulator/powercut_children.py (one run in a child, as real power loss),
powercut_check.py (promises and invariants), powercut_chain.py (one chain of cuts and its
id, `<interpreter>-s<seed>-c<cut>[,<cut>...]`), powercut_sweep.py (every first cut, in
processes); this module is `tla-emu replay`. docs/journal.md, "The power-cut bench".
"""

import sys
from typing import Annotated

import typer

from emulator.powercut_chain import DEFAULT_WORKLOAD, cut_id, parse_id, replay_chain
from emulator.powercut_children import INTERPRETERS
from emulator.powercut_sweep import sweep

MODES = ("single", "linear")


app = typer.Typer(
    help="Replay a workload with the power cut at every flash write, and check the journal.",
    add_completion=False,
    # options may follow the cut id (a group would otherwise stop at the first argument)
    context_settings={"help_option_names": ["-h", "--help"], "allow_interspersed_args": True},
)


def _show(title, lines):
    print(title)
    for line in lines:
        print("   " + line)


def _replay_one(text, workload):
    parsed = parse_id(text)
    if parsed is None:
        print(
            "error: a cut id looks like cpython-s1-c123 or cpython-s1-c123,4,7, not %r" % text,
            file=sys.stderr,
        )
        raise typer.Exit(2)
    interpreter, seed, cuts = parsed
    wrong = replay_chain(interpreter, seed, cuts, workload, verbose=_show)
    for w in wrong:
        print("FAIL %s: %s" % (text, w))
    print("%s: %s" % (text, "%d failures" % len(wrong) if wrong else "ok"))
    raise typer.Exit(1 if wrong else 0)


@app.callback(invoke_without_command=True)
def replay(
    cut: Annotated[
        str | None,
        typer.Argument(
            help="Id of one chain of cuts to replay, as printed by a failure (e.g. "
            "cpython-s1-c123, or cpython-s1-c123,4,7 from the linear mode). Without it, "
            "every cut point is tried."
        ),
    ] = None,
    interpreter: Annotated[
        str, typer.Option("--interpreter", "-i", help="cpython, micropython or both.")
    ] = "both",
    mode: Annotated[
        str,
        typer.Option(
            help="single: one cut, the recovery uncut; linear: the recovery boots are cut "
            "too, in their repair writes (--depth cuts in all)."
        ),
    ] = "single",
    depth: Annotated[int, typer.Option(help="Linear mode: cuts per chain (2 to 5).")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of torn writes (0: clean cuts).")] = 1,
    jobs: Annotated[int, typer.Option(help="Processes to run cuts in.")] = 2,
    every: Annotated[int, typer.Option(help="Try one first cut point in N (1: all).")] = 1,
    workload: Annotated[str, typer.Option(help="Workload as module:Class.")] = DEFAULT_WORKLOAD,
):
    """Cut the power at flash write 1, 2, ... of a working day; after each cut the terminal
    boots, recovers (in linear mode: is cut again while it recovers) and finishes; every
    promise it made must hold. Prints the cut points tried and the failures, each with an
    id that `tla-emu replay ID` runs again."""
    if cut is not None:
        _replay_one(cut, workload)
    if interpreter not in INTERPRETERS + ("both",):
        print("error: --interpreter is cpython, micropython or both", file=sys.stderr)
        raise typer.Exit(2)
    if mode not in MODES or not 2 <= depth <= 5:
        print("error: --mode is single or linear, --depth 2 to 5", file=sys.stderr)
        raise typer.Exit(2)
    if every < 1 or jobs < 1:
        print("error: --every and --jobs are 1 or more", file=sys.stderr)
        raise typer.Exit(2)
    cuts_per_chain = 1 if mode == "single" else depth
    label = mode if mode == "single" else "linear-%d" % depth
    names = INTERPRETERS if interpreter == "both" else (interpreter,)
    failed = 0
    for name in names:
        try:
            writes, tried, chains, failures, seconds = sweep(
                name, seed, workload, jobs, every, cuts_per_chain
            )
        except RuntimeError as e:
            print("error: %s" % e, file=sys.stderr)
            raise typer.Exit(1) from None
        for cuts, wrong in sorted(failures.items()):
            for w in wrong:
                print("FAIL %s: %s" % (cut_id(name, seed, cuts), w))
        print(
            "powercut %s seed %d %s: %d cut points tried of %d writes, %d chains of cuts, "
            "%d failures, %.1f s"
            % (name, seed, label, tried, writes, chains, len(failures), seconds)
        )
        failed += len(failures)
    raise typer.Exit(1 if failed else 0)


if __name__ == "__main__":
    app()
