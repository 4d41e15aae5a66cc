"""The sheets page's reads (host_agent/web/pages_sheets.py; docs/web.md "Feuilles de
soins"): the filed sheets searched by patient's name or NIR, filtered by dates, fund,
professional and state, sorted and cut in pages, with the count and totals of the whole
filtered set; one statement for the page's rows and one for the count, on both backends.

No bundle is decoded: the patient's name is the `patient` column set at filing, and
`patient_key` is that name folded (fold(): no accents, no case), which a search, folded the
same way, is compared with by LIKE, its wildcards escaped. A sheet's state is the `state`
column, which the store sets again (restate) in the very statement's transaction that
changes what it comes from, computed in SQL as host_agent/overview.py's _state computes it
from its lot and its fund's latest answer (STATE); "impayée" is the Recettes page's unpaid
claim (returns_report.Reconciliation). The page's rows are chosen by the sheets' own
columns and indexes first, then joined to their lots and answers, 50 rows and not 100,000.
"""

import unicodedata

from host_agent.store.connection import Connection
from protocol import bundle, sheet, sheet_validation

# Letters NFKD does not take apart (a name on a card may hold them).
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o"})
THIRD_PARTY = 1  # protocol.sheet_fields.THIRD_PARTY (a MicroPython const there)

# overview._state in SQL, over `s` (sheets), `l` (its current lot), `r` (the fund's latest
# answer on it in that lot).
STATE = (
    "CASE WHEN s.purged IS NOT NULL THEN 'purged' "
    "WHEN l.status IN ('sent', 'acknowledged') THEN CASE "
    "WHEN r.result = 'paid' THEN 'paid' WHEN r.result = 'rejected' THEN 'rejected' "
    "WHEN r.result = 'accepted' OR l.status = 'acknowledged' THEN 'acknowledged' "
    "ELSE 'sent' END "
    "WHEN l.status IS NOT NULL THEN l.status "
    "WHEN EXISTS (SELECT 1 FROM paper_duplicates d WHERE d.sheet_id = s.id) THEN 'duplicate' "
    "ELSE 'filed' END"
)
_JOINS = (
    "LEFT JOIN lot_sheets ls ON ls.sheet_id = s.id AND ls.released IS NULL "
    "LEFT JOIN lots l ON l.id = ls.lot_id "
    "LEFT JOIN sheet_returns r ON l.status IN ('sent', 'acknowledged') AND r.id = "
    "(SELECT MAX(r2.id) FROM sheet_returns r2 WHERE r2.sheet_id = s.id AND r2.lot_id = l.id)"
)
# The page's state filters: {filter: the states it takes}; "unpaid" adds its own condition.
STATE_FILTERS = {
    "filed": ("filed",),
    "in_lot": ("open", "sealed"),
    "sent": ("sent",),
    "acknowledged": ("acknowledged",),
    "rejected": ("rejected",),
    "paid": ("paid",),
    "unpaid": ("sent", "acknowledged"),
    "duplicate": ("duplicate",),
    "purged": ("purged",),
}
SORTS = {  # the page's sort keys: their SQL
    "date": "s.completion",
    "patient": "(CASE WHEN s.patient_key = '' THEN 1 ELSE 0 END) %s, s.patient_key",  # named first
    "numero": "s.order_no",
    "caisse": "s.fund",
    "professionnel": "s.professional",
    "honoraires": "s.fees",
    "etat": "s.state",
}
_COLUMNS = (
    "s.id, s.order_no, s.professional, s.fund, s.completion, s.payment, s.fees, "
    "s.third_party, s.insured, s.beneficiary, s.patient, s.purged, "
    "l.professional AS lot_professional, l.number AS lot_number, l.status AS lot_status, "
    "l.sent AS lot_sent, r.result, r.day, r.code, r.label, r.amount, "
    # The fund's reason of the latest rejected lot the sheet left ("" when it gave none),
    # NULL when it left none: store/lots.py rejected_reason, in the page's one statement.
    "(SELECT COALESCE(rl.ack_reason, '') FROM lot_sheets rs JOIN lots rl ON rl.id = rs.lot_id "
    "WHERE rs.sheet_id = s.id AND rs.released IS NOT NULL AND rl.status = 'rejected' "
    "ORDER BY rl.professional DESC, rl.number DESC LIMIT 1) AS rejected_reason"
)


def fold(text: str) -> str:
    """`text` as searched: accents and case gone, spaces as one ("Éloïse  D'Œil" ->
    "eloise d'oeil")."""
    text = unicodedata.normalize("NFKD", str(text).translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def like_escaped(text: str) -> str:
    """`text` matched literally by LIKE ... ESCAPE '\\': its % and _ are no wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def patient_of(db, signed, known=None, decoded=None) -> tuple[str, str]:
    """(name, folded name) of the patient of the decoded bundle `signed`, from its Vitale
    certificate in the certificates table; without one (a sheet made without the card,
    R161-43) the name keyed on the terminal (sheet key 22), when valid; ("", "") when
    neither names her. `known`: {cert id: (name, folded)} already read, kept across a batch;
    `decoded`: the sheet already decoded from `signed` (a sync's verification did), so it is
    not decoded twice (tests/test_decode_once.py)."""
    from host_agent.duplicate import holder_name

    if signed.vitale_cert is None:
        name = keyed_name(signed, decoded)
        return name, fold(name)
    cert_id = bytes(signed.vitale_cert)
    found = (known or {}).get(cert_id)
    if found is None:
        der = db.execute("SELECT der FROM certificates WHERE cert_id = ?", (cert_id,)).scalar()
        name = holder_name(der) if der is not None else ""
        found = (name, fold(name))
        if known is not None:
            known[cert_id] = found
    return found


def keyed_name(signed, decoded=None) -> str:
    """The patient's name keyed on the terminal on the sheet of `signed` (`decoded`, when
    given, is that sheet); "" when it has none, cannot be decoded or is not a valid name
    (hostile text is not filed as a name)."""
    try:
        name = (decoded or sheet.decode(signed.sheet)).patient_name
    except sheet.SheetFormatError:
        return ""
    return name if sheet_validation.name_ok(name) else ""


class Filters:
    """What the page asks (host_agent/web/sheet_filters.py checks it): `words` of a name,
    or `nir` digits; `start`, `end` YYYYMMDD; `fund`, `professional`; `state` a key of
    STATE_FILTERS; `sort` a key of SORTS, `descending`; page `page` of `size` sheets."""

    def __init__(
        self,
        words=(),
        nir="",
        start=None,
        end=None,
        fund="",
        professional="",
        state="",
        sort="date",
        descending=True,
        page=1,
        size=50,
    ):
        self.words, self.nir, self.start, self.end = tuple(words), nir, start, end
        self.fund, self.professional, self.state = fund, professional, state
        self.sort, self.descending, self.page, self.size = sort, descending, page, size


def _where(f: Filters) -> tuple[str, list]:
    clauses, args = [], []
    for word in f.words:
        clauses.append("s.patient_key LIKE ? ESCAPE '\\'")
        args.append("%" + like_escaped(fold(word)) + "%")
    if f.nir:  # digits only (sheet_filters.py): the NIRs starting with them, by the index
        clauses.append("s.insured >= ? AND s.insured < ?")
        args += [f.nir, f.nir + ":"]  # ":" follows "9": text compares byte by byte
    for clause, value in (
        ("s.completion >= ?", f.start),
        ("s.completion <= ?", f.end),
        ("s.fund = ?", f.fund or None),
        ("s.professional = ?", f.professional or None),
    ):
        if value is not None:
            clauses.append(clause)
            args.append(value)
    if f.state:
        states = STATE_FILTERS[f.state]
        clauses.append("s.state IN (%s)" % ",".join("?" * len(states)))
        args.extend(states)
        if f.state == "unpaid":
            clauses.append("s.payment = ?")
            args.append(THIRD_PARTY)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


class SheetSearch:
    """Methods of Store (its `db`)."""

    db: Connection

    def search_sheets(self, f: Filters) -> list:
        """The rows of page `f.page` of the filtered set, sorted (then by date and id)."""
        where, args = _where(f)
        order = "DESC" if f.descending else "ASC"
        key = SORTS[f.sort] if "%s" in SORTS[f.sort] else SORTS[f.sort] + " %s"
        sort = (key + ", s.completion %s, s.id %s") % ((order,) * (key.count("%s") + 2))
        sql = (
            "SELECT %s, s.state FROM (SELECT s.id FROM sheets s%s ORDER BY %s LIMIT ? OFFSET ?) "
            "AS p JOIN sheets s ON s.id = p.id %s ORDER BY %s"
            % (_COLUMNS, where, sort, _JOINS, sort)
        )
        return self.db.execute(sql, (*args, f.size, (f.page - 1) * f.size)).fetchall()

    def count_sheets(self, f: Filters):
        """(number, fees, third-party part expected) of the whole filtered set, cents."""
        where, args = _where(f)
        row = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(s.fees), 0), COALESCE(SUM(CASE WHEN s.payment = ? "
            "THEN s.third_party ELSE 0 END), 0) FROM sheets s%s" % where,
            (THIRD_PARTY, *args),
        ).fetchone()
        return tuple(int(v) for v in row)  # PostgreSQL's SUM of BIGINT is a NUMERIC

    def takings(self, start: int, end: int, per_day: bool) -> list:
        """[(day YYYYMMDD or month YYYYMM, professional, fund, sheets, fees, third-party
        share expected, paid by the fund)] of the sheets completed from `start` to `end`,
        in that order (host_agent/accounting.py): paid is the fund's latest answer "paid"
        in the sheet's transmitted lot, the purged sheets' too."""
        day = "s.completion" if per_day else "s.completion / 100"
        return [
            tuple(int(v) if i != 1 and i != 2 else v for i, v in enumerate(r))
            for r in self.db.execute(
                "SELECT %s AS k, s.professional, s.fund, COUNT(*), SUM(s.fees), "
                "SUM(CASE WHEN s.payment = ? THEN s.third_party ELSE 0 END), "
                "SUM(CASE WHEN r.result = 'paid' THEN COALESCE(r.amount, 0) ELSE 0 END) "
                "FROM sheets s %s WHERE s.completion >= ? AND s.completion <= ? "
                "GROUP BY k, s.professional, s.fund ORDER BY k, s.professional, s.fund"
                % (day, _JOINS),
                (THIRD_PARTY, start, end),
            )
        ]

    def restate_sheets(self) -> None:
        """Every sheet's state set again (bench/seed_sheets.py after its bulk writes)."""
        self.db.execute(_RESTATE + "1 = 1")

    def sheet_choices(self) -> tuple[list, list]:
        """([fund codes], [professional numbers]) of the filed sheets, for the filters."""
        return tuple(
            [r[0] for r in self.db.execute("SELECT DISTINCT %s FROM sheets ORDER BY 1" % c)]
            for c in ("fund", "professional")
        )


def state_differences(db) -> list:
    """(sheet id, its state column, the state its lot, answers, duplicates and purge give
    it) of every sheet whose stored state is not the one derived (`tla-agent check`)."""
    return db.execute(
        "SELECT s.id, s.state, %s AS derived FROM sheets s %s WHERE s.state <> %s ORDER BY s.id"
        % (STATE, _JOINS, STATE)
    ).fetchall()


_RESTATE = (
    "UPDATE sheets SET state = (SELECT %s FROM sheets s %s WHERE s.id = sheets.id) WHERE "
    % (STATE, _JOINS)
)
OF_SHEET = "sheets.id = ?"
OF_LOT = "sheets.id IN (SELECT sheet_id FROM lot_sheets WHERE lot_id = ?)"


def restate(db, where: str, args) -> None:
    """Set again the state of the sheets `where` (OF_SHEET, OF_LOT) selects, inside the
    caller's transaction, after a change of what their state comes from."""
    db.execute(_RESTATE + where, args)


def restate_all(bind) -> None:
    """Revision 0002: every sheet's state (`bind`: Alembic's SQLAlchemy connection)."""
    from sqlalchemy import text

    bind.execute(text(_RESTATE + "1 = 1"))


def backfill_patients(bind) -> None:
    """Revision 0002: the patient's name of every sheet filed before it, each bundle
    decoded once (`bind`: Alembic's SQLAlchemy connection)."""
    from sqlalchemy import text

    from host_agent.duplicate import holder_name

    certs = dict(bind.execute(text("SELECT cert_id, der FROM certificates")).fetchall())
    rows = bind.execute(text("SELECT id, bundle FROM sheets WHERE purged IS NULL")).fetchall()
    names = []
    for sheet_id, data in rows:
        try:
            cert = bundle.decode(bytes(data)).vitale_cert
        except bundle.BundleFormatError:
            continue  # damaged bytes name nobody; `tla-agent check` says why
        der = certs.get(bytes(cert)) if cert is not None else None
        name = holder_name(der) if der is not None else ""
        if name:
            names.append({"id": sheet_id, "name": name, "key": fold(name)})
    if names:
        bind.execute(
            text("UPDATE sheets SET patient = :name, patient_key = :key WHERE id = :id"), names
        )
