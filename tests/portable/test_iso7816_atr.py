"""ATR, PPS and waiting times (hw/iso7816/atr.py, pps.py, timing.py; ISO/IEC 7816-3:2006
clauses 7 to 11), on both interpreters: real-shaped ATRs parsed field by field, the ATR's
length known while it arrives, and every malformed ATR or PPS answer refused."""

from _kit import raises

from emulator.contacts.card import build_atr
from hw.iso7816 import pps
from hw.iso7816.atr import Atr, AtrError, expected_length
from hw.iso7816.timing import Timing


def test_a_t0_atr_with_ta1_tc1_and_tc2():
    # TS T0(TA1 TC1 TD1, K=2) TA1=13 TC1=05 TD1(TC2, T=0) TC2=20, "OK": no TCK (T=0 only).
    a = Atr(bytes.fromhex("3bd2130540204f4b"))
    assert a.protocols == [0] and a.first_protocol == 0
    assert (a.fi, a.di, a.fmax_khz) == (372, 4, 5000) and a.n == 5 and a.wi == 0x20
    assert a.historical == b"OK" and not a.inverse and a.specific is None
    t = a.timing(a.fi, a.di)
    assert t.wt_etu == 960 * 0x20 * 4 and t.guard_etu == 5


def test_a_t1_atr_with_its_own_bytes_and_tck():
    raw = build_atr((0, 1), ta1=0x95, ifsc=0xFE, bwi=4, cwi=5)
    a = Atr(raw)
    assert a.protocols == [0, 1] and a.first_protocol == 0
    assert (a.fi, a.di) == (512, 16) and (a.ifsc, a.bwi, a.cwi) == (254, 4, 5)
    assert a.historical == b"TLA" and not a.crc
    t = a.timing(512, 16)
    # CWT = 11 + 2^5 ETUs; BWT = 11 ETUs + 2^4 x 960 x 372 clock cycles at 32 cycles an ETU.
    assert t.cwt_etu == 43 and t.bwt_etu == 11 + 16 * 960 * 372 // 32
    print(raw.hex())


def test_the_length_is_known_while_the_atr_arrives():
    for raw in (build_atr((1,)), build_atr((0, 1)), bytes.fromhex("3bd2130540204f4b")):
        bounds = [expected_length(raw[:n]) for n in range(1, len(raw) + 1)]
        # A lower bound that never shrinks and is exact once every TDi is in.
        assert all(b <= len(raw) for b in bounds)
        assert bounds == sorted(bounds) and bounds[-1] == len(raw)
        print(raw.hex(), bounds)


def test_specific_mode_and_inverse_convention():
    # TS=3F, T0(TA1 TD1), TA1=11, TD1(TA2, T=0), TA2=80 (specific mode, unable to
    # change, T=0); T=0 only, so no TCK.
    a = Atr(bytes.fromhex("3f90111080"))
    assert a.inverse and a.specific == 0 and not a.can_change and not a.implicit


def test_malformed_atrs_are_refused():
    good = build_atr((1,))
    bad_tck = good[:-1] + bytes((good[-1] ^ 1,))
    cases = (
        bad_tck,  # wrong TCK
        good[:-1],  # TCK missing
        good + b"\x00",  # one byte too many
        b"\x3c\x00",  # TS neither 3B nor 3F
        bytes.fromhex("3b1000"),  # TA1 with an RFU Di
        bytes.fromhex("3b804000"),  # TC2 = 0 (WI 0)
        build_atr((1,), ifsc=0xFF),  # IFSC 255
        build_atr((1,), bwi=10),  # BWI RFU
        b"\x3b",
        b"\x3b\x0f" + b"A" * 32,  # longer than 33 bytes
    )
    for raw in cases:
        e = raises(AtrError, Atr, raw)
        print(raw.hex(), str(e))


def test_pps_request_and_answers():
    req = pps.request(1, 0x95)
    assert req == bytes((0xFF, 0x11, 0x95, 0xFF ^ 0x11 ^ 0x95))
    assert pps.check_response(req, req) == 0x95
    defaults = bytes((0xFF, 0x01, 0xFE))
    assert pps.check_response(req, defaults) == 0x11
    assert pps.response_length(req[:2]) == 4 and pps.response_length(defaults[:2]) == 3
    for answer in (
        bytes((0xFF, 0x11, 0x11, 0xFF ^ 0x11 ^ 0x11)),  # another PPS1
        bytes((0xFF, 0x10, 0x95, 0xFF ^ 0x10 ^ 0x95)),  # another protocol
        req[:-1] + bytes((req[-1] ^ 1,)),  # wrong PCK
        bytes((0xFE, 0x01, 0xFF)),  # no PPSS
        b"\xff",
    ):
        raises(pps.PpsError, pps.check_response, req, answer)


def test_guard_time_255_means_the_minimum():
    assert Timing(n=255).guard_etu == 0 and Timing(n=3).guard_etu == 3
    assert Timing().wt_etu == 9600  # the initial waiting time at Fd, Dd, WI = 10
