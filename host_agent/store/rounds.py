"""The Store's tables of the day's round (docs/round.md): prescriptions, the rounds prepared
for a terminal, which prescription each entry serves and the sheet that did it (Store has
these methods through RoundTables). Every SQL statement of the round is here."""

import sqlite3
import time

from host_agent.store.connection import Connection
from host_agent.store.errors import StoreConflict


class RoundTables:
    """Methods of Store (its `db` and `transaction()`)."""

    db: Connection

    def transaction(self):
        raise NotImplementedError  # Store's

    # ---------------------------------------------------------------- prescriptions

    def add_prescription(self, p: dict) -> int:
        """Keep a prescription (keys as the prescriptions table's columns); its id. The same
        prescription again (insured, prescriber, date, reference) is refused (ValueError)."""
        try:
            prescription_id = self.db.execute(
                "INSERT INTO prescriptions (professional, insured, beneficiary, name, "
                "prescriber, day, ref, acts, sessions, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    p["professional"],
                    p["insured"],
                    p["beneficiary"],
                    p["name"],
                    p["prescriber"],
                    p["day"],
                    p["ref"],
                    p["acts"],
                    p["sessions"],
                    int(time.time()),
                ),
            ).scalar()
        except (sqlite3.IntegrityError, StoreConflict):
            raise ValueError(
                "prescription %s of %s on %d by %s is already kept"
                % (p["ref"], p["insured"], p["day"], p["prescriber"])
            ) from None
        return prescription_id

    def prescriptions(self, professional: str | None = None) -> list:
        """Every prescription kept (of one professional), oldest first."""
        if professional is None:
            return self.db.execute("SELECT * FROM prescriptions ORDER BY id").fetchall()
        return self.db.execute(
            "SELECT * FROM prescriptions WHERE professional = ? ORDER BY id", (professional,)
        ).fetchall()

    def prescription(self, prescription_id: int):
        return self.db.execute(
            "SELECT * FROM prescriptions WHERE id = ?", (prescription_id,)
        ).fetchone()

    def patient_sheets(self, insured: str, beneficiary: str | None) -> list:
        """(bundle, professional, completion, terminal, record) of every sheet filed for this patient, the
        latest first (the round reads their prescription, situation and payment)."""
        return self.db.execute(
            "SELECT bundle, professional, completion, terminal_id, record_no FROM sheets "
            "WHERE insured = ? AND beneficiary IS NOT DISTINCT FROM ? "
            "ORDER BY completion DESC, id DESC",
            (insured, beneficiary),
        ).fetchall()

    def known_patients(self, limit: int = 500) -> list:
        """(insured, beneficiary, patient, last) of the patients of the sheets filed, the
        latest seen first (the round's form offers them)."""
        return self.db.execute(
            "SELECT insured, beneficiary, MAX(patient) AS patient, MAX(completion) AS last "
            "FROM sheets WHERE purged IS NULL AND patient <> '' "
            "GROUP BY insured, beneficiary ORDER BY last DESC, insured LIMIT ?",
            (limit,),
        ).fetchall()

    def latest_bundles(self, limit: int = 300) -> list:
        """(bundle, professional) of the latest sheets filed (their prescribers)."""
        return self.db.execute(
            "SELECT bundle, professional FROM sheets WHERE purged IS NULL "
            "ORDER BY completion DESC, id DESC LIMIT ?",
            (limit,),
        ).fetchall()

    def sheet_professionals(self) -> list:
        """The professionals of the sheets filed, by number."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT professional FROM sheets ORDER BY professional"
            ).fetchall()
        ]

    def patients_of(self, terminal_id: int, record_nos) -> set:
        """{(insured, beneficiary)} of the terminal's sheets filed under `record_nos` (the
        round asks which prescriptions a sync's sheets may have served)."""
        out, nos = set(), sorted(set(record_nos))
        for i in range(0, len(nos), 500):  # below SQLite's bound on parameters
            part = nos[i : i + 500]
            out.update(
                (r["insured"], r["beneficiary"])
                for r in self.db.execute(
                    "SELECT insured, beneficiary FROM sheets WHERE terminal_id = ? "
                    "AND record_no IN (%s)" % ",".join("?" * len(part)),
                    [terminal_id, *part],
                )
            )
        return out

    # ---------------------------------------------------------------- rounds

    def save_round(self, terminal_id, professional, day, entries_cbor, prescription_ids) -> int:
        """Keep a round prepared for a terminal (it replaces any not yet sent to it); its id."""
        with self.transaction():
            unsent = self.db.execute(
                "SELECT id FROM rounds WHERE terminal_id = ? AND sent IS NULL", (terminal_id,)
            ).fetchall()
            for row in unsent:
                self.db.execute("DELETE FROM round_entries WHERE round_id = ?", (row["id"],))
                self.db.execute("DELETE FROM rounds WHERE id = ?", (row["id"],))
            round_id = self.db.execute(
                "INSERT INTO rounds (terminal_id, professional, day, entries, created) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (terminal_id, professional, day, entries_cbor, int(time.time())),
            ).scalar()
            for idx, pid in enumerate(prescription_ids):
                self.db.execute(
                    "INSERT INTO round_entries (round_id, idx, prescription_id) VALUES (?, ?, ?)",
                    (round_id, idx, pid),
                )
        return round_id

    def round_row(self, round_id: int):
        return self.db.execute("SELECT * FROM rounds WHERE id = ?", (round_id,)).fetchone()

    def pending_round(self, terminal_id: int):
        """The newest round prepared for the terminal and not yet sent, or None."""
        return self.db.execute(
            "SELECT * FROM rounds WHERE terminal_id = ? AND sent IS NULL ORDER BY id DESC LIMIT 1",
            (terminal_id,),
        ).fetchone()

    def rounds_of(self, terminal_id: int) -> list:
        return self.db.execute(
            "SELECT * FROM rounds WHERE terminal_id = ? ORDER BY id", (terminal_id,)
        ).fetchall()

    def round_sent(self, round_id: int) -> None:
        self.db.execute(
            "UPDATE rounds SET sent = COALESCE(sent, ?) WHERE id = ?", (int(time.time()), round_id)
        )

    def round_entries(self, round_id: int) -> list:
        return self.db.execute(
            "SELECT * FROM round_entries WHERE round_id = ? ORDER BY idx", (round_id,)
        ).fetchall()

    def round_done(self, terminal_id: int, round_id: int, done) -> int:
        """The terminal's visits done of its round: [entry index, record number] pairs; the
        number of entries newly marked. A round of another terminal is left alone."""
        row = self.round_row(round_id)
        if row is None or row["terminal_id"] != terminal_id:
            return 0
        n = 0
        with self.transaction():
            for idx, rec_no in done:
                cur = self.db.execute(
                    "UPDATE round_entries SET record_no = ? "
                    "WHERE round_id = ? AND idx = ? AND record_no IS NULL",
                    (rec_no, round_id, idx),
                )
                n += cur.rowcount
            self.db.execute(
                "UPDATE rounds SET reported = ? WHERE id = ?", (int(time.time()), round_id)
            )
        return n
