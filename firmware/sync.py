"""The terminal's side of a sync with the practice PC: the sealed messages STATUS, SET_TIME,
PULL (and the RECORDS stream it opens), ACK, ACCESS_LOG and OPPOSITION (docs/agent.md
"How a sync goes").

The PC pulls; the terminal streams the certificates the PC lacks and the sheets it has not
acknowledged, never more frames than the PC's credit allows, and marks sheets acknowledged
or rejected only when an ACK says the PC committed them (R161-47 I: a sheet not
acknowledged is never dropped). `pump()`, called by the main loop, sends the stream.
"""

import gc

from firmware.journal import REJECTED, SIGNED, SYNCED
from firmware.reading import today
from hw.hal import PortError
from protocol import messages
from protocol.runs import intersect_runs
from protocol.security_errors import SecurityError

# protocol.sync_messages and protocol.record_stream (and the session constants they pull
# in) are imported by the first sync message, inside the handlers: a terminal making visits
# does not hold their module objects (docs/board.md "Heap").

STATE_BATCH = 64  # record numbers per journal state call: bounded RAM
# RECORDS frames sent per main-loop step, whatever credit the PC granted: the keypad and the
# cards are served between (the agent grants protocol.sync_messages.WINDOW, 6, at a time).
FRAMES_PER_STEP = 8
RUNNING_MS = 5000  # a sync is "running" until this long after its last message or frame


class NoDeflate(SecurityError):
    """A PULL asked for a window this terminal does not compress with (ERROR 3)."""

    code = messages.E_BAD_BODY


class NoStorage(SecurityError):
    """The terminal has no flash to serve this from (a bench board)."""

    code = messages.E_INTERNAL


class _Stream:
    """A RECORDS stream opened by the PULL of sequence number `seq`: certificates first,
    then the sheets after `after`; `sent` frames so far, `upto` frames allowed."""

    def __init__(self, seq, after, certs, wbits=0):
        from protocol import sync_messages as sm
        from protocol.record_stream import StreamWriter

        squeeze = None
        if wbits:
            from protocol.deflate_link import GroupCompressor

            squeeze = GroupCompressor(wbits)
        self.seq = seq
        self.wbits = wbits
        self.after = after
        self.upto = 0
        self.sent = 0
        self.position = after  # the last record number put in the stream
        self.certs = certs  # generator of certificate ids the PC lacks, then None
        self.writer = StreamWriter(sm.RECORDS_CHUNK, squeeze)
        self.last_entry = False  # the END entry is in the writer
        self.sheets = 0  # sheets put in the stream (the idle screen counts them)
        self.total = 0  # sheets to send, counted when the PULL came
        self.done = False
        self.marked = False  # its sheets were marked synced


def _nothing():
    pass


def _ignore(caps):
    pass


def _pieces(runs, journal):
    """Lists of at most STATE_BATCH record numbers covering `runs` where the journal holds
    a sheet: the PC's runs are intersected with the journal's (held_runs), never walked
    number by number (one run of four billion numbers took minutes)."""
    piece = []
    for first, count in intersect_runs(runs, journal.held_runs()):
        for n in range(first, first + count):
            piece.append(n)
            if len(piece) == STATE_BATCH:
                yield piece
                piece = []
    if piece:
        yield piece


class Sync:
    def __init__(self, board, storage, opposition, link):
        self.board = board
        self.storage = storage
        self.damage_reported = False  # a STATUS has told the PC of the flash damage
        self.journal = storage.journal
        self.certs = storage.certs
        self.log = storage.access_log
        self.opposition = opposition
        self.link = link
        self.stream = None
        self.deflate_refused = 0  # PULLs refused for their window (docs/protocol.md)
        self.on_rejected = _nothing  # called after an ACK rejected sheets (shows them)
        self.on_caps = _ignore  # called with the caps a STATUS brings (firmware/idle.py)
        self.last_ms = None  # ticks of the last sync message or frame, None before any
        self.result = None  # (acknowledged, rejected) of the last ACK, until a key or card
        for mtype, handler in (
            (messages.STATUS, self._status),
            (messages.SET_TIME, self._set_time),
            (messages.PULL, self._pull),
            (messages.ACK, self._ack),
            (messages.ACCESS_LOG, self._access_log),
            (messages.OPPOSITION, self._opposition),
        ):
            link.on_sealed(mtype, handler)

    def _today(self):
        return today(self.board.clock)

    def seen(self):
        self.last_ms = self.board.clock.ticks_ms()

    def progress(self):
        """What the idle screen shows of syncs: ("run", sent, total) while one runs,
        ("done", acknowledged, rejected) after, None."""
        t = self.last_ms
        if t is not None and 0 <= self.board.clock.ticks_ms() - t < RUNNING_MS:
            s = self.stream
            return ("run", s.sheets, s.total) if s is not None else ("run", 0, 0)
        if self.result is not None:
            return ("done",) + self.result
        return None

    def _need_journal(self):
        if self.journal is None:
            raise NoStorage("this terminal has no flash storage")
        return self.journal

    # ------------------------------------------------------------ STATUS, SET_TIME

    def _status(self, body, seq):
        from protocol import sync_messages as sm

        self.seen()
        j = self.journal
        high = sm.read_status_request(body)
        orders = sm.read_status_orders(body)
        log_high = sm.read_status_log(body)
        caps = sm.read_caps(body)
        if caps is not None:
            self.on_caps(caps)
        if j is not None and high:
            j.raise_next(high + 1)  # numbers the PC holds are never issued again
        if j is not None and orders:
            j.raise_orders(orders)  # R161-44 1°: nor are its order numbers
        if log_high and hasattr(self.log, "raise_seq"):
            self._raise_log(log_high)  # nor its access-log entry numbers
        nxt = first = j.next_rec_no if j is not None else 1
        if j is not None:
            for r in j.headers((SIGNED, SYNCED)):
                first = r.rec_no
                break
        reply = sm.status_reply(
            self.board.serial_number,
            self.board.clock.now(),
            nxt,
            first,
            j.unacknowledged_count() if j is not None else 0,
            j.count(REJECTED) if j is not None else 0,
            getattr(self.log, "seq", 0),
            getattr(self.opposition, "version", 0),
            j.free_bytes() if j is not None else 0,
            self.storage.flash_state,
            self.storage.damaged_runs(),
        )
        self.damage_reported = True
        return messages.STATUS, reply

    def _raise_log(self, high):
        try:
            self.log.raise_seq(high)
        except OSError as e:  # a full or failing flash: the PC then sees the chain break
            self.log.problems.append("journal des acces: numeros non releves (%s)" % e)

    def _set_time(self, body, seq):
        from protocol import sync_messages as sm

        self.seen()
        self.board.clock.set(sm.read_time(body))
        self.board.emit("EVENT", {"time_set": self.board.clock.now()})
        return messages.SET_TIME, sm.set_time(self.board.clock.now())

    # ------------------------------------------------------------ PULL and the stream

    def _pull(self, body, seq):
        from protocol import sync_messages as sm

        self.seen()
        after, upto, wbits = sm.read_pull(body)
        if wbits:
            from protocol.deflate_link import offered_wbits

            if wbits > offered_wbits():
                self.deflate_refused += 1
                raise NoDeflate("this terminal does not compress with a window of 2^%d" % wbits)
        s = self.stream
        if s is None or s.seq != seq or s.after != after or s.wbits != wbits:
            certs = self.certs.unknown_to_host() if self.certs is not None else None
            s = self.stream = _Stream(seq, after, certs, wbits)
            if self.journal is not None:
                for _ in self.journal.headers((SIGNED, SYNCED), after):
                    s.total += 1
        if upto > s.upto:
            s.upto = upto  # a credit grant: the PC has read frames and has room again
        return None  # the answer is the stream, sent by pump()

    def pump(self) -> bool:
        """Send the stream's next frames while the credit allows; True when any was sent."""
        s = self.stream
        if s is None or s.done or s.sent >= s.upto or self.link.session is None:
            return False
        sheets = None  # the journal is read only inside this call: nothing writes meanwhile
        before = s.sent
        try:
            while s.sent < s.upto and s.sent - before < FRAMES_PER_STEP:
                while s.writer.room() and not s.last_entry:
                    sheets = self._fill(s, sheets)
                chunk = s.writer.take(s.last_entry)
                if chunk is None:
                    break
                self.link.send_sealed(messages.RECORDS, s.seq, chunk)
                s.sent += 1
                self.seen()
                if s.last_entry and not s.writer.pending():
                    s.done = True
        except (PortError, SecurityError, MemoryError):
            # The cable went, the session ended, or the heap ran out: this stream is over.
            # The PC sees the gap (session counters, or silence) and asks again after its
            # last sheet.
            self.link.port_errors += 1
            self.stream = None
            gc.collect()
        finally:
            if sheets is not None:
                sheets.close()
        if s.done:
            try:
                self._mark_synced(s)
            except Exception:  # informative only: a full flash must not stop the sync
                pass
        return s.sent > before

    def _fill(self, s, sheets):
        """Put one more entry into the stream; returns the sheet iterator in use."""
        from protocol.record_stream import CERT, END

        if s.certs is not None:
            cid = next(s.certs, None)
            if cid is None:
                s.certs = None
            else:
                der = self.certs.get(cid)
                if der is not None:
                    s.writer.add(CERT, der)
            return sheets
        if self.journal is None:
            s.writer.add(END)
            s.last_entry = True
            return sheets
        if sheets is None:
            sheets = self.journal.records_after(s.position)
        r = next(sheets, None)
        if r is None:
            s.writer.add(END)
            s.last_entry = True
        else:
            s.writer.add_sheet(r.rec_no, r.payload)
            s.position = r.rec_no
            s.sheets += 1
        return sheets

    def _mark_synced(self, s):
        """Sheets sent in a finished stream are "synced" until the PC's ACK (informative)."""
        if self.journal is None or s.position <= s.after or s.marked:
            return
        s.marked = True
        day = self._today()
        for piece in _pieces([[s.after + 1, s.position - s.after]], self.journal):
            self.journal.mark_synced(piece, day)

    # ------------------------------------------------------------ ACK

    def _ack(self, body, seq):
        from protocol import sync_messages as sm

        self.seen()
        ok, bad, cert_ids, log_seq = sm.read_ack(body)
        j = self._need_journal()
        day = self._today()
        n_ok = n_bad = 0
        for piece in _pieces(ok, j):
            n_ok += j.acknowledge(piece, day)
        for piece in _pieces(bad, j):
            n_bad += j.reject(piece, day)
        if cert_ids and self.certs is not None:
            self.certs.mark_known(cert_ids)
        if log_seq and hasattr(self.log, "drop_through"):
            self.log.drop_through(log_seq)
        try:
            j.purge(day)  # R161-47: acknowledged sheets older than the retention go
            if self.certs is not None:
                self.certs.prune()
        except OSError:
            pass  # retried at the next sync; the acknowledgement itself holds
        self.result = (n_ok, n_bad)
        self.board.emit("EVENT", {"acked": n_ok, "rejected": n_bad})
        if n_bad:
            self.on_rejected()
        return messages.ACK, sm.ack_reply(n_ok, n_bad)

    # ------------------------------------------------------------ ACCESS_LOG

    def _access_log(self, body, seq):
        from protocol import sync_messages as sm

        self.seen()
        after = sm.read_log_request(body)
        entries = []
        more = False
        if hasattr(self.log, "bodies_after"):
            if self.journal is not None:
                self.journal.anchor_access_log(*self.log.head_anchor())
            size = 0
            found = self.log.bodies_after(after)
            try:
                for _, entry in found:
                    if entries and size + len(entry) + 3 > sm.LOG_REPLY_BYTES:
                        more = True
                        break
                    entries.append(entry)
                    size += len(entry) + 3
            finally:
                found.close()
        return messages.ACCESS_LOG, sm.log_reply(entries, more)

    # ------------------------------------------------------------ OPPOSITION

    def _opposition(self, body, seq):
        from protocol import sync_messages as sm

        self.seen()
        chunk = sm.OppositionChunk(body)
        if not hasattr(self.opposition, "receive"):
            raise NoStorage("this terminal keeps no opposition list in flash")
        reply = self.opposition.receive(chunk)
        if reply["v"] == chunk.version and chunk.end:
            self.board.emit("EVENT", {"opposition": chunk.version})
        return messages.OPPOSITION, reply
