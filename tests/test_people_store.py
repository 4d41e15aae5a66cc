"""The practice's accounts and the PC's access log in the store, on both backends (issue 19
item 4; docs/agent.md "Accounts"): an account per person with its role, a professional's
checked RPPS number, an argon2id hash (never the password), disabled and changed times; bad
fields refused with nothing added; the last administrator kept; today's single password
(`serve --password-file`) becomes the first administrator once, also on a release-6
database upgraded in place; the PC's access log shown per person."""

import shutil
import threading

import pytest

from host_agent import people
from host_agent.store import Store
from host_agent.web import security
from tests import lots_kit
from tests.test_store_release_upgrade import RELEASE

RPPS = "10006543218"  # the fixtures' nurse (emulator/cards/fixtures.py)


@pytest.fixture
def store(db_where):
    s = Store(db_where)
    yield s
    s.close()


def test_an_account_per_person_with_its_role_and_a_hash(store):
    people.add(store, "luc", "Luc  Petit", people.PROFESSIONAL, RPPS, "mot de passe 1", now=100)
    people.add(store, "marie", "Marie Dupont", people.SECRETARY, None, "mot de passe 2", now=200)
    rows = store.accounts()
    assert [(r["login"], r["name"], r["role"], r["rpps"]) for r in rows] == [
        ("luc", "Luc Petit", "professional", RPPS),  # its spaces folded
        ("marie", "Marie Dupont", "secretary", None),
    ]
    luc = store.account("luc")
    assert luc["password"].startswith("$argon2id$") and "mot de passe 1" not in luc["password"]
    assert people.password_ok(luc["password"], "mot de passe 1")
    assert not people.password_ok(luc["password"], "mot de passe 2")
    assert (luc["created"], luc["changed"], luc["disabled"]) == (100, 100, 0)
    people.set_password(store, "luc", "un autre mot", now=300)
    luc = store.account("luc")
    assert luc["changed"] == 300 and people.password_ok(luc["password"], "un autre mot")
    people.set_disabled(store, "marie", True, now=400)
    assert store.account("marie")["disabled"] == 1 and store.account("marie")["changed"] == 400


@pytest.mark.parametrize(
    "login, name, role, rpps, password, said",
    [
        ("Luc", "Luc", "secretary", None, "long enough", "is not one"),  # upper case
        ("luc petit", "Luc", "secretary", None, "long enough", "is not one"),
        ("lüc", "Luc", "secretary", None, "long enough", "is not one"),
        ("x" * 33, "Luc", "secretary", None, "long enough", "is not one"),
        ("luc", "", "secretary", None, "long enough", "name must be"),
        ("luc", "L\x1b[2Juc", "secretary", None, "long enough", "name must be"),
        ("luc", "Luc", "boss", None, "long enough", "role 'boss' is not one"),
        ("luc", "Luc", "professional", None, "long enough", "RPPS number"),
        ("luc", "Luc", "professional", "10006543219", "long enough", "RPPS number"),  # its key
        ("luc", "Luc", "professional", "1000654321８", "long enough", "RPPS number"),
        ("luc", "Luc", "secretary", RPPS, "long enough", "only a professional"),
        ("luc", "Luc", "secretary", None, "short", "8 to 1024"),
        ("luc", "Luc", "secretary", None, "x" * 1025, "8 to 1024"),
    ],
)
def test_a_bad_field_is_refused_and_nothing_added(store, login, name, role, rpps, password, said):
    before = store.dump()
    with pytest.raises(people.PeopleError, match=said) as refused:
        people.add(store, login, name, role, rpps, password)
    assert refused.value.french  # the pages say it in French
    assert store.dump() == before


def test_a_taken_login_and_an_unknown_one_are_refused(store):
    people.add(store, "marie", "Marie", people.SECRETARY, None, "mot de passe")
    before = store.dump()
    with pytest.raises(people.PeopleError, match="taken"):
        people.add(store, "marie", "Marie Bis", people.ADMINISTRATOR, None, "mot de passe")
    for change in (
        lambda: people.set_password(store, "nobody", "mot de passe"),
        lambda: people.set_disabled(store, "nobody", True),
    ):
        with pytest.raises(people.PeopleError, match="no account has the login nobody"):
            change()
    assert store.dump() == before


def test_every_change_moves_changed_on_even_within_a_second(store):
    """An open session holds the `changed` it saw and ends when it differs
    (web/security.visitor): a new password given in the second the account was made (or
    last changed) must still end it; `changed` stayed the same then."""
    people.add(store, "luc", "Luc", people.SECRETARY, None, "mot de passe 1", now=100)
    seen = [store.account("luc")["changed"]]
    people.set_password(store, "luc", "mot de passe 2", now=100)
    seen.append(store.account("luc")["changed"])
    people.set_disabled(store, "luc", True, now=100)
    seen.append(store.account("luc")["changed"])
    people.set_disabled(store, "luc", False, now=250)
    seen.append(store.account("luc")["changed"])
    assert seen == [100, 101, 102, 250], seen


def test_the_last_administrator_cannot_be_disabled(store):
    people.add(store, "chef", "Chef", people.ADMINISTRATOR, None, "mot de passe")
    with pytest.raises(people.PeopleError, match="last administrator"):
        people.set_disabled(store, "chef", True)
    people.add(store, "adjoint", "Adjoint", people.ADMINISTRATOR, None, "mot de passe")
    people.set_disabled(store, "chef", True)
    with pytest.raises(people.PeopleError, match="last administrator"):
        people.set_disabled(store, "adjoint", True)
    assert [r["disabled"] for r in store.accounts()] == [0, 1]  # adjoint, chef


def test_two_administrators_disabling_each_other_at_once_leave_one(db_where):
    """Each in its own thread and connection, both past their first look at the accounts
    before either changes anything (as two PCs clicking at the same moment): the decision
    is taken inside the change's transaction, so the second sees the first's change."""
    first, second = Store(db_where), Store(db_where)
    people.add(first, "chef", "Chef", people.ADMINISTRATOR, None, "mot de passe")
    people.add(first, "adjoint", "Adjoint", people.ADMINISTRATOR, None, "mot de passe")
    together = threading.Barrier(2, timeout=60)
    outcomes: dict = {}

    def disable(store, login):
        looked = store.account

        def account(name):  # the first look of each thread: then both go on at once
            row = looked(name)
            if not outcomes.setdefault(login + " looked", False):
                outcomes[login + " looked"] = True
                together.wait()
            return row

        store.account = account
        try:
            people.set_disabled(store, login, True)
            outcomes[login] = "disabled"
        except people.PeopleError as e:
            outcomes[login] = str(e)

    threads = [
        threading.Thread(target=disable, args=(first, "adjoint")),
        threading.Thread(target=disable, args=(second, "chef")),
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        enabled = [r["login"] for r in first.accounts() if not r["disabled"]]
    finally:
        first.close()
        second.close()
    assert len(enabled) == 1, (enabled, outcomes)
    refused = [outcomes[k] for k in ("chef", "adjoint") if outcomes[k] != "disabled"]
    assert len(refused) == 1 and "last administrator" in refused[0], outcomes


def test_the_single_password_becomes_the_first_administrator_once(store):
    first = people.hash_password("le mot de passe du cabinet")
    assert people.first_administrator(store, first)
    assert not people.first_administrator(store, people.hash_password("un autre mot"))
    [admin] = store.accounts()
    assert (admin["login"], admin["role"]) == ("admin", "administrator")
    assert people.password_ok(admin["password"], "le mot de passe du cabinet")


def test_a_release_database_keeps_its_password_as_the_first_administrator(tmp_path):
    """Today's release: one password file given to `serve`. Its database upgraded in place,
    the same password logs in as the administrator `admin`, nothing else of it changed."""
    path = tmp_path / "agent.db"
    shutil.copyfile(RELEASE, path)
    (tmp_path / "root.pem").write_bytes(lots_kit.root_der())
    config = security.Config(path, host="0.0.0.0", password="le mot du cabinet", secret=b"k" * 32)
    assert security.has_accounts(config)
    store = Store(path)
    try:
        [admin] = store.accounts()
        assert admin["login"] == "admin" and admin["role"] == "administrator"
        assert len(store.sheets()) == 14
    finally:
        store.close()
    row, right = security.check_login(config, "admin", "le mot du cabinet")
    assert right and row["login"] == "admin"
    assert security.check_login(config, "admin", "le mot de la veille")[1] is False


def test_the_pc_access_log_per_person(store):
    marie = people.Viewer(None, "marie", "web", people.SECRETARY)
    luc = people.Viewer(None, "luc", "cli")
    people.log_view(store, marie, "la feuille de soins 3", 3, now=10)
    people.log_view(store, luc, "la liste   des\nfeuilles", now=20)  # one line, as shown
    people.log_view(store, marie, "x" * 500, now=30)
    assert [r["what"] for r in store.views("luc")] == ["la liste des feuilles"]
    mine = store.views("marie")
    assert [(r["at"], r["sheet_id"]) for r in mine] == [(30, None), (10, 3)]
    assert len(mine[0]["what"]) == people.WHAT_MAX
    assert store.viewers() == ["luc", "marie"]
    assert [r["who"] for r in store.views(None, limit=2)] == ["marie", "luc"]


def test_the_pc_access_log_is_kept_a_year_and_as_long_as_its_sheet(db_where):
    """retention.purge: the PC's access-log lines go after PC_LOG_DAYS, a line naming a
    sheet only once that sheet's electronic double is gone; the younger ones stay."""
    from host_agent import retention
    from protocol import dates

    store, _ = lots_kit.store_with_day(db_where)
    try:
        kept_sheet, purged_sheet = [r["id"] for r in store.sheets()[:2]]
        with store.transaction():
            store.purge_sheet(purged_sheet, 1000)
        today = 20270601
        old = retention.views_before(today) - 86400  # a year and a day ago
        young = retention.views_before(today) + 86400
        viewer = people.pc_user("cli")
        for at, what, sheet in (
            (old, "la liste des feuilles de soins", None),  # goes
            (old, "la feuille de soins", purged_sheet),  # goes: its double is gone
            (old, "la feuille de soins", kept_sheet),  # stays with its double
            (old, "une feuille inconnue", 999999),  # goes: no such sheet here
            (young, "la liste des feuilles de soins", None),  # stays: under a year
        ):
            people.log_view(store, viewer, what, sheet, now=at)
        assert retention.plan(store, today).views == 3
        done = retention.purge(store, today, dates.ymd_to_days(today) * 86400)
        assert done.views == 3
        left = sorted((r["at"], r["sheet_id"]) for r in store.views())
        assert left == [(old, kept_sheet), (young, None)], left
    finally:
        store.close()
