"""Card certificates (X.509 DER) that signed the stored sheets, kept on flash until the practice
PC holds them, so a sync can send the PC the ones it lacks. Each is written once.

Files `certs/<8 hex digits>` of records (firmware/records.py): "C" = certificate id (first 8
bytes of SHA-256 of the DER) + DER; "K" = ids the PC said it holds. prune() deletes a file
whole once the PC holds all its certificates: no rewrite, no free space needed.
"""

from firmware import records
from protocol.bundle import cert_id

DIR = "certs"
T_CERT = 0x43  # "C"
T_KNOWN = 0x4B  # "K"
FILE_BYTES = 4096 - 512  # about one 4 KiB block a file


class CertStore:
    def __init__(self, fs, file_bytes=FILE_BYTES):
        self.fs = fs
        self.file_bytes = file_bytes
        self.problems = []
        self._files = records.numbered_files(fs, DIR, self.problems)

    def _path(self, n):
        return "%s/%08x" % (DIR, n)

    def _read(self, n, want_der=None):
        """(ids in file n, ids the PC holds, DER of `want_der` or None)."""
        ids, known, der = [], [], None
        path = self._path(n)
        with records.RecordFile(self.fs, path) as reader:
            for rtype, body, _ in reader:
                if rtype == T_CERT and len(body) > 8:
                    ids.append(body[:8])
                    if body[:8] == want_der:
                        der = body[8:]
                elif rtype == T_KNOWN:
                    for i in range(0, len(body) - 7, 8):
                        known.append(body[i : i + 8])
        if reader.outcome == records.DAMAGED:
            self.problems.append("fichier %s endommage: lecture partielle" % path)
        return ids, known, der

    def get(self, cid):
        """The DER of certificate `cid`, or None."""
        for n in self._files:
            der = self._read(n, bytes(cid))[2]
            if der is not None:
                return der
        return None

    def _ids(self, n):
        """The ids of the certificates in file n, their records' CRCs checked without
        holding any DER (asked at every signing: docs/board.md "Heap")."""
        ids = []
        path = self._path(n)
        with records.RecordFile(self.fs, path, 8, True) as reader:
            for rtype, body, at in reader:
                if rtype == T_CERT and reader.offset - at - records.OVERHEAD > 8:
                    ids.append(body)
        if reader.outcome == records.DAMAGED:
            self.problems.append("fichier %s endommage: lecture partielle" % path)
        return ids

    def has(self, cid) -> bool:
        cid = bytes(cid)
        for n in self._files:
            if cid in self._ids(n):
                return True
        return False

    def add(self, der) -> bytes:
        """Store a certificate unless it is there; returns its id once it is on flash."""
        cid = cert_id(der)
        if self.has(cid):
            return cid
        # In pieces: no second copy of a certificate of up to 2 KiB (docs/board.md "Heap").
        data = records.frame_pieces(T_CERT, cid, der)
        size = len(cid) + len(der) + records.OVERHEAD
        last = self._files[-1] if self._files else 0
        if last and self.fs.size(self._path(last)) + size <= self.file_bytes:
            records.append(self.fs, self._path(last), data)
        else:
            n = last + 1
            records.write_new(self.fs, self._path(n), data)
            self._files.append(n)
        return cid

    def unknown_to_host(self):
        """Yield the ids of the certificates the PC has not said it holds."""
        for n in list(self._files):
            ids, known, _ = self._read(n)
            for cid in ids:
                if cid not in known:
                    yield cid

    def mark_known(self, cids) -> None:
        """The PC holds these certificates (it committed them)."""
        wanted = [bytes(c) for c in cids]
        for n in list(self._files):
            ids, known, _ = self._read(n)
            new = [c for c in ids if c in wanted and c not in known]
            if new:
                records.append(self.fs, self._path(n), records.frame(T_KNOWN, b"".join(new)))

    def prune(self) -> int:
        """Delete the files (all but the newest) whose certificates the PC all holds;
        returns how many certificates went."""
        gone = 0
        for n in list(self._files[:-1]):
            ids, known, _ = self._read(n)
            if all(c in known for c in ids):
                self.fs.remove(self._path(n))
                self._files.remove(n)
                gone += len(ids)
        return gone

    def __len__(self):
        return sum(len(self._read(n)[0]) for n in self._files)
