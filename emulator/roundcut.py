"""The power-cut bench's round workload (docs/round.md): the terminal stores round A in
chunks, as the sync sends it, three of its visits are done, then round B replaces it in
chunks and one of its visits is done. Portable (the bench's micropython child runs it).

`tla-emu replay --workload emulator.roundcut:RoundDay` cuts the power at every flash
write; after each cut `check_image` opens the round found on the image: it must be round A
or round B exactly as sent (every entry, in order, none of the other's), holding every
visit done that was promised for it and none of the other round's; B once B was promised.
"""

from firmware.accesslog_flash import FlashAccessLog
from firmware.journal import Journal
from firmware.round_store import RoundStore
from protocol import round as rp
from protocol.round import RoundChunk

SERIAL = "TLA-CUT-0001"  # emulator/powercut_child.CutBoard's serial
PRO = "20001112225"
DAY = 20261118
A, B = 7, 8  # round ids
DONE = {A: (0, 1, 2), B: (0,)}  # the visits done of each round, in order
_RESERVE = 40960


def entries(round_id, n):
    """n entries, different in every field that a mix would show."""
    out = []
    for i in range(n):
        body = "%d%012d" % (1 + round_id % 2, round_id * 1000 + i)
        nir = "%s%02d" % (body, 97 - int(body) % 97)  # its key right: a NIR a visit takes
        acts = [("AMI", 100 * (1 + i % 4), 1), ("IFD", 100, 0)]
        presc = [20261101 + round_id, "1000987654%d" % (round_id % 10), "%d%03d" % (round_id, i)]
        out.append(rp.entry(nir, None, "R%d PATIENT %d" % (round_id, i), "", acts, presc, 10, 1))
    return out


ROUNDS = {A: entries(A, 20), B: entries(B, 13)}


def send(store, round_id):
    """Every chunk of the round, in order, as the sync hands them to the store."""
    for body in rp.chunks(round_id, SERIAL, PRO, DAY, ROUNDS[round_id]):
        store.receive(RoundChunk(body), SERIAL, lambda: 1 << 30, _RESERVE)


class RoundDay:
    name = "round"

    def __init__(self, seed=1):
        self.seed = seed

    def open_storage(self, board):
        fs = board.filesystem()
        return Journal(fs), FlashAccessLog(fs)

    def key_of(self, payload):
        return payload  # no sheet is saved by this workload

    def run(self, board, report):
        journal, log = self.open_storage(board)
        report.booted(journal, log)
        store = RoundStore(journal.fs)
        for problem in store.problems:
            report.note("PROBLEM", problem.replace(" ", "_"))
        if store.id not in (A, B):
            send(store, A)
            report.note("ROUND", A)
        if store.id == A:
            for index in DONE[A]:
                if index not in store.done:
                    store.mark_done(index, 100 + index)
                    report.note("DONE", A, index)
            send(store, B)
            report.note("ROUND", B)
        for index in DONE[B]:
            if index not in store.done:
                store.mark_done(index, 200 + index)
                report.note("DONE", B, index)
        return journal, log

    def check_image(self, journal, notes, final):
        """What is wrong with the round on this image, against the notes promised."""
        wrong = []
        promised = [int(n[1]) for n in notes if n[0] == "ROUND"]
        done = [(int(n[1]), int(n[2])) for n in notes if n[0] == "DONE"]
        wrong += ["round problem at boot: " + " ".join(n[1:]) for n in notes if n[0] == "PROBLEM"]
        store = RoundStore(journal.fs)
        wrong += ["round: " + p for p in store.problems]
        held = store.id
        if held == 0:
            if promised:
                wrong.append("round %d was promised, the terminal holds none" % promised[-1])
            return wrong
        if held not in ROUNDS:
            return wrong + ["the terminal holds round %d, never sent" % held]
        if B in promised and held != B:
            wrong.append("round %d held after round %d was promised" % (held, B))
        got = [e for _, e in store.entries()]
        if got != ROUNDS[held]:
            wrong.append("round %d held is not the round sent (%d entries)" % (held, len(got)))
        for rid, index in done:
            if rid == held and index not in store.done:
                wrong.append("visit %d of round %d was done, the round lost it" % (index, rid))
        for index in store.done:
            if index not in DONE[held]:
                wrong.append("round %d holds visit %d done, never done in it" % (held, index))
            elif store.done[index] != (100 if held == A else 200) + index:
                wrong.append("round %d visit %d done by another sheet" % (held, index))
        if final and (held != B or sorted(store.done) != list(DONE[B])):
            wrong.append("the day ends with round %d, visits done %r" % (held, store.done))
        return wrong

    def final_check(self, journal, log):
        return []
