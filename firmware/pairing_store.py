"""The terminal's pairing with its practice PC, kept in flash: one file `pairing` holding one
record (firmware/records.py) whose body is the CBOR of protocol.pairing.Pairing.to_store().

The file holds the pairing key: it is written only here, never logged. A board without
flash (unit tests) keeps the pairing in RAM only.
"""

from firmware import records
from protocol import cbor
from protocol.pairing import Pairing
from protocol.security_errors import SecurityError

PATH = "pairing"
T_PAIRING = 0x50  # "P"


class PairingStore:
    """load() / save(pairing) / erase() on `fs` (None: nothing is kept)."""

    def __init__(self, fs):
        self.fs = fs
        self.problems = []

    def load(self):
        """The stored Pairing, or None (never paired, unpaired, or unreadable: reported)."""
        if self.fs is None or not self.fs.exists(PATH):
            return None
        rec = records.first_record(self.fs, PATH)
        try:
            if rec is None or rec[0] != T_PAIRING:
                raise ValueError
            return Pairing.from_store(cbor.decode(rec[1]))
        except (ValueError, SecurityError):
            self.problems.append("appairage illisible: appairez de nouveau le terminal")
            return None

    def save(self, pairing):
        """Keep `pairing` (atomic replace): once this returns, it survives a power cut."""
        if self.fs is not None:
            body = cbor.encode(pairing.to_store())
            records.write_new(self.fs, PATH, records.frame(T_PAIRING, body))

    def erase(self):
        if self.fs is not None and self.fs.exists(PATH):
            self.fs.remove(PATH)
