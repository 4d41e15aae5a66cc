"""The shape of host_agent/ (issue 12, docs/architecture.md "Decisions"): every SQL statement
of the agent is in host_agent/store/, every POSIX-only call in host_agent/system.py, no
file of host_agent/ is over 400 lines, the CLI assembles its groups in one module (no group
registers itself into another), and a CLI command's module never reaches the database but
through the domain modules."""

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


# Calls and modules that exist or mean something on POSIX only (or differ on Windows).
POSIX_ONLY = re.compile(
    r"\bos\.(chmod|fchmod|lchmod|chown|fchown|getuid|geteuid|getgid|umask|killpg|setsid|"
    r"getpgid|setpgid|openpty|fork|mkfifo|O_RDONLY|O_DIRECTORY)\b|"
    r"\bsignal\.(SIGKILL|SIGHUP|SIGUSR1|SIGUSR2|SIGCHLD|SIGALRM)\b|"
    r"\bmode=0o[0-7]+|\b0o[0-7]{3}\b|"
    r"^\s*(import|from)\s+(fcntl|termios|tty|pty|pwd|grp|resource)\b",
    re.MULTILINE,
)


def posix_only_calls(paths) -> list:
    """'file:line text' of every POSIX-only call in `paths` (comments and docstrings aside)."""
    found = []
    for path in paths:
        text = path.read_text()
        docstrings = {
            node.body[0].value.lineno
            for node in ast.walk(ast.parse(text))
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for number, line in enumerate(text.splitlines(), 1):
            code = line.split("#", 1)[0]
            if number not in docstrings and POSIX_ONLY.search(code):
                found.append("%s:%d %s" % (path.name, number, line.strip()))
    return found


def test_the_agent_has_its_store_and_cli_packages():
    assert (AGENT / "store" / "__init__.py").is_file()
    assert (AGENT / "cli" / "app.py").is_file()
    assert len(OUTSIDE_STORE) > 20


def test_no_sql_outside_the_store():
    assert sql_outside_store(OUTSIDE_STORE) == []


def test_no_posix_only_call_outside_system_py():
    others = [p for p in FILES if p != AGENT / "system.py"]
    assert posix_only_calls(others) == []
    assert posix_only_calls([AGENT / "system.py"])  # where they are


SQL_SAMPLE = (
    'Q = "SELECT id FROM sheets WHERE purged IS NULL"\n'
    "def f(db):\n"
    '    db.executemany("x", [])\n'
    'TEXT = "select a lot to seal"\n'
)
POSIX_SAMPLE = (
    "import fcntl\nimport os\nos.chmod('x', 0o600)  # owner only\n"
    "os.kill(1, signal.SIGKILL)\nx = 1  # os.getuid() in a comment is fine\n"
)


@pytest.mark.parametrize(
    "finder, text, lines",
    [(sql_outside_store, SQL_SAMPLE, [1, 3]), (posix_only_calls, POSIX_SAMPLE, [1, 3, 4])],
    ids=["sql", "posix"],
)
def test_the_greps_find_what_they_look_for(tmp_path, finder, text, lines):
    """The greps above can fail: what they look for, written in a module, is found (and
    English prose or a comment is not)."""
    bad = tmp_path / "bad.py"
    bad.write_text(text)
    found = finder([bad])
    assert [int(f.split()[0].split(":")[1]) for f in found] == lines, found


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


def test_a_command_that_prints_no_pdf_does_not_load_fpdf():
    """fpdf2 and its fonts took 0.45 s of the 0.7 s every `tla-agent` command spent starting
    (the test suite starts it some 260 times): only `paper` and `export` load it now."""
    import subprocess
    import sys

    code = "import sys, host_agent.cli.app; print(sorted(m for m in sys.modules if 'fpdf' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
