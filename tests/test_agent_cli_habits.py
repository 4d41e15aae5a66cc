"""tla-agent's habits (issue 12, item 5): --version, shell completion, --json on every
listing, `status` exiting 9 when a sheet is overdue, singular and plural right, and a help
that says the CLI is in English for the IT person while the practice's pages are French."""

import json
import os
import subprocess
import sys
from collections import Counter
from importlib import metadata

import pytest
from typer.testing import CliRunner

from host_agent import lots
from host_agent.cli import app
from host_agent.cli.common import plural
from host_agent.errors import EXIT_OVERDUE
from tests import lots_kit as kit

runner = CliRunner()
AGENT = [sys.executable, "-m", "host_agent.cli"]


def _json(db, *args, code=0):
    result = runner.invoke(app, [*args, "--json", "--db", str(db)])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


@pytest.fixture
def day(tmp_path):
    """A database holding a day's sheets of two terminals."""
    store, filed = kit.store_with_day(tmp_path / "agent.db")
    yield tmp_path / "agent.db", store, filed
    store.close()


def test_version_is_the_package_version():
    done = subprocess.run([*AGENT, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == "tla-agent %s" % metadata.version("tla")
    assert runner.invoke(app, ["-V"]).stdout.strip() == done.stdout.strip()


def test_shell_completion_is_offered():
    # typer guesses the shell from the parent processes (shellingham) and ignores "bash"
    # unless detection is off: without a shell among the parents (a detached run) it printed
    # "Shell  not supported". This variable is typer's own switch for that.
    env = dict(os.environ, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    done = subprocess.run(
        [*AGENT, "--show-completion", "bash"], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    # The script completes `tla-agent` (its prog name), asking it through its env variable.
    assert "_TLA_AGENT_COMPLETE=complete_bash" in done.stdout and "complete " in done.stdout
    assert "--install-completion" in runner.invoke(app, ["--help"]).stdout


def test_the_help_says_english_here_and_french_pages():
    text = " ".join(runner.invoke(app, ["--help"]).stdout.split())
    assert "This command line is in English, for the person who looks after" in text
    assert "the practice's own pages are in French" in text


def test_every_listing_speaks_json(day):
    db, store, filed = day
    listed = _json(db, "sheets", "list", "--limit", "0")
    assert sorted(r["id"] for r in listed) == sorted(filed)
    first = next(r for r in listed if r["id"] == min(filed))
    pro, patient, sheet = filed[first["id"]]
    assert first["order_no"] == sheet.order_no and first["fees"] == sheet.fees
    assert first["completion"] == "2026-11-18"  # a day, as YYYY-MM-DD
    assert all("insured" not in r and "bundle" not in r for r in listed)  # no NIR, no bytes
    assert _json(db, "sheets", "list", "--quarantine") == []
    assert _json(db, "access-log") == []
    summary = _json(db, "sheets", "summary", "--today", "2026-11-18")
    assert sum(f["sheets"] for f in summary["funds"]) == len(filed)
    assert all(f["paid_by_patients"] == f["fees"] - f["paid_by_the_fund"] for f in summary["funds"])
    assert _json(db, "lots", "list") == []
    made = lots.build(store, kit.NOW)
    listed_lots = _json(db, "lots", "list")
    assert [lot["lot"] for lot in listed_lots] == sorted(lots.name(r) for r in made)
    assert {lot["status"] for lot in listed_lots} == {"open"}
    assert sum(lot["sheets"] for lot in listed_lots) == len(filed)
    shown = _json(db, "status", "--today", "2026-11-18")
    assert shown["overdue"] == 0 and len(shown["waiting"]) == len(filed)
    per_terminal = Counter(sheet.terminal for _, _, sheet in filed.values())
    assert {t["serial"]: t["waiting"] for t in shown["terminals"]} == per_terminal
    assert all(w["lot_status"] == "open" for w in shown["waiting"])


def test_status_exits_9_when_a_sheet_is_overdue(day):
    db, store, _ = day
    on_time = kit.agent(db, "status", "--today", "2026-11-19")
    assert on_time.returncode == 0, on_time.stderr
    # The day's 3-day sheets (patient paid, R161-47 I 1° a) were due on Monday 23.
    late = kit.agent(db, "status", "--today", "2026-11-24")
    assert late.returncode == EXIT_OVERDUE == 9 and "overdue" in late.stdout
    shown = _json(db, "status", "--today", "2026-11-24", code=EXIT_OVERDUE)
    assert shown["overdue"] == sum(1 for w in shown["waiting"] if w["working_days_left"] < 0) > 0
    assert "Exit code 9 when a sheet is past its deadline" in " ".join(
        runner.invoke(app, ["status", "--help"]).stdout.split()
    )


def test_singular_and_plural():
    assert [plural(n, "sheet") for n in (0, 1, 2)] == ["0 sheets", "1 sheet", "2 sheets"]
    assert plural(1, "entry", "entries") == "1 entry" and plural(3, "try", "tries") == "3 tries"


def test_one_sheet_is_said_in_the_singular(tmp_path):
    db = tmp_path / "agent.db"
    store = kit.Store(db)
    (tmp_path / "root.pem").write_bytes(kit.root_der())
    sheet = kit.make_sheet("nurse", "single", 1)
    kit.file_sheet(store, sheet, kit.sign(sheet, "nurse", "single"))
    store.close()
    kept = kit.agent(db, "purge", "--dry-run", "--today", "2026-11-19")
    assert "would remove the electronic doubles of 0 sheets in 0 lots" in kept.stdout
    assert "kept 1 sheet: not in a lot yet" in kept.stdout, kept.stdout
    checked = kit.agent(db, "check")
    assert "1 sheet, 0 quarantined, 0 log entries, 0 lots checked" in checked.stdout, checked
    late = kit.agent(db, "lots", "build", "--today", "2026-11-30")
    assert "1 sheet is past the transmission deadline" in late.stderr, late.stderr
    assert "5 working days late" in late.stderr  # Mon 23 ... Mon 30, counted as the terminal
    for text in (kept.stdout, checked.stdout, late.stdout, late.stderr):
        assert "1 sheets" not in text and "1 lots" not in text
