"""What the professional types on the keypad during a visit: a numbered menu, digits, an
amount or a rating in hundredths, a date. Each entry takes one key at a time and says when
it is done or cancelled; firmware/screens.py draws it.

`key(k)` returns DONE (the value is in `value`), CANCEL, OUT (a menu number that names no
item: `value` is the number) or None (keep typing). Nothing typed is checked here beyond
its shape: what the regulation asks is protocol/sheet_validation's job.
"""

from hw import hal
from protocol import dates

DONE = "done"
CANCEL = "cancel"
OUT = "out"  # a menu number beyond the items


class Menu:
    """Items numbered 1..n (0..n-1 with `base` 0: a shortcut first, picked with 0): a digit
    picks its item at once; UP/DOWN move the cursor and OK picks it. `value` is the index
    (0-based) of the item picked; `cursor` where the cursor starts."""

    kind = "menu"

    def __init__(self, title, items, hint="", base=1, cursor=0):
        self.title = title
        self.items = items
        self.hint = hint  # a last line, when the items leave room for it
        self.base = base
        self.cursor = cursor
        self.value = None
        self.with_ok = False  # the item was picked with OK on the cursor, not its digit

    def key(self, k):
        if k == hal.KEY_CANCEL:
            return CANCEL
        if k == hal.KEY_UP and self.cursor > 0:
            self.cursor -= 1
        elif k == hal.KEY_DOWN and self.cursor + 1 < len(self.items):
            self.cursor += 1
        elif k == hal.KEY_OK and self.items:
            self.value = self.cursor
            self.with_ok = True
            return DONE
        elif len(k) == 1 and "0" <= k <= "9":
            n = int(k)
            if not self.base <= n < len(self.items) + self.base:
                self.value = n
                return OUT
            self.value = n - self.base
            return DONE
        return None


class Digits:
    """Up to `longest` digits, OK once at least `shortest` are typed; BACK deletes one.
    `value` is the text typed ("" allowed when `shortest` is 0)."""

    kind = "digits"

    def __init__(self, title, label, longest, shortest=1, hint="OK valider"):
        self.title = title
        self.label = label
        self.longest = longest
        self.shortest = shortest
        self.hint = hint
        self.typed = ""
        self.value = None

    def key(self, k):
        if k == hal.KEY_CANCEL:
            return CANCEL
        if k == hal.KEY_BACK:
            self.typed = self.typed[:-1]
        elif k == hal.KEY_OK:
            if len(self.typed) >= self.shortest:
                self.value = self.typed
                return DONE
        elif len(k) == 1 and "0" <= k <= "9" and len(self.typed) < self.longest:
            self.typed += k
        return None

    def shown(self):
        return self.typed


class Hundredths(Digits):
    """A number in hundredths typed like on a till: 1, 5, 0 shows 0,01 then 0,15 then 1,50.
    Amounts in cents and ratings (AMI 1,50 is 150). `value` is the int; with a `default`,
    OK alone takes it (shown until a digit is typed)."""

    def __init__(self, title, label, longest=7, unit="", default=None):
        Digits.__init__(self, title, label, longest, 1 if default is None else 0)
        self.unit = unit
        self.default = default
        if default is not None:
            self.hint = "OK: valeur affichee"

    def key(self, k):
        got = Digits.key(self, k)
        if got == DONE:
            self.value = int(self.typed) if self.typed else self.default
        return got

    def shown(self):
        n = int(self.typed) if self.typed else (self.default or 0)
        return "%d,%02d%s" % (n // 100, n % 100, self.unit)


class Proposed(Digits):
    """Digits, or OK alone for the text `default` proposed (shown until a digit is typed)."""

    def __init__(self, title, label, longest, default, hint=None):
        Digits.__init__(self, title, label, longest, 0, hint or "OK: valeur affichee")
        self.default = default

    def key(self, k):
        got = Digits.key(self, k)
        if got == DONE and not self.typed:
            self.value = self.default
        return got

    def shown(self):
        return self.typed or self.default


class Date(Digits):
    """A date typed JJMMAAAA, or JJMM for the latest such day not after `anchor` (this
    year, or the last), or JJ for the latest such day of `anchor`'s month or the one
    before, or OK alone for `default` (YYYYMMDD). `anchor` is today, `default` when not
    given: a prescription proposed from an older one is anchored on today, not on it.
    `value` is YYYYMMDD as typed: an impossible date (31/02) is left for the validator."""

    def __init__(self, title, label, default, anchor=None):
        Digits.__init__(self, title, label, 8, 0, "OK: date affichee")
        self.default = default
        self.anchor = anchor or default

    def key(self, k):
        got = Digits.key(self, k)
        if got == DONE:
            t = self.typed
            a = self.anchor
            if not t:
                self.value = self.default
            elif len(t) == 2:
                # JJ: the care or the prescription was this month, or late last month.
                year, month = a // 10000, a // 100 % 100
                if int(t) > a % 100:
                    year, month = (year, month - 1) if month > 1 else (year - 1, 12)
                self.value = year * 10000 + month * 100 + int(t)
            elif len(t) == 4:
                # JJMM: the care or the prescription was this year, or late last year.
                day = int(t[2:4]) * 100 + int(t[0:2])
                year = a // 10000
                self.value = (year if day <= a % 10000 else year - 1) * 10000 + day
            elif len(t) < 8:
                self.value = None
                return None  # a date is 8 digits, 4 (JJMM), 2 (JJ), or none for the default
            else:
                self.value = int(t[4:8]) * 10000 + int(t[2:4]) * 100 + int(t[0:2])
        return got

    def shown(self):
        if not self.typed:
            return dates.french(dates.ymd_tuple(self.default))
        mask = self.typed + "JJMMAAAA"[len(self.typed) :]
        return "%s/%s/%s" % (mask[0:2], mask[2:4], mask[4:8])
