"""One run of a power-cut workload on a flash image: the child of emulator/powercut.py.
Portable: `micropython emulator/powercut_child.py ...` runs it; on CPython the bench forks.

It boots a board whose flash is the image (written through, op by op), lets the workload
run, and reports each promise the terminal made ("saved no. N", an acknowledgement, an
access-log entry) as a line with the flash operation count (`BOOTED` once the storage is
open and repaired), then `CUT n` or `DONE n`.
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
        self._say("BOOTED")  # the writes of mounting and the storage's repair
        for problem in list(journal.problems) + list(getattr(log, "problems", ())):
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

    def note(self, *words):
        """A workload's own promise (e.g. the round stored): `N NOTE word...`, handed back
        to its check_image() (emulator/powercut_check.py)."""
        self._say("NOTE", *words)


class CutBoard(hal.Board):
    """A board with its flash, and the card slots of `hands` (what moves cards in and out)
    for the workloads that play visits."""

    name = "powercut"

    def __init__(self, flash, hands=None):
        slots = hands.slots if hands is not None else {}
        super().__init__("TLA-CUT-0001", slots, flash, None, None, None, None)
        self.hands = hands

    def filesystem(self, format_if_blank=True):
        return mount_littlefs(self.flash, format_if_blank)


class ParentHands:
    """Cards moved by the bench's parent process, which holds the virtual cards (they need
    `cryptography`): the child asks on stdout (`CARD insert vitale family 0`, `CARD remove
    cps`), the parent's card server connects to (or leaves) this slot's vpcd port, then
    answers `OK` on stdin. The slots are the unix board's (hw/boards/unix.py)."""

    def __init__(self, ports):
        from hw.boards.unix_vpcd import VpcdSlot

        self.slots = {}
        for name in ports:
            self.slots[name] = VpcdSlot(name, ports[name])

    def _ask(self, words):
        print("CARD " + words)
        answer = sys.stdin.readline().strip()
        if answer != "OK":
            raise RuntimeError("the bench did not move the card: %r" % answer)

    def insert(self, slot, card, pull_at=0):
        self._ask("insert %s %s %d" % (slot, card, pull_at))

    def remove(self, slot):
        self._ask("remove " + slot)


def load_workload(spec, seed):
    """`spec`: "module:Class" (default emulator.workday:SyntheticDay), built with `seed`."""
    module_name, _, class_name = spec.partition(":")
    module = __import__(module_name)
    for part in module_name.split(".")[1:]:
        module = getattr(module, part)
    return getattr(module, class_name)(seed)


def run(image, cut, tear, workload, out, blocks, on_cut=None, hands=None):
    """Run `workload` on the flash image file `image` with the power cut at write `cut`
    (0: never), cards moved by `hands` when it plays visits. Returns "CUT" or "DONE" after
    reporting it through `out`."""
    store = open(image, "r+b", buffering=0)
    reserved = getattr(workload, "reserved", 0)  # raw blocks after littlefs' (updatecut.py)
    flash = NorFlash(
        store, block_count=blocks, cut_at=cut, tear=tear, on_cut=on_cut, reserved=reserved
    )
    report = Reporter(out, flash)
    try:
        workload.run(CutBoard(flash, hands), report)
    except hal.PowerCut:
        out("%d CUT" % cut)
        return "CUT"
    out("%d DONE" % flash.writes)
    store.close()
    return "DONE"


def main(argv):
    """IMAGE CUT TEAR WORKLOAD SEED BLOCKS [VITALE_PORT CPS_PORT]: with the ports, the
    cards are the parent's, served to this board's vpcd slots (ParentHands)."""
    image, cut, tear, spec, seed, blocks = (
        argv[1],
        int(argv[2]),
        int(argv[3]),
        argv[4],
        int(argv[5]),
        int(argv[6]),
    )
    hands = None
    if len(argv) > 8:
        hands = ParentHands({"vitale": int(argv[7]), "cps": int(argv[8])})
    workload = load_workload(spec, seed)
    run(image, cut, tear, workload, print, blocks, hands=hands)


if __name__ == "__main__":
    main(sys.argv)
