"""The keypad's short dates (firmware/entry.py Date), both interpreters: JJ alone for this
month or the last, JJMM for this year or the last, both counted from today (the anchor)
and not from the date proposed: a new prescription typed over an older one's date."""

from firmware import entry


def _typed(default, typed, anchor=None):
    d = entry.Date("Prescription", "Date (JJMMAAAA)", default, anchor)
    for k in typed:
        d.key(k)
    got = d.key("OK")
    return d.value if got == entry.DONE else got


def test_a_day_alone_is_this_month_or_the_last():
    assert _typed(20261118, "02") == 20261102
    assert _typed(20261118, "18") == 20261118
    assert _typed(20261118, "25") == 20261025  # after today: last month
    assert _typed(20260110, "28") == 20251228  # January: December of the last year
    assert _typed(20261118, "1") is None  # one digit is no date: keep typing


def test_short_dates_count_from_today_not_from_the_date_proposed():
    # The patient's last prescription (05/10) is proposed; the new one is typed over it.
    assert _typed(20261005, "", 20261118) == 20261005  # OK alone: the one proposed
    assert _typed(20261005, "0211", 20261118) == 20261102  # not 02/11/2025
    assert _typed(20261005, "02", 20261118) == 20261102  # not 02/10
    assert _typed(20261005, "0211") == 20251102  # anchored on the default when no today
