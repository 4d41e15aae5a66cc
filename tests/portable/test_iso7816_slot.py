"""ContactSlot (hw/iso7816/slot.py), the hal.CardSlot over a card line, on both
interpreters: activation and ATR, PPS accepted, answered with the defaults, refused or
unanswered (a warm reset, then the default rate), a wrong TCK (one warm reset, then a hal
error), inverse convention, a card the reader cannot clock as fast as TA1 asks, and the
typed errors: no card, a mute card, garbage for TS, a card pulled during its ATR."""

from _contactkit import EchoCard, contact, error_of

from emulator.contacts.card import ContactCard, build_atr
from emulator.contacts.line import SimLine
from hw import hal
from hw.iso7816.slot import ContactSlot

READ = bytes.fromhex("00b0000004")


def test_pps_selects_t1_and_the_faster_rate():
    slot, line, card = contact((0, 1))
    atr = slot.power_on()
    assert atr == build_atr((0, 1)) and card.resets == 1
    assert slot.transport.protocol == 1 and (line.f, line.d) == (512, 16)
    assert [b for _, d, b in line.log if d == "r>c"][:4] == [0xFF, 0x11, 0x95, 0xFF ^ 0x11 ^ 0x95]
    assert slot.transmit(READ)[-2:] == b"\x90\x00"


def test_t0_preferred_when_asked():
    slot, line, card = contact((0, 1))
    slot.prefer_t1 = False
    slot.power_on()
    assert slot.transport.protocol == 0 and (line.f, line.d) == (512, 16)


def test_a_card_answering_pps_with_the_defaults():
    slot, line, card = contact((0, 1), pps="defaults")
    slot.power_on()
    assert slot.transport.protocol == 1 and (line.f, line.d) == (372, 1)
    assert slot.transmit(READ)[-2:] == b"\x90\x00"


def test_a_card_that_refuses_pps_is_reset_and_used_at_the_defaults():
    for mode in ("refuse", "mute"):
        slot, line, card = contact((0, 1), pps=mode)
        slot.power_on()
        # 9.1: warm reset, then the first protocol offered at Fd, Dd, without PPS.
        assert card.resets == 2 and slot.transport.protocol == 0, mode
        assert (line.f, line.d) == (372, 1)
        assert slot.transmit(READ) == bytes(range(4)) + b"\x90\x00"


def test_a_wrong_tck_earns_one_warm_reset_then_an_io_error():
    good = build_atr((1,))
    slot, line, card = contact((1,), atr=good[:-1] + bytes((good[-1] ^ 0x40,)))
    e = error_of(slot.power_on)
    assert isinstance(e, hal.CardIOError) and "TCK" in str(e) and card.resets == 2
    assert not line.vcc and not line.clk
    print(str(e))


def test_inverse_convention():
    slot, line, card = contact((1,), inverse=True)
    atr = slot.power_on()
    assert atr[0] == 0x3F and line.inverse and slot.transport.protocol == 1
    assert slot.transmit(READ) == bytes(range(4)) + b"\x90\x00"


def test_a_rate_beyond_the_line_is_not_negotiated():
    slot, line, card = contact((1,))
    slot.max_d = 8  # this line cannot run D = 16
    slot.power_on()
    assert card.resets == 1 and (line.f, line.d) == (372, 1)
    assert not [b for _, d, b in line.log if d == "r>c" and b == 0x95]


def test_no_card_a_mute_card_and_garbage():
    line = SimLine()
    slot = ContactSlot("cps", line)
    assert not slot.present()
    assert isinstance(error_of(slot.power_on), hal.CardAbsent)
    assert isinstance(error_of(slot.transmit, READ), hal.CardAbsent)

    class Mute(ContactCard):
        def reset(self):
            self.resets += 1
            return []

    line.insert(Mute(EchoCard()))
    e = error_of(slot.power_on)
    assert isinstance(e, hal.CardIOError) and not line.vcc
    assert line.longest_wait <= 40000 // 372 + 1  # 8.2: the ATR starts within 40 000 clocks
    slot, line, card = contact((1,), atr=b"\x5a\x00")
    assert isinstance(error_of(slot.power_on), hal.CardIOError)


def test_a_card_pulled_during_its_atr():
    for at in (0, 3, 8):
        slot, line, card = contact((1,))
        line.pull_at = at
        e = error_of(slot.power_on)
        assert isinstance(e, hal.CardRemoved) and not line.vcc, (at, e)
