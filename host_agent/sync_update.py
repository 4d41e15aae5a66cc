"""The update in a sync (host_agent/sync.py; docs/agent.md "Updates"), after the round: ask
the terminal what it runs; when this PC keeps a newer signed bundle of its board, send the
signed manifest, then the image chunk by chunk from where the terminal's spare slot stands
(a transfer a cable or a reboot cut goes on at the next sync). The terminal checks each
chunk before it writes it, and switches once idle, after the sync. A terminal whose
firmware takes no update still syncs; a refusal is one line of the summary, never a failed
sync. Syncer has these methods through UpdateSync."""

from host_agent import updates
from host_agent.client import TerminalError
from host_agent.sync_parts import SyncerPart
from protocol import messages
from protocol import update_messages as um


class UpdateSync(SyncerPart):
    """Methods of Syncer: the update's part of a sync."""

    def _update(self):
        s = self.summary
        db = self.store.path  # the bundles are kept beside the database
        try:
            state = um.read_state(self._call(messages.UPDATE, um.query()))
        except TerminalError as e:
            if e.code in (messages.E_UNKNOWN_TYPE, messages.E_UPDATE):
                return  # an older firmware, or a board without image slots
            raise
        version, counter = state["run"]
        s.update_running = (version, counter)
        last = state["last"]
        if last and last[2] == "back":
            s.update_back = (last[1], last[3])
        elif last and last[0] == counter:
            s.update_confirmed = last[1]
        back = last[0] if last and last[2] == "back" else None
        bundle = updates.offer(db, state["board"], counter, back)
        if bundle is None:
            return
        m = bundle.manifest
        slot = state["slot"]
        if slot and slot[0] == m.counter and bytes(slot[1]) == m.sha and state["ready"]:
            s.update_sent = m.version  # taken whole already: it switches once idle
            return
        self.progress.stage("sending update %s" % m.version)
        try:
            ready = self._send_update(bundle)
        except TerminalError as e:
            if e.code not in (messages.E_UPDATE, messages.E_BAD_BODY):
                raise
            s.update_refused = (m.version, str(e))
            return
        if ready:
            s.update_sent = m.version
        else:
            s.update_refused = (m.version, "the terminal did not take it whole: sync again")

    def _send_update(self, bundle) -> bool:
        """The signed manifest, then each chunk from the one the terminal asks; True once
        the terminal holds the image whole and checked."""
        reply = None
        for body in um.manifest_pieces(bundle.signed):
            reply = self._call(messages.UPDATE, body)
        progress = um.read_progress(reply)
        if progress is None:
            return False
        nxt, ready = progress
        chunks = bundle.manifest.chunks
        for _ in range(chunks + 3):
            if ready or nxt >= chunks:
                return ready
            body = um.chunk(nxt, bundle.chunk(nxt))
            progress = um.read_progress(self._call(messages.UPDATE, body))
            if progress is None:
                return False
            nxt, ready = progress
        return ready
