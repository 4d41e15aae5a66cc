"""The filed sheets and the quarantine: a verified batch filed in one transaction, the ACKs
the terminal has not confirmed, and the listings (Store has these methods through Sheets)."""

import hashlib
import time

from cryptography import x509

from host_agent.store import sheet_search
from host_agent.store.connection import Connection
from host_agent.store.errors import StoreConflict
from host_agent.sync_parts import Received
from protocol import bundle as bundles


class Sheets:
    """Methods of Store (its `db`, `transaction()` and `terminal()`)."""

    db: Connection

    def transaction(self):
        raise NotImplementedError  # Store's

    def commit_batch(self, terminal_id: int, sync_id: int, batch) -> tuple[list, list]:
        """File a verified batch (host_agent.sync_parts.Batch) in one transaction: certificates,
        sheets, quarantined sheets, the terminal's cursor. A sheet already filed (same
        record, same bytes) is not filed twice; one that collides with another sheet goes to
        quarantine. Returns the record numbers filed and quarantined, for the ACK."""
        now = int(time.time())
        ok, bad = [], []
        with self.transaction() as db:
            for der in batch.certs:
                db.execute(
                    "INSERT INTO certificates (cert_id, der, subject, received) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (bundles.cert_id(der), der, certificate_subject(der), now),
                )
            for item, reason in _Filing(db, terminal_id, sync_id, now).file(batch.accepted):
                if reason is None:
                    ok.append(item.record)
                else:
                    batch.rejected.append((item.record, item.data, reason))
            for rec_no, data, reason in batch.rejected:
                db.execute(
                    "INSERT INTO quarantine (terminal_id, record_no, bundle, bundle_digest, "
                    "reason, received, sync_id) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    (
                        terminal_id,
                        rec_no,
                        data,
                        hashlib.sha256(data).digest(),
                        reason,
                        now,
                        sync_id,
                    ),
                )
                bad.append(rec_no)
            if batch.last_record:
                db.execute(
                    "UPDATE terminals SET cursor = ? WHERE id = ? AND cursor < ?",
                    (batch.last_record, terminal_id, batch.last_record),
                )
            db.execute(
                "UPDATE sync_sessions SET sheets = sheets + ?, rejected = rejected + ? WHERE id = ?",
                (len(ok), len(bad), sync_id),
            )
        return ok, sorted(set(bad))

    def file_signed(self, terminal_id: int, items, now: int) -> list:
        """File these verified sheets of one terminal at once, inside the caller's
        transaction, by the sync's own filing (_Filing) without the sync's checks (the
        bench's and tests' seeded practices, bench/seed_sheets.py): (record number, signed
        bytes, decoded bundle, decoded sheet) each. Their ids, in order; StoreConflict,
        when one is refused (a seed that collides with itself), names it."""
        received = [Received(*item) for item in items]
        for item, reason in _Filing(self.db, terminal_id, None, now).file(received):
            if reason is not None:
                raise StoreConflict("record %d not filed: %s" % (item.record, reason))
        numbers = [item.record for item in received]
        ids = dict(
            self.db.execute(
                "SELECT record_no, id FROM sheets WHERE terminal_id = ? AND record_no >= ? "
                "AND record_no <= ?",
                (terminal_id, min(numbers), max(numbers)),
            ).fetchall()
        )
        return [ids[n] for n in numbers]

    def unconfirmed(self, terminal_id: int) -> tuple[list, list]:
        """Record numbers filed (then quarantined) whose ACK the terminal has not confirmed:
        sent again at the next sync, before anything else."""
        ok, bad = (
            [
                r[0]
                for r in self.db.execute(
                    "SELECT DISTINCT record_no FROM %s WHERE terminal_id = ? AND acked IS NULL "
                    "ORDER BY record_no" % table,
                    (terminal_id,),
                )
            ]
            for table in ("sheets", "quarantine")
        )
        return ok, bad

    def confirm_acks(self, terminal_id: int, ok, bad) -> None:
        """The terminal confirmed our ACK of these record numbers."""
        now = int(time.time())
        with self.transaction() as db:
            db.executemany(
                "UPDATE sheets SET acked = ? WHERE terminal_id = ? AND record_no = ? AND acked IS NULL",
                [(now, terminal_id, n) for n in ok],
            )
            db.executemany(
                "UPDATE quarantine SET acked = ? WHERE terminal_id = ? AND record_no = ? "
                "AND acked IS NULL",
                [(now, terminal_id, n) for n in bad],
            )


class _Filing:
    """A batch's verified sheets filed inside the caller's transaction, in a few statements
    whatever its size (issue 19 item 6: a round trip to a server costs more than the row):
    what the database already holds of the batch's record numbers, digests and order
    numbers is read in three queries, the new rows inserted by one executemany; each sheet is judged
    as if filed alone, in order. A sheet that collides with one of its own batch (rare: a
    record sent twice, an order number given twice) is judged by the database itself, the
    batch's earlier rows written first, so its reason names the sheet it collides with."""

    def __init__(self, db, terminal_id, sync_id, now):
        self.db, self.terminal_id, self.sync_id, self.now = db, terminal_id, sync_id, now
        self.pending: list = []  # rows to insert, in order
        self.known: dict = {}  # the patients' names by Vitale certificate (sheet_values)

    def file(self, items) -> list:
        """[(item, None when filed or already there, else its quarantine reason)]."""
        if not items:
            return []
        digests = [bundles.digest(item.bundle.sheet) for item in items]
        self._read([item.record for item in items], digests, items)
        seen_records, seen_digests, seen_orders = {}, set(), set()
        out = []
        for item, digest in zip(items, digests, strict=True):
            order = (item.sheet.professional, item.sheet.order_no)
            if item.record in seen_records or digest in seen_digests or order in seen_orders:
                self._flush()  # its batch's rows first, then the database decides
                out.append((item, self._alone(item, digest)))
                continue
            out.append((item, self._judged(item, digest, order)))
            seen_records[item.record] = item.data
            seen_digests.add(digest)
            seen_orders.add(order)
        self._flush()
        return out

    def _read(self, records, digests, items) -> None:
        db, tid = self.db, self.terminal_id
        self.records = {
            r["record_no"]: (r["id"], bytes(r["bundle"]))
            for r in db.execute(
                "SELECT id, record_no, bundle FROM sheets WHERE terminal_id = ? AND record_no "
                "IN (%s)" % _marks(records),
                (tid, *records),
            )
        }
        self.digests = {
            bytes(r["digest"]): r["id"]
            for r in db.execute(
                "SELECT id, digest FROM sheets WHERE digest IN (%s)" % _marks(digests), digests
            )
        }
        self.orders: dict = {}
        by_pro: dict = {}
        for item in items:
            by_pro.setdefault(item.sheet.professional, []).append(item.sheet.order_no)
        for pro, numbers in by_pro.items():
            for r in db.execute(
                "SELECT id, order_no FROM sheets WHERE terminal_id = ? AND professional = ? "
                "AND order_no IN (%s)" % _marks(numbers),
                (tid, pro, *numbers),
            ):
                self.orders[(pro, r["order_no"])] = r["id"]

    def _judged(self, item, digest, order) -> str | None:
        """The reason from what the database held before the batch (None: filed)."""
        there = self.records.get(item.record)
        if there is not None:
            return _same_record(item, *there)
        if digest in self.digests:
            return _same_sheet(self.digests[digest])
        if order in self.orders:
            return _order_used(item.sheet, self.orders[order])
        self.pending.append(self._row(item, digest))
        return None

    def _alone(self, item, digest) -> str | None:
        """One sheet judged by the database as it is now (its batch's rows written)."""
        db, sheet = self.db, item.sheet
        there = db.execute(
            "SELECT id, bundle FROM sheets WHERE terminal_id = ? AND record_no = ?",
            (self.terminal_id, item.record),
        ).fetchone()
        if there is not None:
            return _same_record(item, there["id"], bytes(there["bundle"]))
        same = db.execute("SELECT id FROM sheets WHERE digest = ?", (digest,)).fetchone()
        if same is not None:
            return _same_sheet(same["id"])
        used = db.execute(
            "SELECT id FROM sheets WHERE terminal_id = ? AND professional = ? AND order_no = ?",
            (self.terminal_id, sheet.professional, sheet.order_no),
        ).fetchone()
        if used is not None:
            return _order_used(sheet, used["id"])
        self.pending.append(self._row(item, digest))
        self._flush()
        return None

    def _row(self, item, digest) -> dict:
        return sheet_values(
            self.db,
            self.terminal_id,
            item.record,
            item.data,
            item.bundle,
            item.sheet,
            self.now,
            self.sync_id,
            self.known,
            digest,
        )

    def _flush(self) -> None:
        """Insert the pending rows in one executemany: one parsed statement, its rows sent
        together (psycopg's pipeline; sqlite3's loop in C)."""
        if self.pending:
            rows, self.pending = self.pending, []
            _insert(self.db, rows)


def _marks(values) -> str:
    return ",".join("?" * len(values))


def _same_record(item, sheet_id, bundle) -> str | None:
    if bundle == item.data:
        return None  # received before, its ACK was lost: the same sheet, once
    return (
        "record number %d of this terminal was already received with another sheet "
        "(sheet %d): was the terminal's flash erased?" % (item.record, sheet_id)
    )


def _same_sheet(sheet_id) -> str:
    return "the same care sheet was already received (sheet %d)" % sheet_id


def _order_used(sheet, sheet_id) -> str:
    return "order number %d of professional %s is already used by sheet %d (R161-44 1°)" % (
        sheet.order_no,
        sheet.professional,
        sheet_id,
    )


def sheet_values(
    db, terminal_id, rec_no, data, signed, sheet, now, sync_id, known=None, digest=None
) -> dict:
    """{sheets column: value} of a verified sheet being filed: its bytes, the columns
    decoded from them, and its patient's name from the Vitale certificate already filed
    (the sheets page searches that column, host_agent/store/sheet_search.py)."""
    patient, key = sheet_search.patient_of(db, signed, known, sheet)
    values = {
        "terminal_id": terminal_id,
        "record_no": rec_no,
        "bundle": data,
        "digest": digest or bundles.digest(signed.sheet),
        "received": now,
        "sync_id": sync_id,
        **derived_columns(signed, sheet),
        "patient": patient,
        "patient_key": key,
    }
    if values["fund"] is None:  # a sheet without a fund code: filed, and no lot takes it
        values["fund"] = ""
    return values


def _insert(db, values: list) -> None:
    columns = list(values[0])
    db.executemany(
        "INSERT INTO sheets (%s) VALUES (%s)" % (", ".join(columns), ",".join("?" * len(columns))),
        [[v[c] for c in columns] for v in values],
    )


def derived_columns(signed, sheet) -> dict:
    """{sheets column: value} of every column decoded from the signed bundle (`signed`, a
    protocol.bundle.Bundle) and its `sheet`: what `tla-agent check` compares with the
    stored bytes (host_agent/check.py)."""
    b = sheet.beneficiary
    return {
        "order_no": sheet.order_no,
        "professional": sheet.professional,
        "situation": sheet.situation,  # 9 digits as text: it may start with 0
        "insured": sheet.insured,
        "beneficiary": None if b is None else "%d/%d" % (b.birth, b.birth_rank),
        "fund": sheet.fund,
        "completion": sheet.completion,
        "payment": sheet.payment,
        "fees": sheet.fees,
        "third_party": sheet.third_party,
        "signed_by_patient": int(signed.vitale_signature is not None),
    }


def certificate_subject(der: bytes) -> str:
    """The RFC 4514 subject of a card certificate, as the certificates table keeps it."""
    try:
        return x509.load_der_x509_certificate(der).subject.rfc4514_string()
    except ValueError:
        return "?"
