"""One sync with a terminal, on the practice PC: open a session, set the terminal's clock,
pull the sheets after this terminal's cursor, verify each one, commit a batch to SQLite in
one transaction and only then acknowledge it; then the access log and the opposition list.

Exactly once, whatever happens to the cable or to this process: the terminal marks a sheet
only when our ACK says it is committed here; a sheet committed here whose ACK was lost is
acknowledged again, from the database, before anything is pulled; a record received twice
is recognised (terminal, record number, bytes) and filed once (docs/agent.md).
"""

import sqlite3
import time

from cryptography import x509

from host_agent import answers, bounds, inflate
from host_agent.client import LinkClient, LinkError, SessionLost, TerminalError
from host_agent.errors import EXIT_BUSY, EXIT_DATABASE, EXIT_VERSION, SyncError
from host_agent.store import Store, StoreError
from host_agent.sync_after import AfterSheets
from host_agent.sync_parts import Progress, Summary
from host_agent.sync_pull import Pulling
from host_agent.sync_round import RoundSync
from host_agent.sync_update import UpdateSync
from host_agent.verify import Verifier
from protocol import auth, messages
from protocol import sync_messages as sm
from protocol.security_errors import AuthFailed, MalformedMessage

BATCH_SHEETS = 64  # sheets per transaction (and per ACK)
SILENCE_S = 2.0  # no frame of the stream for this long: ask again


def busy(serial: str, holder: dict) -> SyncError:
    """Another PC (or process) holds the terminal's lease (host_agent/store/leases.py)."""
    since = time.strftime("%H:%M", time.localtime(holder["since"])) if holder["since"] else "?"
    return SyncError(
        "terminal %s is being synced by %s (process %d, since %s): let that sync end, then "
        "run this one again" % (serial, holder["pc"], holder["pid"], since),
        EXIT_BUSY,
        french="Ce terminal est en cours de déchargement sur le poste %s (depuis %s) : "
        "attendez la fin puis recommencez." % (holder["pc"], since),
    )


def version_mismatch(hello: dict) -> str | None:
    """Why the terminal that answered `hello` cannot be talked to (another protocol
    version), or None when it speaks this agent's."""
    if hello.get("proto") == messages.PROTOCOL_VERSION:
        return None
    return "the terminal speaks protocol %s, this agent speaks %d: update the older one" % (
        hello.get("proto"),
        messages.PROTOCOL_VERSION,
    )


class Syncer(Pulling, AfterSheets, RoundSync, UpdateSync):
    def __init__(
        self,
        store: Store,
        root: x509.Certificate,
        link: LinkClient,
        rng=None,
        wall_clock=time.time,
        progress=None,
        after_commit=None,
        batch_sheets=BATCH_SHEETS,
        silence_s=SILENCE_S,
        limits=None,
        caps=None,
    ):
        """`after_commit(rec_nos)` runs between a commit and its ACK (tests kill the agent
        there); `rng(n)` gives the session nonces (os.urandom by default); `caps`: the
        practice's 4 caps each STATUS sends (Settings.caps()), None: none sent."""
        self.store = store
        self.root = root
        self.link = link
        self.rng = rng
        self.wall_clock = wall_clock
        self.progress = progress or Progress()
        self.after_commit = after_commit
        self.batch_sheets = batch_sheets
        self.silence_s = silence_s
        self.limits = limits or bounds.Limits()  # host_agent/bounds.py
        self.caps = caps
        self.serial = ""
        self.terminal_id = 0
        self.sync_id = 0
        self.pairing = None
        self.known = set()  # ids of the certificates the verifier holds
        self.verifier = Verifier({}, self.root)
        self.summary = Summary("")
        self._acks = {}  # seq of an ACK sent mid-stream -> (ok, bad) awaiting its answer

    # ------------------------------------------------------------ the whole sync

    def run(self) -> Summary:
        self.progress.stage("greeting the terminal")
        hello = answers.hello(self._clear(messages.HELLO, inflate.HELLO))
        self.wbits = inflate.offered(hello)
        mismatch = version_mismatch(hello)
        if mismatch:
            raise SyncError(mismatch, EXIT_VERSION)
        self.serial = hello["serial"]
        self.summary = Summary(self.serial)
        self.pairing = self._db(self.store.pairing, self.serial)
        if self.pairing is None:
            raise SyncError(
                "terminal %s is not paired with this PC: open MENU, 1 on it and run "
                "tla-agent pair" % self.serial
            )
        self.terminal_id = self._db(self.store.terminal, self.serial, hello["model"], hello["fw"])
        holder, lease = self._db(self.store.take_lease, self.terminal_id)
        if holder is not None:
            raise busy(self.serial, holder)
        try:
            return self._run_leased()
        finally:
            try:
                self.store.give_back_lease(self.terminal_id, lease)
            except (sqlite3.Error, StoreError):
                pass  # the server is gone: it released the lock with the connection

    def _run_leased(self) -> Summary:
        self.sync_id = self._db(self.store.start_sync, self.terminal_id)
        try:
            self._authenticate()
            self._set_time()
            self._confirm_unacknowledged()
            status = self._status()
            self._pull(status)
            self._access_log()
            self._opposition(status)
            self._round()  # docs/round.md: visits done counted back, the next round sent
            self._update()  # docs/agent.md "Updates": a newer signed firmware offered
            status = self._status()
            self.summary.pending = status["unacked"]
            self._db(self.store.finish_sync, self.terminal_id, self.sync_id, self.summary.bytes)
            self.progress.stage("synced")
        except (LinkError, SyncError) as e:
            self._end("interrupted", e)
            raise
        except MalformedMessage as e:  # sealed and authentic, yet not what was asked
            self._end("interrupted", e)
            raise LinkError("the terminal sent an answer this agent cannot read (%s)" % e) from e
        except BaseException as e:
            self._end("failed", e)
            raise
        return self.summary

    def _end(self, status, error):
        try:
            self.store.end_sync(self.sync_id, status, str(error) or type(error).__name__)
        except (sqlite3.Error, StoreError):
            pass  # the database itself failed (or its server is gone): the first error tells

    def _db(self, fn, *args):
        """A store call whose failure (a full disk, a damaged file, the PostgreSQL server
        lost: StoreError) becomes a SyncError: nothing of the batch is filed and the
        terminal keeps it."""
        try:
            return fn(*args)
        except sqlite3.Error as e:
            raise SyncError(
                "cannot write the database %s: %s; nothing more was filed and the terminal "
                "keeps every sheet not acknowledged" % (self.store.path, e),
                EXIT_DATABASE,
            ) from e
        except StoreError as e:
            raise SyncError(str(e), EXIT_DATABASE) from e

    def _clear(self, mtype, body):
        try:
            return self.link.request(mtype, body)
        except TerminalError as e:
            if e.code == messages.E_NOT_PAIRED and mtype == messages.AUTH:
                raise SyncError(
                    "terminal %s refuses this PC: it is paired with another PC or was "
                    "unpaired; pair it again with tla-agent pair" % self.serial
                ) from e
            if e.code == messages.E_AUTH_FAILED:
                raise SyncError(
                    "terminal %s did not accept this PC's pairing key: pair it again with "
                    "tla-agent pair" % self.serial
                ) from e
            raise

    def _call(self, mtype, body):
        """A sealed request; after a terminal reboot (no session) AUTH again, once."""
        from host_agent import damage  # (STATUS's flash-damage fields)

        return damage.sealed_call(self, mtype, body)

    # ------------------------------------------------------------ session and clock

    def _authenticate(self):
        self.progress.stage("opening an encrypted session")
        self.link.use_session(None)
        agent = auth.AgentAuth(self.pairing, self.rng)
        request = agent.request()
        try:
            while request is not None:
                request = agent.on_reply(self._clear(messages.AUTH, request))
        except AuthFailed:
            raise SyncError(
                "the device on this port did not prove it holds the pairing key of terminal "
                "%s: is it the terminal you paired?" % self.serial
            ) from None
        self.link.use_session(agent.session)

    def _set_time(self):
        before = answers.status(self._call(messages.STATUS, {}), self.limits.unacked)
        now = int(self.wall_clock())
        offset = before["time"] - now
        self._call(messages.SET_TIME, sm.set_time(now))
        self._db(self.store.note_status, self.terminal_id, before, offset)

    def _status(self):
        status = answers.status(self._call(messages.STATUS, {}), self.limits.unacked)
        self._db(self.store.note_status, self.terminal_id, status)
        return status

    # ------------------------------------------------------------ acknowledgements

    def _ack_bodies(self, ok, bad):
        """ACK bodies for these record numbers, each within the runs limit."""
        ok_runs, bad_runs = sm.runs_of(ok), sm.runs_of(bad)
        while ok_runs or bad_runs:
            yield (
                sm.ack(ok_runs[: sm.MAX_RUNS], bad_runs[: sm.MAX_RUNS]),
                _numbers(ok_runs[: sm.MAX_RUNS]),
                _numbers(bad_runs[: sm.MAX_RUNS]),
            )
            ok_runs, bad_runs = ok_runs[sm.MAX_RUNS :], bad_runs[sm.MAX_RUNS :]

    def _confirm_unacknowledged(self):
        """Sheets committed here whose ACK the terminal never confirmed: acknowledged
        first, so that nothing is pulled twice."""
        ok, bad = self._db(self.store.unconfirmed, self.terminal_id)
        for body, ok_part, bad_part in self._ack_bodies(ok, bad):
            self._call(messages.ACK, body)
            self._db(self.store.confirm_acks, self.terminal_id, ok_part, bad_part)
            self.summary.confirmed += len(ok_part) + len(bad_part)

    def _send_ack(self, ok, bad, cert_ids):
        """ACK a committed batch without waiting: the answer comes among the stream."""
        bodies = list(self._ack_bodies(ok, bad))
        if cert_ids:
            certs = list(cert_ids)
            while certs:
                bodies.append((sm.ack(certs=certs[: sm.MAX_CERT_IDS]), [], []))
                certs = certs[sm.MAX_CERT_IDS :]
        for body, ok_part, bad_part in bodies:
            seq = self.link.send(messages.ACK, body)
            self._acks[seq] = (ok_part, bad_part)

    def _on_ack_reply(self, message):
        ok, bad = self._acks.pop(message.seq)
        if message.mtype == messages.ERROR:
            self.link.check_error(message)
        self._db(self.store.confirm_acks, self.terminal_id, ok, bad)

    # ------------------------------------------------------------ sheets

    def _load_certificates(self):
        self.verifier = Verifier({}, self.root)
        self.known = set()
        for cid, der in self._db(self.store.certificates).items():
            self._know(cid, der)

    def _know(self, cid, der):
        """Learn a card or authority certificate (a damaged one is left out: the sheets it
        signed are then refused as signed by an unknown certificate)."""
        try:
            self.verifier.add(der)
        except ValueError:
            return
        self.known.add(cid)

    def verify(self, rec_no, data, today):
        """(the Verification, None) when the bundle verifies, else (None, reason). The
        certificates are indexed once a sync, and a chain checked once a day
        (host_agent.verify); the decoded bundle and sheet travel with the batch."""
        result = self.verifier.verify(data, today)
        sheet = result.sheet
        if not result.ok or sheet is None:
            return None, result.reason
        if sheet.terminal != self.serial:
            return None, "the sheet was made by terminal %s, not by %s which sent it" % (
                sheet.terminal,
                self.serial,
            )
        return result, None

    def _commit(self, batch, cert_ids):
        ok, bad = self._db(self.store.commit_batch, self.terminal_id, self.sync_id, batch)
        self.summary.filed += len(ok)
        self.summary.rejected += len(bad)
        self.summary.certs += len(batch.certs)
        if self.after_commit is not None:
            self.after_commit(ok + bad)
        self._send_ack(ok, bad, cert_ids)

    def _finish_acks(self):
        """Wait a little for the ACK answers still due; whatever stays unconfirmed is
        acknowledged again (from the database) with retries."""
        deadline = self.link.clock() + self.silence_s
        lost = False
        while self._acks and self.link.clock() < deadline and not lost:
            for m in self.link.receive(deadline - self.link.clock()):
                if m.seq in self._acks and m.mtype in (messages.ACK, messages.ERROR):
                    try:
                        self._on_ack_reply(m)
                    except SessionLost:
                        lost = True  # the terminal rebooted after the stream: AUTH again
                        break
        self._acks = {}
        if lost:
            self._authenticate()
        self._confirm_unacknowledged()


def _numbers(runs):
    return [n for first, count in runs for n in range(first, first + count)]
