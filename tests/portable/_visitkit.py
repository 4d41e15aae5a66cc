"""Portable helpers of the visit tests (both interpreters): an App on a fake board with a
littlefs in RAM, and the visits recorded in card_transcripts.json (tests/card_transcripts.py
records them from the virtual cards: both signatures and the copy included)."""

from _cardkit import NOW, press, run_scenario, settle
from _fakes import FakeBoard
from _flashfs import Disk
from _kit import Rng

from firmware.app import App
from firmware.opposition import MemoryOppositionList

# Visits recorded: (vitale card, cps card, PIN keys, keys from the patient screen to the end).
# "visit": a GP's visit to a single holder, VG, MD, IK 7 km, the patient pays, signed
# (the rank, the situation, VG, then MD and IK 7 km on the act menu, 0: pay, 1: patient).
VISIT_KEYS = "1 1 1 2 3 7 OK 0 1"
VISITS = {
    "visit": ("single", "gp", "4827 OK", VISIT_KEYS + " OK"),
}
# With a Carte Vitale 2 the fund is typed after the rank (not on the card's public part).
VITALE2_KEYS = "1 011690000 OK 1 1 2 3 7 OK 0 1 OK"
VITALE2_FUND = "011690000"
VISITS["vitale2-cps3-visit"] = ("vitale2-family", "cps3-gp", "3719 OK", VITALE2_KEYS)
VISITS["vitale2-tla-cps-visit"] = ("vitale2-family", "gp", "4827 OK", VITALE2_KEYS)
# Visits whose signing the CPS3 refuses: nothing is saved (the 4th item: sheets saved).
REFUSED_VISITS = {
    "cps3-no-mse-visit": ("vitale2-family", "cps3-no-mse", "3719 OK", VITALE2_KEYS),
    "cps3-6982-visit": ("vitale2-family", "cps3-6982", "3719 OK", VITALE2_KEYS),
    "cps3-short-signature-visit": (
        "vitale2-family",
        "cps3-short-signature",
        "3719 OK",
        VITALE2_KEYS,
    ),
}
PRO = "10001234565"  # the gp fixture's holder id


def make_visit_app(vitale_slot, cps_slot, blocks=32, flash_opposition=False):
    """An App at NOW on a fake board with simulated flash (`app.disk`) and these slots;
    an empty opposition list in RAM, or in the flash when `flash_opposition`."""
    disk = Disk(blocks)
    board = FakeBoard()
    board.slots = {"vitale": vitale_slot, "cps": cps_slot}
    board.flash = disk.flash
    board.filesystem = lambda format_if_blank=True: disk.fs
    board.clock.set(NOW)
    board.random_bytes = Rng(11).bytes  # the pairing and AUTH of tests that sync mid-visit
    app = App(board, opposition=None if flash_opposition else MemoryOppositionList(()))
    app.disk = disk
    return app


def run_visit(app, vitale_slot, cps_slot, pin_keys, visit_keys, check=None):
    """CPS in, PIN, Vitale in (run_scenario), then the visit's keys one word at a time."""
    run_scenario(app, vitale_slot, cps_slot, pin_keys)
    for word in visit_keys.split(" "):
        press(app, word)
        if check:
            check()
    settle(app)


def sheets(app):
    return list(app.storage.journal.records_after(0, 0, 0, None))
