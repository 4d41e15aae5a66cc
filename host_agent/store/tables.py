"""The agent's tables, one schema for both backends (SQLAlchemy Core; docs/agent.md "The
database"): what the Alembic revisions build (host_agent/store/migrations/) and what
`tla-agent db copy` copies, table by table in the order of their foreign keys.

Types are chosen so that both backends keep the same values: integers are 64-bit (BIGINT on
PostgreSQL; INTEGER, SQLite's rowid, on SQLite), bytes are BLOB / BYTEA, and text compares
byte by byte on both (COLLATE "C" on PostgreSQL, whatever the server's locale: the lots are
built in an order of professional, fund and serial that must not depend on it). Codes that
may start with 0 (situation, funds, RPPS numbers, NIRs) are TEXT (tests/test_store_migrations.py).
"""

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

INT = BigInteger().with_variant(Integer(), "sqlite")
TEXT = Text().with_variant(Text(collation="C"), "postgresql")
BLOB = LargeBinary()


def _id():
    return Column("id", INT, primary_key=True, autoincrement=True)


def _int(name, *args, nullable=True, **kw):
    return Column(name, INT, *args, nullable=nullable, **kw)


def _text(name, nullable=True, **kw):
    return Column(name, TEXT, nullable=nullable, **kw)


def _blob(name, nullable=True, **kw):
    return Column(name, BLOB, nullable=nullable, **kw)


def _ref(name, target, nullable=False):
    return Column(name, INT, ForeignKey(target), nullable=nullable)


ZERO = text("0")
EMPTY = text("''")
# What a later revision added carries info={"revision": its id}: revision 0001 builds the
# tables without it (as_of), the revision adds it (migrations/versions/).
SINCE_0002 = {"revision": "0002"}

Table(
    "terminals",
    metadata,
    _id(),
    _text("serial", False, unique=True),
    _text("model"),
    _text("firmware"),
    _int("first_seen", nullable=False),
    _int("last_seen", nullable=False),
    _int("last_sync"),  # end of the last complete sync
    _int("cursor", nullable=False, server_default=ZERO),  # last record number committed
    _int("access_cursor", nullable=False, server_default=ZERO),  # last access-log entry
    _int("pending"),  # sheets it held unacknowledged at last sync
    _int("rejected"),  # rejected sheets it still shows
    _int("opposition", nullable=False, server_default=ZERO),  # opposition list version held
    _int("clock_offset"),  # its clock minus ours before SET_TIME, s
)
Table(
    "pairings",
    metadata,
    _id(),
    _ref("terminal_id", "terminals.id"),
    _blob("pairing_id", False, unique=True),
    _blob("pairing_key", False),  # secret: zeroed when revoked
    _text("agent_id", False),  # the name this agent gave itself
    _int("created", nullable=False),
    _int("revoked"),
)
Table(
    "certificates",
    metadata,
    Column("cert_id", BLOB, primary_key=True),  # first 8 bytes of SHA-256 of der
    _blob("der", False),
    _text("subject", False),
    _int("received", nullable=False),
)
Table(
    "sheets",
    metadata,
    _id(),
    _ref("terminal_id", "terminals.id"),
    _int("record_no", nullable=False),  # the terminal's journal record number
    _blob("bundle", False),  # exact signed bytes, as received
    _blob("digest", False, unique=True),  # SHA-256 of the sheet bytes
    _int("order_no", nullable=False),
    _text("professional", False),
    _text("situation", False),  # 9 digits, may start with 0 (R161-42 2°)
    _text("insured", False),
    _text("beneficiary"),  # "birth/rank" of a dependant, else NULL
    _text("fund", False),
    _int("completion", nullable=False),  # YYYYMMDD
    _int("payment", nullable=False),
    _int("fees", nullable=False),  # cents
    _int("third_party", nullable=False),  # cents
    _int("signed_by_patient", nullable=False),
    _int("received", nullable=False),
    _int("sync_id"),  # the sync that brought it
    _int("acked"),  # when the terminal confirmed our ACK
    _int("purged"),  # when the electronic double was deleted
    # The patient's name on the Vitale certificate, set at filing (revision 0002): the
    # sheets page searches and sorts on it without decoding a bundle. `patient_key` is it
    # folded (store/sheet_search.py fold()); both emptied with the NIR at the purge.
    _text("patient", False, server_default=EMPTY, info=SINCE_0002),
    _text("patient_key", False, server_default=EMPTY, info=SINCE_0002),
    # Its state (host_agent/overview.py's keys), kept by the store at every change of its
    # lot, its fund's answers, a paper duplicate or the purge (store/sheet_search.py
    # restate): the sheets page filters and sorts on it.
    _text("state", False, server_default=text("'filed'"), info=SINCE_0002),
    UniqueConstraint("terminal_id", "record_no"),
    UniqueConstraint("terminal_id", "professional", "order_no"),
    Index("sheets_completion", "completion"),
    # The sheets page's filters and sorts (bench/pages.py), each newest first.
    Index("sheets_patient", "patient_key", "completion", info=SINCE_0002),
    Index("sheets_insured", "insured", info=SINCE_0002),
    Index("sheets_fund", "fund", "completion", info=SINCE_0002),
    Index("sheets_professional", "professional", "completion", info=SINCE_0002),
    Index("sheets_state", "state", "completion", info=SINCE_0002),
    Index("sheets_fees", "fees", "completion", info=SINCE_0002),
    Index("sheets_order_no", "order_no", "completion", info=SINCE_0002),
    # The count and totals of a period read from the index alone, not 100,000 rows.
    Index("sheets_totals", "completion", "payment", "fees", "third_party", info=SINCE_0002),
)
Table(
    "quarantine",
    metadata,
    _id(),
    _ref("terminal_id", "terminals.id"),
    _int("record_no", nullable=False),
    _blob("bundle", False),  # the bytes as received, never deleted
    _blob("bundle_digest", False),  # SHA-256 of those bytes
    _text("reason", False),
    _int("received", nullable=False),
    _int("sync_id"),
    _int("acked"),
    UniqueConstraint("terminal_id", "record_no", "bundle_digest"),
)
Table(
    "access_log",
    metadata,
    _id(),
    _ref("terminal_id", "terminals.id"),
    _int("entry_no", nullable=False),
    _int("at", nullable=False),
    _text("who", False),
    _text("card", False),
    _text("card_id", False),
    _text("what", False),
    _blob("prev", False),  # SHA-256 of the previous entry (link)
    _blob("chain", False),  # SHA-256 of this entry
    _int("chain_ok", nullable=False),  # 0: the link to the previous entry broke
    UniqueConstraint("terminal_id", "entry_no"),
)
Table(
    "sync_sessions",
    metadata,
    _id(),
    _ref("terminal_id", "terminals.id", nullable=True),
    _int("started", nullable=False),
    _int("ended"),
    _text("status", False),  # running, ok, interrupted, failed
    _int("sheets", nullable=False, server_default=ZERO),
    _int("rejected", nullable=False, server_default=ZERO),
    _int("bytes", nullable=False, server_default=ZERO),
    _text("error"),
)
Table(
    "opposition_versions",
    metadata,
    Column("version", INT, primary_key=True, autoincrement=False),  # 1, 2, ...
    _int("created", nullable=False),
    _int("count", nullable=False),
    _blob("sha256", False),  # of the sorted 5-byte entries
    _text("source", False),
)
Table(
    "opposition",
    metadata,
    Column("entry", BLOB, primary_key=True),  # a card serial, 5 bytes
    sqlite_with_rowid=False,
)
Table(
    "opposition_changes",
    metadata,
    _int("version", nullable=False),
    _blob("entry", False),
    _int("added", nullable=False),  # 1 added in this version, 0 removed
    PrimaryKeyConstraint("version", "entry"),
    sqlite_with_rowid=False,
)
Table("settings", metadata, Column("key", TEXT, primary_key=True), _text("value", False))
Table(
    "lot_numbers",
    metadata,
    Column("professional", TEXT, primary_key=True),
    _int("last", nullable=False),  # the last lot number given, never again
)
Table(
    "lots",
    metadata,
    _id(),
    _text("professional", False),
    _int("number", nullable=False),  # per professional, never reused
    _text("fund", False),
    _text("status", False),  # open, sealed, sent, acknowledged, rejected
    _int("built", nullable=False),
    _int("sheets", nullable=False),
    _int("fees", nullable=False),  # cents
    _int("third_party", nullable=False),  # cents
    _int("sealed"),
    _blob("cps_cert"),  # id of the certificate of the sealing CPS
    _blob("file"),  # the sealed lot file, NULL once purged
    _blob("file_digest"),  # SHA-256 of the sealed lot file
    _int("sent"),
    _text("sent_via"),
    _int("acked"),
    _text("ack_reason"),
    _int("purged"),
    UniqueConstraint("professional", "number"),
)
_lot_sheets = Table(
    "lot_sheets",
    metadata,
    _ref("lot_id", "lots.id"),
    _ref("sheet_id", "sheets.id"),
    _int("position", nullable=False),
    _int("released"),  # when a negative acknowledgement freed it
    _int("despite_duplicate"),  # the user said: send it despite its paper duplicate
    PrimaryKeyConstraint("lot_id", "sheet_id"),
)
# A sheet is in at most one lot that did not release it (R161-47 I: never billed twice).
_LIVE = text("released IS NULL")
Index("lot_sheets_sheet", _lot_sheets.c.sheet_id, info=SINCE_0002)  # the lots it left too
Index(
    "lot_sheets_one_lot",
    _lot_sheets.c.sheet_id,
    unique=True,
    sqlite_where=_LIVE,
    postgresql_where=_LIVE,
)
Table(
    "lot_sendings",
    metadata,
    _id(),
    _ref("lot_id", "lots.id"),
    _int("at", nullable=False),
    _text("via", False),  # outbox, smtp
    _text("destination", False),
    _int("ok", nullable=False),
    _text("error"),
)
Table(
    "fund_acks",
    metadata,
    _id(),
    _ref("lot_id", "lots.id"),
    _int("imported", nullable=False),
    _int("accepted", nullable=False),
    _int("day", nullable=False),  # the fund's date, YYYYMMDD
    _text("reason"),
    _text("source", False),  # name of the file imported
)
Table(
    "paper_duplicates",
    metadata,
    _id(),
    _ref("sheet_id", "sheets.id"),
    _int("made", nullable=False),
    _text("reason"),
    Index("paper_duplicates_sheet", "sheet_id", info=SINCE_0002),
)
Table(
    "fund_returns",
    metadata,
    _id(),
    _text("fund", False),
    _text("reference"),  # the fund's own id of the return
    _int("issued", nullable=False),  # the fund's date, YYYYMMDD
    _int("imported", nullable=False),
    _blob("digest", False),  # SHA-256 of the file as imported
    _text("source", False),  # the file's name, or the message's
)
Table(
    "sheet_returns",
    metadata,
    _id(),
    _ref("return_id", "fund_returns.id"),
    _ref("sheet_id", "sheets.id"),
    _ref("lot_id", "lots.id"),
    _text("result", False),  # accepted, rejected, paid
    _int("day", nullable=False),  # the fund's date, YYYYMMDD
    _text("code"),  # a rejection's reason code
    _text("label"),  # a rejection's reason, the fund's words
    _int("amount"),  # paid: cents
    Index("sheet_returns_sheet", "sheet_id", "lot_id"),
)
Table(
    "prescriptions",
    metadata,
    _id(),
    _text("professional", False),  # whose round it goes into (11 digits)
    _text("insured", False),  # NIR of the insured, with its key
    _text("beneficiary"),  # "birth/rank" of a dependant, else NULL
    _text("name", False),  # the patient, as the round shows it
    _text("prescriber", False),
    _int("day", nullable=False),  # the prescription's date, YYYYMMDD
    _text("ref", False),
    _text("acts", False),  # "AMI 200 1,IFD 100 0": code, coef, rank
    _int("sessions", nullable=False),  # prescribed
    _int("created", nullable=False),
    UniqueConstraint("insured", "prescriber", "day", "ref"),
)
Table(
    "rounds",
    metadata,
    _id(),  # the round id the terminal holds
    _ref("terminal_id", "terminals.id"),
    _text("professional", False),
    _int("day", nullable=False),
    _blob("entries", False),  # the entries' CBOR array, as sent
    _int("created", nullable=False),
    _int("sent"),  # when the terminal took it whole
    _int("reported"),  # when its visits done were counted back
)
Table(
    "round_entries",
    metadata,
    _ref("round_id", "rounds.id"),
    _int("idx", nullable=False),
    _ref("prescription_id", "prescriptions.id", nullable=True),
    _int("record_no"),  # the sheet the terminal saved from it
    PrimaryKeyConstraint("round_id", "idx"),
)


def as_of(revision: str) -> MetaData:
    """The tables as the Alembic revision `revision` built them: every table, column and
    index added by a later revision (its info's "revision") left out."""

    def later(item) -> bool:
        return item.info.get("revision", "0000") > revision

    out = MetaData()
    for table in [t for t in metadata.sorted_tables if not later(t)]:
        indexes = {i.name for i in table.indexes if later(i)}  # to_metadata drops info
        copy = table.to_metadata(out)
        for column in [c for c in copy.columns if later(c)]:
            copy._columns.remove(column)
        for index in [i for i in copy.indexes if i.name in indexes]:
            copy.indexes.discard(index)
    return out


# The tables the revisions after schema 6 added (accounts, access log, pieces), by idea.
from host_agent.store import tables_added  # noqa: E402, F401  (they need the above)
