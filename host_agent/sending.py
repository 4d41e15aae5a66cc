"""Sending sealed lots to the funds through a transport: an outbox folder (the default) or SMTP
to each fund's address (smtplib), one message per lot with the lot file attached.

A failed attempt leaves the lot sealed and unsent, noted in the store, to be tried again; a
lot that was sent is never sent again (the funds reject duplicates). docs/lots.md.
"""

import hashlib
import os
import smtplib
import time
import tomllib
from email.message import EmailMessage
from pathlib import Path

from host_agent import files, lotfile, lots, money, user_files
from host_agent.errors import EXIT_REFUSED, EXIT_SEND, AgentError
from host_agent.system import current as system

PASSWORD_ENV = "TLA_SMTP_PASSWORD"  # the SMTP password never sits in the settings file


class SendError(AgentError):
    """A lot could not be handed over; one plain English sentence."""

    exit_code = EXIT_SEND
    french_default = "Le lot n'a pas pu être envoyé ; il reste signé, à renvoyer."


class AlreadySent(SendError):
    """The lot was sent (by another PC, process or page) since the caller read it: nothing
    failed and nothing is sent again (R161-47 I: never billed twice)."""

    exit_code = EXIT_REFUSED
    french_default = "Ce lot a déjà été envoyé (par un autre poste) : il n'est pas renvoyé."


class Transport:
    """Where lots go. `send` hands one sealed lot file over or raises SendError."""

    via = ""

    def destination(self, lot) -> str:
        raise NotImplementedError

    def send(self, lot, file: bytes) -> None:
        raise NotImplementedError


def file_name(lot) -> str:
    return lots.name(lot) + ".tla"


class Outbox(Transport):
    """A folder, one subfolder per fund, that the practice's filing or transfer software
    empties. Each lot file appears whole (written aside, synced, then renamed)."""

    via = "outbox"

    def __init__(self, folder):
        self.folder = Path(folder)

    def destination(self, lot) -> str:
        return str(self.folder / lot["fund"] / file_name(lot))

    def send(self, lot, file: bytes) -> None:
        target = Path(self.destination(lot))
        try:
            files.private_folder(target.parent)
            if target.exists():
                # Handed over before but not noted (the agent stopped in between): the same
                # bytes are that very delivery; other bytes under this name are not ours.
                if target.read_bytes() == file:
                    return
                raise SendError("%s already exists with other content" % target)
            files.write_private(target, file)  # 0600: it holds NIRs
            system.sync_folder(target.parent)
        except OSError as e:
            raise SendError("cannot write %s: %s" % (target, e.strerror or e)) from None


class Smtp(Transport):
    """SMTP to each fund's address (`addresses`: fund code -> e-mail), from `sender`."""

    via = "smtp"

    def __init__(
        self, host, port, sender, addresses, starttls=False, user=None, password=None, timeout=30.0
    ):
        self.host = host
        self.port = port
        self.sender = sender
        self.addresses = addresses
        self.starttls = starttls
        self.user = user
        self.password = password
        self.timeout = timeout

    def destination(self, lot) -> str:
        address = self.addresses.get(lot["fund"])
        if not address:
            raise SendError(
                "no e-mail address for fund %s: add it to the funds settings" % lot["fund"]
            )
        return address

    def message(self, lot, file: bytes) -> EmailMessage:
        """One message per lot, the lot file attached; French text, for the fund."""
        name = lots.name(lot)
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = self.destination(lot)
        msg["Subject"] = "Lot de feuilles de soins %s (%d feuilles)" % (name, lot["sheets"])
        digest = hashlib.sha256(file).hexdigest()
        # The same lot always has the same Message-ID: a fund can spot a copy sent twice.
        msg["Message-ID"] = "<lot-%s-%s@tla>" % (name, digest[:16])
        msg["X-TLA-Lot"] = name
        msg["X-TLA-Lot-SHA256"] = digest
        msg.set_content(
            "Lot %s du professionnel %s pour la caisse %s : %d feuilles de soins, "
            "honoraires %s EUR, tiers payant %s EUR.\n"
            "Le fichier joint est scellé par la carte CPS du professionnel (docs/lots.md).\n"
            % (
                name,
                lot["professional"],
                lot["fund"],
                lot["sheets"],
                money.decimal(lot["fees"]),
                money.decimal(lot["third_party"]),
            )
        )
        msg.add_attachment(
            file, maintype="application", subtype="octet-stream", filename=file_name(lot)
        )
        return msg

    def send(self, lot, file: bytes) -> None:
        msg = self.message(lot, file)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as server:
                if self.starttls:
                    server.starttls()
                if self.user:
                    server.login(self.user, self.password or "")
                refused = server.send_message(msg)
            if refused:
                raise SendError("the server refused %s" % ", ".join(refused))
        except smtplib.SMTPResponseException as e:
            text = (
                e.smtp_error.decode(errors="replace")
                if isinstance(e.smtp_error, bytes)
                else e.smtp_error
            )
            raise SendError(
                "the SMTP server refused the lot: %d %s" % (e.smtp_code, text)
            ) from None
        except smtplib.SMTPRecipientsRefused as e:
            raise SendError(
                "the SMTP server refused %s"
                % ", ".join("%s (%s)" % (a, _reply(r)) for a, r in e.recipients.items())
            ) from None
        except smtplib.SMTPServerDisconnected:
            raise SendError("the SMTP server closed the connection before taking the lot") from None
        except (OSError, smtplib.SMTPException) as e:
            raise SendError(
                "cannot reach the SMTP server %s:%d: %s" % (self.host, self.port, e)
            ) from None


def _reply(response) -> str:
    code, text = response
    return "%s %s" % (code, text.decode(errors="replace") if isinstance(text, bytes) else text)


class Settings:
    """The funds settings file (TOML): `[smtp]` host, port, from, starttls, user, and a
    `[funds.CODE]` table per fund with its `name` and `email`."""

    def __init__(self, smtp=None, funds=None, path=""):
        self.smtp = smtp or {}
        self.funds = funds or {}
        self.path = path

    def smtp_transport(self) -> Smtp:
        where = self.path or "the funds settings"
        smtp = self.smtp
        if "host" not in smtp or "from" not in smtp:
            raise SendError("%s has no [smtp] host and from: cannot send by e-mail" % where)
        port, timeout = smtp.get("port", 25), smtp.get("timeout", 30)
        if type(port) is not int or not 1 <= port <= 65535:
            raise SendError("%s: [smtp] port must be a number from 1 to 65535" % where)
        if type(timeout) not in (int, float) or not 0 < timeout <= 600:
            raise SendError("%s: [smtp] timeout must be seconds, above 0 and at most 600" % where)
        starttls, user = smtp.get("starttls", False), smtp.get("user")
        if type(starttls) is not bool:  # "yes" must not quietly mean no TLS
            raise SendError("%s: [smtp] starttls must be true or false" % where)
        addresses = {code: f.get("email", "") for code, f in self.funds.items()}
        # Each goes into a header or an SMTP command: a CR or LF would add lines to it
        # (a Bcc: to anyone), so it is refused here rather than by the e-mail library.
        for what, value in [("[smtp] host", smtp["host"]), ("[smtp] from", smtp["from"])] + [
            ("[funds.%s] email" % code, a) for code, a in addresses.items()
        ]:
            _check_line(where, what, value)
        if user is not None:
            _check_line(where, "[smtp] user", user)
        return Smtp(
            smtp["host"],
            port,
            smtp["from"],
            addresses,
            starttls=starttls,
            user=user,
            password=os.environ.get(PASSWORD_ENV),
            timeout=float(timeout),
        )

    def fund_name(self, code) -> str:
        return str(self.funds.get(code, {}).get("name", ""))


def _check_line(where, what, value) -> None:
    if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
        raise SendError("%s: %s must be text on one line" % (where, what))


MAX_SETTINGS_BYTES = 1024 * 1024  # a settings file is a few lines; never read /dev/zero


def load_settings(path) -> Settings:
    """Read the funds settings; a missing file is empty settings. SendError when malformed."""
    path = Path(path)
    if not path.exists():
        return Settings(path=str(path))
    try:
        text = user_files.text(files.read_small(path, MAX_SETTINGS_BYTES, "a funds settings file"))
        data = tomllib.loads(text)
    except OSError as e:
        raise SendError("cannot read the funds settings %s: %s" % (path, e.strerror or e)) from None
    except (ValueError, RecursionError) as e:  # not UTF-8, not TOML, too large, too deep
        raise SendError(
            "cannot read the funds settings %s: %s"
            % (path, user_files.toml_words(files.parse_problem(e))[0])
        ) from None
    smtp, funds = data.get("smtp", {}), data.get("funds", {})
    if not isinstance(smtp, dict) or not isinstance(funds, dict):
        raise SendError("%s: [smtp] and [funds.CODE] must be tables" % path)
    for code, fund in funds.items():
        if not lotfile.is_fund_code(code) or not isinstance(fund, dict):
            raise SendError(
                "%s: [funds.%s] is not a fund (9 digits) with its settings" % (path, code)
            )
    return Settings(smtp, funds, str(path))


def refusal(lot) -> str:
    """Why `lot` cannot be sent now, or "" when it can."""
    name = lots.name(lot)
    status = lot["status"]
    if status == lots.OPEN:
        return "lot %s is not sealed yet: seal it first (tla-agent lots seal)" % name
    if status in lots.TRANSMITTED:
        return (
            "lot %s was already sent (%s by %s): the funds reject duplicates, so it is "
            "not sent again" % (name, _when(lot["sent"]), lot["sent_via"])
        )
    if status == lots.REJECTED:
        return "lot %s was rejected by its fund: its sheets go in a new lot" % name
    if lot["file"] is None:
        return "lot %s has no file" % name
    return ""


def _refused(lot) -> SendError | None:
    """refusal() as the error to raise: AlreadySent for a lot sent since it was read."""
    reason = refusal(lot)
    if not reason:
        return None
    return (AlreadySent if lot["status"] in lots.TRANSMITTED else SendError)(reason)


def _when(epoch) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


def send(store, transport: Transport, lot, now: int) -> str:
    """Hand one sealed lot over and note it; returns where it went. SendError when refused
    (nothing noted) or when the transport failed (the attempt is noted, the lot stays
    sealed for the next try).

    Exactly once across processes: the lot is read again, handed over and noted inside one
    write transaction (BEGIN IMMEDIATE), so a second sender (another `tla-agent lots send`,
    the web page, a second `serve`) waits for it and then finds the lot sent (R161-47 I:
    never billed twice; tests/test_lots_send_once.py)."""
    failed = None
    with store.transaction():
        lot = lots.find(store, lots.name(lot))  # as it is now, not as the caller read it
        refused = _refused(lot)
        if refused is not None:
            raise refused
        twice = lots.undelivered_duplicates(store, lot)
        if twice:  # printed on paper since the lot was sealed: never billed twice (R161-47 I)
            raise SendError(
                "lot %s is not sent: sheet %s went on paper (tla-agent duplicate); it would be "
                "billed twice" % (lots.name(lot), ", ".join(map(str, twice)))
            )
        try:
            destination = transport.destination(lot)
            transport.send(lot, bytes(lot["file"]))
        except SendError as e:
            failed = e
            destination = _destination(transport, lot)
        store.add_sending(lot["id"], transport.via, destination, now, failed and str(failed))
    if failed is not None:
        raise failed
    return destination


def _destination(transport, lot) -> str:
    try:
        return transport.destination(lot)
    except SendError:
        return "?"


def send_with_retries(store, transport, lot, tries=1, pause=5.0, clock=time.time, sleep=time.sleep):
    """send() up to `tries` times, `pause` seconds apart (doubling); the last SendError
    propagates. Refusals (already sent, not sealed) are not retried."""
    for attempt in range(1, tries + 1):
        refused = _refused(lot)
        if refused is not None:
            raise refused
        try:
            return send(store, transport, lot, int(clock()))
        except AlreadySent:
            raise
        except SendError:
            if attempt == tries:
                raise
            sleep(pause * 2 ** (attempt - 1))
            lot = lots.find(store, lots.name(lot))
    raise SendError("no try")
