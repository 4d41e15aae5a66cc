"""Portable helpers of the ISO 7816-3 tests: the driver's ContactSlot over a SimLine with a
ContactCard (emulator/contacts), in front of a small scripted card or a replayed transcript.
"""

import _kit  # noqa: F401  (puts the repository root on sys.path)

from emulator.contacts.card import ContactCard
from emulator.contacts.line import SimLine
from hw import hal
from hw.iso7816.slot import ContactSlot

LONG = bytes(range(256)) * 2  # what READ BINARY returns, cut to Le


class EchoCard:
    """An APDU-level card: READ BINARY returns LONG[:Le] (or 200 bytes for Le = 0, so a T=0
    reader gets 6Cxx), anything with data echoes the data, the rest answers 9000."""

    def __init__(self):
        self.apdus = []
        self.power_ups = 0

    def power_up(self):
        self.power_ups += 1

    def execute(self, apdu):
        self.apdus.append(bytes(apdu))
        if apdu[1] == 0xB0:
            n = apdu[4] if len(apdu) == 5 and apdu[4] else 200
            return LONG[:n] + b"\x90\x00"
        if len(apdu) > 5:
            return bytes(apdu[5 : 5 + apdu[4]]) + b"\x90\x00"
        return b"\x90\x00"


def contact(protocols=(1,), app=None, **options):
    """(slot, line, card): a card with `protocols` (and engine options) in a slot."""
    line = SimLine()
    card = ContactCard(app or EchoCard(), protocols, **options)
    line.insert(card)
    return ContactSlot("vitale", line), line, card


def error_of(fn, *args):
    """The hal error fn(*args) raised (fails when it raised none, or another kind)."""
    try:
        fn(*args)
    except hal.HalError as e:
        return e
    raise AssertionError("no hal error from %s" % fn.__name__)


class ReplayApp:
    """The card's application answering from a recorded transcript (tests/portable/
    card_transcripts.json): the APDUs must come in order. Under T=0 a case 4 command
    reaches the card without its Le (ISO 7816-3, 12.2.4): that is the only difference
    allowed. `marks` tells where in the line's character count each APDU ran."""

    def __init__(self, exchanges, line=None, mute_at=None):
        self.exchanges = exchanges
        self.mute_at = mute_at  # an APDU prefix (hex) the card falls silent at
        self.pos = 0
        self.executed = []
        self.line = line
        self.marks = []  # (APDU hex, line.count when the card ran it)

    def power_up(self):
        while self.pos < len(self.exchanges) and self.exchanges[self.pos][0] == "atr":
            self.pos += 1

    def execute(self, apdu):
        from firmware.cards.apdu import redact

        got = redact(apdu).hex()
        if self.mute_at is not None and got.startswith(self.mute_at):
            return None
        if self.pos >= len(self.exchanges):
            raise AssertionError("APDU beyond the transcript: %s" % got)
        kind, want, response = self.exchanges[self.pos]
        case4 = len(want) > 10 and len(want) == 12 + 2 * int(want[8:10], 16)
        if got != want and not (case4 and got == want[:-2]):
            raise AssertionError("APDU %d is %s, expected %s" % (self.pos, got, want))
        self.pos += 1
        self.executed.append(got)
        if self.line is not None:
            self.marks.append((got, self.line.count))
        return bytes.fromhex(response)


class ContactReplaySlot(ContactSlot):
    """A ContactSlot whose card replays a transcript behind T=0 or T=1; insert() and
    remove() move the card in and out of the simulated slot (the scenario drivers use them)."""

    def __init__(self, name, exchanges, protocols, mute_at=None, **options):
        line = SimLine()
        self.app = ReplayApp(exchanges, line, mute_at)
        self.card = ContactCard(self.app, protocols, **options)
        super().__init__(name, line)

    def insert(self):
        self.line.insert(self.card)

    def remove(self):
        self.line.remove()
