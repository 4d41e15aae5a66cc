"""T=0 through the driver (hw/iso7816/t0.py) against a character-level card
(emulator/contacts), on both interpreters: cases 1 to 4 with the 61xx and 6Cxx mappings of
ISO/IEC 7816-3 12.2, NULL and ~INS procedure bytes, character repetition after a parity
error both ways, and every fault that cannot be recovered (a character refused on every
repetition, a mute card, NULL bytes without end, a garbage procedure byte, the card pulled
in the middle of a character) a hal error with the card deactivated, within a bound of
waiting the ATR set."""

from _contactkit import LONG, contact, error_of

from hw import hal

SELECT = bytes.fromhex("00a4040c03a1a2a3")
PSO = bytes.fromhex("002a9e9a04") + b"\x01\x02\x03\x04" + b"\x00"


def _t0(**options):
    slot, line, card = contact((0,), **options)
    slot.power_on()
    assert slot.transport.protocol == 0 and (line.f, line.d) == (512, 16)  # after PPS
    return slot, line, card


def test_cases_1_to_4():
    slot, line, card = _t0()
    assert slot.transmit(bytes.fromhex("00440000")) == b"\x90\x00"  # case 1: P3 = 0
    assert slot.transmit(bytes.fromhex("00b0000010")) == LONG[:16] + b"\x90\x00"  # case 2
    # Case 3: the echoed data waits behind 61xx, for the application's GET RESPONSE.
    assert slot.transmit(SELECT) == b"\x61\x03"
    assert slot.transmit(bytes.fromhex("00c0000003")) == b"\xa1\xa2\xa3\x90\x00"
    # Case 4: sent as case 3, then one GET RESPONSE of min(61xx, Le) by the driver.
    assert slot.transmit(PSO) == b"\x01\x02\x03\x04\x90\x00"
    assert card.app.apdus[-1] == PSO[:-1]  # the card never sees a case 4's Le


def test_6cxx_resends_with_the_exact_length_without_running_the_command_twice():
    slot, line, card = _t0()
    before = len(card.app.apdus)
    assert slot.transmit(bytes.fromhex("00b0000000")) == LONG[:200] + b"\x90\x00"
    assert len(card.app.apdus) == before + 1
    sent = [b for _, d, b in line.log if d == "r>c"][-10:]
    assert sent[-5:] == [0x00, 0xB0, 0x00, 0x00, 200] and sent[-10:-5] == [0, 0xB0, 0, 0, 0]


def test_null_bytes_and_one_byte_at_a_time():
    slot, line, card = _t0(nulls=3, one_by_one=True)
    assert slot.transmit(PSO) == b"\x01\x02\x03\x04\x90\x00"
    got = [b for _, d, b in line.log if d == "c>r"]
    assert got.count(0x60) >= 6 and (0x2A ^ 0xFF) in got


def test_a_parity_error_from_the_card_is_repeated():
    slot, line, card = _t0()
    line.garble_at = {line.count + 5 + 1}  # the first data byte after the ACK
    assert slot.transmit(bytes.fromhex("00b0000004")) == LONG[:4] + b"\x90\x00"
    # Four damaged repetitions in a row: the card counts as broken.
    start = line.count + 5
    line.garble_at = {start + i for i in range(4)}
    e = error_of(slot.transmit, bytes.fromhex("00b0000004"))
    assert isinstance(e, hal.CardIOError) and not line.vcc
    print(str(e))


def test_a_character_the_card_rejects_is_sent_again():
    slot, line, card = _t0()
    line.reject_at = {line.count + 1}  # INS
    assert slot.transmit(bytes.fromhex("00b0000002")) == LONG[:2] + b"\x90\x00"
    assert [b for _, d, b in line.log if d == "r>c"][-5:-3] == [0xB0, 0xB0]
    line.reject_at = {line.count + i for i in range(8)}
    e = error_of(slot.transmit, bytes.fromhex("00b0000002"))
    assert isinstance(e, hal.CardIOError) and not line.vcc


def test_a_mute_card_is_an_io_error_within_the_waiting_time():
    slot, line, card = _t0(mute_after=1)
    slot.transmit(bytes.fromhex("00440000"))
    t = line.elapsed
    e = error_of(slot.transmit, bytes.fromhex("00b0000002"))
    assert isinstance(e, hal.CardIOError) and not line.vcc
    wt = 960 * 10 * 16
    assert line.elapsed - t <= wt + 200 and line.longest_wait <= wt
    assert isinstance(error_of(slot.transmit, SELECT), hal.CardAbsent)  # deactivated


def test_null_bytes_without_end_are_cut_short():
    slot, line, card = _t0(nulls=1000)
    e = error_of(slot.transmit, bytes.fromhex("00440000"))
    assert isinstance(e, hal.CardIOError) and "NULL" in str(e)


def test_a_garbage_procedure_byte():
    class Garbage:
        def power_up(self):
            pass

        def execute(self, apdu):
            return b"\x12\x34"  # not a status word: the reader takes 12 for a procedure byte

    slot, line, card = contact((0,), app=Garbage())
    slot.power_on()
    e = error_of(slot.transmit, bytes.fromhex("00440000"))
    assert isinstance(e, hal.CardIOError) and "12" in str(e)


def test_a_card_pulled_in_the_middle_of_a_character():
    for offset in (2, 5, 9):  # during the header, the ACK, the data
        slot, line, card = _t0()
        line.pull_at = line.count + offset
        e = error_of(slot.transmit, bytes.fromhex("00b0000008"))
        assert isinstance(e, hal.CardRemoved) and not line.vcc, (offset, e)
        assert isinstance(error_of(slot.transmit, SELECT), hal.CardAbsent)
        assert not slot.present()
