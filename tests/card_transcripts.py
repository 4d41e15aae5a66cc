"""Record the card transcripts the portable reading and visit tests replay under both
interpreters: each scenario of tests/portable/_cardkit.py and each visit of _visitkit.py runs
against the real virtual cards (emulator/cards, CPython only: they sign with `cryptography`)
and every exchange is written down.

    .venv/bin/python tests/card_transcripts.py --write   # after changing cards or flow

tests/test_card_transcripts.py checks the stored file is what the cards answer today.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTABLE = ROOT / "tests" / "portable"
STORED = PORTABLE / "card_transcripts.json"
for p in (str(ROOT), str(PORTABLE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import _cardkit  # noqa: E402
import _visitkit  # noqa: E402

from emulator.cards import fixtures  # noqa: E402
from emulator.simboard import SimSlot  # noqa: E402
from firmware.cards.apdu import redact  # noqa: E402


class RecordingSlot(SimSlot):
    """A SimSlot holding one card, writing down every exchange."""

    def __init__(self, name, card):
        super().__init__(name)
        self._card = card
        self.record = []

    def insert(self, card=None):
        super().insert(card or self._card)

    def power_on(self):
        atr = super().power_on()
        self.record.append(["atr", "", atr.hex()])
        return atr

    def transmit(self, apdu):
        response = super().transmit(apdu)
        self.record.append(["apdu", redact(apdu).hex(), response.hex()])
        return response


def record(name):
    vitale_card, cps_card, keys = _cardkit.SCENARIOS[name]
    vitale = RecordingSlot("vitale", fixtures.make(vitale_card))
    cps = RecordingSlot("cps", fixtures.make(cps_card))
    app = _cardkit.make_app(vitale, cps, _cardkit.OPPOSED)
    _cardkit.run_scenario(app, vitale, cps, keys)
    return {"vitale": vitale.record, "cps": cps.record}


def record_visit(name, saved=1):
    table = _visitkit.VISITS if saved else _visitkit.REFUSED_VISITS
    vitale_card, cps_card, pin, keys = table[name]
    vitale = RecordingSlot("vitale", fixtures.make(vitale_card))
    cps = RecordingSlot("cps", fixtures.make(cps_card))
    app = _visitkit.make_visit_app(vitale, cps)
    _visitkit.run_visit(app, vitale, cps, pin, keys)
    assert len(_visitkit.sheets(app)) == saved, app.board.display.lines
    return {"vitale": vitale.record, "cps": cps.record}


def record_all():
    out = {name: record(name) for name in sorted(_cardkit.SCENARIOS)}
    for name in sorted(_visitkit.VISITS):
        out[name] = record_visit(name)
    for name in sorted(_visitkit.REFUSED_VISITS):
        out[name] = record_visit(name, saved=0)
    return out


def dumps(transcripts) -> str:
    return json.dumps(transcripts, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    text = dumps(record_all())
    if "--write" in sys.argv:
        STORED.write_text(text)
        print("wrote %s (%d bytes)" % (STORED.relative_to(ROOT), len(text)))
    else:
        sys.stdout.write(text)
