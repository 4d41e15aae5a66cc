"""The hostile-terminal suite (docs/agent.md, "A hostile terminal"): the real firmware on a
pty and on socket://, its answers rewritten (tests/hostile_terminal.py), against the real
`tla-agent` command. Each malformed answer of issue 10 ends in one plain line on stderr
and its documented exit code, never a traceback; untrusted text is printed as is, never as
Rich markup; the database stays consistent; `pair` files the pairing under the identity
the pairing transcript authenticated, not HELLO's serial."""

import subprocess
import sys
import time

import pytest

from host_agent.store import Store
from protocol import cbor, messages
from protocol.pairing import Pairing
from tests import sync_kit as kit
from tests.hostile_terminal import HostileTerminal

AGENT = [sys.executable, "-m", "host_agent.cli"]
EXIT_LINK, EXIT_REFUSED = 5, 1
MARKUP = "TLA[/x]"


def _agent(*args, timeout=60):
    return subprocess.run(
        AGENT + list(args),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _one_plain_line(run):
    """The run's error is one line, no traceback, no Rich markup error."""
    assert "Traceback" not in run.stderr and "MarkupError" not in run.stderr, run.stderr
    lines = [x for x in run.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    return lines[0]


def _entry(number=1, when=kit.NOW, texts=("10001234567", "vitale", "2000000011", "lecture")):
    return bytes(32) + cbor.encode([number, when, *texts])


def _log(entries):
    """An ACCESS_LOG rewrite answering `entries` (raw bodies) then nothing more."""

    def rewrite(body, seq, real):
        after = body.get("after", 0) if isinstance(body, dict) else 0
        return messages.ACCESS_LOG, {"entries": entries if after == 0 else [], "more": False}

    return rewrite


def _status(change):
    def rewrite(body, seq, real):
        return messages.STATUS, change(real()[1])

    return rewrite


def _unacked(reply):
    return dict(reply, unacked=2**40)


# (name, message type, sealed, rewrite, exit code, what the error line says)
CASES = [
    (
        "HELLO not a map",
        messages.HELLO,
        False,
        lambda b, s, r: (messages.HELLO, [1, 2]),
        EXIT_LINK,
        "HELLO answer is not a map",
    ),
    (
        "STATUS an int",
        messages.STATUS,
        True,
        lambda b, s, r: (messages.STATUS, 7),
        EXIT_LINK,
        "cannot read",
    ),
    (
        "STATUS a list",
        messages.STATUS,
        True,
        lambda b, s, r: (messages.STATUS, [1]),
        EXIT_LINK,
        "cannot read",
    ),
    (
        "STATUS unacked 2^40",
        messages.STATUS,
        True,
        _status(_unacked),
        EXIT_LINK,
        "more than a terminal holds",
    ),
    (
        "log entry not CBOR",
        messages.ACCESS_LOG,
        True,
        _log([bytes(32) + b"\xff\xfe"]),
        EXIT_LINK,
        "not CBOR",
    ),
    (
        "log entry number 2^63",
        messages.ACCESS_LOG,
        True,
        _log([_entry(number=2**63)]),
        EXIT_LINK,
        "number",
    ),
    (
        "log entry time a list",
        messages.ACCESS_LOG,
        True,
        _log([_entry(when=[1, 2])]),
        EXIT_LINK,
        "when",
    ),
]


@pytest.fixture(params=["pty", "socket"])
def kind(request):
    return request.param


def _setup(tmp_path, kind, sheets=2):
    db = tmp_path / "agent.db"
    store = Store(db)
    root = kit.write_root(tmp_path)
    return db, store, root, HostileTerminal(str(tmp_path), kind, sheets, store)


def _consistent(db):
    store = Store(db)
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    dup = store.db.execute(
        "SELECT COUNT(*) FROM (SELECT terminal_id, record_no FROM sheets "
        "GROUP BY terminal_id, record_no HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    assert dup == 0


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_malformed_answer_ends_in_one_plain_line(tmp_path, kind, case):
    name, mtype, sealed, rewrite, code, says = case
    db, store, root, term = _setup(tmp_path, kind)
    with term:
        term.answer(mtype, rewrite, sealed)
        run = _agent("sync", "--port", term.url, "--db", str(db), "--root", str(root))
        assert run.returncode == code, (run.returncode, run.stdout, run.stderr)
        assert says in _one_plain_line(run), run.stderr
        if mtype == messages.HELLO:
            for args in (("hello",), ("pair", "--yes", "--wait", "5", "--db", str(db))):
                run = _agent(*args, "--port", term.url)
                assert run.returncode == code and says in _one_plain_line(run), run.stderr
    _consistent(db)
    # Nothing half done: what was filed before the bad answer is whole (the sheets come
    # before the access log), and a later honest sync finishes the job.
    with HostileTerminal(str(tmp_path), kind, 0, None) as honest:
        honest.app.gate.set_pairing(term.app.gate.pairing)
        run = _agent("sync", "--port", honest.url, "--db", str(db), "--root", str(root))
        assert run.returncode == 0, run.stderr
    run = _agent("check", "--db", str(db), "--root", str(root))  # and the store checks out
    assert run.returncode == 0 and "the database is consistent" in run.stdout, run.stdout


def test_a_serial_with_markup_is_shown_as_is(tmp_path, kind):
    db, store, root, term = _setup(tmp_path, kind)
    with term:
        term.answer(
            messages.HELLO,
            lambda b, s, real: (messages.HELLO, dict(real()[1], serial=MARKUP)),
            sealed=False,
        )
        run = _agent("hello", "--port", term.url)
        assert run.returncode == 0 and MARKUP in run.stdout, run.stdout + run.stderr
        run = _agent("sync", "--port", term.url, "--db", str(db), "--root", str(root))
        assert run.returncode == EXIT_REFUSED
        assert "terminal %s is not paired" % MARKUP in _one_plain_line(run)


def test_access_log_text_with_markup_is_filed_and_shown_as_is(tmp_path, kind):
    db, store, root, term = _setup(tmp_path, kind)
    texts = ("[/x]", "[bold]vitale", "2000000011", "lecture [red]x[/] \x1b[2J")
    with term:
        term.answer(messages.ACCESS_LOG, _log([_entry(texts=texts)]))
        run = _agent("sync", "--port", term.url, "--db", str(db), "--root", str(root))
        assert run.returncode == 0, run.stderr
    run = _agent("access-log", "--db", str(db))
    assert run.returncode == 0, run.stderr
    assert "[/x]" in run.stdout and "[bold]vitale" in run.stdout and "[red]x[/]" in run.stdout
    assert "\x1b" not in run.stdout  # control characters are dropped
    _consistent(db)


def test_pair_files_the_pairing_under_the_authenticated_identity(tmp_path, kind):
    """A device saying "TLA-VICTIM-0002" in HELLO while pairing as another identity does
    not touch the victim's pairing."""
    db = tmp_path / "agent.db"
    store = Store(db)
    victim = Pairing(b"V" * 8, b"K" * 32, "TLA-VICTIM-0002")
    store.save_pairing("TLA-VICTIM-0002", victim, store.agent_id())
    with HostileTerminal(str(tmp_path), kind, 0, None) as term:
        term.answer(
            messages.HELLO,
            lambda b, s, real: (messages.HELLO, dict(real()[1], serial="TLA-VICTIM-0002")),
            sealed=False,
        )
        term.board.keypad.press("MENU", "1")
        agent = subprocess.Popen(
            AGENT + ["pair", "--port", term.url, "--db", str(db), "--yes", "--wait", "30"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not term.board.display.lines[0].startswith("Code: "):
                assert time.monotonic() < deadline and agent.poll() is None, agent.stderr
                time.sleep(0.05)
            term.board.keypad.press("OK")
            out, err = agent.communicate(timeout=40)
        finally:
            if agent.poll() is None:
                agent.kill()
    assert agent.returncode == 0, err
    assert "paired with terminal %s" % kit.SERIAL in out, out
    store = Store(db)
    assert store.pairing("TLA-VICTIM-0002").key == victim.key  # untouched
    assert store.pairing(kit.SERIAL) is not None
