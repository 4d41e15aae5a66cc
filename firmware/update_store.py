"""The terminal taking a signed update into its spare image slot (docs/board.md "Updates",
docs/protocol.md "Updates"): the signed manifest in pieces, checked whole (board, counter,
m of n release signatures, size, the journal format it reads) before anything is written;
then the image chunk by chunk, each checked against the manifest's hash BEFORE it is
written; the whole image checked against its digest at the end. Imported by the first
UPDATE message only.

What is in RAM while an update comes: the signed manifest (at most 12 KiB: its chunk hashes)
and one chunk. A transfer interrupted (the cable, a reboot, a power cut) resumes at the next
sync: the spare slot's header is the manifest, and the first chunk whose bytes on flash do
not match their hash (from the start of its flash block) is where it goes on.
"""

import hashlib

from firmware import release_keys, update_screens, version
from firmware.journal_format import FORMAT_VERSION
from protocol import update_messages as um
from protocol.p256 import verify
from protocol.security_errors import MalformedMessage, SecurityError
from protocol.update_manifest import (
    CHUNK,
    UpdateRefused,
    check_signatures,
    read_manifest,
    read_signed,
)


class UpdateTaker:
    def __init__(self, app):
        self.app = app
        board = app.board
        self.slots = board.update_slots()
        self.records = board.boot_records()
        self.keys, self.threshold = release_keys.for_board(board.name)
        self.record = self.records.read() if self.records is not None else None
        self.pending = None  # bytearray of the signed manifest being received
        self.manifest = None  # the Manifest of the update the spare slot takes
        self.manifest_sha = None
        self.next = 0
        self.ready = False
        self.refusals = 0
        if self.slots is not None and self.record is not None:
            self._resume()

    # ------------------------------------------------------------ where things stand

    @property
    def spare(self):
        """The slot an update goes into: the one not booted."""
        return 1 if self.record is not None and self.record["active"] == 0 else 0

    def _slot(self):
        return self.slots[self.spare]

    def _resume(self):
        """What the spare slot already holds of an update (a sync or a boot interrupted it)."""
        signed = self._slot().read_header()
        if signed is None:
            return
        try:
            manifest = read_manifest(read_signed(signed)[0])
        except SecurityError:
            return
        self.manifest = manifest
        self.manifest_sha = hashlib.sha256(signed).digest()
        self.next = self._first_missing(manifest)
        self.ready = self.next >= manifest.chunks and self._whole()

    def _first_missing(self, manifest):
        """Where the transfer goes on: the first chunk whose bytes on flash do not match,
        when the rest of its flash block is still erased (chunks are programmed in order
        on a block erased when its first chunk came); else its block's first chunk, which
        erases the block again (a power cut may have torn a program)."""
        slot = self._slot()
        per_block = slot.block_size // CHUNK
        for i in range(manifest.chunks):
            data = slot.read(i * CHUNK, manifest.chunk_size(i))
            if hashlib.sha256(data).digest() == manifest.chunk_hash(i):
                continue
            if i % per_block and slot.erased(i * CHUNK, (per_block - i % per_block) * CHUNK):
                return i
            return i - i % per_block
        return manifest.chunks

    def _whole(self):
        m = self.manifest
        assert m is not None  # (called with a manifest taken)
        return self._slot().digest(m.size) == m.sha

    def state(self):
        m = self.manifest
        slot = (m.counter, m.sha, self.next) if m is not None else None
        last = None
        if self.record is not None and self.record["last"]:
            last = self.record["last"][:4]
        return um.state_reply(
            self.app.board.name,
            version.FIRMWARE_VERSION,
            version.RELEASE_COUNTER,
            slot,
            self.ready,
            last,
        )

    # ------------------------------------------------------------ refusals

    def refuse(self, reason, text):
        """Say it on the screen, count it and raise it (ERROR 12 on the line)."""
        self.refusals += 1
        self.app.notice = update_screens.refused(reason, version.FIRMWARE_VERSION)
        self.app.board.emit("EVENT", {"update_refused": reason})
        raise UpdateRefused(reason, text)

    def _need_slots(self):
        if self.slots is None or self.records is None:
            self.refuse("storage", "this terminal has no image slot: it takes no update")

    # ------------------------------------------------------------ the manifest

    def piece(self, piece, at, total):
        """A piece of the signed manifest; at its end, the manifest is checked and kept."""
        self._need_slots()
        if at == 0:
            self.pending = bytearray()
        pending = self.pending
        if pending is None or at != len(pending):
            return um.piece_reply(len(pending) if pending is not None else 0)
        pending += piece
        if len(pending) < total:
            return um.piece_reply(len(pending))
        self.pending = None
        return self._take(bytes(pending))

    def _take(self, signed):
        try:
            raw, signatures = read_signed(signed)
            manifest = read_manifest(raw)
        except MalformedMessage as e:
            self.refuse("malformed", str(e))
        sha = hashlib.sha256(signed).digest()
        self._check(manifest, sha)
        try:
            check_signatures(raw, signatures, self.keys, self.threshold, verify)
        except UpdateRefused as e:
            self.refuse(e.reason, str(e))
        if sha != self.manifest_sha:  # a new update: the spare slot starts afresh
            self.manifest, self.manifest_sha, self.next, self.ready = None, None, 0, False
            self._slot().write_header(signed)
            self.manifest, self.manifest_sha = manifest, sha
        self.app.board.emit("EVENT", {"update_manifest": manifest.version})
        return um.progress_reply(self.next, self.ready)

    def _check(self, m, manifest_sha):
        """The cheap checks first: a refusal costs no signature computation."""
        record = self.record
        assert record is not None  # (_need_slots came first)
        if m.board != self.app.board.name:
            self.refuse(
                "board", "this update is for a %s board, not %s" % (m.board, self.app.board.name)
            )
        if m.counter <= max(version.RELEASE_COUNTER, record["floor"]):
            self.refuse("counter", "counter %d is not above this terminal's" % m.counter)
        if record["bad"] is not None and bytes(record["bad"]) == manifest_sha:
            self.refuse("failed", "this image did not start on this terminal before")
        if m.size > self._slot().capacity:
            self.refuse("size", "an image of %d bytes does not fit the slot" % m.size)
        if FORMAT_VERSION not in m.reads:
            self.refuse(
                "format", "the new version does not read journal format %d" % FORMAT_VERSION
            )

    # ------------------------------------------------------------ the image

    def chunk(self, index, data):
        """Chunk `index`: checked against the manifest's hash, then written and read back."""
        self._need_slots()
        m = self.manifest
        if m is None:
            self.refuse("chunk", "a chunk before any manifest")
        if index >= m.chunks:
            self.refuse("chunk", "chunk %d is beyond the image's %d" % (index, m.chunks))
        digest = hashlib.sha256(data).digest()
        if index < self.next and digest == m.chunk_hash(index):
            return um.progress_reply(self.next, self.ready)  # a repeat: already written
        if index != self.next:
            self.refuse("chunk", "chunk %d out of order: %d expected" % (index, self.next))
        if len(data) != m.chunk_size(index):
            self.refuse(
                "chunk", "chunk %d is %d bytes, not %d" % (index, len(data), m.chunk_size(index))
            )
        if digest != m.chunk_hash(index):
            self.refuse("chunk", "chunk %d does not match the manifest" % index)
        self._slot().write(index * CHUNK, data)
        self.next = index + 1
        if self.next == m.chunks:
            if not self._whole():
                self._slot().clear()
                self.manifest, self.manifest_sha, self.next = None, None, 0
                self.refuse("image", "the image does not match its digest")
            self.ready = True
            self.app.notice = update_screens.ready(m.version)
            self.app.board.emit("EVENT", {"update_ready": m.version})
        return um.progress_reply(self.next, self.ready)

    # ------------------------------------------------------------ the switch

    def held(self):
        """What the new version must find: the journal's next number, its sheets not yet
        acknowledged, the salvage mode (firmware/update_boot.py's self-test)."""
        storage = self.app.storage
        j = storage.journal
        if j is None:
            return [0, 0, bool(storage.salvage)]
        return [j.next_rec_no, j.unacknowledged_count(), bool(storage.salvage)]

    def switch(self):
        """Boot the new version on trial: the record names it, then the board restarts."""
        m = self.manifest
        assert m is not None  # (step switches only once ready)
        record = self.records.read()
        record["try"] = [self.spare, m.counter, self.manifest_sha, 0, m.version]
        record["held"] = self.held()
        self.app.board.display.show(update_screens.switching(m.version))
        self.records.write(record)
        self.app.board.emit("EVENT", {"update_switch": m.version})
        self.app.board.restart()
