"""Sending sealed lots (host_agent/sending.py): SMTP to a local aiosmtpd server on loopback
delivers one message per lot with the lot attached; a server that refuses, drops the
connection or is gone leaves the lot sealed, noted and sent by the next try, never lost;
a lot is never sent twice; the outbox folder gets each lot whole, once."""

import email
import socket
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from host_agent import lotfile, lots, sending
from tests import lots_kit as kit

ROOT = Path(__file__).resolve().parent.parent
ADDRESSES = {"011750000": "fse@cpam-paris.test", "011690000": "fse@cpam-lyon.test"}


class Fund:
    """An SMTP server's handler: records messages; `mode` accept, refuse or vanish."""

    def __init__(self):
        self.mode = "accept"
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "refuse":
            return "550 5.7.1 lots are not accepted today"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "vanish":
            server.transport.close()  # the server goes away in the middle of the message
            return "421 gone"
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 Message accepted for delivery"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fund():
    handler = Fund()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    handler.port = controller.port
    handler.controller = controller
    yield handler
    try:
        controller.stop()
    except (AssertionError, RuntimeError):
        pass  # already stopped by the test


@pytest.fixture
def sealed(tmp_path, db_where):
    store, _ = kit.store_with_day(db_where)
    lots.build(store, kit.NOW)
    files = kit.seal_all(store, "nurse") + kit.seal_all(store, "gp")
    yield store, files
    store.close()


def smtp(port):
    return sending.Smtp("127.0.0.1", port, "cabinet@practice.test", ADDRESSES, timeout=10)


def attachments(raw):
    msg = email.message_from_bytes(raw, policy=policy.default)
    return msg, [(a.get_filename(), a.get_content()) for a in msg.iter_attachments()]


def test_smtp_delivers_one_message_per_lot_with_the_lot_attached(sealed, fund):
    store, files = sealed
    transport = smtp(fund.port)
    for lot in lots.all_lots(store, (lots.SEALED,)):
        assert sending.send(store, transport, lot, kit.NOW + 120) == ADDRESSES[lot["fund"]]
    assert len(fund.messages) == len(files) == 4
    received = {}
    for rcpt, raw in fund.messages:
        msg, parts = attachments(raw)
        assert len(parts) == 1
        name, data = parts[0]
        lot = lotfile.parse(data)
        assert name == lot.name() + ".tla" and msg["X-TLA-Lot"] == lot.name()
        assert rcpt == [ADDRESSES[lot.header["fund"]]]
        assert lotfile.verify_lot(data)
        received[lot.name()] = data
    assert sorted(received.values()) == sorted(files)
    for lot in lots.all_lots(store):
        assert lot["status"] == lots.SENT and lot["sent_via"] == "smtp"
        assert [a["ok"] for a in lots.sendings(store, lot["id"])] == [1]
    print("4 lots, 4 messages:", ", ".join(sorted(received)))


@pytest.mark.parametrize("failure", ["refuse", "vanish", "gone"])
def test_a_failing_server_leaves_the_lot_unsent_and_it_is_retried(sealed, fund, failure):
    store, _ = sealed
    lot = lots.all_lots(store, (lots.SEALED,))[0]
    if failure == "gone":
        fund.controller.stop()
    else:
        fund.mode = failure
    with pytest.raises(sending.SendError) as e:
        sending.send(store, smtp(fund.port), lot, kit.NOW + 120)
    print(failure, "->", e.value)
    after = lots.find(store, lots.name(lot))
    assert after["status"] == lots.SEALED and after["file"] == lot["file"]  # not lost
    attempts = lots.sendings(store, lot["id"])
    assert [a["ok"] for a in attempts] == [0] and attempts[0]["error"] == str(e.value)
    assert fund.messages == []
    # The server is back: the next run sends it, once.
    if failure == "gone":
        fund.controller = Controller(fund, hostname="127.0.0.1", port=fund.port)
        fund.controller.start()
    fund.mode = "accept"
    pending = lots.all_lots(store, (lots.SEALED,))
    assert lot["id"] in [r["id"] for r in pending]
    sending.send(store, smtp(fund.port), lots.find(store, lots.name(lot)), kit.NOW + 300)
    assert len(fund.messages) == 1
    assert attachments(fund.messages[0][1])[1][0][1] == bytes(lot["file"])
    assert [a["ok"] for a in lots.sendings(store, lot["id"])] == [0, 1]


def test_retries_within_one_run(sealed, fund):
    store, _ = sealed
    lot = lots.all_lots(store, (lots.SEALED,))[0]
    fund.mode = "refuse"
    pauses = []

    def pause(seconds):
        pauses.append(seconds)
        fund.mode = "accept" if len(pauses) == 2 else "refuse"

    sending.send_with_retries(store, smtp(fund.port), lot, tries=3, pause=1.0, sleep=pause)
    assert pauses == [1.0, 2.0] and len(fund.messages) == 1
    assert [a["ok"] for a in lots.sendings(store, lot["id"])] == [0, 0, 1]


def test_a_lot_is_never_sent_twice(sealed, fund, tmp_path):
    store, _ = sealed
    lot = lots.all_lots(store, (lots.SEALED,))[0]
    sending.send(store, smtp(fund.port), lot, kit.NOW + 120)
    sent = lots.find(store, lots.name(lot))
    before = store.dump()
    for transport in (smtp(fund.port), sending.Outbox(tmp_path / "outbox")):
        with pytest.raises(sending.SendError) as e:
            sending.send(store, transport, sent, kit.NOW + 500)
        assert "already sent" in str(e.value) and "reject duplicates" in str(e.value)
    print(e.value)
    assert len(fund.messages) == 1 and not (tmp_path / "outbox").exists()
    assert store.dump() == before


def test_lots_send_to_the_outbox_and_by_smtp_from_the_command_line(
    sealed, fund, tmp_path, db_where
):
    store, files = sealed
    db = db_where
    paris = [r for r in lots.all_lots(store, (lots.SEALED,)) if r["fund"] == "011750000"]
    # Default transport: the outbox folder beside the database, a folder per fund.
    proc = kit.agent(db, "lots", "send", *[lots.name(r) for r in paris])
    assert proc.returncode == 0, proc.stderr
    for r in paris:
        path = db.parent / "outbox" / r["fund"] / (lots.name(r) + ".tla")
        assert path.read_bytes() == bytes(r["file"])
    assert sorted(p.name for p in (db.parent / "outbox").rglob("*")) == sorted(
        ["011750000"] + [lots.name(r) + ".tla" for r in paris]
    )
    again = kit.agent(db, "lots", "send", lots.name(paris[0]))
    assert again.returncode == 1 and "already sent" in again.stderr
    # The other lots by e-mail, with the funds settings file.
    (db.parent / "funds.toml").write_text(
        '[smtp]\nhost = "127.0.0.1"\nport = %d\nfrom = "cabinet@practice.test"\n\n'
        '[funds.011690000]\nname = "CPAM du Rhone"\nemail = "fse@cpam-lyon.test"\n' % fund.port
    )
    fund.mode = "refuse"
    failed = kit.agent(db, "lots", "send", "--via", "smtp")
    print(failed.stdout, failed.stderr)
    assert failed.returncode == 4 and failed.stderr.count("not sent:") == 2
    fund.mode = "accept"
    proc = kit.agent(db, "lots", "send", "--via", "smtp")
    print(proc.stdout)
    assert proc.returncode == 0 and proc.stdout.count("sent to fse@cpam-lyon.test") == 2
    assert len(fund.messages) == 2
    assert kit.agent(db, "lots", "send").stdout.strip() == "no sealed lot waits to be sent"
    assert {r["status"] for r in lots.all_lots(store)} == {lots.SENT}
