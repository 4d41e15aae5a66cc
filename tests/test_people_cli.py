"""`tla-agent users` and `tla-agent access` (issue 19 item 4; docs/agent.md "Accounts"), on
both backends: accounts added, listed, disabled and given a new password, the password read
without echo or from stdin, never an argument, never printed; bad input one line and an
exit code, nothing added. Every command is classed as showing health data or not
(host_agent/cli/viewing.py), and each one that shows some writes the PC's user into the
PC's access log, which `tla-agent access --user` shows per person (R162-1-10 c)."""

import json

import typer.main

from host_agent import people
from host_agent.cli import viewing
from host_agent.cli.app import app
from host_agent.store import Store
from tests import lots_kit as kit

RPPS = "10006543218"
SECRET = "le mot de passe de Marie"


def _commands(group=None, path=()) -> list:
    group = group or typer.main.get_command(app)
    out = []
    for name, command in group.commands.items():
        if getattr(command, "commands", None):
            out += _commands(command, path + (name,))
        else:
            out.append(" ".join(path + (name,)))
    return out


def test_users_add_list_disable_password(db_where):
    day = kit.store_with_day(db_where)[0]
    day.close()
    added = kit.agent(
        db_where, "users", "add", "marie", "--name", "Marie Dupont", "--role", "secretary",
        "--password-stdin", stdin=SECRET + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "added marie (Marie Dupont, secretary)" in added.stdout
    pro = kit.agent(
        db_where, "users", "add", "luc", "--name", "Luc", "--role", "professional",
        "--rpps", RPPS, "--password-stdin", stdin="un autre mot de passe\n",
    )  # fmt: skip
    assert pro.returncode == 0, pro.stderr
    listed = kit.agent(db_where, "users", "list", "--json")
    rows = json.loads(listed.stdout)
    assert [(r["login"], r["role"], r["rpps"], r["disabled"]) for r in rows] == [
        ("luc", "professional", RPPS, False),
        ("marie", "secretary", None, False),
    ]
    assert SECRET not in listed.stdout + added.stdout + added.stderr
    assert "password" not in rows[0]  # not even its hash
    assert kit.agent(db_where, "users", "disable", "marie").returncode == 0
    changed = kit.agent(
        db_where, "users", "password", "luc", "--password-stdin", stdin="nouveau mot 3\n"
    )
    assert changed.returncode == 0 and "luc: new password set" in changed.stdout
    store = Store(db_where)
    try:
        assert store.account("marie")["disabled"] == 1
        assert people.password_ok(store.account("luc")["password"], "nouveau mot 3")
        assert people.password_ok(store.account("marie")["password"], SECRET)
    finally:
        store.close()


def test_bad_input_is_one_line_and_adds_nothing(tmp_path):
    db = tmp_path / "agent.db"
    kit.store_with_day(db)[0].close()
    base = ("users", "add", "x", "--name", "X", "--password-stdin")
    tries = [
        (base + ("--role", "boss"), "long enough\n", "the role 'boss' is not one"),
        (base + ("--role", "professional"), "long enough\n", "needs their RPPS number"),
        (base + ("--role", "professional", "--rpps", "1" * 11), "long enough\n", "RPPS"),
        (base + ("--role", "secretary"), "short\n", "the password must be 8 to 1024"),
        (base + ("--role", "secretary"), "", "the password must be 8 to 1024"),  # no stdin
        (
            ("users", "add", "X Y", "--name", "X", "--role", "secretary", "--password-stdin"),
            "long enough\n",
            "is not one",
        ),  # fmt: skip
        (("users", "disable", "nobody"), "", "no account has the login nobody"),
        (("users", "password", "nobody", "--password-stdin"), "long enough\n", "no account"),
    ]
    before = Store(db).dump()
    for args, stdin, said in tries:
        done = kit.agent(db, *args, stdin=stdin)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr
    assert Store(db).dump() == before
    # A mistyped --db creates nothing (a stray database with an account in it).
    stray = tmp_path / "nowhere" / "agent.db"
    done = kit.agent(stray, *base, "--role", "secretary", stdin="long enough\n")
    assert done.returncode == 6 and "no database at" in done.stderr
    assert not stray.parent.exists()


def test_the_password_is_asked_twice_without_echo(tmp_path):
    """No --password-stdin: typed twice at a hidden prompt (stdin here, no terminal)."""
    db = tmp_path / "agent.db"
    kit.store_with_day(db)[0].close()
    done = kit.agent(
        db, "users", "add", "chef", "--name", "Chef", "--role", "administrator",
        stdin="%s\n%s\n" % (SECRET, SECRET), new_session=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
    mismatch = kit.agent(
        db, "users", "password", "chef", stdin="%s\nautre chose\n" % SECRET, new_session=True
    )
    assert mismatch.returncode != 0
    store = Store(db)
    try:
        assert people.password_ok(store.account("chef")["password"], SECRET)
    finally:
        store.close()


def test_every_command_is_classed_as_showing_health_data_or_not():
    commands = set(_commands())
    assert len(commands) > 30, commands
    unclassed = sorted(commands - set(viewing.SHOWS) - viewing.SHOWS_NOTHING)
    assert not unclassed, "say in host_agent/cli/viewing.py what these show: %s" % unclassed
    both = sorted(set(viewing.SHOWS) & viewing.SHOWS_NOTHING)
    assert not both, both
    stale = sorted((set(viewing.SHOWS) | viewing.SHOWS_NOTHING) - commands)
    assert not stale, "classed but no command: %s" % stale
    # Each command that shows health data is wrapped to log its viewer.
    group = typer.main.get_command(app)
    for path in viewing.SHOWS:
        command = group
        for name in path.split():
            command = command.commands[name]  # type: ignore[attr-defined]
        assert getattr(command.callback, "__wrapped__", None) is not None, path


# How to run each command that shows health data on a day's database.
def _runs(db) -> dict:
    store = Store(db)
    try:
        sheet = store.sheets()[-1]["id"]
    finally:
        store.close()
    return {
        "access-log": (),
        "access": (),
        "status": (),
        "duplicate": (str(sheet), "--reason", "carte absente", "-o", str(db.parent / "d.pdf")),
        "sheets list": (),
        "sheets show": (str(sheet),),
        "sheets summary": (),
        "sheets export": (str(sheet), "-o", str(db.parent / "c.pdf")),
        "lots show": ("1",),
        "returns report": (),
        "returns import": (str(db.parent / "no-such-return.json"),),  # logged, then refused
        "returns fetch": (),  # no mailbox in the settings: logged, then refused
        "round show": (),
        "round prepare": (
            "--terminal",
            kit.SERIAL if hasattr(kit, "SERIAL") else "TLA-NURSE-01",
            "--professional",
            RPPS,
        ),  # fmt: skip
    }


def test_each_command_that_shows_health_data_logs_the_pcs_user(tmp_path):
    db = tmp_path / "agent.db"
    kit.store_with_day(db)[0].close()
    assert kit.agent(db, "lots", "build").returncode == 0
    runs = _runs(db)
    me = people.pc_user("cli").who
    for path, what in viewing.SHOWS.items():
        assert path in runs, "%s shows health data: add how to run it to _runs" % path
        store = Store(db)
        before = len(store.views())
        store.close()
        done = kit.agent(db, *path.split(), *runs[path])
        store = Store(db)
        views = store.views()
        store.close()
        assert len(views) == before + 1, (path, done.returncode, done.stderr)
        assert (views[0]["who"], views[0]["via"]) == (me, "cli"), path
        assert views[0]["what"].split(" ")[0] == what.split(" ")[0], (path, views[0]["what"])
        assert "{" not in views[0]["what"], views[0]["what"]  # every option named filled in
        if "{sheet_id}" in what:  # the sheet shown, as the pages name it ("who saw sheet N")
            assert views[0]["sheet_id"] == int(runs[path][0]), (path, dict(views[0]))
    # A command that shows none writes nothing.
    store = Store(db)
    before = store.views()
    store.close()
    assert kit.agent(db, "lots", "list").returncode == 0
    store = Store(db)
    assert store.views() == before
    store.close()


def test_access_shows_the_pc_access_log_per_person(tmp_path):
    db = tmp_path / "agent.db"
    store = kit.store_with_day(db)[0]
    people.log_view(store, people.Viewer(None, "marie", "web"), "la feuille de soins 3", 3)
    people.log_view(store, people.Viewer(None, "luc", "web"), "[red]les retours[/red]")
    store.close()
    mine = kit.agent(db, "access", "--user", "marie", "--json")
    assert [(r["who"], r["what"]) for r in json.loads(mine.stdout)] == [
        ("marie", "la feuille de soins 3")
    ]
    everyone = kit.agent(db, "access")
    assert "la feuille de soins 3" in everyone.stdout
    assert "[red]les retours[/red]" in everyone.stdout  # markup printed as text
    assert "le journal des accès du PC" in everyone.stdout  # `access` itself, by the PC's user
