"""The funds' acknowledgements (host_agent/acks.py, `tla-agent acks import`), retention
(`tla-agent purge`) and `tla-agent status`: a positive acknowledgement closes its lot, a
negative one puts its sheets into a new lot; bad files change nothing; only doubles
acknowledged and transmitted more than 90 days ago are purged."""

import json
from pathlib import Path

import pytest

from host_agent import acks, lots, retention, returns, sending, status
from host_agent.errors import EXIT_OVERDUE
from protocol import dates
from tests import lots_kit as kit
from tests import returns_kit

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sent(tmp_path, db_where):
    """A day's lots, sealed and sent to the outbox."""
    store, filed = returns_kit.sent_day(tmp_path, db_where)
    yield store, filed, tmp_path
    store.close()


def ack_file(path, fund, *entries):
    path.write_text(json.dumps({"format": "tla-ack/1", "fund": fund, "acks": list(entries)}))
    return path


def entry(lot, result="accepted", reason=None, day="2026-11-20"):
    e = {"lot": lots.name(lot), "result": result, "date": day}
    if reason:
        e["reason"] = reason
    return e


def test_a_positive_ack_closes_the_lot_and_a_negative_one_puts_its_sheets_in_a_new_lot(
    sent, db_where
):
    store, _, tmp = sent
    paris = [r for r in lots.all_lots(store) if r["fund"] == "011750000"]
    good, bad = paris[0], paris[1]
    bad_sheets = sorted(s["id"] for s in lots.sheets_of(store, bad["id"]))
    path = ack_file(
        tmp / "ack.json",
        "011750000",
        entry(good),
        entry(bad, "rejected", "signature du lot invalide"),
    )
    proc = kit.agent(db_where, "acks", "import", str(path))
    print(proc.stdout)
    assert proc.returncode == 0, proc.stderr
    assert "accepted by fund 011750000 on 2026-11-20: closed" in proc.stdout
    assert "rejected by fund 011750000 on 2026-11-20: signature du lot invalide" in proc.stdout
    assert lots.find(store, lots.name(good))["status"] == lots.ACKNOWLEDGED
    assert lots.find(store, lots.name(bad))["status"] == lots.REJECTED
    # The rejected lot's sheets are in a new open lot, with a number never used before.
    new = lots.all_lots(store, (lots.OPEN,))
    assert len(new) == 1 and new[0]["professional"] == bad["professional"]
    assert sorted(s["id"] for s in lots.sheets_of(store, new[0]["id"])) == bad_sheets
    used = [r["number"] for r in lots.all_lots(store) if r["professional"] == bad["professional"]]
    assert new[0]["number"] == max(used) and used.count(new[0]["number"]) == 1
    assert "its sheets are in the new lot %s" % lots.name(new[0]) in proc.stdout
    # The same file again changes nothing.
    before = store.dump()
    again = kit.agent(db_where, "acks", "import", str(path))
    assert again.returncode == 0 and again.stdout.count("already recorded") == 2
    assert store.dump() == before


BAD_FILES = {
    "not json": "{not json",
    "no format": json.dumps({"fund": "011750000", "acks": []}),
    "bad fund": json.dumps({"format": "tla-ack/1", "fund": "75", "acks": [{}]}),
    "no acks": json.dumps({"format": "tla-ack/1", "fund": "011750000", "acks": []}),
    "bad result": "RESULT",
    "bad date": "DATE",
    "rejected without reason": "NOREASON",
    "unknown lot": "UNKNOWN",
    "other fund": "OTHERFUND",
    "contradiction": "CONTRADICTS",
    "never sent": "UNSENT",
    "sha256 not text": "SHANUM",
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_ack_file_is_refused_in_one_line_and_changes_nothing(sent, case, db_where):
    store, filed, tmp = sent
    paris = [r for r in lots.all_lots(store) if r["fund"] == "011750000"]
    lyon = [r for r in lots.all_lots(store) if r["fund"] == "011690000"]
    text = BAD_FILES[case]
    good = entry(paris[0])
    variants = {
        "RESULT": [dict(good, result="maybe")],
        "DATE": [dict(good, date="20/11/2026")],
        "NOREASON": [dict(good, result="rejected")],
        "UNKNOWN": [good, dict(good, lot="10006543218-000099")],
        "OTHERFUND": [good, entry(lyon[0])],
        "CONTRADICTS": [good],
        "UNSENT": [good],
        "SHANUM": [dict(good, sha256=12)],
    }
    if text in variants:
        if text == "CONTRADICTS":
            acks.apply(store, ack_file(tmp / "first.json", "011750000", good), kit.NOW)
            variants[text] = [dict(good, result="rejected", reason="doublon")]
        if text == "UNSENT":
            s = kit.make_sheet("nurse", "single", 990)
            kit.file_sheet(store, s, kit.sign(s, "nurse", "single"))
            unsent = lots.build(store, kit.NOW)[0]
            variants[text] = [entry(unsent)]
        text = json.dumps({"format": "tla-ack/1", "fund": "011750000", "acks": variants[text]})
    path = tmp / "ack.json"
    path.write_text(text)
    before = store.dump()
    proc = kit.agent(db_where, "acks", "import", str(path))
    print(case, "->", proc.stderr.strip())
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert store.dump() == before


def test_a_reason_with_markup_is_applied_and_shown_as_is(sent, db_where):
    """A fund's reason is untrusted text: `acks import` and `lots show` print "[/x]" as is
    (they used to apply the file, then crash on it, and `lots show` crashed from then on)."""
    store, _, tmp = sent
    bad = [r for r in lots.all_lots(store) if r["fund"] == "011750000"][1]
    path = ack_file(tmp / "ack.json", "011750000", entry(bad, "rejected", "refus [/x] [red]"))
    proc = kit.agent(db_where, "acks", "import", str(path))
    assert proc.returncode == 0 and "refus [/x] [red]" in proc.stdout, proc.stderr
    shown = kit.agent(db_where, "lots", "show", lots.name(bad))
    assert shown.returncode == 0 and "refus [/x] [red]" in shown.stdout, shown.stderr


def test_purge_keeps_90_days_after_transmission_and_says_what_it_kept(sent, monkeypatch, db_where):
    store, filed, tmp = sent
    nurse = kit.professional("nurse")
    acked = [r for r in lots.all_lots(store) if r["professional"] == nurse]
    loaded, load = [], returns.load
    monkeypatch.setattr(
        returns, "load", lambda raw, where: loaded.append(where) or load(raw, where)
    )
    acks.apply(store, ack_file(tmp / "a.json", acked[0]["fund"], entry(acked[0])), kit.NOW)
    acks.apply(store, ack_file(tmp / "b.json", acked[1]["fund"], entry(acked[1])), kit.NOW)
    assert loaded == ["a.json", "b.json"]  # each file's JSON parsed once
    # Their third-party sheets paid (docs/returns.md): the fund owes nothing more on them.
    for lot in acked:
        due = [s for s in lots.sheets_of(store, lot["id"]) if s["third_party"]]
        paid = [
            {
                "lot": lots.name(lot),
                "order_no": s["order_no"],
                "result": "paid",
                "date": "2026-11-25",
                "amount": s["third_party"],
            }
            for s in due
        ]
        raw = json.dumps({"format": "tla-return/1", "fund": lot["fund"], "sheets": paid})
        returns.apply(store, raw.encode(), "paid.json", kit.NOW)
    s = kit.make_sheet("gp", "single", 700, completion=20261120)
    kit.file_sheet(store, s, kit.sign(s, "gp", "single"))
    sent_day = retention.sent_day(acked[0])
    last_kept = dates.days_to_ymd(dates.ymd_to_days(sent_day) + 90)
    assert retention.purge_from(acked[0]) == dates.days_to_ymd(dates.ymd_to_days(last_kept) + 1)
    # On the 90th day after transmission nothing goes.
    before = store.dump()
    proc = kit.agent(db_where, "purge", "--today", dates.iso(dates.ymd_tuple(last_kept)))
    print(proc.stdout)
    assert proc.returncode == 0 and "removed the electronic doubles of 0 sheets" in proc.stdout
    assert "kept 8 sheets: acknowledged, but transmitted less than 90 days ago" in proc.stdout
    assert "kept 6 sheets: sent, the fund has not acknowledged it yet" in proc.stdout
    assert "kept 1 sheet: not in a lot yet: not transmitted" in proc.stdout
    assert store.dump() == before
    # The day after: the acknowledged lots' doubles go; the rest stays.
    day = dates.iso(dates.ymd_tuple(retention.purge_from(acked[0])))
    proc = kit.agent(db_where, "purge", "--today", day)
    print(proc.stdout)
    assert "removed the electronic doubles of 8 sheets in 2 lots" in proc.stdout
    gone = {s["id"] for lot in acked for s in lots.sheets_of(store, lot["id"])}
    for row in store.db.execute("SELECT * FROM sheets"):
        if row["id"] in gone:
            assert row["purged"] and row["bundle"] == b"" and row["insured"] == ""
            assert row["order_no"] and row["fees"]  # the invoice's facts stay (R161-49)
        else:
            assert not row["purged"] and len(row["bundle"]) > 100
    assert all(lots.find(store, lots.name(r))["file"] is None for r in acked)
    # A purged sheet has no copy to give any more: said in one line.
    copy = kit.agent(db_where, "sheets", "export", str(min(gone)), "-o", str(tmp / "c.pdf"))
    assert copy.returncode == 1 and "was purged" in copy.stderr


def test_status_lists_terminals_and_sheets_by_time_left_overdue_first(tmp_path, db_where):
    store, filed = kit.store_with_day(db_where)
    late = kit.make_sheet("nurse", "single", 300, completion=20261113)  # a Friday
    kit.file_sheet(store, late, kit.sign(late, "nurse", "single"))
    today = 20261119  # Thursday: 3-day sheets of the 13th were due on the 18th
    waiting = status.waiting(store, today)
    assert len(waiting) == len(filed) + 1
    assert [w.left for w in waiting] == sorted(w.left for w in waiting)
    assert waiting[0].row["order_no"] == 300 and waiting[0].left == -1
    terminals = {t["serial"]: t["waiting"] for t in status.terminals(store)}
    assert terminals == {"TLA-NURSE-01": 9, "TLA-GP-01": 6}
    proc = kit.agent(db_where, "status", "--today", "2026-11-19")
    print(proc.stdout)
    assert proc.returncode == EXIT_OVERDUE == 9  # a sheet is past its deadline (scripts)
    lines = proc.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if "TLA-NURSE-01" in line and "300" in line)
    assert "1 overdue" in lines[first] and "2026-11-18" in lines[first]
    assert all("overdue" not in line for line in lines[first + 1 :])
    # lots build warns about it.
    built = kit.agent(db_where, "lots", "build", "--today", "2026-11-19")
    assert built.returncode == 0
    assert "1 sheet is past the transmission deadline" in built.stderr
    assert "order no 300" in built.stderr
    # Once its lot is sent, a sheet leaves the list.
    kit.seal_all(store, "nurse")
    for lot in lots.all_lots(store, (lots.SEALED,)):
        sending.send(store, sending.Outbox(tmp_path / "out"), lot, kit.NOW)
    assert {w.row["professional"] for w in status.waiting(store, today)} == {kit.professional("gp")}
    store.close()
