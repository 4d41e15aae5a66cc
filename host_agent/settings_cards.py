"""The settings of the real cards on the practice PC (docs/lots.md "Real cards"): the
IGC-Santé certificate authorities the practice installs to trust CPS3 certificates
(`[cards] igc_roots`, never trusted by default: tla ships none), and the PKCS#11 module
that seals lots with the professional's card through the ANS's Cryptolib or any token
(`[pkcs11] module`, `token`, `key`)."""

from pathlib import Path

_PATHS = (
    "paths",
    'a list of certificate files (PEM or DER), such as ["igc-sante.pem"]',
    'une liste de fichiers de certificats (PEM ou DER), comme ["igc-sante.pem"]',
)
_PATH = ("path", "a file or folder path", "un chemin de fichier ou de dossier")
_TEXT = ("text", "text on one line", "un texte sur une ligne")
SCHEMA = {
    ("cards", "igc_roots"): _PATHS,
    ("pkcs11", "module"): _PATH,
    ("pkcs11", "token"): _TEXT,
    ("pkcs11", "key"): _TEXT,
}
TABLES = ("cards", "pkcs11")
MAX_FILES = 16


def paths(value, settings_file, bad) -> list:
    """A list of certificate files, each resolved beside the settings file; `bad()` is the
    SettingsError to raise for anything else."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_FILES:
        raise bad()
    out = []
    for item in value:
        if not isinstance(item, str) or not item.strip() or any(c in item for c in "\r\n\0"):
            raise bad()
        p = Path(item.strip()).expanduser()
        out.append(p if p.is_absolute() else Path(settings_file).parent / p)
    return out


def igc_roots(loaded) -> list:
    """The IGC-Santé certificate files the practice installed ([] : none trusted)."""
    return list(loaded.get("cards", "igc_roots", []))


def pkcs11(loaded) -> dict:
    """{module, token, key} of the [pkcs11] table ({} when there is none)."""
    return {k: v for (t, k), v in loaded.values.items() if t == "pkcs11"}
