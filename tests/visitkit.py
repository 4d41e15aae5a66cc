"""Helpers of the visit tests (CPython): a terminal stepped in this process (the App on a
PlayBoard, simulated NOR flash in RAM, virtual cards moved by SimHands), the steps of a
typical visit, and what was stored, read back from the flash and checked."""

import io

from emulator import visitday
from emulator.cards import fixtures
from emulator.scenario import SimHands, sim_slots
from emulator.scenario_play import AppDriver, PlayBoard, play
from firmware.app import App
from firmware.journal import Journal
from firmware.opposition import MemoryOppositionList
from hw._compat import mount_littlefs
from hw.flash import NorFlash
from protocol import bundle

NOW = 1795000000  # Wednesday 18/11/2026 12:06 in Paris: the fixtures' rights are open
PIN = {"gp": fixtures.pin("gp"), "nurse": fixtures.pin("nurse")}


class Terminal:
    """An App stepped here; `journal` the one it writes; `reserved` every order number it
    reserved, in order (reserve_order is watched)."""

    def __init__(self, blocks=128, flash=None, serial="TLA-TEST-0001"):
        self.flash = flash or NorFlash(io.BytesIO(), block_count=blocks)
        self.hands = SimHands(sim_slots())
        self.board = PlayBoard(self.flash, self.hands.slots, serial, NOW)
        self.app = App(self.board, opposition=MemoryOppositionList(fixtures.OPPOSED_SERIALS))
        self.driver = AppDriver(self.app, self.hands)
        self.journal = self.app.storage.journal
        self.reserved = []
        reserve = self.journal.reserve_order

        def watched(pro_id):
            n = reserve(pro_id)
            self.reserved.append(n)
            return n

        self.journal.reserve_order = watched

    def steps(self, steps, start=NOW):
        play(self.driver, {"name": "test", "start": start, "visits": [{"steps": steps}]})

    @property
    def screen(self):
        return self.board.display.lines

    def events(self, kind):
        return [e[kind] for _, e in self.board.events if kind in e]

    def sheets(self):
        """The stored sheets (journal records with their payloads), in record order."""
        return list(self.journal.records_after(0, 0, 0, None))

    def certificates(self):
        """Every certificate the terminal stored (DER), from its certificate store."""
        store = self.app.storage.certs
        return [store.get(cid) for cid in store.unknown_to_host()]

    def reboot_journal(self):
        """The journal as a fresh boot mounts it from this flash (nothing kept in RAM)."""
        return Journal(
            mount_littlefs(NorFlash(self.flash.store, block_count=self.flash.block_count), False)
        )


def cps_in(cps="gp"):
    return [
        {"insert": "cps", "card": cps, "screen": "Code PIN"},
        {"keys": PIN[cps] + " OK", "screen": "Inserer carte Vitale"},
    ]


def up_to_review(card="single", who="MARTIN PAUL", rank=1, km=7):
    """A GP's visit (VG, MD, IK km), the patient paying, up to the review screen."""
    return gp_visit(card, who, rank, km)[:-2]


def gp_visit(card="single", who="MARTIN PAUL", rank=1, km=7, situation=True):
    """`situation`: the CPS session's first visit, asked the practice situation."""
    return visitday.gp_visit(card, who, rank, km, False, situation)


def verified(term, payload, today=20261118):
    """host_agent's verification of a stored bundle, with the certificates the terminal
    stored and the test root."""
    from host_agent.verify import verify_bundle

    return verify_bundle(payload, term.certificates(), fixtures.pki().root_der, today)


def sheet_of(payload):
    from protocol import sheet

    return sheet.decode(bundle.decode(payload).sheet)
