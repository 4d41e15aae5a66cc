"""A card that answers garbage at the character level (hw/iso7816 against random bytes), on
both interpreters: random ATRs, random answers to commands under T=0 and T=1, with random
parity errors; whatever comes, the slot returns a response or raises a hal error (never
anything else), and the total virtual time spent stays within the bounds the ATR sets."""

from _kit import Rng

from emulator.contacts.card import ContactCard, build_atr
from emulator.contacts.line import SimLine
from hw import hal
from hw.iso7816.slot import ContactSlot

# Generous liveness bound, in ETUs at the default rate: 3 resynchronisations of 4 waits of
# BWT (1.4 s, 178 571 ETUs at D = 16, i.e. 11 161 at D = 1) and the S-blocks around them.
BOUND = 4 * 3 * 8 * 200000


class Garbage(ContactCard):
    """Random bytes for an ATR (sometimes a good one) and for every answer."""

    def __init__(self, rng, good_atr):
        super().__init__(None, (1,))
        self.rng = rng
        self.good_atr = good_atr

    def reset(self):
        self.resets += 1
        if self.good_atr:
            atr = self.atr
        else:
            atr = bytes((0x3B,)) + self.rng.bytes(self.rng.below(20))
        return [[1, b] for b in atr]

    def power_down(self):
        pass

    def receive(self, byte):
        if self.rng.below(3):
            return []
        return [[self.rng.below(50), b] for b in self.rng.bytes(1 + self.rng.below(12))]


def test_garbage_is_a_response_or_a_hal_error_never_a_hang():
    rng = Rng(7)
    outcomes = {}
    for n in range(120):
        line = SimLine()
        line.insert(Garbage(rng, good_atr=n % 2 == 0))
        line.garble_at = {rng.below(80) for _ in range(rng.below(4))}
        slot = ContactSlot("vitale", line)
        kind = "ok"
        try:
            slot.power_on()
            for _ in range(3):
                slot.transmit(bytes.fromhex("00b0000008"))
        except hal.HalError as e:
            kind = type(e).__name__
        outcomes[kind] = outcomes.get(kind, 0) + 1
        assert line.elapsed < BOUND, (n, line.elapsed)
        if kind != "ok":
            assert not line.vcc  # deactivated before the error left
    print(sorted(outcomes.items()))
    assert outcomes.get("CardIOError", 0) > 50


def test_a_good_card_with_random_parity_errors_answers_right():
    rng = Rng(3)
    for n in range(30):
        protocols = ((0,), (1,))[n % 2]

        class App:
            def power_up(self):
                pass

            def execute(self, apdu):
                return bytes(range(apdu[4] or 1)) + b"\x90\x00"

        line = SimLine()
        line.insert(ContactCard(App(), protocols, atr=build_atr(protocols)))
        slot = ContactSlot("cps", line)
        slot.power_on()
        line.garble_at = {line.count + 5 + rng.below(40)}
        assert slot.transmit(bytes.fromhex("00b0000010")) == bytes(range(16)) + b"\x90\x00"
