"""The web app's protections: a session cookie signed with a secret of this install (random,
kept 0600 beside the database), a CSRF token per session on every form, and a login by
password when the app listens beyond this PC.

The session carries no data but its id and whether it logged in: both signed (HMAC-SHA256),
so a cookie cannot be forged without the secret. The CSRF token is the HMAC of the session
id: a page of another site cannot read it, so its forged POST is refused (403).
"""

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import threading
import time
from pathlib import Path

from host_agent import files, settings, user_files
from host_agent.store import location

COOKIE = "tla_session"
SECRET_FOLDER = "web-secrets"  # in the agent's data folder (0700), one file per database
PASSWORD_MAX = 1024
# Wrong passwords allowed in a window, then every login waits for the window to pass: a
# guesser over the network gets a few tries a minute, not the thousands scrypt allows.
LOGIN_TRIES = 5
LOGIN_WINDOW = 60.0


class Config:
    """What `tla-agent serve` was given. `slots` (tests) replaces the PC/SC readers for
    sealing: a function giving (reader names, make_slot)."""

    def __init__(
        self,
        db: Path,
        root: Path | None = None,
        host: str = "127.0.0.1",
        password: str | None = None,
        secret: bytes | None = None,
        terminal_port: str = "",
        outbox: Path | None = None,
        today: int | None = None,
        slots=None,
        settings=None,
    ):
        self.db = location.parse(db)  # a file's Path, or a PostgreSQL Server
        self.root = Path(root) if root is not None else None  # None: root.pem beside the db
        self.host = host
        self.password_hash = _hash(password, secrets.token_bytes(16)) if password else None
        self.secret = secret if secret is not None else load_secret(self.db)
        self.terminal_port = terminal_port
        self.outbox = Path(outbox) if outbox is not None else None  # None: beside the db
        self.today = today
        self.slots = slots
        self.settings = settings  # host_agent.settings.Settings, or None: every default
        self.failures: list[float] = []  # when the last password tries came (monotonic)
        self.failures_lock = threading.Lock()
        # The logged-in sessions of this run: a logout ends its session here, so a copy of
        # its cookie (seen on the network, left on the PC) no longer opens the pages.
        self.logins: set[str] = set()
        if self.password_hash is None and not is_loopback(host):
            raise ValueError(
                "listening on %s lets other computers reach the practice's data: give a "
                "password (--password-file), or listen on 127.0.0.1" % host
            )


# RFC 9110 7.2: Host = uri-host [ ":" port ]; a DNS name, an IPv4 address or [an IPv6 one].
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(
    r"(?P<name>%s(?:\.%s)*\.?|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{1,5}))?" % (_LABEL, _LABEL),
    re.ASCII,
)


def host_of(headers) -> str | None:
    """The host name the request's one Host header names (an IPv6 address without its
    brackets), or None when the header is absent, repeated or malformed: never the
    address the server listens on in its place, as the request's URL would give."""
    values = headers.getlist("host")
    if len(values) != 1 or len(values[0]) > 255:
        return None
    m = _HOST.fullmatch(values[0])
    if m is None or (m.group("port") is not None and not 0 < int(m.group("port")) < 65536):
        return None
    name = m.group("name")
    if name.startswith("["):
        try:
            return str(ipaddress.IPv6Address(name[1:-1]))
        except ValueError:
            return None
    return name.rstrip(".").lower()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secret_path(db: Path) -> Path:
    """Where the session secret of database `db` lives: the agent's own data folder (the
    platform's, as the default database), never beside the database, which may be the
    folder the practice works in (where a `git add -A` or a shared drive would take it).
    One secret per database (named by the digest of its path): a cookie of one practice
    database is not one of another."""
    where = location.parse(db)
    # A file by its full path; a server by its URL shown without its password.
    said = str(where.resolve()) if isinstance(where, Path) else str(where)
    name = hashlib.sha256(said.encode()).hexdigest()[:24]
    return settings.default_database().parent / SECRET_FOLDER / name


def load_secret(db: Path) -> bytes:
    """This install's session secret for `db`: read from the data folder, or made there
    (0600 in a 0700 folder) on the first start. A database folder that does not exist yet
    gets a secret of this run only (no database, nothing to keep a session for)."""
    path = secret_path(db)
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    if len(data) >= 32:
        try:
            user_files.check_private(path)  # whoever reads it can forge a logged-in cookie
        except ValueError as e:
            raise ValueError("the session secret %s: %s" % (path, e)) from None
        return data
    secret = secrets.token_bytes(32)
    if location.parse(db).parent.is_dir():
        files.write_private(path, secret)
    return secret


def read_password_file(path: Path) -> str:
    """The first line of the password file, which must be its owner's only (0600, like the
    database): ValueError in plain words otherwise, or when it is not UTF-8 text."""
    data = files.read_small(path, PASSWORD_MAX, "a password file")
    user_files.check_private(path)
    source = user_files.text(data)  # a BOM dropped
    text = source.splitlines()[0].strip() if source.strip() else ""
    if len(text) < 8:
        raise ValueError("%s: the password must be 8 characters or more" % path)
    return text


def _hash(password: str, salt: bytes) -> tuple[bytes, bytes]:
    """(salt, scrypt hash): a copy of the server's memory does not hand the password over."""
    return salt, hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


def reserve_login_try(config: Config) -> float | None:
    """Count a password try before it is checked, under the lock: None (held) when
    LOGIN_TRIES tries already count in the last LOGIN_WINDOW seconds, else this try's mark
    for release_login_try. Reserved before the scrypt check, so that 60 passwords posted
    at once get LOGIN_TRIES checks, not as many as arrive while the first ones are checked."""
    now = time.monotonic()
    with config.failures_lock:
        config.failures = [t for t in config.failures if now - t < LOGIN_WINDOW]
        if len(config.failures) >= LOGIN_TRIES:
            return None
        config.failures.append(now)
        return now


def release_login_try(config: Config, mark: float) -> None:
    """The try of `mark` gave the right password: it does not count against the hold."""
    with config.failures_lock:
        if mark in config.failures:
            config.failures.remove(mark)


def password_ok(config: Config, given: str) -> bool:
    if config.password_hash is None or len(given) > PASSWORD_MAX:
        return False
    salt, expected = config.password_hash
    return hmac.compare_digest(_hash(given, salt)[1], expected)


def _mac(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def new_session(secret: bytes, logged_in: bool = False) -> str:
    sid = secrets.token_hex(16)
    body = "%s.%d" % (sid, int(logged_in))
    return "%s.%s" % (body, _mac(secret, "session:" + body))


def read_session(secret: bytes, cookie: str | None):
    """(session id, logged in) from a cookie, or None when absent or not ours."""
    if not cookie or len(cookie) > 200 or cookie.count(".") != 2:
        return None
    sid, flag, mac = cookie.split(".")
    if not hmac.compare_digest(mac, _mac(secret, "session:%s.%s" % (sid, flag))):
        return None
    return sid, flag == "1"


def csrf_token(secret: bytes, sid: str) -> str:
    return _mac(secret, "csrf:" + sid)


def csrf_ok(secret: bytes, sid: str, given) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given, csrf_token(secret, sid))


def random_id() -> str:
    return os.urandom(12).hex()
