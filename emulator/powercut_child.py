"""One run of a power-cut workload on a flash image: the child of emulator/powercut.py.
Portable: `micropython emulator/powercut_child.py ...` runs it; on CPython the bench forks.

It boots a board whose flash is the image (written through, op by op), lets the workload
run, and reports each promise the terminal made ("saved no. N", an acknowledgement, an
access-log entry) as a line with the flash operation count, then `CUT n` or `DONE n`.
"""

import binascii
import hashlib
import sys

from hw import hal
from hw._compat import mount_littlefs
from hw.flash import NorFlash


def _hex(data) -> str:
    return binascii.hexlify(data).decode()


class Reporter:
    """Turns the workload's promises into lines for the bench (`out(line)`)."""

    def __init__(self, out, flash):
        self.out = out
        self.flash = flash

    def _say(self, *words):
        self.out(" ".join([str(self.flash.writes)] + [str(w) for w in words]))

    def booted(self, journal, log):
        for problem in journal.problems + log.problems:
            self._say("PROBLEM", problem.replace(" ", "_"))

    def logged(self, log):
        seq, digest = log.head_anchor()
        self._say("LOGGED", seq, _hex(digest))

    def reserved(self, pro_id, order_no):
        self._say("RESERVED", pro_id, order_no)

    def saved(self, rec_no, order_no, pro_id, payload, key):
        self._say("SAVED", rec_no, order_no, pro_id, _hex(hashlib.sha256(payload).digest()), key)

    def acked(self, rec_nos, day):
        self._say("ACKED", day, ",".join(str(r) for r in rec_nos))

    def rejected(self, rec_nos):
        self._say("REJECTED", ",".join(str(r) for r in rec_nos))

    def purging(self, today):
        self._say("PURGING", today)


class CutBoard(hal.Board):
    """A board with only its flash: what the storage workloads need."""

    name = "powercut"

    def __init__(self, flash):
        super().__init__("TLA-CUT-0001", {}, flash, None, None, None, None)

    def filesystem(self, format_if_blank=True):
        return mount_littlefs(self.flash, format_if_blank)


def load_workload(spec, seed):
    """`spec`: "module:Class" (default emulator.workday:SyntheticDay), built with `seed`."""
    module_name, _, class_name = spec.partition(":")
    module = __import__(module_name)
    for part in module_name.split(".")[1:]:
        module = getattr(module, part)
    return getattr(module, class_name)(seed)


def run(image, cut, tear, workload, out, blocks, on_cut=None):
    """Run `workload` on the flash image file `image` with the power cut at write `cut`
    (0: never). Returns "CUT" or "DONE" after reporting it through `out`."""
    store = open(image, "r+b", buffering=0)
    flash = NorFlash(store, block_count=blocks, cut_at=cut, tear=tear, on_cut=on_cut)
    report = Reporter(out, flash)
    try:
        workload.run(CutBoard(flash), report)
    except hal.PowerCut:
        out("%d CUT" % cut)
        return "CUT"
    out("%d DONE" % flash.writes)
    store.close()
    return "DONE"


def main(argv):
    image, cut, tear, spec, seed, blocks = (
        argv[1],
        int(argv[2]),
        int(argv[3]),
        argv[4],
        int(argv[5]),
        int(argv[6]),
    )
    workload = load_workload(spec, seed)
    run(image, cut, tear, workload, print, blocks)


if __name__ == "__main__":
    main(sys.argv)
