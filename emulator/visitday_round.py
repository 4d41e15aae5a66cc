"""The real day (emulator/visitday.py) with the day's round held (docs/round.md): the same
20 visits, prepared by the PC and stored before the first one, each taken from the round
(the card, OK on the offer, OK on the review). Portable; the bench measures its heap
(`make bench ARGS=visits-round-heap`) and the power-cut bench can cut it
(`--workload emulator.visitday_round:RoundVisitDay`).
"""

import gc
import hashlib

from emulator import visitday
from emulator.visitday import PATIENTS, START, VISIT_EVERY, VisitDay
from firmware import round_store
from firmware.journal import Journal
from protocol import cbor
from protocol import round as rp
from protocol.round import RoundChunk

GP = "10001234565"  # the gp fixture's holder id
SITUATION = "751234560"  # its first practice situation
# The NIRs of the day's fixture cards (emulator/cards/fixtures.py), and the birth date and
# birth rank of the dependants treated (rank 3: LEO, the elder twin; rank 4: LEA).
NIRS = {
    "single": "170047511223384",
    "family": "285056912304514",
    "no-key": "145097510204435",
    "no-copies": "201060608809260",
    "cover-consent": "155073306301996",
}
DEPENDANTS = {3: (20180305, 1), 4: (20180305, 2)}


def entry(n):
    """The round's entry of visit `n`: its patient, VG, MD and n km, paid as that visit."""
    card, name, rank = PATIENTS[(n - 1) % len(PATIENTS)]
    acts = [("VG", 100, 0), ("MD", 100, 0), ("IK", n * 100, 0)]
    pay = 1 if n % 3 == 0 else 0
    return rp.entry(NIRS[card], DEPENDANTS.get(rank), name, SITUATION, acts, None, 0, pay)


def install(store, serial, visits, free_bytes, reserve):
    """Give the store the round chunk by chunk, as the sync does: one chunk's entries in
    RAM at a time (the heap bench measures the firmware, not a whole round built here)."""
    sha = hashlib.sha256()
    size = 0
    for n in range(1, visits + 1):
        data = cbor.encode(entry(n))
        sha.update(data)
        size += len(data)
    per = rp.PER_CHUNK
    chunks = (visits + per - 1) // per
    for i in range(chunks):
        part = [entry(n) for n in range(i * per + 1, min(visits, (i + 1) * per) + 1)]
        body = {"id": 1, "i": i, "e": part}
        if i == 0:
            body.update({"term": serial, "pro": GP, "day": 20261118, "n": visits, "size": size})
        if i == chunks - 1:
            body["end"] = True
            body["sha"] = sha.digest()
        store.receive(RoundChunk(body), serial, free_bytes, reserve)


def round_visit(card, name):
    return [
        {"insert": "vitale", "card": card, "screen": "Tournee"},
        {"keys": "OK", "screen": "Total"},
        {"keys": "OK", "screen": "Enregistree no"},
        {"remove": "vitale", "screen": "Inserer carte Vitale"},
    ]


def visit_steps(n, situation=True, patients=PATIENTS):
    """Visit `n` taken from the round: the round's situation is its entry's, never asked."""
    card, name = patients[(n - 1) % len(patients)][:2]
    return [{"clock": START + n * VISIT_EVERY}] + round_visit(card, name)


class RoundVisitDay(VisitDay):
    name = "round-visits"

    def storage(self, board):
        storage = VisitDay.storage(self, board)
        store = round_store.of(storage)
        j = storage.journal
        if store is not None and isinstance(j, Journal) and not store.id:  # before visit 1
            install(store, board.serial_number, self.visits, j.free_bytes, j.reserve_bytes)
            gc.collect()
        return storage

    def run(self, board, report):
        saved = visitday.visit_steps
        visitday.visit_steps = visit_steps
        try:
            return VisitDay.run(self, board, report)
        finally:
            visitday.visit_steps = saved
