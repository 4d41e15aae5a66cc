"""The web app's settings page on the settings file (docs/web.md "Réglages"): the practice,
the funds (code, name), the caps and the mailbox, read from the file as it is now and
written back whole (host_agent/settings_file.py: checked by settings.parse before anything
is replaced, atomically, 0600). A value refused is a SettingsError with a French sentence,
and the file is left as it was. The other settings (database, terminal, sending...) are
kept as the file has them: they are `tla-agent init`'s, or the IT person's.
"""

import re
import threading

from host_agent import settings, settings_caps, settings_file
from protocol.ascii import is_digits

# The tables this page writes; every other (table, key) of the file is kept as it is.
MAILBOX_KEYS = ("host", "port", "user", "security", "folder")
TEXT_MAX = 200  # settings.py's limit on a one-line text
FUND_NAME_MAX = 80
ADDRESS_LINES = 6
_WRITING = threading.Lock()  # two saves at once: one after the other, each read afresh
_LOCATION = re.compile(r" \((line|ligne) \d+ (of|de) [^()]*\)$")


def current(path) -> settings.Settings:
    """The settings file as it is now (a hand edit since the app started is kept)."""
    return settings.read(path)


def form_values(loaded: settings.Settings) -> dict:
    """The page's fields, filled from `loaded`."""
    get = loaded.get
    out = {
        "practice_name": get("practice", "name", ""),
        "practice_address": "\n".join(get("practice", "address", [])),
        "practice_situation": get("practice", "situation", ""),
        "funds": sorted((code, f.get("name", "")) for code, f in loaded.funds.items()),
    }
    for key in settings_caps.KEYS:
        value = get("caps", key)
        out["caps_" + key] = "" if value is None else str(value)
    for key in MAILBOX_KEYS:
        value = get("mailbox", key)
        out["mailbox_" + key] = "" if value is None else str(value)
    return out


def _refused(french: str, english: str) -> settings.SettingsError:
    return settings.SettingsError("settings page: " + english, french + " Rien n'a été écrit.")


def _line(form, name: str, label: str, limit=TEXT_MAX) -> str:
    value = str(form.get(name, "") or "").strip()
    if len(value) > limit or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise _refused(
            "%s : un texte sur une ligne, d'au plus %d caractères." % (label, limit),
            "%s is not text on one line of at most %d characters" % (name, limit),
        )
    return value


def _number(form, name: str, label: str, low: int, high: int):
    """The field as a whole number from `low` to `high`, None when left empty."""
    value = str(form.get(name, "") or "").strip()
    if not value:
        return None
    if not is_digits(value, range(1, 6)) or not low <= int(value) <= high:
        raise _refused(
            "%s : un nombre entier de %d à %d, et non « %s »." % (label, low, high, value[:20]),
            "%s is not a whole number from %d to %d" % (name, low, high),
        )
    return int(value)


CAPS_LABELS = {
    "warn_sheets": "Alerte au nombre de feuilles",
    "max_sheets": "Plafond du nombre de feuilles",
    "warn_days": "Alerte à l'âge (jours)",
    "max_days": "Plafond de l'âge (jours)",
}


def _funds(form, kept: dict) -> dict:
    """{code: {name, email}} from the page's rows (a row left empty: that fund is taken
    away); a fund's e-mail address, not on the page, is kept."""
    codes, names = form.getlist("fund_code"), form.getlist("fund_name")
    if len(codes) != len(names) or len(codes) > 200:
        raise _refused("Le tableau des caisses est incomplet.", "fund rows do not pair up")
    out = {}
    for code, name in zip(codes, names, strict=True):
        code = str(code).strip()
        name = _line({"n": name}, "n", "Nom de la caisse", FUND_NAME_MAX)
        if not code and not name:
            continue
        if not is_digits(code, (9,)):
            raise _refused(
                "Le code d'une caisse a 9 chiffres (comme 011750000), et non « %s »." % code[:20],
                "a fund's code is 9 digits",
            )
        if code in out:
            raise _refused("La caisse %s est donnée deux fois." % code, "fund %s twice" % code)
        fund = {"name": name} if name else {}
        if kept.get(code, {}).get("email"):
            fund["email"] = kept[code]["email"]
        out[code] = fund
    return out


def changed(loaded: settings.Settings, form) -> tuple[dict, dict]:
    """(values, funds) of `loaded` with the page's tables as `form` gives them."""
    values = {k: v for k, v in loaded.values.items() if k[0] not in ("practice", "caps", "mailbox")}
    practice = {
        "name": _line(form, "practice_name", "Nom du cabinet"),
        "situation": _line(form, "practice_situation", "Numéro de facturation", 9),
    }
    address = str(form.get("practice_address", "") or "").splitlines()
    address = [_line({"a": x}, "a", "Adresse (chaque ligne)", 80) for x in address]
    address = [x for x in address if x]
    if len(address) > ADDRESS_LINES:
        raise _refused(
            "L'adresse du cabinet a au plus %d lignes." % ADDRESS_LINES, "address too long"
        )
    practice["address"] = address
    for key, value in practice.items():
        if value:
            values[("practice", key)] = value
    for key in settings_caps.KEYS:
        value = _number(form, "caps_" + key, CAPS_LABELS[key], 0, settings_caps.MAX)
        if value is not None:
            values[("caps", key)] = value
    mailbox = {
        "host": _line(form, "mailbox_host", "Serveur IMAP"),
        "port": _number(form, "mailbox_port", "Port IMAP", 1, 65535),
        "user": _line(form, "mailbox_user", "Utilisateur IMAP"),
        "security": _line(form, "mailbox_security", "Sécurité IMAP", 20),
        "folder": _line(form, "mailbox_folder", "Dossier IMAP"),
    }
    if mailbox["host"]:
        for key, value in mailbox.items():
            if value not in ("", None):
                values[("mailbox", key)] = value
    return values, _funds(form, loaded.funds)


def save(path, form) -> settings.Settings:
    """Write the page's `form` into the settings file at `path`; the Settings it now holds.
    SettingsError (French) with nothing written when a value is refused; OSError when the
    file cannot be written (the old one stays whole)."""
    with _WRITING:
        values, funds = changed(current(path), form)
        try:
            return settings_file.write(path, values, funds)
        except settings.SettingsError as e:
            # settings.parse names a line of the text about to be written, not of a file
            # the user has: the sentence alone.
            raise settings.SettingsError(
                _LOCATION.sub("", str(e)), _LOCATION.sub("", e.french) + " Rien n'a été écrit."
            ) from None
