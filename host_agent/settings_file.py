"""Writing the settings file (`tla-agent init`, the web app's settings page): a small TOML
writer for what host_agent/settings.py reads (text, numbers, true/false, lists of text, one
level of tables), with a comment before each table, written 0600 (it names the practice,
and a mailbox user). What is written is read back with settings.parse before it replaces
anything: a file the agent would refuse is never left.
"""

import json
import re
from pathlib import Path

from host_agent import files, settings
from host_agent.store import location
from protocol.ascii import is_digits

_COMMENTS = {
    "": 'tla-agent settings (docs/agent.md "Settings"). A flag on the command line wins.',
    "terminal": "The terminal: a port (/dev/ttyACM0, COM3, socket://host:port), or empty to\n"
    "# find it by its USB ids.",
    "practice": "The practice, printed on paper duplicates (R161-42 2°): the address is that\n"
    "# of the practice situation whose billing number is `situation`.",
    "sending": "How lots go to the funds: outbox (a folder per fund) or smtp (below).",
    "smtp": "E-mail to the funds; the password comes from $TLA_SMTP_PASSWORD, never from here.",
    "mailbox": "The mailbox the funds answer to (IMAP), for tla-agent returns fetch; the\n"
    "# password comes from $TLA_IMAP_PASSWORD, never from here.",
    "caps": "Caps on the sheets a terminal keeps unsynced, sent at every sync: warnings and\n"
    "# hard caps on their number and the oldest's age in days (0: none; docs/visit.md).",
}


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, Path):
        v = str(v)
    if isinstance(v, location.Server):
        v = v.url  # as given: a password in it stays the user's choice (docs/agent.md)
    if isinstance(v, str):
        # A JSON string is a TOML basic string for what settings accept (one line, no
        # control character): quotes and backslashes escaped the same way.
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError("no TOML for %r" % (v,))


def dump(values: dict, funds=None) -> str:
    """The TOML text of `values` ({(table, key): value}, as Settings.values, with USB ids
    as numbers) and `funds` ({code: {name, email}})."""
    tables = {}
    for (table, key), v in values.items():
        if v is None or v == "" and key != "port":
            continue
        if key in ("usb_vid", "usb_pid") and isinstance(v, int):
            v = "%04x" % v
        tables.setdefault(table, []).append((key, v))
    out = ["# " + _COMMENTS[""]]
    for key, v in tables.pop("", []):
        out.append("%s = %s" % (key, _value(v)))
    for table in settings.TABLES:
        if table == "funds" or table not in tables:
            continue
        out += ["", "# " + _COMMENTS[table], "[%s]" % table]
        out += ["%s = %s" % (key, _value(v)) for key, v in tables[table]]
    for code, fund in sorted((funds or {}).items()):
        out += ["", "[funds.%s]" % code]
        out += ["%s = %s" % (k, _value(fund[k])) for k in settings.FUND_KEYS if fund.get(k)]
    return "\n".join(out) + "\n"


def write(path, values: dict, funds=None) -> settings.Settings:
    """Write the settings file at `path` (0600, whole or not at all) after checking it
    reads back; the Settings it holds. SettingsError (nothing written) when a value is
    refused; OSError when the file cannot be written."""
    text = dump(values, funds)
    loaded = settings.parse(text, Path(path))
    files.write_private(Path(path), text.encode("utf-8"))
    return loaded


class Question:
    """One question of `tla-agent init` (and of the web app's settings page): the setting,
    the English prompt, the French label, and when it is asked (`when(values)`)."""

    def __init__(self, table, key, english, french, when=None):
        self.table, self.key, self.english, self.french = table, key, english, french
        self.when = when or (lambda values: True)


def _route(name):
    return lambda values: values.get(("sending", "route"), "outbox") == name


def _mailbox(values):
    return bool(values.get(("mailbox", "host")))


QUESTIONS = [
    Question("", "database", "Database file", "Fichier de la base de données"),
    Question(
        "",
        "root",
        "Root certificate of the card PKI (PEM or DER)",
        "Certificat racine (PEM ou DER)",
    ),
    Question(
        "terminal",
        "port",
        "Terminal port (empty: find it by its USB ids)",
        "Port du terminal (vide : par USB)",
    ),
    Question(
        "terminal", "usb_vid", "Terminal USB vendor id (hex)", "Identifiant USB du fabricant (hex)"
    ),
    Question(
        "terminal", "usb_pid", "Terminal USB product id (hex)", "Identifiant USB du produit (hex)"
    ),
    Question("practice", "name", "Practice name", "Nom du cabinet"),
    Question(
        "practice", "address", "Practice address (lines separated by ' / ')", "Adresse du cabinet"
    ),
    Question(
        "practice",
        "situation",
        "Billing number of that practice situation on the CPS (9 digits)",
        "Numéro de facturation de la situation d'exercice (9 chiffres)",
    ),
    Question(
        "sending", "route", "How lots are sent (outbox or smtp)", "Envoi des lots (outbox ou smtp)"
    ),
    Question("sending", "outbox", "Outbox folder", "Dossier d'envoi", _route("outbox")),
    Question("smtp", "host", "SMTP server", "Serveur SMTP", _route("smtp")),
    Question("smtp", "port", "SMTP port", "Port SMTP", _route("smtp")),
    Question("smtp", "from", "Sender address", "Adresse d'expéditeur", _route("smtp")),
    Question(
        "smtp",
        "starttls",
        "Use STARTTLS (true or false)",
        "STARTTLS (true ou false)",
        _route("smtp"),
    ),
    Question("smtp", "user", "SMTP user (empty: none)", "Utilisateur SMTP", _route("smtp")),
    Question(
        "mailbox",
        "host",
        "IMAP server the funds answer to (empty: none)",
        "Serveur IMAP des retours",
    ),
    Question("mailbox", "port", "IMAP port", "Port IMAP", _mailbox),
    Question(
        "mailbox", "security", "IMAP security (tls, starttls or none)", "Sécurité IMAP", _mailbox
    ),
    Question("mailbox", "user", "IMAP user", "Utilisateur IMAP", _mailbox),
    Question("mailbox", "folder", "IMAP folder", "Dossier IMAP", _mailbox),
]


def defaults(database=None) -> dict:
    """What `init --yes` writes when nothing else is said: the platform's database, the
    root certificate beside it, USB discovery, the outbox beside the database."""
    db = location.parse(database) if database else settings.default_database()
    return {
        ("", "database"): db,
        ("", "root"): db.parent / "root.pem",
        ("terminal", "port"): "",
        ("terminal", "usb_vid"): settings.USB_VID,
        ("terminal", "usb_pid"): settings.USB_PID,
        ("sending", "route"): "outbox",
        ("sending", "outbox"): db.parent / "outbox",
        ("smtp", "port"): 587,
        ("smtp", "starttls"): True,
        ("mailbox", "port"): 993,
        ("mailbox", "security"): "tls",
        ("mailbox", "folder"): "INBOX",
    }


def shown(question: Question, value) -> str:
    """A value as a prompt offers it (address lines joined by ' / ', ids in hex)."""
    if question.key in ("usb_vid", "usb_pid") and isinstance(value, int):
        return "%04x" % value
    if isinstance(value, list):
        return " / ".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, location.Server):
        return value.url  # the default the prompt offers back, whole
    return "" if value is None else str(value)


def typed(question: Question, text: str):
    """The answer `text` as the setting's value (what settings.parse checks next)."""
    text = text.strip()
    kind = settings.SCHEMA[(question.table, question.key)][0]
    if kind == "lines":
        return [x.strip() for x in text.split(" / ") if x.strip()]
    if kind == "port":
        return int(text) if is_digits(text, range(1, 10)) else text  # else: refused by parse
    if kind == "bool":
        return {"true": True, "false": False, "yes": True, "no": False}.get(text.lower(), text)
    return text


def kept(values: dict) -> dict:
    """The answers worth writing: tables that are not asked (no SMTP for an outbox, no
    mailbox without a host) are left out."""
    out = {}
    for q in QUESTIONS:
        v = values.get((q.table, q.key))
        if (
            q.when(values)
            and v not in (None, "", [])
            or (q.key == "port" and q.table == "terminal")
        ):
            out[(q.table, q.key)] = v if v is not None else ""
    # Not asked, written by hand: kept as they are.
    out.update({k: v for k, v in values.items() if k[0] == "caps"})
    return out


def check_answer(question: Question, value) -> None:
    """SettingsError when `value` is not what the setting takes (the prompt asks again)."""
    try:
        settings.parse(dump({(question.table, question.key): value}), "ANSWER")
    except settings.SettingsError as e:
        strip = re.compile(r" \((line|ligne) \d+ (of|de) ANSWER\)$")
        raise settings.SettingsError(strip.sub("", str(e)), strip.sub("", e.french)) from None
