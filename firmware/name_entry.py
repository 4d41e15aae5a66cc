"""A name typed on the digit keypad the way phone keypads did it (multi-tap): 2 = ABC,
3 = DEF ... 9 = WXYZ, 0 = space, 1 = hyphen then apostrophe. Pressing the same key again
turns the letter being typed to the next one of its key; another key keeps it and starts
the next letter; DOWN keeps it so that the same key can give the next letter (A then B:
2 DOWN 2 2). BACK erases the letter being typed, else the last one kept; OK ends.

DOWN and not a pause moves on: the entry sees keys, not time, so the same keys always
give the same name (tests, the emulator and a slow hand alike). Upper-case ASCII only,
at most `longest` characters (protocol/sheet_fields.MAX_PATIENT_NAME on a sheet).
"""

from firmware.entry import CANCEL, DONE
from hw import hal

LETTERS = {
    "0": " ",
    "1": "-'",
    "2": "ABC",
    "3": "DEF",
    "4": "GHI",
    "5": "JKL",
    "6": "MNO",
    "7": "PQRS",
    "8": "TUV",
    "9": "WXYZ",
}
HINT = "v:suite <:efface OK"  # the keys, on the last line (20 characters at most)


class Name:
    """`typed` the letters kept, `key_down` the key being pressed again (None when none)
    and `turn` how many times; `value` the name once OK ends it (at least one letter, no
    space at either end)."""

    kind = "letters"

    def __init__(self, title, label, longest, hint=HINT):
        self.title = title
        self.label = label
        self.longest = longest
        self.hint = hint
        self.typed = ""
        self.key_down = None
        self.turn = 0
        self.value = None

    def pending(self):
        """The letter being typed, "" when none."""
        if self.key_down is None:
            return ""
        letters = LETTERS[self.key_down]
        return letters[self.turn % len(letters)]

    def _keep(self):
        self.typed += self.pending()
        self.key_down = None
        self.turn = 0

    def key(self, k):
        if k == hal.KEY_CANCEL:
            return CANCEL
        if k == hal.KEY_BACK:
            if self.key_down is not None:
                self.key_down = None
                self.turn = 0
            else:
                self.typed = self.typed[:-1]
        elif k == hal.KEY_DOWN:
            self._keep()
        elif k == hal.KEY_OK:
            self._keep()
            name = self.typed.strip()
            if name:
                self.value = name
                return DONE
        elif k in LETTERS:
            if k == self.key_down:
                self.turn += 1
            else:
                self._keep()
                if len(self.typed) < self.longest:
                    self.key_down = k
        return None

    def shown(self):
        """What is typed, the letter being typed last; its end when longer than 20."""
        return (self.typed + self.pending())[-20:]
