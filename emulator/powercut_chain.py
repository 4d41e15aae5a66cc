"""One chain of power cuts, as littlefs' test runner numbers them: the workload runs with
the power cut at its write c1; the terminal boots again, and in linear mode that recovery
boot is cut too, at its write c2 (in its repair: mounting, the journal's repair, the
interrupted step done again), and the next boot at its write c3; a last boot runs uncut,
recovers and finishes the day. The checker (emulator/powercut_check.py) runs after every
cut and after the last recovery.

Ids name every cut: `cpython-s1-c12` (one cut), `cpython-s1-c12,40,3` (three); `tla-emu
replay ID` runs the chain again, showing each boot's promises. docs/journal.md.
"""

import os
import re
import sys
import tempfile
from pathlib import Path

from emulator.interpreters import code_root
from emulator.powercut_check import Promises, check, first_promise
from emulator.powercut_child import load_workload
from emulator.powercut_children import blank_image, child

DEFAULT_WORKLOAD = "emulator.workday:SyntheticDay"
if str(code_root()) not in sys.path:
    sys.path.append(str(code_root()))  # workloads named module:Class from the project tree
ID_PATTERN = re.compile(r"^(cpython|micropython)-s(\d+)-c([1-9]\d*(?:,[1-9]\d*)*)$")


def cut_id(interpreter, seed, cuts) -> str:
    """`cuts`: the write of each boot at which the power goes (one int for a single cut)."""
    if isinstance(cuts, int):
        cuts = (cuts,)
    return "%s-s%d-c%s" % (interpreter, seed, ",".join(str(c) for c in cuts))


def parse_id(text):
    """(interpreter, seed, (cut, ...)) of a cut id, or None."""
    m = ID_PATTERN.match(text)
    if not m:
        return None
    return m.group(1), int(m.group(2)), tuple(int(c) for c in m.group(3).split(","))


def tear_for(seed, cut, boot=0) -> int:
    """Bytes of the interrupted write that still land: none with seed 0; with another seed
    a pseudo-random 0..159 (a 128-byte program is torn anywhere, or lands whole), drawn
    from the seed, the cut and which boot it cuts (0: the first run)."""
    if not seed:
        return 0
    x = (seed * 2654435761 + cut * 40503 + boot * 2246822519) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 2246822519) & 0xFFFFFFFF
    x ^= x >> 13
    return x % 160


class _Boots:
    """The boots of one chain on one image in a temporary directory."""

    def __init__(self, interpreter, seed, spec, workdir=None):
        self.interpreter, self.seed, self.spec = interpreter, seed, spec
        self.workload = load_workload(spec, seed)
        self.cards = getattr(self.workload, "cards", False)
        self._tmp = tempfile.TemporaryDirectory(prefix="tla-cut-", dir=workdir)
        self.image = os.path.join(self._tmp.name, "flash.img")
        blank_image(self.image)

    def boot(self, cut=0, boot=0):
        """One boot, the power cut at its write `cut` (0: never): its lines."""
        tear = tear_for(self.seed, cut, boot) if cut else 0
        return child(
            self.interpreter, self.image, cut, tear, self.spec, self.seed, cards=self.cards
        )

    def check(self, promises, final=False):
        return check(Path(self.image).read_bytes(), promises, self.workload, final=final)

    def close(self):
        self._tmp.cleanup()


def replay_chain(interpreter, seed, cuts, spec=DEFAULT_WORKLOAD, verbose=None):
    """Run the chain of `cuts` (a boot cut at each in turn, then one uncut): what is wrong,
    checked after every cut and after the last recovery. `verbose(title, lines)`."""
    boots = _Boots(interpreter, seed, spec)
    promises = Promises()
    wrong = []
    try:
        for n, cut in enumerate(cuts):
            lines = boots.boot(cut, n)
            promises.add(lines)
            if verbose:
                where = (
                    "power cut at write %d" if n == 0 else "boot again, power cut at its write %d"
                )
                verbose(
                    "-- " + where % cut + " (%d bytes of it land)" % tear_for(seed, cut, n), lines
                )
            if promises.outcome == "DONE" or promises.crashes:
                # the day ended before this cut (or the terminal crashed): the chain ends
                return wrong + boots.check(promises, final=promises.outcome == "DONE")
            wrong += boots.check(promises)
        lines = boots.boot()
        promises.add(lines)
        if verbose:
            verbose("-- boot again, recover and finish the day", lines)
        return wrong + boots.check(promises, final=True)
    finally:
        boots.close()


def explore(interpreter, seed, first, index=0, depth=1, spec=DEFAULT_WORKLOAD, workdir=None):
    """The chains that begin with the power cut at write `first`: (first,), then, up to
    `depth` cuts, (first, c2), (first, c2, c3). Each recovery boot is run uncut once (that
    ends the chain so far, and is checked), which gives its window: its writes up to and
    including its first promise (its repair and the interrupted step done again); the next
    cut lands in that window, the second at `1 + index % window` (`index`: the first cut's
    rank in the sweep) so that consecutive first cuts step through every write of the
    window, the third at `1 + (first - 1) // window2 % window3` so that a whole sweep meets
    every pair. Returns [(cuts, what is wrong)], what each chain adds."""
    boots = _Boots(interpreter, seed, spec, workdir)
    promises = Promises()
    results = []
    cuts = [first]
    span = 1
    try:
        while True:
            promises.add(boots.boot(cuts[-1], len(cuts) - 1))
            if promises.outcome == "DONE" or promises.crashes:
                final = promises.outcome == "DONE"
                results.append((tuple(cuts), boots.check(promises, final=final)))
                return results
            wrong = boots.check(promises)
            cut_image = Path(boots.image).read_bytes()
            recovered = promises.copy()
            lines = boots.boot()
            recovered.add(lines)
            results.append((tuple(cuts), wrong + boots.check(recovered, final=True)))
            promised_at = first_promise(lines)
            window = recovered.writes if promised_at is None else max(promised_at, 1)
            window = min(window, recovered.writes)
            if len(cuts) == depth or recovered.outcome != "DONE" or not recovered.writes:
                return results
            # Mixed radix: the second cut steps with the first cut's rank, the later ones
            # with its write (in a whole sweep rank = write - 1, so every pair is met; in
            # a sample the third cut still moves from one first cut to the next).
            number = index if len(cuts) == 1 else first - 1
            cuts.append(1 + (number // span) % window)
            span *= window
            Path(boots.image).write_bytes(cut_image)
    finally:
        boots.close()


def total_writes(interpreter, seed, spec=DEFAULT_WORKLOAD):
    """Flash writes of the whole workload without a cut."""
    boots = _Boots(interpreter, seed, spec)
    try:
        promises = Promises().add(boots.boot())
    finally:
        boots.close()
    if promises.crashes or promises.outcome != "DONE":
        raise RuntimeError("the workload does not run without a cut: %s" % promises.crashes)
    return promises.writes
