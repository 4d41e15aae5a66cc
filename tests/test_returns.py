"""The funds' returns (host_agent/returns.py, docs/returns.md): per lot an ARL received or
rejected, per sheet accepted, rejected with a reason, or paid; each sheet's state follows
(transmise, accusée, rejetée, payée) and third-party payments are reconciled against the
share each sheet expected."""

import json

import pytest

from host_agent import lots, returns, returns_report
from tests import lots_kit as kit
from tests import returns_kit as rk


@pytest.fixture
def store(tmp_path, db_where):
    s = rk.sent_store(tmp_path, db_where)
    yield s
    s.close()


def third_party(store, lot):
    return [s for s in rk.members(store, lot) if s["third_party"] > 0]


def test_a_return_sets_each_sheets_state_and_the_lots(store):
    lot = rk.lots_of(store, rk.PARIS)[0]
    sheets = rk.members(store, lot)
    assert len(sheets) >= 3
    assert {s.state for s in returns_report.states(store)} == {returns_report.SENT}
    raw = rk.return_bytes(
        rk.PARIS,
        [rk.lot_entry(lot)],
        [
            rk.sheet_entry(lot, sheets[0], "accepted"),
            rk.sheet_entry(lot, sheets[1], "rejected", code="R12", label="Droits non ouverts"),
            rk.paid(lot, sheets[2], amount=1234),
        ],
    )
    outcome = returns.apply(store, raw, "retour.json", kit.NOW + 86400)
    assert outcome.changed and not outcome.new_lots
    assert lots.find(store, lots.name(lot))["status"] == lots.ACKNOWLEDGED
    by_id = {s.row["id"]: s for s in returns_report.states(store)}
    assert by_id[sheets[0]["id"]].state == returns_report.ACKNOWLEDGED
    rejected = by_id[sheets[1]["id"]]
    assert (rejected.state, rejected.code, rejected.label) == (
        "rejected",
        "R12",
        "Droits non ouverts",
    )
    assert (by_id[sheets[2]["id"]].state, by_id[sheets[2]["id"]].amount) == ("paid", 1234)
    # The lot's other sheets: its ARL says the fund received them.
    for s in sheets[3:]:
        assert by_id[s["id"]].state == returns_report.ACKNOWLEDGED
    # Lots of the other fund, not answered, stay sent.
    for other in rk.lots_of(store, rk.LYON):
        assert {by_id[s["id"]].state for s in rk.members(store, other)} == {"sent"}
    assert returns_report.FRENCH[rejected.state] == "rejetée"
    counts = returns_report.counts(store)
    assert counts["rejected"] == 1 and counts["paid"] == 1
    assert sum(counts.values()) == len(by_id)


def test_a_rejected_arl_puts_the_lots_sheets_into_a_new_lot(store):
    lot = rk.lots_of(store, rk.LYON)[0]
    ids = sorted(s["id"] for s in rk.members(store, lot))
    raw = rk.return_bytes(
        rk.LYON, [rk.lot_entry(lot, "rejected", code="L03", label="Signature du lot invalide")]
    )
    outcome = returns.apply(store, raw, "arl.json", kit.NOW + 86400)
    row = lots.find(store, lots.name(lot))
    assert row["status"] == lots.REJECTED and row["ack_reason"] == "L03: Signature du lot invalide"
    assert len(outcome.new_lots) == 1
    new = outcome.new_lots[0]
    assert new["status"] == lots.OPEN and sorted(s["id"] for s in rk.members(store, new)) == ids
    # Released, they are not transmitted any more until the new lot is sent.
    assert not {s.row["id"] for s in returns_report.states(store)} & set(ids)


def test_a_sheet_answered_without_its_arl_means_the_lot_was_received(store):
    lot = rk.lots_of(store, rk.PARIS)[1]
    sheet = rk.members(store, lot)[0]
    returns.apply(store, rk.return_bytes(rk.PARIS, [], [rk.paid(lot, sheet)]), "r.json", kit.NOW)
    assert lots.find(store, lots.name(lot))["status"] == lots.ACKNOWLEDGED
    acks = lots.acks(store, lot["id"])
    assert len(acks) == 1 and acks[0]["accepted"] == 1


def test_third_party_payments_are_reconciled_against_the_expected_share(store):
    paris = rk.lots_of(store, rk.PARIS)
    due = [(lot, s) for lot in paris for s in third_party(store, lot)]
    assert len(due) >= 3, "the test day has third-party sheets at the Paris fund"
    (l1, exact), (l2, short), (l3, refused) = due[:3]
    entries = [
        rk.paid(l1, exact),
        rk.paid(l2, short, amount=short["third_party"] - 150),
        rk.sheet_entry(l3, refused, "rejected", code="R07", label="Acte non remboursable"),
    ]
    returns.apply(store, rk.return_bytes(rk.PARIS, [], entries), "r.json", kit.NOW)
    report = returns_report.reconcile(store)
    assert [s.row["id"] for s in report.matched] == [exact["id"]]
    assert [(s.row["id"], s.amount - s.expected) for s in report.differences] == [
        (short["id"], -150)
    ]
    assert [s.row["id"] for s in report.rejected] == [refused["id"]]
    waiting = {s.row["id"] for s in report.waiting}
    every = {
        s["id"]
        for lot in rk.lots_of(store, rk.PARIS) + rk.lots_of(store, rk.LYON)
        for s in third_party(store, lot)
    }
    assert waiting == every - {exact["id"], short["id"], refused["id"]}
    assert report.paid == exact["third_party"] + short["third_party"] - 150
    assert not report.balanced


def test_payment_after_acceptance_is_news_and_the_same_file_again_is_not(store):
    lot = rk.lots_of(store, rk.PARIS)[0]
    sheet = third_party(store, lot)[0]
    first = rk.return_bytes(rk.PARIS, [rk.lot_entry(lot)], [rk.sheet_entry(lot, sheet, "accepted")])
    assert returns.apply(store, first, "1.json", kit.NOW).changed
    second = rk.return_bytes(rk.PARIS, [], [rk.paid(lot, sheet)])
    assert returns.apply(store, second, "2.json", kit.NOW).changed
    before = rk.snapshot(store)
    for raw in (first, second):
        again = returns.apply(store, raw, "again.json", kit.NOW + 5)
        assert not again.changed and all(a.already for a in again.lots + again.sheets)
    assert rk.snapshot(store) == before
    state = next(s for s in returns_report.states(store) if s.row["id"] == sheet["id"])
    assert state.state == "paid" and state.amount == sheet["third_party"]


def test_an_older_tla_ack_file_is_read_as_a_return(store):
    lot = rk.lots_of(store, rk.PARIS)[0]
    raw = json.dumps(
        {
            "format": "tla-ack/1",
            "fund": rk.PARIS,
            "acks": [{"lot": lots.name(lot), "result": "accepted", "date": "2026-11-20"}],
        }
    ).encode()
    outcome = returns.apply(store, raw, "ack.json", kit.NOW)
    assert [a.received for a in outcome.lots] == [True]
    assert lots.find(store, lots.name(lot))["status"] == lots.ACKNOWLEDGED


def test_two_sheets_with_one_order_number_are_told_apart_by_their_digest(store):
    lot = rk.lots_of(store, rk.PARIS)[0]
    sheet = rk.members(store, lot)[0]
    digest = bytes(sheet["digest"]).hex()
    entry = rk.sheet_entry(lot, sheet, "accepted", sha256=digest)
    returns.apply(store, rk.return_bytes(rk.PARIS, [], [entry]), "r.json", kit.NOW)
    wrong = rk.sheet_entry(lot, rk.members(store, lot)[1], "accepted", sha256=digest)
    with pytest.raises(returns.ReturnError, match="has no sheet with order no"):
        returns.apply(store, rk.return_bytes(rk.PARIS, [], [wrong]), "r.json", kit.NOW)
