"""The shape of host_agent/ (issue 12, docs/architecture.md "Decisions"): every SQL statement
of the agent is in host_agent/store/, no file of host_agent/ is over 400 lines, the CLI
assembles its groups in one module (no group registers itself into another), and a CLI
command's module never reaches the database but through the domain modules."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AGENT = ROOT / "host_agent"
FILES = sorted(AGENT.rglob("*.py"))
OUTSIDE_STORE = [p for p in FILES if "store" not in p.relative_to(AGENT).parts[:1]]
# A string that reads as an SQL statement: a keyword of one at its start, then what follows
# it in SQL (not English prose such as "select a lot" or "delete the file").
SQL = re.compile(
    r"^\s*(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
    r"CREATE\s+(TABLE|INDEX|UNIQUE)|ALTER\s+TABLE|DROP\s+TABLE|PRAGMA\s|BEGIN|COMMIT|ROLLBACK)",
    re.IGNORECASE | re.DOTALL,
)
EXECUTE = ("execute", "executemany", "executescript")


def _relative(path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def sql_outside_store(paths) -> list:
    """'file:line what' for every SQL string literal or .execute() call in `paths`."""
    found = []
    for path in paths:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if SQL.match(node.value):
                    found.append("%s:%d SQL %r" % (_relative(path), node.lineno, node.value[:40]))
            elif isinstance(node, ast.Attribute) and node.attr in EXECUTE:
                found.append("%s:%d .%s(" % (_relative(path), node.lineno, node.attr))
    return found


def test_the_agent_has_its_store_and_cli_packages():
    assert (AGENT / "store" / "__init__.py").is_file()
    assert (AGENT / "cli" / "app.py").is_file()
    assert len(OUTSIDE_STORE) > 20


def test_no_sql_outside_the_store():
    assert sql_outside_store(OUTSIDE_STORE) == []


def test_the_sql_finder_finds_sql(tmp_path):
    """The grep above can fail: a query or an execute() in a module is found."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        'Q = "SELECT id FROM sheets WHERE purged IS NULL"\n'
        "def f(db):\n"
        '    db.executemany("x", [])\n'
        'TEXT = "select a lot to seal"\n'
    )
    found = sql_outside_store([bad])
    assert len(found) == 2 and "SQL" in found[0] and ".executemany(" in found[1], found


def test_the_store_holds_the_free_sheets_predicate_once():
    text = "\n".join(p.read_text() for p in FILES)
    assert text.count("ls.sheet_id = s.id AND ls.released IS NULL)") == 1


@pytest.mark.parametrize("path", FILES, ids=_relative)
def test_no_file_over_400_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines <= 400, "%s has %d lines: split it by idea" % (_relative(path), lines)


def test_cli_modules_are_assembled_by_the_app_only():
    """No command group imports another's module (the inversion issue 12 undid): each
    imports host_agent/cli/common.py and domain modules only; app.py imports them all."""
    for path in sorted((AGENT / "cli").glob("*.py")):
        if path.name in ("app.py", "__init__.py", "__main__.py", "common.py"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "host_agent.cli"
            ):
                assert node.module == "host_agent.cli.common", (path.name, node.module)
            if isinstance(node, ast.ImportFrom) and node.module == "host_agent":
                names = {a.name for a in node.names}
                assert "store" not in names, path.name


def test_cli_modules_never_open_sqlite_nor_use_the_store_directly():
    """A command parses options, calls a domain function, prints: no `store.` method call
    (the domain modules hold them), no sqlite3 (the store does)."""
    for path in sorted((AGENT / "cli").glob("*.py")):
        text = path.read_text()
        assert "import sqlite3" not in text or path.name == "common.py", path.name
        assert not re.search(r"\bstore\.[a-z_]+\(", text), path.name
