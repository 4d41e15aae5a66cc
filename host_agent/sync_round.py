"""The round in a sync (host_agent/sync.py, docs/round.md), after the sheets: ask the
terminal which round it holds and which of its visits were done (the sessions counted
back), say which prescriptions' series the sheets just filed completed, then send the
round prepared for it, chunk by chunk, when it does not hold it yet. Syncer has these
methods through RoundSync."""

from host_agent import round_plan
from host_agent.client import TerminalError
from host_agent.store import StoreError
from host_agent.sync_parts import SyncerPart
from protocol import cbor, messages
from protocol import round as rp


class RoundSync(SyncerPart):
    """Methods of Syncer: the round's part of a sync (docs/round.md)."""

    def _round(self):
        s = self.summary
        s.series_complete = self._db(
            round_plan.complete_series, self.store, self.terminal_id, s.received_records
        )
        try:
            held, _, _, done = rp.read_reply(self._call(messages.ROUND, rp.query()))
        except TerminalError as e:
            if e.code == messages.E_UNKNOWN_TYPE:
                s.round_refused = "this terminal's firmware takes no round"
                return
            if e.code == messages.E_ROUND:  # a damaged flash, read-only (salvage): the
                s.round_refused = str(e)  # sheets were pulled all the same, the sync is good
                return
            raise
        if held:
            s.round_counted = self._db(self.store.round_done, self.terminal_id, held, done)
        pending = self._db(self.store.pending_round, self.terminal_id)
        if pending is None:
            return
        if pending["id"] == held:
            self._db(self.store.round_sent, held)
            return
        self.progress.stage("sending the round of %d" % pending["day"])
        entries = cbor.decode(bytes(pending["entries"]))
        if not isinstance(entries, list):  # the agent stored them as an array
            raise StoreError(
                "round %d in the database is damaged: prepare it again" % pending["id"]
            )
        chunks = rp.chunks(
            pending["id"], self.serial, pending["professional"], pending["day"], entries
        )
        try:
            took, bad = self._send_round(pending["id"] if entries else 0, chunks)
        except TerminalError as e:
            if e.code not in (messages.E_ROUND, messages.E_BAD_BODY):
                raise
            s.round_refused = str(e)  # the terminal keeps its previous round
            return
        if not took:
            s.round_refused = "the terminal did not take the round whole: sync again"
            return
        self._db(self.store.round_sent, pending["id"])
        s.round_sent = (pending["id"], pending["day"], len(entries))
        # Entries the terminal took in but will offer to no visit (protocol/round.refusal).
        s.round_bad = [(i, entries[i][2]) for i in bad if i < len(entries)]

    def _send_round(self, round_id, chunks) -> tuple:
        """Every chunk, each answered once the terminal committed it; (True, the indexes
        of the entries it refused) once it holds round `round_id` (0 for an empty round:
        it then holds none), else (False, [])."""
        i = 0
        for _ in range(3 * len(chunks) + 3):
            held, nxt, _, _, bad = rp.read_reply_bad(self._call(messages.ROUND, chunks[i]))
            if nxt >= len(chunks):
                return held == round_id, bad
            if nxt == 0 and i != 0:
                return False, []  # the terminal dropped the transfer (it rebooted)
            i = nxt
        return False, []
