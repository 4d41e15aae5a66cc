"""The tables the Alembic revisions after SQLite schema 6 added (tables.py imports this
module last; migrations/versions/ writes each out as it built it): revision 0003, the
practice's people and what each saw on the PC; revision 0004, the sheets' scanned
prescriptions (SCOR pieces: host_agent/pieces.py, docs/web.md "Pièces justificatives")."""

from host_agent.store.tables import (
    ZERO,
    Index,
    Table,
    _blob,
    _id,
    _int,
    _ref,
    _text,
    metadata,
)

SINCE_0003 = {"revision": "0003"}
SINCE_0004 = {"revision": "0004"}

# The people of the practice and what each saw on the PC (host_agent/people.py, docs/agent.md
# "Accounts"): revision 0003.
Table(
    "accounts",
    metadata,
    _id(),
    _text("login", False, unique=True),  # what the person types to log in (ASCII)
    _text("name", False),  # the person, as the pages show them
    _text("role", False),  # professional, secretary, administrator
    _text("rpps"),  # a professional's RPPS number (11 digits), else NULL
    _text("password", False),  # the argon2id hash, its parameters in it (PHC string)
    _int("disabled", nullable=False, server_default=ZERO),
    _int("created", nullable=False),
    _int("changed", nullable=False),  # the last change: a session older than it ends
    info=SINCE_0003,
)
Table(
    "pc_access_log",
    metadata,
    _id(),
    _int("at", nullable=False),
    # Who: the account (NULL: the PC's own user on the command line, or a login that names
    # no account), and their login or OS user name as it was then.
    _ref("account_id", "accounts.id", nullable=True),
    _text("who", False),
    _text("via", False),  # web, cli
    _text("what", False),  # what was shown or refused, in French
    _int("sheet_id"),  # the sheet shown, if one (no foreign key: a purged sheet's line stays)
    Index("pc_access_log_who", "who", "id"),
    info=SINCE_0003,
)
# The scanned prescriptions attached to the sheets (SCOR), carried by their lot: revision 0004.
Table(
    "pieces",
    metadata,
    _id(),
    _ref("sheet_id", "sheets.id"),
    _text("media_type", False),  # image/jpeg, image/png, application/pdf: read from its bytes
    _text("name", False),  # the file's name, without any folder
    _int("size", nullable=False),  # bytes
    _int("dpi", nullable=False),  # the lowest resolution of its pages, as checked
    _int("pages", nullable=False),
    _blob("digest", False),  # SHA-256 of the content: what the lot file and a return name
    _blob("content"),  # the bytes as given; NULL once purged with its sheet (R161-47 I 1°)
    _int("added", nullable=False),
    _text("added_by", False),  # the login or OS user who attached it
    _int("purged"),
    Index("pieces_sheet", "sheet_id", "id"),
    info=SINCE_0004,
)
