"""`tla-agent check`: does the database still hold what was filed? (docs/agent.md, "Checking
the database"). SQLite's own integrity check; every stored bundle against its digest, its
signatures and (with the root) its certificates' path and signer binding; the decoded
columns against the signed sheet; each terminal's record numbers without a hole (a deleted
row is a finding); each quarantined bundle against its digest; each access-log entry
against its chain hash and link; each sealed lot against its file's digest, its seal and
its sheets' stored bytes.

Nothing here writes: the file is opened read-only. `stored_problem()` is also what `lots
build` and `lots seal` ask of each sheet before they use its bytes (host_agent/lots.py).
"""

import hashlib
from pathlib import Path

from cryptography import x509

from host_agent import french, lotfile, verify
from host_agent.errors import EXIT_DATABASE, AgentError
from host_agent.store import StoreError, checks, location, rows
from host_agent.store.sheets import derived_columns
from host_agent.sync_parts import load_root
from protocol import bundle, cbor, dates, sheet

MAX_FINDINGS = 200  # shown; the count says how many more


class Report:
    """`findings` in English (the CLI), `french` beside them: the page's sentence, or ""
    where the page shows the English one."""

    def __init__(self):
        self.findings = []
        self.french = []
        self.counted = {"sheets": 0, "quarantined": 0, "log entries": 0, "lots": 0}
        self.more = 0

    def add(self, text, french=""):
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(text)
            self.french.append(french)
        else:
            self.more += 1

    def shown(self) -> list:
        """[(sentence, its language)] for the page: French where there is one."""
        return [
            (f, "fr") if f else (e, "en") for e, f in zip(self.findings, self.french, strict=True)
        ]

    def __bool__(self):
        return not self.findings


def certificates(pairs) -> dict:
    """{cert id: x509.Certificate} of these (cert id, DER) pairs, the certificates table's
    (a damaged one left out)."""
    out = {}
    for cid, der in pairs:
        try:
            out[bytes(cid)] = x509.load_der_x509_certificate(bytes(der))
        except ValueError:
            pass
    return out


def stored_problem(row, certs) -> str:
    """ "" when the stored sheet `row` (a sheets row) is the bytes that were verified at the
    sync: its bundle decodes, the sheet's SHA-256 is the `digest` column, each signature
    verifies with the key of the certificate it names, and the columns lots use are the
    sheet's; else what is wrong, one sentence. (The path to the root was checked at the
    sync; `check` with the root checks it again.)"""
    data = bytes(row["bundle"])
    try:  # decoded once here: what lots read of a sheet are its columns, checked below
        b = bundle.decode(data)
        s = sheet.decode(b.sheet)
    except bundle.BundleFormatError as e:
        return "its stored bytes no longer decode (%s)" % e
    except sheet.SheetFormatError as e:
        return "its stored sheet no longer decodes (%s)" % e
    if hashlib.sha256(b.sheet).digest() != bytes(row["digest"]):
        return "its stored sheet bytes no longer match their digest"
    digest = bundle.digest(b.sheet)
    for who, signature, cid in (
        ("CPS", b.cps_signature, b.cps_cert),
        ("Vitale", b.vitale_signature, b.vitale_cert),
    ):
        if signature is None or cid is None:
            continue
        cert = certs.get(bytes(cid))
        if cert is None:
            return "its %s certificate %s is not in the database" % (who, bytes(cid).hex())
        alg = b.cps_alg if who == "CPS" else b.vitale_alg
        problem = verify.key_problem(who, cert, signature, digest, alg or bundle.ES256)
        if problem:
            return problem
    for column, value in derived_columns(b, s).items():
        if row[column] != value and not (value is None and row[column] == ""):
            return "its %s column no longer matches the signed sheet" % column
    return ""


def check_database(path, root) -> Report:
    """Check the database file at `path` (read-only); `root`: the trusted root certificate,
    or None to check signatures by key only."""
    report = Report()
    db = checks.open_readonly(path)
    try:
        for line in checks.integrity(db):
            if line != "ok":
                report.add("SQLite: %s" % line)
        damaged = rows.damaged_values(db)
        for text in damaged:
            report.add(text)
        if damaged:  # the checks below read these values as their columns' types
            report.add("the other checks need these values repaired first (restore a backup)")
            return report
        pairs = checks.certificate_rows(db)
        certs = certificates(pairs)
        # The Verifier learns the Vitale 2 certificates as read too (not X.509).
        verifier = verify.Verifier([d for _, d in pairs], root) if root is not None else None
        _sheets(db, certs, verifier, report)
        _states(db, report)
        _quarantine(db, report)
        _record_numbers(db, report)
        _access_log(db, report)
        _lots(db, certs, root, report)
    finally:
        db.close()
    return report


def _sheets(db, certs, verifier, report):
    for row in checks.live_sheets(db):
        report.counted["sheets"] += 1
        problem = stored_problem(row, certs)
        if not problem and verifier is not None:
            received = dates.days_to_ymd(dates.paris_day(row["received"]))
            result = verifier.verify(bytes(row["bundle"]), received)
            problem = "" if result.ok else result.reason
        if problem:
            report.add("sheet %d: %s" % (row["id"], problem))


def _states(db, report):
    """The sheets page filters and sorts on the state column, kept by the store at each
    change (store/sheet_search.py restate): it must be the state its lot, its fund's
    answers, a paper duplicate or its purge give it."""
    for sheet_id, stored, derived in checks.state_differences(db):
        report.add(
            "sheet %d: its state column says %s, but its lot and its fund's answers make it %s"
            % (sheet_id, stored, derived),
            "Feuille %d : son état enregistré (%s) n'est pas celui que donnent son lot et les "
            "réponses de sa caisse (%s)."
            % (
                sheet_id,
                french.SHEET_STATES.get(stored, stored),
                french.SHEET_STATES.get(derived, derived),
            ),
        )


def _quarantine(db, report):
    for row in checks.quarantined(db):
        report.counted["quarantined"] += 1
        if hashlib.sha256(bytes(row["bundle"])).digest() != bytes(row["bundle_digest"]):
            report.add("quarantined sheet %d: its bytes no longer match their digest" % row["id"])


def _record_numbers(db, report):
    """Every record number from a terminal's first to its cursor is filed or quarantined:
    the agent pulls them in order and never skips one."""
    for t, numbers in checks.terminal_records(db):
        if not numbers:
            continue
        top = max(max(numbers), t["cursor"])
        holes = [n for n in range(min(numbers), top + 1) if n not in numbers]
        if holes:
            shown = ", ".join(str(n) for n in holes[:10]) + (" ..." if len(holes) > 10 else "")
            report.add(
                "terminal %s: %d record number%s received but missing here: %s"
                % (t["serial"], len(holes), "" if len(holes) == 1 else "s", shown)
            )


def _access_log(db, report):
    last = {}
    for row in checks.access_entries(db):
        report.counted["log entries"] += 1
        fields = [row[k] for k in ("entry_no", "at", "who", "card", "card_id", "what")]
        body = bytes(row["prev"]) + cbor.encode(fields)
        where = "access-log entry %d of terminal %d" % (row["entry_no"], row["terminal_id"])
        if hashlib.sha256(body).digest() != bytes(row["chain"]):
            report.add("%s: it no longer matches its chain hash" % where)
        before = last.get(row["terminal_id"])
        if before is not None and before[0] == row["entry_no"] - 1 and row["chain_ok"]:
            if before[1] != bytes(row["prev"]):
                report.add("%s: its link to the entry before is broken here" % where)
        last[row["terminal_id"]] = (row["entry_no"], bytes(row["chain"]))


def _lots(db, certs, root, report):
    for lot in checks.sealed_lots(db):
        report.counted["lots"] += 1
        name = lotfile.lot_name(lot["professional"], lot["number"])
        file = bytes(lot["file"])
        if hashlib.sha256(file).digest() != bytes(lot["file_digest"] or b""):
            report.add("lot %s: its file no longer matches its digest" % name)
            continue
        check = lotfile.verify_lot(file, root, list(certs.values()))
        if not check.ok:
            report.add("lot %s: %s" % (name, check.reason))
            continue
        stored = checks.lot_bundles(db, lot["id"])
        if check.lot is not None and stored != list(check.lot.bundles) and lot["purged"] is None:
            report.add("lot %s: its file's sheets are not the stored sheets" % name)


def check_files(db: Path, root: Path | None):
    """(Report, the root certificate used or None) for the database file `db` and the root
    `root` (default root.pem beside it, when there is one): `tla-agent check`."""
    if not location.is_server(db) and not db.is_file():
        raise AgentError(
            "no database at %s" % db,
            EXIT_DATABASE,
            "Aucune base de données à %s : vérifiez le réglage de la base." % db,
        )
    path = root if root is not None else db.parent / "root.pem"
    root_cert = None
    if path.exists():
        root_cert = load_root(path)
    elif root is not None:
        raise AgentError("no root certificate at %s" % root)
    try:
        return check_database(db, root_cert), root_cert
    except StoreError:
        raise  # the server unreachable or refusing, said as such: not damage
    except Exception as e:  # sqlite3.Error, a page that cannot be read, bad UTF-8
        raise AgentError(
            "the database %s cannot be read to the end (%s: %s): it is damaged; restore it "
            "from a backup" % (db, type(e).__name__, e),
            EXIT_DATABASE,
            "La base de données ne se lit pas jusqu'au bout : elle est endommagée, restaurez-la "
            "depuis une sauvegarde.",
        ) from None
