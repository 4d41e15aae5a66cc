"""The demo's days agree (issue 17 item 11): its round is played on the last working day that
is over by now, at the scenario's own time of day, so the terminal, the sheets, the agent's
deadlines and the lots' stamps all speak of real days; amounts are written one way outside
the pages ("44,27 EUR"); fund codes and act codes are named where they are shown."""

import calendar
import json
from pathlib import Path

from emulator import demo_day
from host_agent import fund_codes, legend, money
from protocol import dates
from protocol import sheet_fields as F

DAY = json.loads((Path(__file__).parent.parent / "emulator/scenarios/day.json").read_text())


def _paris(y, m, d, hh, mm=0):
    """The epoch of a French legal time (the scenario's own zone)."""
    guess = calendar.timegm((y, m, d, hh, mm, 0))
    return guess - dates.paris_offset(guess - 3600)


def _said(epoch):
    return dates.paris_date(epoch), dates.paris_hm(epoch)


def test_a_monday_morning_plays_the_friday_round():
    start = demo_day.last_round_start(DAY, _paris(2026, 12, 7, 9, 1))  # Monday 09:01
    assert _said(start) == ((2026, 12, 4), (8, 0))  # Friday, at the scenario's 08:00


def test_a_day_whose_round_is_over_plays_that_day():
    length = demo_day.round_length(DAY)
    assert length == 19800  # 5 h 30: the day's visits are half an hour apart
    over = _paris(2026, 12, 4, 8) + length + demo_day.MARGIN_S
    assert _said(demo_day.last_round_start(DAY, over))[0] == (2026, 12, 4)
    assert _said(demo_day.last_round_start(DAY, over - 1))[0] == (2026, 12, 3)


def test_public_holidays_and_weekends_are_skipped():
    # 1 January 2027 is a Friday and a public holiday: the round is Thursday 31 December.
    start = demo_day.last_round_start(DAY, _paris(2027, 1, 3, 18))
    assert _said(start)[0] == (2026, 12, 31)
    # 14 July 2027 is a Wednesday: the evening plays Tuesday 13.
    assert _said(demo_day.last_round_start(DAY, _paris(2027, 7, 14, 20)))[0] == (2027, 7, 13)


def test_summer_time_keeps_the_time_of_day():
    start = demo_day.last_round_start(DAY, _paris(2027, 6, 18, 19))  # Friday, summer time
    assert _said(start) == ((2027, 6, 18), (8, 0))


def test_the_round_is_never_after_now():
    for hours in range(0, 24 * 9, 5):
        now = _paris(2026, 12, 1, 0) + hours * 3600
        start = demo_day.last_round_start(DAY, now)
        assert start + demo_day.round_length(DAY) <= now
        assert now - start < 5 * 86400  # a long weekend at most


def test_moved_shifts_every_clock_step_by_as_much():
    scenario = dict(DAY, setup=[{"clock": DAY["start"] + 60}] + DAY.get("setup", []))
    out = demo_day.moved(scenario, DAY["start"] + 86400 * 16)
    assert out["start"] == DAY["start"] + 86400 * 16
    assert out["setup"][0]["clock"] == DAY["start"] + 60 + 86400 * 16
    assert out["visits"] == DAY["visits"]  # advances only: unchanged
    assert scenario["setup"][0]["clock"] == DAY["start"] + 60  # the original untouched


def test_amounts_are_written_one_way():
    assert money.eur(4427) == "44,27 EUR"  # as the terminal shows it
    assert money.decimal(-150) == "-1,50"  # divmod alone gives '-2,50'
    assert money.decimal(0) == "0,00"
    assert money.eur(123456) == "1234,56 EUR"


def test_fund_codes_are_named():
    assert fund_codes.describe("011750000") == "régime général, caisse 175, centre 0000"
    assert fund_codes.describe("021690012").startswith("régime agricole (MSA), caisse 169")
    assert fund_codes.describe("421690012").startswith("régime 42, ")  # unknown scheme: its code
    assert fund_codes.describe("01175000\u0663") == ""  # Arabic-Indic digit
    assert (
        fund_codes.describe("011750000", "CPAM X")
        == "CPAM X (régime général, caisse 175, centre 0000)"
    )
    line = fund_codes.legend(["011750000", "all", "011690000", "011750000"])
    assert line == (
        "funds: 011690000 = régime général, caisse 169, centre 0000; "
        "011750000 = régime général, caisse 175, centre 0000"
    )


def test_act_codes_are_named_and_escaped():
    said = legend.acts(["VG", "MD", "IK", "VG"], F.DOCTOR)
    assert said == (
        "VG = Visite de médecine générale; MD = Majoration de déplacement du médecin; "
        "IK = Indemnité kilométrique du médecin (plaine), par km"
    )
    assert legend.acts(["[red]X"], F.NURSE) == "\\[red]X = code inconnu"  # Rich markup escaped
