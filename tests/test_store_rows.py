"""A database edited by hand (outside review F5, docs/agent.md "Errors and exit codes"): a
value not of its column's type (`fees = 'abc'`, `bundle = 'text'`, `lots.sent = 1e300`)
ends every command that reads it in one line naming the row, exit 6, never exit 70; `tla-
agent check` reports each such value (exit 8), and finds every column decoded from the
signed sheet changed, `completion` and `insured` included."""

import sqlite3
import subprocess
import sys

import pytest

from host_agent import lots
from tests import lots_kit as kit

AGENT = [sys.executable, "-m", "host_agent.cli"]
WRONG_TYPES = {
    "fees text": (
        "UPDATE sheets SET fees = 'abc' WHERE id = 2",
        [("sheets", "list"), ("sheets", "summary")],
        "column fees of row 2 holds text, not an integer",
    ),
    "bundle text": (
        "UPDATE sheets SET bundle = 'text' WHERE id = 3",
        [
            ("sheets", "show", "3"),
            ("sheets", "export", "3", "-o", "{tmp}/c.pdf"),
            ("sheets", "list"),
        ],
        "column bundle of row 3 holds text, not bytes",
    ),
    "lot sent 1e300": (
        "UPDATE lots SET sent = 1e300 WHERE id = 1",
        [("lots", "list")],
        "column sent of row 1 holds a real number, not an integer",
    ),
}
DERIVED = {
    "completion": "20261117",
    "insured": "'100000000000000'",
    "order_no": "order_no + 1000",
    "situation": "situation + 1",
    "payment": "1 - payment",
    "signed_by_patient": "1 - signed_by_patient",
    "beneficiary": "'20100101/1'",
    "fees": "fees + 1",
}


def _run(db, *args):
    return subprocess.run(
        [*AGENT, *args, "--db", str(db)], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def db(tmp_path):
    db = tmp_path / "agent.db"
    store, _ = kit.store_with_day(db)
    lots.build(store, kit.NOW)
    store.close()
    return db


def _edit(db, sql):
    with sqlite3.connect(db) as edit:
        edit.execute(sql)
    edit.close()


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_a_value_of_the_wrong_type_is_exit_6_naming_the_row(db, tmp_path, case):
    sql, commands, said = WRONG_TYPES[case]
    _edit(db, sql)
    for args in commands:
        run = _run(db, *[a.format(tmp=tmp_path) for a in args])
        assert run.returncode == 6, (args, run.returncode, run.stderr)
        assert "Traceback" not in run.stderr and "internal error" not in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert said in run.stderr, run.stderr
    checked = _run(db, "check")
    assert checked.returncode == 8, checked.stdout + checked.stderr
    table, row = sql.split()[1], sql.split()[-1]
    column = said.split()[1]
    assert "%s row %s: column %s" % (table, row, column) in checked.stdout


@pytest.mark.parametrize("column", sorted(DERIVED))
def test_check_finds_every_column_decoded_from_the_signed_sheet_changed(db, column):
    assert _run(db, "check").returncode == 0
    _edit(db, "UPDATE sheets SET %s = %s WHERE id = 4" % (column, DERIVED[column]))
    checked = _run(db, "check")
    assert checked.returncode == 8, checked.stdout + checked.stderr
    assert "sheet 4: its %s column no longer matches the signed sheet" % column in checked.stdout
