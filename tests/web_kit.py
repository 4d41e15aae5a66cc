"""Helpers of the web app's tests: the app on a practice's day (tests/lots_kit.py) behind
FastAPI's TestClient, a virtual CPS in a simulated reader, the CSRF token of a page, a
fund's return file, and a certificate whose holder's name is hostile markup."""

import datetime
import html
import json
import re
import warnings

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from emulator.cards import fixtures
from emulator.simboard import SimSlot
from host_agent import french, lots, workspace
from host_agent.store import Store
from host_agent.store.sheet_search import fold
from host_agent.web.app import create_app
from host_agent.web.security import Config
from protocol import dates
from tests import lots_kit as kit

with warnings.catch_warnings():  # Starlette's note about httpx's future, not ours
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

# The funds answer after the lots were sent (returns_check refuses an earlier date), and the
# tests send them now: their answers are dated today.
TODAY = workspace.today()
TODAY_ISO = dates.iso(dates.ymd_tuple(TODAY))
TODAY_FR = french.date(TODAY)
HOSTILE = '<script>alert("x")</script>'
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


class Reader:
    """A simulated PC/SC reader the app seals with (Config.slots), holding `card` or none."""

    def __init__(self, name: str | None = "nurse"):
        self.slot = SimSlot("cps")
        self.card = fixtures.make(name) if name else None
        if self.card is not None:
            self.slot.insert(self.card)

    def __call__(self):
        return ["Lecteur de test"], lambda reader: self.slot


def client(db, reader=None, **options) -> TestClient:
    options.setdefault("today", kit.DAY)
    # The PC's own serial ports and other emulators are not the test's (prints stay equal).
    options.setdefault("find_ports", lambda ids: [])
    config = Config(db, slots=reader, secret=b"k" * 32, **options)
    return TestClient(create_app(config), base_url="http://127.0.0.1", follow_redirects=True)


def day(tmp_path, db=None):
    """A database holding the day's 14 sheets (at `db`, default agent.db in tmp_path:
    tests/postgres_fixtures.py's db_where); where it is."""
    db = db or tmp_path / "agent.db"
    store, _ = kit.store_with_day(db)
    store.close()
    return db


def text(response) -> str:
    """A page's text as read (entities such as &#39; for ' turned back into characters)."""
    return html.unescape(response.text)


def csrf(c, page="/lots") -> str:
    found = _CSRF.search(c.get(page).text)
    assert found, "no CSRF token in %s" % page
    return found.group(1)


def dump(db) -> list:
    """Every row but the PC's access log's, which records views and refusals by design
    (tests/test_web_people.py checks its lines): equal before and after, nothing changed."""
    store = Store(db)
    try:
        return store.dump(leave_out=("pc_access_log",))
    finally:
        store.close()


def return_file(db, rejected_fund="011750000", reason="Feuille 102 : NIR inconnu de la caisse"):
    """A fund's return (tla-ack/1, docs/lots.md) for every sent lot of `rejected_fund`: the
    first rejected with `reason`, the others accepted. (name, bytes)."""
    store = Store(db)
    try:
        sent = [r for r in lots.all_lots(store, (lots.SENT,)) if r["fund"] == rejected_fund]
    finally:
        store.close()
    entries = [
        {
            "lot": lots.name(r),
            "result": "rejected" if i == 0 else "accepted",
            "date": TODAY_ISO,
            **({"reason": reason} if i == 0 else {}),
        }
        for i, r in enumerate(sent)
    ]
    data = {"format": "tla-ack/1", "fund": rejected_fund, "acks": entries}
    return "retour-%s.json" % rejected_fund, json.dumps(data).encode()


def hostile_names(db):
    """Give every Vitale certificate a holder's name made of markup, and one quarantined
    sheet and one access-log entry hostile text, as a crafted card or terminal could."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTILE)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    store = Store(db)
    try:
        with store.transaction() as t:
            t.execute(
                "UPDATE certificates SET der = ? WHERE subject NOT IN ('nurse', 'gp')", (der,)
            )
            # The name the sheets were filed with, as if the card had been that one then.
            t.execute(
                "UPDATE sheets SET patient = ?, patient_key = ? WHERE patient <> ''",
                (HOSTILE, fold(HOSTILE)),
            )
            terminal = t.execute("SELECT id FROM terminals LIMIT 1").fetchone()[0]
            t.execute(
                "INSERT INTO quarantine (terminal_id, record_no, bundle, bundle_digest, reason,"
                " received) VALUES (?, 99, ?, ?, ?, 1795024800)",
                (terminal, b"\0", b"\0", HOSTILE),
            )
            t.execute(
                "INSERT INTO access_log (terminal_id, entry_no, at, who, card, card_id, what,"
                " prev, chain, chain_ok) VALUES (?, 1, 1795024800, ?, 'vitale', '1', ?, ?, ?, 1)",
                (terminal, HOSTILE, HOSTILE, b"\0", b"\0"),
            )
    finally:
        store.close()
