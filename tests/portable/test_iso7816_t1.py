"""T=1 through the driver (hw/iso7816/t1.py) against a character-level card
(emulator/contacts), on both interpreters: IFSD announced, chaining both ways, an IFSC
change asked by the card, WTX, a damaged block retransmitted (bad LRC, a parity error, a
character damaged on its way to the card), resynchronisation after repeated errors, and the
faults past recovery (a card that keeps garbling, a mute card, a card asking for more time
without end, the card pulled in the middle of a block) a hal error with the card
deactivated, within the waits the ATR set."""

from _contactkit import contact, error_of

from emulator.contacts.card import build_atr
from hw import hal

BIG = bytes.fromhex("00dc0104ff") + bytes(range(255))  # 260 bytes: chained at IFSC 32
READ = bytes.fromhex("00b0000010")
BWT = 11 + 16 * 960 * 372 // 32  # BWI 4 at F = 512, D = 16


def _t1(ifsc=254, **options):
    slot, line, card = contact((1,), atr=build_atr((1,), ifsc=ifsc), ifsc=ifsc, **options)
    slot.power_on()
    assert slot.transport.protocol == 1 and (line.f, line.d) == (512, 16)
    assert card.engine.ifsd == 254  # S(IFS request) told the card our IFSD
    return slot, line, card


def _blocks_from_card(line):
    return sum(1 for _, d, _ in line.log if d == "c>r")


def test_chaining_both_ways():
    slot, line, card = _t1(ifsc=32)
    response = slot.transmit(BIG)
    # The command went in 9 chained blocks of at most 32 bytes, the card saw it whole; the
    # 257-byte answer came back in two blocks (254 + 3).
    assert card.app.apdus[-1] == BIG
    assert response == bytes(range(255)) + b"\x90\x00"
    assert card.engine.ns == 0 and slot.transport.ns == 1  # 9 I-blocks sent, 2 received


def test_the_card_asks_for_a_smaller_ifsc():
    slot, line, card = _t1(ifs_request=16)
    assert slot.transmit(READ)[-2:] == b"\x90\x00"
    assert slot.transport.ifsc == 16 and card.engine.ifsc == 16
    # The card refuses any I-block longer than 16 bytes: a chained 260-byte command passes.
    assert slot.transmit(BIG) == bytes(range(255)) + b"\x90\x00"


def test_wtx_gives_the_card_more_time():
    slot, line, card = _t1(wtx_at=(1,), wtx=3, slow=2 * BWT)
    assert slot.transmit(READ)[-2:] == b"\x90\x00"
    assert line.longest_wait == 3 * BWT  # one wait of 3 x BWT, then BWT again


def test_a_card_asking_for_time_without_end_is_cut_short():
    slot, line, card = _t1(wtx_at=(1,), wtx=100, wtx_repeat=1000)
    engine = card.engine
    e = error_of(slot.transmit, READ)
    assert isinstance(e, hal.CardIOError) and "more time" in str(e) and not line.vcc
    # 255 BWTs granted in all (MAX_WTX_TOTAL), then the reader gives up.
    assert line.longest_wait == 100 * BWT and engine._wtx_left > 990


def test_a_damaged_block_is_sent_again():
    slot, line, card = _t1(corrupt=(1,))  # the card's first answer has a bad LRC
    assert slot.transmit(READ)[-2:] == b"\x90\x00"
    assert card.engine.sent == 3  # S(IFS response), the damaged block, the retransmission
    slot, line, card = _t1()
    line.garble_at = {line.count + 7 + 4}  # a parity error inside the card's answer
    assert slot.transmit(READ)[-2:] == b"\x90\x00"
    slot, line, card = _t1()
    line.reject_at = {line.count + 3}  # the card gets a damaged character of our block
    assert slot.transmit(READ)[-2:] == b"\x90\x00" and len(card.app.apdus) == 1


def test_repeated_errors_resynchronise_then_the_command_goes_again():
    slot, line, card = _t1(corrupt=(1, 2, 3, 4))
    assert slot.transmit(READ)[-2:] == b"\x90\x00"
    assert len(card.app.apdus) == 2  # the command ran again after S(RESYNCH)
    assert slot.transport.ns == 1 and slot.transport.nr == 1


def test_a_card_that_keeps_garbling_is_an_io_error():
    slot, line, card = _t1(corrupt=tuple(range(1, 200)))
    e = error_of(slot.transmit, READ)
    assert isinstance(e, hal.CardIOError) and not line.vcc
    print(str(e))


def test_a_mute_card_is_an_io_error_within_bounded_waits():
    slot, line, card = _t1(mute_after=0)
    t = line.elapsed
    e = error_of(slot.transmit, READ)
    assert isinstance(e, hal.CardIOError) and not line.vcc
    assert line.longest_wait <= BWT
    # 3 resynchronisations of (1 + 3 R-blocks) waits of BWT each, and the S-blocks.
    assert line.elapsed - t <= 3 * 8 * (BWT + 400)


def test_a_card_pulled_in_the_middle_of_a_block():
    for offset in (1, 6, 12, 30):  # our block, the card's prologue, its INF, a later block
        slot, line, card = _t1(ifsc=32)
        line.pull_at = line.count + offset
        e = error_of(slot.transmit, BIG if offset == 30 else READ)
        assert isinstance(e, hal.CardRemoved) and not line.vcc, (offset, e)
        assert isinstance(error_of(slot.transmit, READ), hal.CardAbsent)
