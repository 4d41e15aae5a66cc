"""A 4 x 4 key matrix (rows driven low one at a time, columns read with pull-ups), scanned
each time the firmware asks for a key, with debouncing: a key counts once it has read the
same for STABLE_SCANS scans in a row, and once only until it is released. A hw.hal.Keypad.
"""

from hw import hal

STABLE_SCANS = 3  # the main loop scans every 5 ms or so: 15 ms of contact bounce ignored

# The legend of the TLA-T1 keypad, row by row (docs/board.md).
LAYOUT = (
    ("1", "2", "3", hal.KEY_UP),
    ("4", "5", "6", hal.KEY_DOWN),
    ("7", "8", "9", hal.KEY_MENU),
    (hal.KEY_CANCEL, "0", hal.KEY_BACK, hal.KEY_OK),
)


class MatrixKeypad(hal.Keypad):
    def __init__(self, rows, cols, layout=LAYOUT):
        """`rows`: output Pins, `cols`: input Pins with pull-ups (machine.Pin)."""
        self.rows = rows
        self.cols = cols
        self.layout = layout
        self._candidate = None
        self._count = 0
        self._reported = None
        for r in rows:
            r.value(1)

    def _scan(self):
        """The one key down now, or None (none, or several: a chord is no key)."""
        found = None
        for i, r in enumerate(self.rows):
            r.value(0)
            for j, c in enumerate(self.cols):
                if not c.value():
                    if found is not None:
                        r.value(1)
                        return None
                    found = self.layout[i][j]
            r.value(1)
        return found

    def get_key(self):
        key = self._scan()
        if key == self._candidate:
            self._count += 1
        else:
            self._candidate, self._count = key, 1
        if self._count < STABLE_SCANS:
            return None
        if key is None:
            self._reported = None
            return None
        if key == self._reported:
            return None  # held: one press, one key
        self._reported = key
        return key
