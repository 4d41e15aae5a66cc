"""The sheets of a sync (host_agent/sync.py): the PULL that opens the RECORDS stream, the
credit granted as the frames are read, each sheet verified, committed by batches and only
then acknowledged, and the stream asked again after a loss. The stream comes deflated when
the terminal offered it in HELLO (host_agent/inflate.py); a terminal that refuses the window,
or a stream that does not inflate, ends in one line and the sheets pulled plain. Syncer has
these methods through Pulling."""

from typing import Any

from host_agent import bounds, inflate
from host_agent.client import LinkError, SessionLost
from host_agent.sync_parts import Batch, SyncerPart
from protocol import bundle, dates, messages
from protocol.record_stream import CERT, SHEET
from protocol.security_errors import MalformedMessage

MAX_SILENCES = 5  # then the terminal is gone


class Pulling(SyncerPart):
    """Methods of Syncer (its link, limits, known certificates, acks)."""

    link: Any
    limits: bounds.Limits
    known: set
    wbits: int
    silence_s: float
    batch_sheets: int
    wall_clock: Any
    _acks: dict

    # Syncer's (host_agent/sync.py)
    def _load_certificates(self):
        raise NotImplementedError

    def _know(self, cid, der):
        raise NotImplementedError

    def verify(self, rec_no, data, today) -> Any:
        raise NotImplementedError

    def _commit(self, batch, cert_ids):
        raise NotImplementedError

    def _finish_acks(self):
        raise NotImplementedError

    def _authenticate(self):
        raise NotImplementedError

    def _confirm_unacknowledged(self):
        raise NotImplementedError

    def _on_ack_reply(self, message):
        raise NotImplementedError

    def _pull(self, status):
        self.progress.stage("pulling sheets")
        self._load_certificates()
        row = self._db(self.store.terminal_row, self.serial)
        # Resume after our cursor, but never past a sheet the terminal still holds
        # unacknowledged (a terminal whose journal was replaced starts lower).
        after = min(row["cursor"], status["first"] - 1)
        self.progress.expect(status["unacked"])
        puller = inflate.puller(after, self.wbits)
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
                        if self._plain(puller, inflate.refused(m)):
                            restart = True
                            continue
                        self.link.check_error(m)
                except SessionLost:
                    lost = True  # the terminal rebooted: open a session again
                    break
                if m.mtype != messages.RECORDS or m.seq != puller.seq or restart:
                    continue
                if gap:
                    restart = True  # frames were lost: the stream is not whole any more
                    continue
                try:
                    entries = puller.on_records(m.seq, m.body)
                except MalformedMessage as e:
                    why = "the terminal's compressed stream was unreadable (%s)" % e
                    if not self._plain(puller, why):
                        raise
                    restart = True
                    continue
                if entries is None:
                    continue
                for etype, rec_no, body in entries:
                    batch.nbytes += len(body)
                    if etype == CERT:
                        cid = bundle.cert_id(body)
                        if cid not in self.known:
                            self._know(cid, body)
                            batch.certs.append(body)
                            new_certs.append(cid)
                    elif etype == SHEET:
                        self.summary.received_records.append(rec_no)
                        batch.add(rec_no, body, *self.verify(rec_no, body, today))
                        self.progress.advance(1, len(body) + 3)
                    self._within_limits(batch, new_certs, puller)
                if (
                    len(batch) >= self.batch_sheets
                    or batch.nbytes >= self.limits.batch_bytes
                    or (puller.ended and (batch or batch.certs))
                ):
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
        self.summary.deflate = puller.wbits
        self.summary.stream_bytes = (puller.wire, puller.bytes)
        self._finish_acks()

    def _within_limits(self, batch, new_certs, puller):
        """Past a limit of host_agent/bounds.py: commit (and acknowledge) what was
        received, then stop with the limit's sentence. Bytes count as they inflated: the
        limit is on what a flash can hold, not on what the line carried."""
        try:
            received = self.link.bytes_in + puller.bytes - puller.wire
            bounds.check(self.limits, self.summary, batch, received)
        except bounds.LimitReached:
            self._commit(batch, new_certs)
            raise

    def _start_stream(self, puller):
        seq = self.link.next_seq()
        self.link.send(messages.PULL, puller.restart(seq), seq)

    def _plain(self, puller, why) -> bool:
        """Pull without compression from now on when the stream was deflated and `why` is
        not None (the terminal refused the window, or what it sent did not inflate): True
        then, and the summary tells why in one line."""
        if not puller.wbits or why is None:
            return False
        puller.plain()
        self.summary.deflate_dropped = why
        return True
