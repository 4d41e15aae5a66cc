"""The APDU helper (firmware/cards/apdu.py) against scripted cards, on both interpreters:
GET RESPONSE on 61xx, one retry on 6Cxx, chaining, file and record reads, and the limits
that stop a card that never ends."""

from _cardkit import ScriptedSlot
from _kit import raises

from firmware.cards import apdu, profile, tlv
from firmware.cards.apdu import Channel
from firmware.cards.errors import (
    CardStatusError,
    FileNotFound,
    MalformedCardData,
    PinWrong,
    WrongCommand,
)
from hw import hal

OK = b"\x90\x00"


def test_build_short_apdus():
    assert apdu.build(0, 0xB0, 1, 2, None, 0) == bytes.fromhex("00B0010200")
    assert apdu.build(0, 0xA4, 4, 0x0C, b"\xaa\xbb") == bytes.fromhex("00A4040C02AABB")
    assert apdu.build(0, 0x2A, 0x9E, 0x9A, b"\x01", 0) == bytes.fromhex("002A9E9A010100")
    raises(ValueError, apdu.build, 0, 0xD6, 0, 0, bytes(256))


def test_redact_hides_a_verify_pin_only():
    verify = apdu.build(0, profile.INS_VERIFY, 0, profile.PIN_REF, b"4827")
    assert redact_hex(verify) == "00200081042a2a2a2a"
    assert apdu.redact(apdu.build(0, 0xB0, 0, 0, None, 0)) == bytes.fromhex("00B0000000")
    assert apdu.redact(apdu.build(0, profile.INS_VERIFY, 0, profile.PIN_REF)) == bytes.fromhex(
        "00200081"
    )


def redact_hex(a):
    return apdu.redact(a).hex()


def test_61xx_is_fetched_with_get_response_in_pieces():
    data = bytes(range(200))
    state = {"left": data}

    def card(a):
        if a[1] == profile.INS_GET_RESPONSE:
            want = a[4] or 256
            out, state["left"] = state["left"][:want], state["left"][want:]
            if state["left"]:
                return out + bytes([0x61, len(state["left"])])
            return out + OK
        return bytes([0x61, 90])  # 90 of the bytes first, then the card says how many

    slot = ScriptedSlot("t", card)
    out = Channel(slot).command(0, 0x88, 0, 0, b"\x01", 0)
    assert out == data
    print([s.hex() for s in slot.sent])


def test_6cxx_retries_once_with_the_exact_le():
    def card(a):
        if a[-1] == 0x0A:
            return b"0123456789" + OK
        return b"\x6c\x0a"

    slot = ScriptedSlot("t", card)
    assert Channel(slot).read_binary(0, 0) == b"0123456789"
    assert [s.hex() for s in slot.sent] == ["00b0000000", "00b000000a"]
    stubborn = ScriptedSlot("t", lambda a: b"\x6c\x0a")
    e = raises(CardStatusError, Channel(stubborn).read_binary, 0, 0)
    assert len(stubborn.sent) == 2
    print(type(e).__name__, str(e))


def test_a_card_that_never_stops_sending_is_cut_off():
    endless = ScriptedSlot("t", lambda a: b"\xaa" * 250 + b"\x61\xff")
    raises(MalformedCardData, Channel(endless).command, 0, 0xCA, 0, 0, None, 0)
    assert len(endless.sent) <= 8
    looping = ScriptedSlot("t", lambda a: b"\x61\x00")
    raises(MalformedCardData, Channel(looping).command, 0, 0xCA, 0, 0, None, 0)
    huge = ScriptedSlot("t", lambda a: bytes(300) + OK)
    raises(MalformedCardData, Channel(huge).command, 0, 0xCA, 0, 0, None, 0)


def test_status_words_raise_typed_errors_and_no_status_word_is_a_card_error():
    raises(FileNotFound, Channel(ScriptedSlot("t", lambda a: b"\x6a\x82")).select_file, 0x2001)
    e = raises(
        PinWrong,
        Channel(ScriptedSlot("t", lambda a: b"\x63\xc1")).command,
        0,
        0x20,
        0,
        0x81,
        b"1111",
    )
    assert e.tries_left == 1
    raises(hal.CardIOError, Channel(ScriptedSlot("t", lambda a: b"\x90")).command, 0, 0, 0, 0)
    raises(hal.CardIOError, Channel(ScriptedSlot("t", lambda a: None)).command, 0, 0, 0, 0)


def test_chaining_splits_long_data_and_marks_all_but_the_last_block():
    slot = ScriptedSlot("t", lambda a: OK)
    Channel(slot).chained(0x2A, 0x00, 0xBE, bytes(450))
    assert [(s[0], s[4]) for s in slot.sent] == [(0x10, 200), (0x10, 200), (0x00, 50)]


def _file_card(content):
    def card(a):
        if a[1] == profile.INS_SELECT:
            return OK
        offset = (a[2] << 8) | a[3]
        if offset >= len(content):
            return b"\x6b\x00"
        return content[offset : offset + (a[4] or 256)] + OK

    return card


def test_tlv_file_read_in_blocks_by_its_header():
    content = tlv.encode(0x30, bytes(i & 0xFF for i in range(600)))
    slot = ScriptedSlot("t", _file_card(content))
    assert Channel(slot).read_tlv_file(0x2F01, 1024) == content
    print([s.hex()[:12] for s in slot.sent])
    raises(
        MalformedCardData,
        Channel(ScriptedSlot("t", _file_card(content))).read_tlv_file,
        0x2F01,
        512,
    )
    short = content[:300]  # the card says more than it has
    raises(WrongCommand, Channel(ScriptedSlot("t", _file_card(short))).read_tlv_file, 0x2F01, 1024)


def test_records_are_read_until_6a83_and_bounded():
    def card_with(n):
        def card(a):
            if a[1] == profile.INS_SELECT:
                return OK
            return (("rec%d" % a[2]).encode() + OK) if a[2] <= n else b"\x6a\x83"

        return card

    assert Channel(ScriptedSlot("t", card_with(3))).read_records(0x2002, 8, 100) == [
        b"rec1",
        b"rec2",
        b"rec3",
    ]
    assert Channel(ScriptedSlot("t", card_with(0))).read_records(0x2002, 8, 100) == []
    raises(
        MalformedCardData, Channel(ScriptedSlot("t", card_with(20))).read_records, 0x2002, 8, 100
    )
    raises(MalformedCardData, Channel(ScriptedSlot("t", card_with(2))).read_records, 0x2002, 8, 3)
