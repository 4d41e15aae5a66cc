"""The funds' returns from the mailbox the sending route uses (IMAP, imaplib): every unread
message is looked at, each attached return file (`*.json`: tla-return/1 or tla-ack/1) is
imported on its own (host_agent/returns.py, one transaction a file), and a message whose
files were all imported is marked read. A refused file leaves its message unread and says
why, so the practice sees it again; a message with no return file is left alone (the
mailbox may be the practice's own).

The password comes from $TLA_IMAP_PASSWORD, never from the settings file. Nothing here
prints: the CLI and the web app show `Fetched`.
"""

import email
import email.policy
import imaplib
import os
import re

from host_agent import returns
from host_agent.errors import EXIT_SEND, EXIT_SETTINGS

PASSWORD_ENV = "TLA_IMAP_PASSWORD"
MAX_MESSAGES = 200  # looked at in one run; the next run takes the rest
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
PORTS = {"tls": 993, "starttls": 143, "none": 143}


class MailboxError(returns.ReturnError):
    """The mailbox cannot be read (settings, connection, login): nothing was imported."""

    exit_code = EXIT_SEND  # as a transport that failed


class Found:
    """One return file found in a message: the message's subject, the file's name, and
    the Outcome of its import or the ReturnError that refused it."""

    def __init__(self, subject, name, outcome=None, error=None):
        self.subject, self.name, self.outcome, self.error = subject, name, outcome, error


class Fetched:
    def __init__(self):
        self.found = []  # Found, in mailbox order
        self.skipped = 0  # unread messages without any return file
        self.left = 0  # unread messages past MAX_MESSAGES, for the next run


def _settings(mailbox: dict):
    host = mailbox.get("host")
    if not host:
        raise MailboxError(
            "settings: [mailbox] host is not set: where do the funds answer? (tla-agent init)",
            "réglages : [mailbox] host n'est pas renseigné : où les caisses répondent-elles ?",
            EXIT_SETTINGS,
        )
    security = mailbox.get("security", "tls")
    return host, mailbox.get("port", PORTS[security]), security, mailbox.get("user", "")


def connect(mailbox: dict, password=None, timeout=30.0) -> imaplib.IMAP4:
    """A logged-in IMAP connection to the [mailbox] of the settings. MailboxError."""
    host, port, security, user = _settings(mailbox)
    if password is None:
        password = os.environ.get(PASSWORD_ENV, "")
    try:
        if security == "tls":
            imap = imaplib.IMAP4_SSL(host, port, timeout=timeout)
        else:
            imap = imaplib.IMAP4(host, port, timeout=timeout)
            if security == "starttls":
                imap.starttls()
        if user:
            imap.login(user, password)
        return imap
    except imaplib.IMAP4.error as e:
        raise MailboxError(
            "the mailbox %s:%d refused: %s" % (host, port, _text(e)),
            "la boîte aux lettres %s:%d a refusé : %s" % (host, port, _text(e)),
        ) from None
    except OSError as e:
        raise MailboxError(
            "cannot reach the mailbox %s:%d: %s" % (host, port, e.strerror or e),
            "impossible de joindre la boîte aux lettres %s:%d : %s" % (host, port, e.strerror or e),
        ) from None


def _text(e) -> str:
    return " ".join(str(e.args[0] if e.args else e).split())[:200]


def attachments(raw: bytes) -> list:
    """[(file name, bytes)] of the message's return files (a name ending in .json)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = []
    for part in msg.walk():
        name = part.get_filename()
        if not name or not name.lower().endswith(".json"):
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            out.append((_safe_name(name), data))
    return out


def _safe_name(name) -> str:
    """A sender's file name, shown in messages: one line, no path, at most 80 characters."""
    return re.sub(r"[^A-Za-z0-9._ -]", "_", name.replace("\\", "/").rsplit("/", 1)[-1])[:80]


def fetch(store, mailbox: dict, now: int, password=None, imap=None) -> Fetched:
    """Import every return file of the unread messages of the [mailbox] folder."""
    imap = imap or connect(mailbox, password)
    done = Fetched()
    try:
        _run(imap, store, mailbox.get("folder", "INBOX"), now, done)
    except imaplib.IMAP4.error as e:
        raise MailboxError("the mailbox refused: %s" % _text(e),
                           "la boîte aux lettres a refusé : %s" % _text(e)) from None
    except OSError as e:
        raise MailboxError("the mailbox connection failed: %s" % (e.strerror or e),
                           "la connexion à la boîte aux lettres a échoué : %s" % (e.strerror or e)) from None
    finally:
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return done


def _run(imap, store, folder, now, done):
    kind, _ = imap.select(_quoted(folder))
    if kind != "OK":
        raise imaplib.IMAP4.error("no folder %s" % folder)
    kind, data = imap.search(None, "UNSEEN")
    numbers = data[0].split() if kind == "OK" and data and data[0] else []
    done.left = max(0, len(numbers) - MAX_MESSAGES)
    for number in numbers[:MAX_MESSAGES]:
        kind, parts = imap.fetch(number, "(BODY.PEEK[])")  # PEEK: unread until imported
        raw = next((p[1] for p in parts or [] if isinstance(p, tuple)), b"")
        if kind != "OK" or not raw or len(raw) > MAX_MESSAGE_BYTES:
            done.skipped += 1
            continue
        subject = _subject(raw)
        found = attachments(raw)
        if not found:
            done.skipped += 1
            continue
        ok = True
        for name, data in found:
            try:
                outcome = returns.apply(store, data, name, now, source="mail %s, %s" % (subject, name))
                done.found.append(Found(subject, name, outcome=outcome))
            except returns.ReturnError as e:
                ok = False
                done.found.append(Found(subject, name, error=e))
        if ok:
            imap.store(number, "+FLAGS", "(\\Seen)")


def _subject(raw) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return " ".join(str(msg.get("Subject", "")).split())[:120]


def _quoted(folder: str) -> str:
    return '"%s"' % folder.replace("\\", "\\\\").replace('"', '\\"')
