"""Files and bad options (docs/agent.md, "Files"): lot files, outbox folders, exports,
duplicates and the database are 0600 in 0700 folders, checked on the real files; a
mistyped --db creates nothing and says how a database is made; numbers out of range,
`--today 9999-12-31`, `--root /dev/zero` and `tla-emu export-root` into a missing folder
end in a plain message, fast, never a traceback."""

import os
import stat
import subprocess
import sys

from host_agent import lots, sending
from host_agent.store import Store
from tests import lots_kit as kit

AGENT = [sys.executable, "-m", "host_agent.cli"]


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _run(*args, timeout=60):
    run = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in run.stderr, run.stderr
    return run


def test_lot_files_exports_and_the_database_are_private(tmp_path):
    old = os.umask(0o022)  # a usual umask: what the agent writes must not follow it
    try:
        db = tmp_path / "new" / "agent.db"
        store, filed = kit.store_with_day(db)
        lots.build(store, kit.NOW)
        kit.seal_all(store, "nurse")
        outbox = tmp_path / "outbox"
        for lot in lots.all_lots(store, (lots.SEALED,)):
            sending.send(store, sending.Outbox(outbox), lot, kit.NOW + 600)
        store.close()
        sent = [p for p in outbox.rglob("*") if p.is_file()]
        assert sent
        for path in sent:
            assert _mode(path) == 0o600, path
        for folder in [outbox, *[p for p in outbox.rglob("*") if p.is_dir()]]:
            assert _mode(folder) == 0o700, folder
        assert _mode(db) == 0o600
        assert _mode(db.parent) == 0o700  # made by Store(db) itself
        out = tmp_path / "exports" / "deep"
        # A sheet in a lot not sealed: one in a sent lot gets no paper duplicate (R161-47 I).
        unsealed = str(min(i for i, (pro, _p, _s) in filed.items() if pro != "nurse"))
        for args in (
            ("duplicate", unsealed, "-o", str(out / "d.pdf")),
            ("sheets", "export", "1", "-o", str(out / "c.pdf")),
            ("sheets", "export", "1", "--signed", "-o", str(out / "s.tla")),
            (
                "lots",
                "show",
                lots.name(lots.all_lots(Store(db), (lots.SENT,))[0]),
                "-o",
                str(out / "l.lot"),
            ),
        ):
            run = kit.agent(db, *args)
            assert run.returncode == 0, run.stderr
        for name in ("d.pdf", "c.pdf", "s.tla", "l.lot"):
            assert _mode(out / name) == 0o600, name
        assert _mode(out) == 0o700 and _mode(out.parent) == 0o700
    finally:
        os.umask(old)


def test_a_mistyped_db_creates_nothing(tmp_path):
    typo = tmp_path / "tpyo" / "agent.db"
    for args in (("sheets", "list"), ("status",), ("lots", "build"), ("access-log",), ("check",)):
        run = _run(*AGENT, *args, "--db", str(typo))
        assert run.returncode == 6, (args, run.stderr)
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert "no database at %s" % typo in run.stderr
    assert not typo.parent.exists()
    assert "tla-agent pair" in _run(*AGENT, "status", "--db", str(typo)).stderr


def test_numbers_out_of_range_are_refused(tmp_path):
    db = tmp_path / "agent.db"
    Store(db).close()
    for args in (
        ("sheets", "show", "99999999999999999999"),
        ("sheets", "list", "--limit", "99999999999999999999"),
        ("access-log", "--limit", "-1"),
        ("duplicate", "0"),
    ):
        run = _run(*AGENT, *args, "--db", str(db))
        assert run.returncode == 2 and "Invalid value" in run.stderr, (args, run.stderr)
    run = _run(*AGENT, "status", "--db", str(db), "--today", "9999-12-31", timeout=20)
    assert run.returncode == 1 and "from 2000-01-01 to 2100-12-31" in run.stderr


def test_a_root_that_never_ends_is_refused(tmp_path):
    db = tmp_path / "agent.db"
    Store(db).close()
    run = _run(*AGENT, "sync", "--db", str(db), "--root", "/dev/zero", "--port", "/dev/null")
    assert run.returncode == 1 and "larger than 65536 bytes" in run.stderr, run.stderr


def test_export_root_into_a_missing_folder(tmp_path):
    emu = [sys.executable, "-m", "emulator.cli"]
    run = _run(*emu, "export-root", str(tmp_path / "missing" / "root.pem"))
    assert run.returncode == 1
    assert run.stderr.strip().startswith("error: cannot write ") and "No such file" in run.stderr
