"""Where the agent's files are and how a command or a page opens them: the database (a
missing one is never created by a read), the trusted root certificate (root.pem beside the
database by default), the funds settings (funds.toml beside it), and the day deadlines are
counted on. Each failure is an AgentError, in English and in French (host_agent/errors.py).
"""

import time
from pathlib import Path

from host_agent import files, settings, trust
from host_agent.errors import EXIT_DATABASE, AgentError
from host_agent.store import Store, StoreError
from host_agent.sync_parts import load_root
from protocol import dates

DB_ENV = "TLA_AGENT_DB"
ROOT_ENV = "TLA_ROOT_CERT"
DEFAULT_DB = settings.default_database()  # platformdirs: ~/.local/share/tla/agent.db on Linux


def open_store(db: Path, create: bool = False, quick_check: bool = True) -> Store:
    """The store at `db`; only the commands that create one (`create`: pair, opposition
    push) make a new file: a mistyped --db creates nothing. `quick_check`: Store's."""
    if not create and not db.exists():
        raise AgentError(
            "no database at %s: check --db or $%s; a new one is created by the first "
            "tla-agent pair" % (db, DB_ENV),
            EXIT_DATABASE,
            "Aucune base de données à %s : vérifiez le réglage de la base." % db,
        )
    try:
        if not db.exists():
            files.private_folder(db.parent)
        return Store(db, quick_check=quick_check)
    except OSError as e:
        raise StoreError(
            "cannot create the database %s: %s" % (db, e.strerror or e),
            french="La base de données %s ne peut pas être créée." % db,
        ) from None


def on_store(db: Path, work, quick_check: bool = True):
    """`work(store)`'s result on the store at `db`, opened for it alone and closed after
    (open_store's errors: a missing database is an AgentError)."""
    store = open_store(db, quick_check=quick_check)
    try:
        return work(store)
    finally:
        store.close()


def root_path(root: Path | None, db: Path) -> Path:
    return root if root is not None else db.parent / "root.pem"


IGC_ROOTS: list = []  # the [cards] igc_roots files of this run's settings (cli/common.py)


def root_certificate(root: Path | None, db: Path, required: bool = True):
    """The trusted root (x509) from `root` ($TLA_ROOT_CERT) or root.pem beside the database
    (as `sync` checks sheets), with the IGC-Santé authorities the settings install (a
    trust.Trust then). None when not `required`, not given and nothing is trusted; else a
    missing or unreadable root is an AgentError (not needed once IGC-Santé is installed)."""
    path = root_path(root, db)
    if IGC_ROOTS:
        tla_root = load_root(path) if path.exists() or root is not None else None
        return trust.load_igc(IGC_ROOTS, tla_root)
    if not path.exists():
        if not required and root is None:
            return None
        raise AgentError(
            "no root certificate at %s: give --root FILE (the card PKI's root, PEM or DER; "
            "the emulator's test root: tla-emu export-root FILE)" % path,
            french="Aucun certificat racine à %s : indiquez-le dans les réglages." % path,
        )
    return load_root(path)


def today(text: str = "") -> int:
    """The day (YYYYMMDD) deadlines and retention are counted on: `text` (YYYY-MM-DD), or
    today in France."""
    if not text:
        return dates.days_to_ymd(dates.paris_day(int(time.time())))
    try:
        day = dates.days_to_ymd(dates.days_from_civil(*dates.parse_iso(text)))
    except ValueError as e:
        raise AgentError("--today: %s" % e, french="Date invalide : %s" % text) from None
    if not 20000101 <= day <= 21001231:  # deadlines are counted day by day up to it
        raise AgentError(
            "--today: %s is not a day from 2000-01-01 to 2100-12-31" % text,
            french="La date %s n'est pas entre 2000 et 2100." % text,
        )
    return day


def write(path: Path, data: bytes) -> None:
    """Write a file that holds health data: 0600 in 0700 folders, whole or not at all."""
    try:
        files.write_private(path, data)
    except OSError as e:
        raise AgentError(
            "cannot write %s: %s" % (path, e.strerror or e),
            french="Le fichier %s ne peut pas être écrit." % path,
        ) from None
