"""Writing the settings file (`tla-agent init`, the web app's settings page): a small TOML
writer for what host_agent/settings.py reads (text, numbers, true/false, lists of text, one
level of tables), with a comment before each table, written 0600 (it names the practice,
and a mailbox user). What is written is read back with settings.parse before it replaces
anything: a file the agent would refuse is never left.
"""

import json
from pathlib import Path

from host_agent import files, settings

_COMMENTS = {
    "": "tla-agent settings (docs/agent.md \"Settings\"). A flag on the command line wins.",
    "terminal": "The terminal: a port (/dev/ttyACM0, COM3, socket://host:port), or empty to\n"
    "# find it by its USB ids.",
    "practice": "The practice, printed on paper duplicates (R161-42 2°): the address is that\n"
    "# of the practice situation whose billing number is `situation`.",
    "sending": "How lots go to the funds: outbox (a folder per fund) or smtp (below).",
    "smtp": "E-mail to the funds; the password comes from $TLA_SMTP_PASSWORD, never from here.",
    "mailbox": "The mailbox the funds answer to (IMAP), for tla-agent returns fetch; the\n"
    "# password comes from $TLA_IMAP_PASSWORD, never from here.",
}


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, Path):
        v = str(v)
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


def answers_from(loaded: settings.Settings) -> dict:
    """The values of an existing file, as `init` offers them again as its defaults."""
    return dict(loaded.values)
