"""The real day (emulator/visitday.py) with the day's round held (docs/round.md): the same
20 visits, prepared by the PC and stored before the first one, each taken from the round
(the card, OK on the offer, OK on the review). Portable; the bench measures its heap
(`make bench ARGS=visits-round-heap`) and the power-cut bench can cut it
(`--workload emulator.visitday_round:RoundVisitDay`).
"""

from emulator import visitday
from emulator.visitday import PATIENTS, START, VISIT_EVERY, VisitDay
from firmware import round_store
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


def entries(visits):
    out = []
    for n in range(1, visits + 1):
        card, name, rank = PATIENTS[(n - 1) % len(PATIENTS)]
        acts = [("VG", 100, 0), ("MD", 100, 0), ("IK", n * 100, 0)]
        ben = DEPENDANTS.get(rank)
        out.append(rp.entry(NIRS[card], ben, name, SITUATION, acts, None, 0, int(n % 3 == 0)))
    return out


def round_visit(card, name):
    return [
        {"insert": "vitale", "card": card, "screen": "Tournee"},
        {"keys": "OK", "screen": "Total"},
        {"keys": "OK", "screen": "Enregistree no"},
        {"remove": "vitale", "screen": "Inserer carte Vitale"},
    ]


def visit_steps(n):
    card, name, _ = PATIENTS[(n - 1) % len(PATIENTS)]
    return [{"clock": START + n * VISIT_EVERY}] + round_visit(card, name)


class RoundVisitDay(VisitDay):
    name = "round-visits"

    def storage(self, board):
        storage = VisitDay.storage(self, board)
        store = round_store.of(storage)
        if store is not None and not store.id:  # stored once, before the first visit
            j = storage.journal
            for body in rp.chunks(1, board.serial_number, GP, 20261118, entries(self.visits)):
                store.receive(RoundChunk(body), board.serial_number, j.free_bytes, j.reserve_bytes)
        return storage

    def run(self, board, report):
        saved = visitday.visit_steps
        visitday.visit_steps = visit_steps
        try:
            return VisitDay.run(self, board, report)
        finally:
            visitday.visit_steps = saved
