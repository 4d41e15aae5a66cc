"""What a sync carries and reports (host_agent/sync.py): the batch of one transaction, the
progress the CLI draws, the summary, and the trusted root certificate it verifies against."""

from typing import Any, NamedTuple

from cryptography import x509

from host_agent import files
from host_agent.errors import SyncError


class SyncerPart:
    """What the Syncer's mixins (sync_after.AfterSheets, sync_round.RoundSync) use of it:
    its store, summary, progress, serial, terminal_id, _db and _call (host_agent/sync.py)."""

    store: Any
    summary: Any
    progress: Any
    serial: str
    terminal_id: int

    def _db(self, fn, *args) -> Any:
        raise NotImplementedError  # Syncer's

    def _call(self, mtype, body) -> Any:
        raise NotImplementedError  # Syncer's


class Received(NamedTuple):
    """A sheet that verified, as it travels from the sync to its filing: decoded once, by
    the verification (host_agent/verify.py), never again on the way."""

    record: int  # the terminal's record number
    data: bytes  # the signed bundle, exactly as received
    bundle: Any  # protocol.bundle.Bundle, decoded from `data`
    sheet: Any  # protocol.sheet.Sheet, decoded from `bundle.sheet`


class Batch:
    """What one transaction files: certificates, verified sheets, refused sheets."""

    def __init__(self):
        self.certs = []  # DER
        self.accepted = []  # Received
        self.rejected = []  # (record number, bundle bytes, reason)
        self.last_record = 0
        self.nbytes = 0  # held in RAM until the commit

    def __len__(self):
        return len(self.accepted) + len(self.rejected)

    def add(self, rec_no: int, data: bytes, verified, reason: str | None) -> None:
        """The sheet `data` with its Verification (`verified`, when it passed) or the
        reason it goes to quarantine."""
        if verified is None:
            self.rejected.append((rec_no, data, reason))
        else:
            self.accepted.append(Received(rec_no, data, verified.bundle, verified.sheet))
        self.last_record = rec_no


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
        data = files.read_small(path)
    except OSError as e:
        raise SyncError("cannot read the root certificate %s: %s" % (path, e.strerror)) from e
    except ValueError as e:
        raise SyncError(str(e)) from None
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
        self.deflate = 0  # the window bits of the deflated stream, 0: it came plain
        self.deflate_dropped = None  # why compression was dropped during this sync
        self.stream_bytes = (0, 0)  # (bytes the RECORDS frames carried, stream bytes)
        self.received_records = []  # record numbers the stream carried (tests)
        self.series_complete = []  # (prescription row, sessions used) these sheets completed
        self.round_counted = 0  # visits of the terminal's round newly counted back
        self.round_sent = None  # (round id, day, entries) when the terminal took a new round
        self.round_refused = None  # why the terminal did not take the round prepared
        self.round_bad = []  # (entry index, name) of the round sent the terminal refused
        self.update_running = None  # (version, counter) the terminal runs, when it says
        self.update_confirmed = None  # the version its last update confirmed
        self.update_back = None  # (version, why) of an update it rolled back
        self.update_sent = None  # the version it holds whole, to switch to once idle
        self.update_refused = None  # (version, why) of an update it did not take
