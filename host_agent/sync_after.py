"""The end of a sync, after the sheets (host_agent/sync.py): collecting the access log
(R162-1-10 c) within its limit, and sending the opposition list (R161-33-7) chunk by chunk,
as a delta when the terminal holds a base version. Syncer has these methods through
AfterSheets."""

from host_agent import bounds
from host_agent.answers import LogEntry
from host_agent.errors import SyncError
from host_agent.sync_parts import SyncerPart
from protocol import messages, opposition_entries
from protocol import sync_messages as sm


class AfterSheets(SyncerPart):
    """Methods of Syncer (its limits too)."""

    limits: bounds.Limits

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
            bounds.log_limit(self.limits, self.summary.log_entries)

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
