"""One sync with a terminal, on the practice PC: open a session, set the terminal's clock,
pull the sheets after this terminal's cursor, verify each one, commit a batch to SQLite in
one transaction and only then acknowledge it; then the access log and the opposition list.

Exactly once, whatever happens to the cable or to this process: the terminal marks a sheet
only when our ACK says it is committed here; a sheet committed here whose ACK was lost is
acknowledged again, from the database, before anything is pulled; a record received twice
is recognised (terminal, record number, bytes) and filed once (docs/agent.md).
"""

import hashlib
import sqlite3
import time

from cryptography import x509

from host_agent.client import LinkClient, LinkError, SessionLost, TerminalError
from host_agent.store import Store, StoreError
from host_agent.verify import Verifier
from protocol import auth, bundle, cbor, dates, messages, opposition_entries
from protocol import sync_messages as sm
from protocol.pull import Puller
from protocol.record_stream import CERT, SHEET
from protocol.security_errors import AuthFailed, MalformedMessage

BATCH_SHEETS = 64  # sheets per transaction (and per ACK)
SILENCE_S = 2.0  # no frame of the stream for this long: ask again
MAX_SILENCES = 5  # then the terminal is gone


class SyncError(Exception):
    """The sync cannot go on; the message is one plain sentence for the user, `exit` the
    command's exit code (docs/agent.md)."""

    def __init__(self, message, exit=1):
        super().__init__(message)
        self.exit = exit


EXIT_VERSION = 2  # the terminal speaks another protocol version
EXIT_DATABASE = 6  # the database cannot be written or read


def version_mismatch(hello: dict) -> str | None:
    """Why the terminal that answered `hello` cannot be talked to (another protocol
    version), or None when it speaks this agent's."""
    if hello.get("proto") == messages.PROTOCOL_VERSION:
        return None
    return "the terminal speaks protocol %s, this agent speaks %d: update the older one" % (
        hello.get("proto"),
        messages.PROTOCOL_VERSION,
    )


class Batch:
    """What one transaction files: certificates, verified sheets, refused sheets."""

    def __init__(self):
        self.certs = []  # DER
        self.accepted = []  # (record number, bundle bytes, protocol.sheet.Sheet)
        self.rejected = []  # (record number, bundle bytes, reason)
        self.last_record = 0

    def __len__(self):
        return len(self.accepted) + len(self.rejected)


class LogEntry:
    """An access-log entry as received: its number, fields and links."""

    def __init__(self, body, previous):
        item = cbor.decode(body[32:])
        if not isinstance(item, list) or len(item) != 6 or type(item[0]) is not int:
            raise MalformedMessage("an access-log entry is [number, when, who, card, id, what]")
        self.number = item[0]
        self.fields = [str(x) if i > 1 else x for i, x in enumerate(item)]
        self.prev = body[:32]
        self.chain = hashlib.sha256(body).digest()
        # The link to the entry before, when we hold it: an edited or removed entry breaks it.
        self.ok = previous is None or previous == self.prev

    def row(self):
        f = self.fields
        return (self.number, f[1], f[2], f[3], f[4], f[5], self.prev, self.chain, int(self.ok))


class Progress:
    """What a sync reports as it goes (the CLI draws it); every method may be left as is."""

    def stage(self, text):
        pass

    def expect(self, sheets):
        pass

    def advance(self, sheets, nbytes):
        pass


def load_root(path) -> x509.Certificate:
    """The trusted root certificate of the card PKI, from a PEM or DER file."""
    try:
        data = open(path, "rb").read()
    except OSError as e:
        raise SyncError("cannot read the root certificate %s: %s" % (path, e.strerror)) from e
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise SyncError("%s is not a certificate (PEM or DER)" % path) from None


class Summary:
    """What a sync did."""

    def __init__(self, serial):
        self.serial = serial
        self.filed = 0
        self.rejected = 0
        self.confirmed = 0  # earlier sheets whose ACK was lost, acknowledged again
        self.certs = 0
        self.log_entries = 0
        self.log_broken = 0
        self.opposition = None  # the version sent, if one was
        self.pending = 0  # unacknowledged on the terminal at the end
        self.bytes = 0
        self.restarts = 0
        self.received_records = []  # record numbers the stream carried (tests)


class Syncer:
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
    ):
        """`after_commit(rec_nos)` runs between a commit and its ACK (tests kill the agent
        there); `rng(n)` gives the session nonces (os.urandom by default)."""
        self.store = store
        self.root = root
        self.link = link
        self.rng = rng
        self.wall_clock = wall_clock
        self.progress = progress or Progress()
        self.after_commit = after_commit
        self.batch_sheets = batch_sheets
        self.silence_s = silence_s
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
        hello = self._clear(messages.HELLO, {})
        mismatch = version_mismatch(hello)
        if mismatch:
            raise SyncError(mismatch, EXIT_VERSION)
        self.serial = str(hello.get("serial"))
        self.summary = Summary(self.serial)
        self.pairing = self._db(self.store.pairing, self.serial)
        if self.pairing is None:
            raise SyncError(
                "terminal %s is not paired with this PC: open MENU, 1 on it and run "
                "tla-agent pair" % self.serial
            )
        self.terminal_id = self._db(
            self.store.terminal, self.serial, str(hello.get("model", "")), str(hello.get("fw", ""))
        )
        self.sync_id = self._db(self.store.start_sync, self.terminal_id)
        try:
            self._authenticate()
            self._set_time()
            self._confirm_unacknowledged()
            status = self._status()
            self._pull(status)
            self._access_log()
            self._opposition(status)
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
        except sqlite3.Error:
            pass  # the database itself failed: the first error is the one to tell

    def _db(self, fn, *args):
        """A store call whose SQLite failure (a full disk, a damaged file) becomes a
        SyncError: nothing of the batch is filed and the terminal keeps it."""
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
        before = self._call(messages.STATUS, {})
        now = int(self.wall_clock())
        offset = sm.read_time({"time": before["time"]}) - now if "time" in before else None
        self._call(messages.SET_TIME, sm.set_time(now))
        self._db(self.store.note_status, self.terminal_id, sm.read_status(before), offset)

    def _status(self):
        status = sm.read_status(self._call(messages.STATUS, {}))
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
        """(sheet, None) when the bundle verifies, else (None, reason). The certificates
        are indexed once a sync, and a chain checked once a day (host_agent.verify)."""
        result = self.verifier.verify(data, today)
        sheet = result.sheet
        if not result.ok or sheet is None:
            return None, result.reason
        if sheet.terminal != self.serial:
            return None, "the sheet was made by terminal %s, not by %s which sent it" % (
                sheet.terminal,
                self.serial,
            )
        return sheet, None

    def _pull(self, status):
        self.progress.stage("pulling sheets")
        self._load_certificates()
        row = self._db(self.store.terminal_row, self.serial)
        # Resume after our cursor, but never past a sheet the terminal still holds
        # unacknowledged (a terminal whose journal was replaced starts lower).
        after = min(row["cursor"], status["first"] - 1)
        self.progress.expect(status["unacked"])
        puller = Puller(after)
        today = dates.days_to_ymd(dates.paris_day(int(self.wall_clock())))
        batch = Batch()
        new_certs = []
        silences = 0
        gap = False  # a frame was lost since the stream (re)started
        self._start_stream(puller)
        while True:
            if len(self.summary.received_records) > 50 * (status["unacked"] + 10):
                raise LinkError("the line to the terminal loses too much: check the cable")
            messages_in = self.link.receive(self.silence_s)
            if not messages_in:
                silences += 1
                if silences > MAX_SILENCES:
                    raise LinkError("the terminal stopped answering during the sync")
                gap = False
                self._start_stream(puller)  # a frame (or our PULL) was lost: ask again
                continue
            silences = 0
            restart = lost = False
            for m in messages_in:
                gap = gap or m.gap
                try:
                    if m.seq in self._acks and m.mtype in (messages.ACK, messages.ERROR):
                        self._on_ack_reply(m)
                        continue
                    if m.mtype == messages.ERROR and m.seq == puller.seq:
                        self.link.check_error(m)
                except SessionLost:
                    lost = True  # the terminal rebooted: open a session again
                    break
                if m.mtype != messages.RECORDS or m.seq != puller.seq or restart:
                    continue
                if gap:
                    restart = True  # frames were lost: the stream is not whole any more
                    continue
                entries = puller.on_records(m.seq, m.body)
                if entries is None:
                    continue
                for etype, rec_no, body in entries:
                    if etype == CERT:
                        cid = bundle.cert_id(body)
                        if cid not in self.known:
                            self._know(cid, body)
                            batch.certs.append(body)
                            new_certs.append(cid)
                    elif etype == SHEET:
                        self.summary.received_records.append(rec_no)
                        sheet, reason = self.verify(rec_no, body, today)
                        if sheet is None:
                            batch.rejected.append((rec_no, body, reason))
                        else:
                            batch.accepted.append((rec_no, body, sheet))
                        batch.last_record = rec_no
                        self.progress.advance(1, len(body) + 3)
                if len(batch) >= self.batch_sheets or (puller.ended and (batch or batch.certs)):
                    self._commit(batch, new_certs)
                    batch, new_certs = Batch(), []
                grant = puller.grant()
                if grant is not None:
                    self.link.send(messages.PULL, grant, puller.seq)
            self.summary.bytes = self.link.bytes_in + self.link.bytes_out
            if lost:
                self._authenticate()
                self._acks = {}
                self._confirm_unacknowledged()
                restart = True
            if restart:
                gap = False
                self._start_stream(puller)
                continue
            if puller.ended:
                break
        if batch or batch.certs:
            self._commit(batch, new_certs)
        self.summary.restarts = puller.restarts
        self._finish_acks()

    def _start_stream(self, puller):
        seq = self.link.next_seq()
        self.link.send(messages.PULL, puller.restart(seq), seq)

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

    # ------------------------------------------------------------ access log

    def _access_log(self):
        self.progress.stage("collecting the access log")
        head, chain = self._db(self.store.log_head, self.terminal_id)
        after = head
        while True:
            reply = self._call(messages.ACCESS_LOG, sm.log_request(after))
            bodies, more = sm.read_log_reply(reply)
            entries = []
            for body in bodies:
                e = LogEntry(body, chain)
                if e.number <= after:
                    continue
                if e.number != after + 1 and chain is not None:
                    e.ok = False  # entries are missing before this one
                entries.append(e)
                chain, after = e.chain, e.number
                self.summary.log_broken += 0 if e.ok else 1
            self._db(self.store.add_log, self.terminal_id, entries)
            self.summary.log_entries += len(entries)
            if entries:
                self._call(messages.ACK, sm.ack(log=after))
            if not more or not entries:
                return

    # ------------------------------------------------------------ opposition list

    def _opposition(self, status):
        version, count, sha = self._db(self.store.opposition_version)
        if not version or status["opp"] == version:
            return
        self.progress.stage("sending the opposition list (version %d)" % version)
        delta = self._db(self.store.opposition_delta, status["opp"])
        if delta is not None and len(delta[0]) + len(delta[1]) < count:
            if self._send_list(version, status["opp"], delta[0], delta[1], count, sha):
                self.summary.opposition = version
                return
        if not self._send_list(version, None, self.store.opposition_entries(), (), count, sha):
            raise SyncError("terminal %s did not take the opposition list" % self.serial)
        self.summary.opposition = version

    def _send_list(self, version, base, add, remove, count, sha) -> bool:
        """Send one update chunk by chunk (the terminal writes each to flash before it
        answers: a slow flash is never flooded); True once the terminal holds `version`."""
        chunks = _chunks(version, base, add, remove, count, sha)
        i = 0
        for _ in range(3 * len(chunks) + 3):
            held, nxt = sm.read_opposition_reply(self._call(messages.OPPOSITION, chunks[i]))
            if nxt == 0:
                return False  # another base than the terminal's, or the transfer was dropped
            if nxt >= len(chunks):
                return held == version  # not so when the result's digest differed
            i = nxt  # the next one, or again from one the terminal did not get
        return False


def _numbers(runs):
    return [n for first, count in runs for n in range(first, first + count)]


def _chunks(version, base, add, remove, count, sha):
    """OPPOSITION bodies carrying `add` and `remove` entries, PER_CHUNK a chunk in all; the
    last one announces the resulting list's count and digest."""
    per = opposition_entries.PER_CHUNK
    add, remove = list(add), list(remove)
    parts = []
    a = d = 0
    while True:
        block = add[a : a + per]
        dels = remove[d : d + per - len(block)]
        a += len(block)
        d += len(dels)
        parts.append((b"".join(block), b"".join(dels)))
        if a >= len(add) and d >= len(remove):
            break
    last = len(parts) - 1
    return [
        sm.opposition_chunk(version, base, i, p[0], p[1], (count, sha) if i == last else None)
        for i, p in enumerate(parts)
    ]
