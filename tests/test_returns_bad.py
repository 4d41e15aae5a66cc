"""Bad returns (host_agent/returns.py): a return for an unknown lot, one that contradicts an
earlier one (paid then rejected...), a malformed file: one plain English line and its French
twin, and the database row-identical after the refusal, even when the fault is found at the
last answer or inside the transaction."""

import pytest

from host_agent import lots, returns
from host_agent.store import Store
from tests import lots_kit as kit
from tests import returns_kit as rk


@pytest.fixture
def store(tmp_path, db_where):
    s = rk.sent_store(tmp_path, db_where)
    yield s
    s.close()


def _paris(store):
    lot = rk.lots_of(store, rk.PARIS)[0]
    return lot, rk.members(store, lot)


def _earlier(store, *sheet_entries, lot_entries=()):
    returns.apply(
        store, rk.return_bytes(rk.PARIS, lot_entries, sheet_entries), "first.json", kit.NOW
    )


def case_unknown_lot(store):
    lot, sheets = _paris(store)
    ghost = dict(rk.lot_entry(lot), lot="%s-000099" % lot["professional"])
    return rk.return_bytes(rk.PARIS, [rk.lot_entry(lot), ghost]), "there is no lot"


def case_unknown_lot_of_a_sheet(store):
    lot, sheets = _paris(store)
    ghost = dict(rk.paid(lot, sheets[0]), lot="%s-000099" % lot["professional"])
    return rk.return_bytes(rk.PARIS, [], [ghost]), "there is no lot"


def case_paid_then_rejected(store):
    lot, sheets = _paris(store)
    _earlier(store, rk.paid(lot, sheets[0]))
    bad = rk.sheet_entry(lot, sheets[0], "rejected", code="R01", label="Doublon")
    return rk.return_bytes(rk.PARIS, [], [bad]), "was already paid"


def case_rejected_then_paid(store):
    lot, sheets = _paris(store)
    _earlier(store, rk.sheet_entry(lot, sheets[0], "rejected", code="R01", label="Doublon"))
    return rk.return_bytes(rk.PARIS, [], [rk.paid(lot, sheets[0])]), "was already rejected"


def case_paid_twice_differently(store):
    lot, sheets = _paris(store)
    _earlier(store, rk.paid(lot, sheets[0], amount=1000))
    return rk.return_bytes(rk.PARIS, [], [rk.paid(lot, sheets[0], amount=900)]), "already paid"


def case_lot_received_then_rejected(store):
    lot, _ = _paris(store)
    _earlier(store, lot_entries=[rk.lot_entry(lot)])
    bad = rk.lot_entry(lot, "rejected", label="Fichier illisible")
    return rk.return_bytes(rk.PARIS, [bad]), "was already received"


def case_sheet_of_a_rejected_lot(store):
    lot, sheets = _paris(store)
    rejected = rk.lot_entry(lot, "rejected", label="Fichier illisible")
    return rk.return_bytes(
        rk.PARIS, [rejected], [rk.paid(lot, sheets[0])]
    ), "was rejected by its fund"


def case_other_fund(store):
    lot = rk.lots_of(store, rk.LYON)[0]
    return rk.return_bytes(rk.PARIS, [rk.lot_entry(lot)]), "went to fund"


def case_not_json(store):
    return b'{"format": "tla-return/1", ', "is not a return file"


def case_not_utf8(store):
    return b'{"format": "tla-return/1", "fund": "\xff"}', "not UTF-8"


def case_no_format(store):
    return b'{"fund": "011750000", "lots": []}', 'no "format"'


def case_answers_nothing(store):
    return rk.return_bytes(rk.PARIS), "answers nothing"


def case_unknown_field(store):
    lot, _ = _paris(store)
    return rk.return_bytes(rk.PARIS, [rk.lot_entry(lot, note="x")]), "unknown fields: note"


def case_bad_arl(store):
    lot, _ = _paris(store)
    return rk.return_bytes(rk.PARIS, [rk.lot_entry(lot, arl="ok")]), '"arl" must be'


def case_rejection_without_label(store):
    lot, sheets = _paris(store)
    return rk.return_bytes(rk.PARIS, [], [rk.sheet_entry(lot, sheets[0], "rejected")]), "says why"


def case_amount_in_euros(store):
    lot, sheets = _paris(store)
    return rk.return_bytes(rk.PARIS, [], [rk.paid(lot, sheets[0], amount=16.5)]), "whole cents"


def case_amount_on_an_acceptance(store):
    lot, sheets = _paris(store)
    entry = rk.sheet_entry(lot, sheets[0], "accepted", amount=100)
    return rk.return_bytes(rk.PARIS, [], [entry]), "only a payment"


def case_no_such_sheet(store):
    lot, sheets = _paris(store)
    entry = dict(rk.paid(lot, sheets[0]), order_no=9999)
    return rk.return_bytes(rk.PARIS, [], [entry]), "has no sheet with order no 9999"


def case_date_before_sending(store):
    lot, _ = _paris(store)
    return rk.return_bytes(
        rk.PARIS, [rk.lot_entry(lot, day="2026-11-01")]
    ), "before the lot was sent"


def case_french_date(store):
    lot, _ = _paris(store)
    return rk.return_bytes(rk.PARIS, [rk.lot_entry(lot, day="19/11/2026")]), "YYYY-MM-DD"


def case_sheet_twice(store):
    lot, sheets = _paris(store)
    entries = [rk.paid(lot, sheets[0]), rk.paid(lot, sheets[0])]
    return rk.return_bytes(rk.PARIS, [], entries), "twice"


def case_never_sent(store):
    s = kit.make_sheet("nurse", "single", 990)
    kit.file_sheet(store, s, kit.sign(s, "nurse", "single"))
    unsent = lots.build(store, kit.NOW)[0]
    return rk.return_bytes(rk.PARIS, [rk.lot_entry(unsent)]), "never sent"


def case_wrong_lot_digest(store):
    lot, _ = _paris(store)
    return rk.return_bytes(rk.PARIS, [rk.lot_entry(lot, sha256="ab" * 32)]), "not lot"


CASES = {name[5:]: f for name, f in dict(globals()).items() if name.startswith("case_")}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_return_is_refused_in_one_line_and_changes_nothing(store, case):
    raw, expected = CASES[case](store)
    before = rk.snapshot(store)
    with pytest.raises(returns.ReturnError) as refused:
        returns.apply(store, raw, "retour.json", kit.NOW + 3600)
    english, french = str(refused.value), refused.value.french
    print(case, "->", english, "|", french)
    assert expected in english
    assert "\n" not in english and "\n" not in french and french != english
    assert refused.value.exit_code == 1
    assert rk.snapshot(store) == before


def test_a_fault_at_the_last_answer_leaves_the_first_ones_unapplied(store):
    """The answers before the bad one are valid: they are not recorded either."""
    paris = rk.lots_of(store, rk.PARIS)
    good = [rk.lot_entry(lot) for lot in paris]
    bad = dict(rk.paid(paris[0], rk.members(store, paris[0])[0]), order_no=9999)
    before = rk.snapshot(store)
    with pytest.raises(returns.ReturnError):
        returns.apply(store, rk.return_bytes(rk.PARIS, good, [bad]), "r.json", kit.NOW)
    assert rk.snapshot(store) == before
    assert all(lots.find(store, lots.name(r))["status"] == lots.SENT for r in paris)


def test_a_failure_inside_the_transaction_rolls_everything_back(store, monkeypatch):
    """Past the checks, a write that fails halfway (the disk, a bug) leaves nothing."""
    lot, sheets = _paris(store)
    calls = []

    def failing(*args):
        calls.append(args)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args)

    real = Store.add_sheet_answer.__get__(store)
    monkeypatch.setattr(store, "add_sheet_answer", failing)
    raw = rk.return_bytes(rk.PARIS, [rk.lot_entry(lot)], [rk.paid(lot, s) for s in sheets[:3]])
    before = rk.snapshot(store)
    with pytest.raises(OSError):
        returns.apply(store, raw, "r.json", kit.NOW)
    assert len(calls) == 2 and rk.snapshot(store) == before
