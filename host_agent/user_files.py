"""The text of every file the user hands the agent (docs/agent.md, "Files the agent reads"):
the funds' returns and acknowledgements (a path, an upload in the web app, a mail's
attachment), the settings and the funds settings (TOML), the opposition lists, the web
app's password file and session secret. One reading for all:

- a UTF-8 byte order mark at the start (Notepad writes one) is dropped, and CRLF lines
  read as LF lines (every parser here takes both);
- bytes that are not UTF-8 are refused in plain words, with the line where they are;
- a JSON object that gives a key twice is refused, with its line: JSON leaves it to the
  reader, and Python's json would quietly keep the last (an answer the fund did not mean
  to give); a TOML file does the same by its own rule, said in the same words;
- a file holding a secret is refused when others may read it, saying the chmod to run.

Each function raises UserFileError (a ValueError) with one English clause and its French
twin; its caller says which file.
"""

import json
import json.decoder
import json.scanner
import re

from host_agent.system import current as system

BOM = b"\xef\xbb\xbf"


class UserFileError(ValueError):
    """What is wrong with a user's file: str() one English clause, `french` its twin."""

    def __init__(self, english: str, french: str):
        super().__init__(english)
        self.french = french


def text(data: bytes) -> str:
    """The UTF-8 text of a file's bytes, a leading BOM dropped. UserFileError when the
    bytes are not UTF-8 (a file saved as windows-1252, say)."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise UserFileError(
            "it is not UTF-8 text (byte 0x%02X on line %d): save it as UTF-8"
            % (data[e.start], line),
            "ce n'est pas du texte UTF-8 (octet 0x%02X ligne %d) : enregistrez-le en UTF-8"
            % (data[e.start], line),
        ) from None


class _Twice(ValueError):
    def __init__(self, key, line=None):
        super().__init__(key)
        self.key, self.line = key, line


def json_value(source: str):
    """The JSON value of `source`; ValueError when it is not JSON (RecursionError: nested
    too deeply), UserFileError when an object gives one key twice."""
    try:
        return json.loads(source, object_pairs_hook=_one_of_each)
    except _Twice as twice:
        line = _line_of_twice(source)
        key = json.dumps(twice.key[:40])  # quoted, a control character escaped: one line
        at = (" that opens on line %d" % line, " qui s'ouvre ligne %d" % line) if line else ("", "")
        raise UserFileError(
            "the key %s is given twice in one object%s" % (key, at[0]),
            "la clé %s est donnée deux fois dans un même objet%s" % (key, at[1]),
        ) from None


def _one_of_each(pairs) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise _Twice(key)
        out[key] = value
    return out


def _line_of_twice(source: str):
    """The line where the first object giving a key twice opens, read again by json's
    pure-Python scanner, which says where each object starts (only for a file already
    refused, so the fast reading stays the usual one). None when too deep to say."""
    decoder = json.JSONDecoder()

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
        pairs, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, memo)
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            s, start = s_and_end
            raise _Twice("", s.count("\n", 0, start) + 1)
        return {}, end

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    try:
        decoder.decode(source)
    except _Twice as twice:
        return twice.line
    except (ValueError, RecursionError):
        pass
    return None


# tomllib's words for a key or table given twice; the rest as they are.
_TOML_TWICE = re.compile(r"^(Cannot overwrite a value|Cannot declare .*? twice)")


def toml_words(problem: str) -> tuple:
    """tomllib's message (English, French) in plain words: a key or table given twice is
    said so (its "(at line N, column M)" kept); any other message is the same in both."""
    if not _TOML_TWICE.match(problem):
        return problem, problem
    return (
        _TOML_TWICE.sub("a key or a table is given twice", problem),
        _TOML_TWICE.sub("une clé ou une table est donnée deux fois", problem),
    )


def check_private(path) -> None:
    """UserFileError when users other than its owner may read or change the file at
    `path` (a secret's file: 0600 on POSIX; Windows: see host_agent/system.py)."""
    if system.others_can_read(path):
        raise UserFileError(
            "other users can read it: make it its owner's only (chmod 600 %s)" % path,
            "d'autres utilisateurs peuvent le lire : réservez-le à son propriétaire "
            "(chmod 600 %s)" % path,
        )
