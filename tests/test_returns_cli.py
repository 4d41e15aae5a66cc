"""`tla-agent returns import | fetch | report` (host_agent/cli/funds.py), `status` telling
sent from acknowledged, and the purge keyed on the sheets' states (docs/returns.md)."""

import json
import os

import pytest

from host_agent import lots, retention
from protocol import dates
from tests import lots_kit as kit
from tests import returns_kit as rk
from tests.imap_server import ImapServer


@pytest.fixture
def store(tmp_path, db_where):
    s = rk.sent_store(tmp_path, db_where)
    yield s
    s.close()


def run(where, *args, **env):
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return kit.agent(where, *args)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_returns_import_says_each_answer_and_refuses_in_one_line(store, tmp_path):
    lot = rk.lots_of(store, rk.PARIS)[0]
    sheets = rk.members(store, lot)
    path = tmp_path / "retour.json"
    path.write_bytes(
        rk.return_bytes(
            rk.PARIS,
            [rk.lot_entry(lot)],
            [
                rk.paid(lot, sheets[0], amount=1650),
                rk.sheet_entry(
                    lot, sheets[1], "rejected", code="R12", label="Droits [red]non[/red] ouverts"
                ),
            ],
        )
    )
    proc = run(store.path, "returns", "import", str(path))
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 0, proc.stderr
    assert "lot %s received by fund %s on 2026-11-19" % (lots.name(lot), rk.PARIS) in proc.stdout
    assert (
        "order no %d) of lot %s paid 16,50 EUR on 2026-11-25"
        % (sheets[0]["order_no"], lots.name(lot))
        in proc.stdout
    )
    assert "rejected on 2026-11-24: R12: Droits [red]non[/red] ouverts" in proc.stdout
    shown = run(store.path, "lots", "show", lots.name(lot))
    assert "paid 16,50 EUR on 2026-11-25" in shown.stdout and "acknowledged" in shown.stdout
    assert "rejected: R12: Droits [red]non[/red] ouverts" in shown.stdout
    before = rk.snapshot(store)
    again = run(store.path, "returns", "import", str(path))
    assert again.returncode == 0 and again.stdout.count("already recorded") == 3
    contradicts = tmp_path / "contra.json"
    contradicts.write_bytes(rk.return_bytes(rk.PARIS, [], [rk.paid(lot, sheets[1])]))
    bad = run(store.path, "returns", "import", str(contradicts))
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "was already rejected" in bad.stderr and rk.snapshot(store) == before


def test_returns_report_lists_the_differences_and_exits_1(store, tmp_path):
    lot = rk.lots_of(store, rk.PARIS)[0]
    due = [s for s in rk.members(store, lot) if s["third_party"]]
    path = tmp_path / "r.json"
    path.write_bytes(
        rk.return_bytes(
            rk.PARIS,
            [],
            [rk.paid(lot, due[0]), rk.paid(lot, due[1], amount=due[1]["third_party"] - 100)],
        )
    )
    assert run(store.path, "returns", "import", str(path)).returncode == 0
    proc = run(store.path, "returns", "report")
    print(proc.stdout)
    assert proc.returncode == 1
    assert "paid another amount: 1 sheet" in proc.stdout
    data = json.loads(run(store.path, "returns", "report", "--json").stdout)
    assert [(d["sheet"], d["paid"] - d["expected"]) for d in data["differences"]] == [
        (due[1]["id"], -100)
    ]
    assert data["states"]["paid"] == 2 and [d["sheet"] for d in data["matched"]] == [due[0]["id"]]


def test_returns_fetch_reads_the_mailbox_of_the_settings(store, tmp_path):
    lot = rk.lots_of(store, rk.LYON)[0]
    with ImapServer(user="cabinet", password="s3cret") as server:
        server.deliver(rk.mail(rk.return_bytes(rk.LYON, [rk.lot_entry(lot)]), "arl.json"))
        config = tmp_path / "agent.toml"
        config.write_text(
            '[mailbox]\nhost = "127.0.0.1"\nport = %d\nsecurity = "none"\n'
            'user = "cabinet"\n' % server.port
        )
        proc = run(
            store.path, "--config", str(config), "returns", "fetch", TLA_IMAP_PASSWORD="s3cret"
        )
        print(proc.stdout, proc.stderr)
        assert proc.returncode == 0, proc.stderr
        assert "lot %s received" % lots.name(lot) in proc.stdout and "\\Seen" in server.flags(1)
        wrong = run(
            store.path, "--config", str(config), "returns", "fetch", TLA_IMAP_PASSWORD="nope"
        )
        assert wrong.returncode == 4 and len(wrong.stderr.strip().splitlines()) == 1


def test_status_tells_sent_from_acknowledged(store, tmp_path):
    proc = run(store.path, "status", "--today", "2026-11-19")
    assert "every sheet was transmitted" not in proc.stdout
    assert "14 sheets sent, not acknowledged by their fund yet" in proc.stdout
    lot = rk.lots_of(store, rk.PARIS)[0]
    path = tmp_path / "r.json"
    path.write_bytes(rk.return_bytes(rk.PARIS, [rk.lot_entry(lot)]))
    assert run(store.path, "returns", "import", str(path)).returncode == 0
    proc = run(store.path, "status", "--today", "2026-11-19")
    n = len(rk.members(store, lot))
    assert "%d sheets sent, not acknowledged by their fund yet" % (14 - n) in proc.stdout
    assert "%d acknowledged" % n in proc.stdout


def test_the_purge_keeps_rejected_and_unpaid_third_party_sheets(store, tmp_path):
    lot = rk.lots_of(store, rk.PARIS)[0]
    sheets = rk.members(store, lot)
    due = [s for s in sheets if s["third_party"]]
    direct = [s for s in sheets if not s["third_party"]]
    assert len(due) >= 2 and direct, "the lot has both payment modes"
    path = tmp_path / "r.json"
    path.write_bytes(
        rk.return_bytes(
            rk.PARIS,
            [rk.lot_entry(lot)],
            [
                rk.paid(lot, due[0]),
                rk.sheet_entry(lot, direct[0], "rejected", code="R12", label="Droits non ouverts"),
            ],
        )
    )
    assert run(store.path, "returns", "import", str(path)).returncode == 0
    day = dates.iso(dates.ymd_tuple(retention.purge_from(lots.find(store, lots.name(lot)))))
    proc = run(store.path, "purge", "--today", day)
    print(proc.stdout)
    assert proc.returncode == 0
    gone = {r["id"] for r in store.db.execute("SELECT id FROM sheets WHERE purged IS NOT NULL")}
    kept_unpaid = {s["id"] for s in due[1:]}
    assert gone == {s["id"] for s in sheets} - kept_unpaid - {direct[0]["id"]}
    assert "kept 1 sheet: rejected by its fund" in proc.stdout
    assert (
        "kept %d sheet" % len(kept_unpaid) in proc.stdout
        and "payment not received yet" in proc.stdout
    )
    # The lot's file stays while one of its sheets does.
    assert lots.find(store, lots.name(lot))["file"] is not None
