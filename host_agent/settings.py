"""The agent's settings: one TOML file (docs/agent.md "Settings") holding the terminal's port
or USB ids, the database, the root certificate, the practice (name, address, situation),
the sending route, the mailbox the funds answer to and the caps on unsynced sheets.

Where it is: `--config FILE`, else `$TLA_AGENT_CONFIG`, else `agent.toml` in the user's
configuration folder (platformdirs: ~/.config/tla on Linux, %LOCALAPPDATA%\\tla on Windows). A
missing file is the defaults; a file given by name (flag or variable) must exist. A flag
(or its variable) overrides a setting, which overrides the default.

Every value is checked when the file is read: a mistyped one is refused with the key, its
line and what it should be, in English for the CLI and in French for the web pages
(`SettingsError.french`). Nothing here prints: the CLI and the web app both call it.
"""

import os
import re
import tomllib
from pathlib import Path
from typing import Any

import platformdirs

from host_agent import files, settings_caps, settings_cards, user_files
from host_agent.errors import EXIT_SETTINGS, AgentError
from host_agent.store import location
from protocol.ascii import is_digits, is_hex, trim

CONFIG_ENV = "TLA_AGENT_CONFIG"
FILE_NAME = "agent.toml"
MAX_BYTES = 256 * 1024  # a settings file is a few dozen lines; never read /dev/zero
USB_VID, USB_PID = 0x2E8A, 0x0005  # host_agent/transport.py: a MicroPython RP2040 board
ROUTES = ("outbox", "smtp")
SECURITIES = ("tls", "starttls", "none")


class SettingsError(AgentError):
    """A settings file refused: one English line (str), its French twin (`french`) and
    the exit code. Nothing was written."""

    exit_code = EXIT_SETTINGS

    def __init__(self, english: str, french: str):
        super().__init__(english, french=french)  # exit_code: the class's


def default_path() -> Path:
    return platformdirs.user_config_path("tla", appauthor=False) / FILE_NAME


def default_database() -> Path:
    return platformdirs.user_data_path("tla", appauthor=False) / "agent.db"


def config_path(flag=None) -> tuple[Path, bool]:
    """(the settings file's path, whether it was named): --config, $TLA_AGENT_CONFIG, or
    the platform's default (which may be absent)."""
    if flag:
        return Path(flag).expanduser(), True
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser(), True
    return default_path(), False


# Every setting: (table, key) -> (kind, English need, French need). "" is the top level.
_TEXT = ("text", "text on one line", "un texte sur une ligne")
_PATH = ("path", "a file or folder path", "un chemin de fichier ou de dossier")
_HEX = (
    "hex",
    "a USB id in hexadecimal, such as 2e8a",
    "un identifiant USB en hexadécimal, comme 2e8a",
)
_DATABASE = ("database", "a file path or a postgresql://user@host/db URL", "un chemin ou une URL")
_PORT = ("port", "a port number from 1 to 65535", "un numéro de port de 1 à 65535")
_BOOL = ("bool", "true or false", "true ou false")
SCHEMA = {
    ("", "database"): _DATABASE,
    ("", "root"): _PATH,
    ("terminal", "port"): _TEXT,
    ("terminal", "usb_vid"): _HEX,
    ("terminal", "usb_pid"): _HEX,
    ("practice", "name"): _TEXT,
    ("practice", "address"): (
        "lines",
        'a list of address lines, such as ["12 rue de la Paix", "69001 Lyon"]',
        'une liste de lignes d\'adresse, comme ["12 rue de la Paix", "69001 Lyon"]',
    ),
    ("practice", "situation"): (
        "situation",
        "the 9-digit billing number of a practice situation on the CPS",
        "le numéro de facturation à 9 chiffres d'une situation d'exercice de la CPS",
    ),
    ("sending", "route"): (
        "choice:" + ",".join(ROUTES),
        "one of %s" % ", ".join(ROUTES),
        "l'un de %s" % ", ".join(ROUTES),
    ),
    ("sending", "outbox"): _PATH,
    ("smtp", "host"): _TEXT,
    ("smtp", "port"): _PORT,
    ("smtp", "from"): _TEXT,
    ("smtp", "starttls"): _BOOL,
    ("smtp", "user"): _TEXT,
    ("smtp", "timeout"): (
        "seconds",
        "seconds, above 0 and at most 600",
        "des secondes, de plus de 0 à 600",
    ),
    ("mailbox", "host"): _TEXT,
    ("mailbox", "port"): _PORT,
    ("mailbox", "user"): _TEXT,
    ("mailbox", "security"): (
        "choice:" + ",".join(SECURITIES),
        "one of %s" % ", ".join(SECURITIES),
        "l'un de %s" % ", ".join(SECURITIES),
    ),
    ("mailbox", "folder"): _TEXT,
    **settings_caps.SCHEMA,  # [caps]: the practice's caps on unsynced sheets
    **settings_cards.SCHEMA,  # [cards], [pkcs11]: IGC-Santé roots, PKCS#11 sealing
}
TABLES = ("terminal", "practice", "sending", "smtp", "mailbox", "caps", "funds")
TABLES += settings_cards.TABLES
FUND_KEYS = ("name", "email")
_FUND = re.compile(r"^[0-9]{9}$")


class Settings:
    """The values read (`values`: {(table, key): value}, paths resolved beside the file),
    the funds' tables (`funds`: {code: {name, email}}) and where they came from."""

    def __init__(self, values=None, funds=None, path=None, found=False):
        self.values = dict(values or {})
        self.funds = dict(funds or {})
        self.path = path
        self.found = found  # False: no file, every value is a default

    def get(self, table: str, key: str, default=None) -> Any:
        return self.values.get((table, key), default)

    # What the commands and the web app ask for, each with its default.
    def database(self) -> "Path | location.Server":
        return self.get("", "database") or default_database()

    def root(self):
        """The root certificate's path, or None: the commands then look beside the db."""
        return self.get("", "root")

    def port(self):
        return self.get("terminal", "port") or None

    def usb_ids(self) -> tuple[int, int]:
        return self.get("terminal", "usb_vid", USB_VID), self.get("terminal", "usb_pid", USB_PID)

    def route(self) -> str:
        return self.get("sending", "route", "outbox")

    def outbox(self, database: Path) -> Path:
        return self.get("sending", "outbox") or location.parse(database).parent / "outbox"

    def practice_address(self, situation: str) -> list:
        """The practice's name and address lines to print on a sheet of `situation` (its
        billing number): only when the settings' situation is that one, or names none (a
        professional with two practices has another address at the other)."""
        mine = self.get("practice", "situation")
        if mine and mine != situation:
            return []
        lines = [self.get("practice", "name", "")] + list(self.get("practice", "address", []))
        return [x for x in lines if x]

    def caps(self):
        """The caps every sync sends the terminal (4 numbers), or None: send none."""
        return settings_caps.caps(self.values)

    def smtp(self) -> dict:
        return {k: v for (t, k), v in self.values.items() if t == "smtp"}

    def mailbox(self) -> dict:
        return {k: v for (t, k), v in self.values.items() if t == "mailbox"}


def load(flag=None) -> Settings:
    """The settings as `config_path(flag)` finds them. SettingsError when a named file is
    missing or any file is unreadable or mistyped."""
    path, named = config_path(flag)
    return read(path, required=named)


def read(path, required=False) -> Settings:
    path = Path(path)
    if not path.exists():
        if required:
            raise SettingsError(
                "settings: there is no settings file %s (write one with tla-agent init)" % path,
                "réglages : le fichier de réglages %s n'existe pas (tla-agent init l'écrit)" % path,
            )
        return Settings(path=path)
    try:
        data = files.read_small(path, MAX_BYTES, "a settings file")
    except OSError as e:
        raise SettingsError(
            "settings: cannot read %s: %s" % (path, e.strerror or e),
            "réglages : impossible de lire %s : %s" % (path, e.strerror or e),
        ) from None
    except ValueError as e:
        raise SettingsError("settings: %s" % e, "réglages : %s est trop grand" % path) from None
    try:
        text = user_files.text(data)  # a BOM (Notepad's) dropped
    except user_files.UserFileError as e:
        raise SettingsError(
            "settings: %s: %s" % (path, e), "réglages : %s : %s" % (path, e.french)
        ) from None
    return parse(text, path)


def parse(text: str, path) -> Settings:
    """Check `text`, the settings file at `path`, whole; a Settings. SettingsError."""
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as e:
        why, pourquoi = user_files.toml_words(files.parse_problem(e))
        at = re.search(r"\s*\(at line (\d+), column (\d+)\)$", why)
        if at:
            why, pourquoi = why[: at.start()], pourquoi[: pourquoi.rindex(" (at line")]
            where = " (line %s, column %s of %s)" % (at.group(1), at.group(2), path)
            ou = " (ligne %s, colonne %s de %s)" % (at.group(1), at.group(2), path)
        else:
            where = ou = " (%s)" % path
        raise SettingsError(
            "settings: the file is not TOML: %s%s" % (why, where),
            "réglages : le fichier n'est pas du TOML valide : %s%s" % (pourquoi, ou),
        ) from None
    lines = _Lines(text, path)
    values, funds = {}, {}
    for key, value in data.items():
        if isinstance(value, dict) and key in TABLES:
            continue
        if ("", key) not in SCHEMA:
            raise _unknown(lines, "", key)
        values[("", key)] = _check(lines, "", key, value, path)
    for table in TABLES:
        section = data.get(table, {})
        if not isinstance(section, dict):
            raise lines.error(
                table, None, "must be a table ([%s])" % table, "doit être une table ([%s])" % table
            )
        if table == "funds":
            funds = _funds(lines, section)
            continue
        for key, value in section.items():
            if (table, key) not in SCHEMA:
                raise _unknown(lines, table, key)
            values[(table, key)] = _check(lines, table, key, value, path)
    settings_caps.check(lines, values)
    return Settings(values, funds, Path(path), found=True)


def _unknown(lines, table, key):
    known = sorted(k for t, k in SCHEMA if t == table)
    if not table:
        known = known + ["[%s]" % t for t in TABLES]
    return lines.error(
        table,
        key,
        "is not a setting (the settings here are %s)" % ", ".join(known),
        "n'est pas un réglage (les réglages ici sont %s)" % ", ".join(known),
    )


def _check(lines, table, key, value, path):
    kind, need, besoin = SCHEMA[(table, key)]

    def bad():
        shown = repr(value)
        return lines.error(
            table,
            key,
            "must be %s, not %s" % (need, shown),
            "doit être %s, et non %s" % (besoin, shown),
        )

    if kind in ("text", "path", "database", "situation") or kind.startswith("choice:"):
        if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
            raise bad()
        value = trim(value)  # ASCII white space: a non-breaking space is not taken away
    if kind == "database" and location.is_server(value):
        return location.parse(value)  # a PostgreSQL database (docs/agent.md "Group practice")
    if kind in ("path", "database"):
        if not value:
            raise bad()
        p = Path(value).expanduser()
        return p if p.is_absolute() else Path(path).parent / p  # beside the settings file
    if kind == "paths":
        return settings_cards.paths(value, path, bad)
    if kind == "situation" and not is_digits(value, (9,)):
        raise bad()
    if kind.startswith("choice:") and value not in kind[7:].split(","):
        raise bad()
    if kind == "hex":
        text = trim(value) if isinstance(value, str) else ""
        digits = text[2:] if text[:2] == "0x" else text
        if not is_hex(digits, range(1, 5)):
            raise bad()
        return int(digits, 16)
    if kind == "port" and (type(value) is not int or not 1 <= value <= 65535):
        raise bad()
    if kind == "cap" and not settings_caps.valid(value):
        raise bad()
    if kind == "bool" and type(value) is not bool:
        raise bad()  # "yes" must not quietly mean false
    if kind == "seconds" and (
        isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 600
    ):
        raise bad()
    if kind == "lines":
        if (
            not isinstance(value, list)
            or len(value) > 6
            or not all(
                isinstance(x, str)
                and x.strip()
                and len(x) <= 80
                and not any(c in x for c in "\r\n\0")
                for x in value
            )
        ):
            raise bad()
        return [x.strip() for x in value]
    if kind == "text" and isinstance(value, str) and len(value) > 200:
        raise bad()
    return value


def _funds(lines, section) -> dict:
    out = {}
    for code, fund in section.items():
        if not _FUND.match(code) or not isinstance(fund, dict):
            raise lines.error(
                "funds." + code,
                None,
                "is not a fund: its code is 9 digits, such as [funds.011750000]",
                "n'est pas une caisse : son code a 9 chiffres, comme [funds.011750000]",
            )
        for key, value in fund.items():
            if key not in FUND_KEYS:
                raise _unknown_fund(lines, code, key)
            if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
                raise lines.error(
                    "funds." + code,
                    key,
                    "must be text on one line",
                    "doit être un texte sur une ligne",
                )
        out[code] = dict(fund)
    return out


def _unknown_fund(lines, code, key):
    return lines.error(
        "funds." + code,
        key,
        "is not a setting (a fund has name and email)",
        "n'est pas un réglage (une caisse a name et email)",
    )


class _Lines:
    """Finds the line of a table or key in the file's text, for the messages (tomllib
    gives values, not positions)."""

    _HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\"-]+)\s*\]")
    _KEY = re.compile(r"^\s*\"?([A-Za-z0-9_-]+)\"?\s*=")

    def __init__(self, text, path):
        self.text = text.splitlines()
        self.path = path

    def line_of(self, table, key):
        current = ""
        for n, text in enumerate(self.text, 1):
            header = self._HEADER.match(text)
            if header:
                current = header.group(1).replace('"', "")
                if key is None and current == table:
                    return n
                continue
            match = self._KEY.match(text)
            if match and current == table and match.group(1) == key:
                return n
        return None

    def error(self, table, key, english, french) -> SettingsError:
        name = ("[%s] " % table if table else "") + (key or "")
        n = self.line_of(table, key)
        where = " (line %d of %s)" % (n, self.path) if n else " (%s)" % self.path
        ou = " (ligne %d de %s)" % (n, self.path) if n else " (%s)" % self.path
        return SettingsError(
            "settings: %s %s%s" % (name.strip(), english, where),
            "réglages : %s %s%s" % (name.strip(), french, ou),
        )
