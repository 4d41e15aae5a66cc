"""The funds' returns from the mailbox (host_agent/mailbox.py, imaplib) against the test IMAP
server of tests/imap_server.py on loopback: each return file attached to an unread message
is imported; a message whose files all went in is marked read; a refused one stays unread,
changing nothing; other mail is left alone."""

import json

import pytest

from host_agent import lots, mailbox, returns_report
from tests import lots_kit as kit
from tests import returns_kit as rk
from tests.imap_server import ImapServer


@pytest.fixture
def store(tmp_path, db_where):
    s = rk.sent_store(tmp_path, db_where)
    yield s
    s.close()


@pytest.fixture
def server():
    with ImapServer(user="cabinet", password="s3cret") as s:
        yield s


def settings_of(server, **more):
    return dict(
        {"host": "127.0.0.1", "port": server.port, "security": "none", "user": "cabinet"}, **more
    )


def plain_mail(subject="Réunion de jeudi"):
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"] = subject
    msg.set_content("Rien à importer ici.")
    return msg.as_bytes()


def test_returns_are_fetched_imported_and_their_messages_marked_read(store, server):
    paris, lyon = rk.lots_of(store, rk.PARIS), rk.lots_of(store, rk.LYON)
    sheet = rk.members(store, paris[0])[0]
    good = rk.return_bytes(rk.PARIS, [rk.lot_entry(paris[0])], [rk.paid(paris[0], sheet, 500)])
    ack = json.dumps(
        {
            "format": "tla-ack/1",
            "fund": rk.LYON,
            "acks": [{"lot": lots.name(lyon[0]), "result": "accepted", "date": "2026-11-20"}],
        }
    ).encode()
    ghost = rk.return_bytes(rk.PARIS, [dict(rk.lot_entry(paris[1]), lot="10006543218-000099")])
    n_good = server.deliver(rk.mail(good, "retour-paris.json"))
    n_plain = server.deliver(plain_mail())
    n_bad = server.deliver(rk.mail(ghost, "retour-faux.json", subject="Retour inconnu"))
    n_ack = server.deliver(rk.mail(ack, "arl-lyon.json"))

    done = mailbox.fetch(store, settings_of(server), kit.NOW, password="s3cret")

    assert [(f.name, f.error is None) for f in done.found] == [
        ("retour-paris.json", True),
        ("retour-faux.json", False),
        ("arl-lyon.json", True),
    ]
    assert done.skipped == 1 and done.left == 0
    assert "there is no lot 10006543218-000099" in str(done.found[1].error)
    assert "il n'y a pas de lot" in done.found[1].error.french
    assert "\\Seen" in server.flags(n_good) and "\\Seen" in server.flags(n_ack)
    assert "\\Seen" not in server.flags(n_bad) and "\\Seen" not in server.flags(n_plain)
    assert lots.find(store, lots.name(paris[0]))["status"] == lots.ACKNOWLEDGED
    assert lots.find(store, lots.name(lyon[0]))["status"] == lots.ACKNOWLEDGED
    state = next(s for s in returns_report.states(store) if s.row["id"] == sheet["id"])
    assert (state.state, state.amount) == ("paid", 500)
    # The next fetch sees only the refused message again, and changes nothing.
    before = rk.snapshot(store)
    again = mailbox.fetch(store, settings_of(server), kit.NOW + 60, password="s3cret")
    assert [(f.name, f.error is None) for f in again.found] == [("retour-faux.json", False)]
    assert rk.snapshot(store) == before
    # The client peeked: it never marked a message read by fetching it.
    assert all("BODY.PEEK[]" in c for c in server.mailbox.commands if c.startswith("FETCH"))
    assert not any("s3cret" in c for c in server.mailbox.commands)


def test_a_wrong_password_is_one_line_and_imports_nothing(store, server):
    server.deliver(
        rk.mail(rk.return_bytes(rk.PARIS, [rk.lot_entry(rk.lots_of(store, rk.PARIS)[0])]))
    )
    before = rk.snapshot(store)
    with pytest.raises(mailbox.MailboxError) as refused:
        mailbox.fetch(store, settings_of(server), kit.NOW, password="wrong")
    assert "refused" in str(refused.value) and "\n" not in str(refused.value)
    assert refused.value.french.startswith("la boîte aux lettres")
    assert rk.snapshot(store) == before and "\\Seen" not in server.flags(1)


def test_no_server_and_no_host_are_one_line_each(store, server):
    port = server.port
    server.__exit__(None, None, None)  # the server is gone: nothing listens on its port
    with pytest.raises(mailbox.MailboxError, match="cannot reach the mailbox"):
        mailbox.fetch(store, {"host": "127.0.0.1", "port": port, "security": "none"}, kit.NOW)
    with pytest.raises(mailbox.MailboxError, match=r"\[mailbox\] host is not set") as unset:
        mailbox.fetch(store, {}, kit.NOW)
    assert unset.value.exit_code == 10  # a setting missing, as a mistyped one


def test_a_missing_folder_is_refused(store, server):
    with pytest.raises(mailbox.MailboxError, match="refused"):
        mailbox.fetch(store, settings_of(server, folder="Caisses"), kit.NOW, password="s3cret")
