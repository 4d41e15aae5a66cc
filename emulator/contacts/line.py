"""SimLine: a simulated card line between the ISO 7816-3 driver (hw.iso7816) and a
ContactCard. Time is virtual, in ETUs (`elapsed`), so no test sleeps or races.

Faults, each at a character index counted over the whole session (`count`, both
directions; `log` records (index, "r>c" or "c>r", byte) so a test finds its index):
  - reject_at: characters sent by the reader that the card receives with bad parity (it
    signals the error when T=0's error signal is on, else sees a damaged character);
  - garble_at: characters from the card that arrive with bad parity (under T=0 the card
    repeats them after the reader's error signal);
  - pull_at: the card leaves the slot in the middle of that character.
"""

from hw.iso7816 import line as L

CHAR_ETU = 12  # start bit, 8 data bits, parity, 2 ETUs of guard time


def inverse(b):
    """A byte as the other convention reads it (bits inverted, order reversed)."""
    b ^= 0xFF
    r = 0
    for _ in range(8):
        r = (r << 1) | (b & 1)
        b >>= 1
    return r


class SimLine(L.CardLine):
    def __init__(self):
        self.card = None
        self.vcc = self.clk = self.rst = False
        self.inverse = False
        self.error_signal = False
        self.f, self.d, self.guard = 372, 1, 0
        self.queue = []  # [gap in ETUs before the character, byte], from the card
        self.elapsed = 0
        self.count = 0
        self.log = []
        self.reject_at = set()
        self.garble_at = set()
        self.pull_at = None
        self.longest_wait = 0  # the longest single wait the driver asked for

    # ------------------------------------------------------------ the slot's mechanics

    def insert(self, card):
        self.card = card
        self.queue = []

    def remove(self):
        if self.card is not None:
            self.card.power_down()
        self.card = None
        self.queue = []

    def _tick(self, direction, byte):
        """Count a character; True when the card is pulled during it."""
        i = self.count
        self.count += 1
        self.log.append((i, direction, byte))
        if self.pull_at is not None and i >= self.pull_at:
            self.remove()
            return True
        return False

    # ------------------------------------------------------------ CardLine

    def detect(self):
        return self.card is not None

    def power(self, on):
        self.vcc = on
        if not on:
            self.clk = self.rst = False
            self.queue = []
            if self.card is not None:
                self.card.power_down()

    def clock(self, on):
        self.clk = on

    def reset(self, high):
        rising = high and not self.rst
        self.rst = high
        if rising and self.vcc and self.clk and self.card is not None:
            self.queue = [[g, b] for g, b in self.card.reset()]

    def wait(self, etu):
        self.elapsed += etu
        if self.queue:
            self.queue[0][0] = max(0, self.queue[0][0] - etu)

    def set_rate(self, f, d, guard_etu=0):
        self.f, self.d, self.guard = f, d, guard_etu
        if self.card is not None:
            self.card.rate = (f, d)

    def set_inverse(self, inverse):
        self.inverse = inverse

    def set_error_signal(self, on):
        self.error_signal = on

    def _convert(self, byte):
        card_inverse = self.card is not None and self.card.inverse
        return inverse(byte) if card_inverse != self.inverse else byte

    def send(self, byte):
        self.elapsed += CHAR_ETU + self.guard
        i = self.count
        if self._tick("r>c", byte) or not (self.vcc and self.clk and self.card):
            return True  # nobody there to signal anything
        if i in self.reject_at:
            if self.error_signal:
                return False
            byte ^= 0x01  # T=1: the card gets a damaged character
        for g, b in self.card.receive(self._convert(byte)):
            self.queue.append([g, b])
        return True

    def receive(self, wait_etu):
        self.longest_wait = max(self.longest_wait, wait_etu)
        if not self.queue or self.queue[0][0] > wait_etu:
            self.wait(wait_etu)
            return L.NOTHING
        gap, byte = self.queue[0]
        self.elapsed += gap + CHAR_ETU
        i = self.count
        if self._tick("c>r", byte):
            return L.PARITY  # half a character, then nothing
        if i in self.garble_at:
            if self.error_signal:
                self.queue[0][0] = 2  # the card repeats it after the error signal
            else:
                self.queue.pop(0)
            return L.PARITY
        self.queue.pop(0)
        return self._convert(byte)

    def flush(self):
        self.elapsed += sum(g for g, _ in self.queue) + CHAR_ETU * len(self.queue)
        self.queue = []
