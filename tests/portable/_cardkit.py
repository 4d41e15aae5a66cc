"""Portable test doubles for the card layer: slots that replay recorded card transcripts
(tests/portable/card_transcripts.json, recorded from the virtual cards by
tests/card_transcripts.py), scripted slots, and the scenario driver both share.

A transcript is a list of exchanges [kind, command hex, response hex]: kind "atr" (power
on) or "apdu"; VERIFY commands are stored redacted, so no PIN is in the file.
"""

import json

from _fakes import FakeBoard
from _kit import ROOT

from firmware.app import App
from firmware.cards.apdu import redact
from firmware.opposition import MemoryOppositionList
from hw import hal

NOW = 1795000000  # 2026-11-18 12:06 in Paris: the fixtures' rights are open then


def load_transcripts():
    with open(ROOT + "/tests/portable/card_transcripts.json") as f:
        return json.load(f)


class ReplaySlot(hal.CardSlot):
    """A slot whose card answers from a transcript. insert() starts the transcript over;
    `pull_after(n)` pulls the card out during the n-th exchange (power-on or APDU) from now.
    A command that differs from the transcript fails the test."""

    def __init__(self, name, exchanges):
        self.name = name
        self.exchanges = exchanges
        self.inside = False
        self.powered = False
        self.pos = 0
        self.count = 0
        self._pull = 0

    def insert(self):
        self.inside = True
        self.powered = False
        self.pos = 0

    def remove(self):
        self.inside = False
        self.powered = False

    def pull_after(self, n):
        self._pull = n

    def _next(self, kind, command):
        self.count += 1
        if self._pull:
            self._pull -= 1
            if self._pull == 0:
                self.remove()
                raise hal.CardRemoved(self.name)
        if self.pos >= len(self.exchanges):
            raise AssertionError("%s: exchange beyond the transcript: %s" % (self.name, command))
        want_kind, want_cmd, response = self.exchanges[self.pos]
        if want_kind != kind or want_cmd != command:
            raise AssertionError(
                "%s: exchange %d is %s %s, expected %s %s"
                % (self.name, self.pos, kind, command, want_kind, want_cmd)
            )
        self.pos += 1
        return bytes.fromhex(response)

    def present(self):
        return self.inside

    def power_on(self):
        if not self.inside:
            raise hal.CardAbsent(self.name)
        atr = self._next("atr", "")
        self.powered = True
        return atr

    def transmit(self, apdu):
        if not self.inside:
            raise hal.CardRemoved(self.name) if self.powered else hal.CardAbsent(self.name)
        return self._next("apdu", redact(apdu).hex())

    def power_off(self):
        self.powered = False


class ScriptedSlot(hal.CardSlot):
    """A slot whose card answers `answer(apdu) -> response bytes` (None: mute card)."""

    def __init__(self, name, answer, atr=b"\x3b\x00"):
        self.name = name
        self.answer = answer
        self.atr = atr
        self.inside = True
        self.sent = []

    def insert(self):
        self.inside = True

    def remove(self):
        self.inside = False

    def present(self):
        return self.inside

    def power_on(self):
        if not self.inside:
            raise hal.CardAbsent(self.name)
        return self.atr

    def transmit(self, apdu):
        if not self.inside:
            raise hal.CardRemoved(self.name)
        self.sent.append(bytes(apdu))
        response = self.answer(bytes(apdu))
        if response is None:
            raise hal.CardIOError(self.name, "the card does not answer")
        return response

    def power_off(self):
        pass


def make_app(vitale_slot, cps_slot, opposition=()):
    """An App on a fake board whose slots are the given ones, at NOW."""
    board = FakeBoard()
    board.slots = {"vitale": vitale_slot, "cps": cps_slot}
    board.clock.set(NOW)
    return App(board, opposition=MemoryOppositionList(opposition))


def settle(app, rounds=6):
    for _ in range(rounds):
        app.step()


def press(app, keys):
    """Press keys: a string of digits, or names separated by spaces ("4827 OK")."""
    for word in keys.split(" "):
        if word in hal.KEYS:
            app.board.keypad.keys.append(word)
        else:
            for ch in word:
                app.board.keypad.keys.append(ch)
    settle(app, len(app.board.keypad.keys) + 4)


# The scenarios recorded in card_transcripts.json: (vitale card, cps card, PIN keys typed).
# Each runs: CPS inserted, keys typed, Vitale inserted.
SCENARIOS = {
    "read": ("family", "gp", "4827 OK"),
    "wrong-pin-then-read": ("single", "nurse", "6284 OK 1593 OK"),
    "pin-blocks": ("single", "nurse", "7391 OK 8462 OK 5173 OK"),
    "blocked-card": ("single", "blocked", ""),
    "expired-card": ("expired-card", "gp", "4827 OK"),
    "expired-rights": ("expired-rights", "gp", "4827 OK"),
    "opposed": ("opposed", "gp", "4827 OK"),
    "cover-no-consent": ("cover-no-consent", "gp", "4827 OK"),
    "cover-consent": ("cover-consent", "gp", "4827 OK"),
    "no-key": ("no-key", "gp", "4827 OK"),
    "unknown-in-vitale": ("unknown", "gp", "4827 OK"),
    "cps-in-vitale": ("nurse", "gp", "4827 OK"),
    "vitale-in-cps": ("single", "family", ""),
    "closed-dependant": ("closed-dependant", "gp", "4827 OK"),
    # The real cards' profiles (docs/cards.md "Real cards"): tests/portable/test_real_cards.py.
    "vitale2-cps3-read": ("vitale2-family", "cps3-gp", "3719 OK"),
    "vitale2-with-tla-cps": ("vitale2-family", "gp", "4827 OK"),
    "cps3-wrong-pin-then-read": ("vitale2-family", "cps3-gp", "1111 OK 3719 OK"),
    "cps3-blocked-card": ("vitale2-family", "cps3-blocked", ""),
    "cps3-bad-cert": ("vitale2-family", "cps3-bad-cert", ""),
    "cps3-in-vitale": ("cps3-gp", "gp", "4827 OK"),
    "vitale2-in-cps": ("single", "vitale2-family", ""),
    "cps3-with-tla-vitale": ("single", "cps3-gp", "3719 OK"),
    "vitale2-bad-pointers": ("vitale2-bad-pointers", "cps3-gp", "3719 OK"),
    "vitale2-missing-file": ("vitale2-missing-file", "cps3-gp", "3719 OK"),
    "vitale2-long-tag": ("vitale2-long-tag", "cps3-gp", "3719 OK"),
    "vitale2-bad-cert": ("vitale2-bad-cert", "cps3-gp", "3719 OK"),
}
OPPOSED = ("1000000055",)  # the fixture "opposed" card's serial (emulator/cards/fixtures.py)


def run_scenario(app, vitale_slot, cps_slot, keys, check=None):
    """CPS in, keys typed, Vitale in; the slots must have insert(). `check()`, when given,
    runs after each action (each key, each card inserted)."""
    settle(app)
    cps_slot.insert()
    settle(app)
    if check:
        check()
    for word in keys.split(" ") if keys else ():
        press(app, word)
        if check:
            check()
    vitale_slot.insert()
    settle(app)
    if check:
        check()


def events(app, kind=None):
    """The payloads of the EVENT reports of the app's board (those with `kind` as key)."""
    out = []
    for k, payload in app.board.events:
        if k == "EVENT" and (kind is None or kind in payload):
            out.append(payload)
    return out
