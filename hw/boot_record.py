"""The boot record: which image slot the terminal boots, which one it tries, and the update
counter below which no image is ever taken again (docs/board.md "Updates"). Kept outside
littlefs, like the key block, in two raw blocks written in turn, so that a power cut
during a write leaves the previous record whole:

    block = "TLAB" | version u8 (1) | length u16 BE | body | CRC-32 BE of all before
    body  = CBOR map:
      "gen"    +1 at every write; the valid block with the highest gen is the record
      "active" the slot booted: 0, 1, or -1 for the factory image (what the board was flashed with)
      "act"    [counter, SHA-256 of its signed manifest] of the active slot, or null
      "floor"  the counter of the last version confirmed: an update at or below it is refused
      "try"    [slot, counter, manifest sha, boots tried, version] of a version on trial, or null
      "held"   [next record number, sheets unacknowledged, salvage] when the trial began
      "last"   [counter, version, "ok" | "back", why, shown] of the last update tried, or null
      "bad"    the manifest sha of the last version rolled back (never taken again), or null

Any two-block device of MicroPython's block protocol: a ReservedView of the flash's reserved
blocks (hw/update_slot.py), or an rp2.Flash region.
"""

from hw import hal
from protocol import cbor
from protocol.crc import crc32_bytes

MAGIC = b"TLAB"
VERSION = 1
_HEAD = 7
_MAX_BODY = 512


def empty():
    """The record of a terminal that never took an update: the factory image, counter 0."""
    return {
        "gen": 0,
        "active": -1,
        "act": None,
        "floor": 0,
        "try": None,
        "held": None,
        "last": None,
        "bad": None,
    }


class BootRecords:
    def __init__(self, dev):
        self.dev = dev
        self.block_size = dev.ioctl(hal.IOCTL_BLOCK_SIZE, 0)
        self._at = None  # the block holding the record read last

    def _read_block(self, block):
        head = bytearray(_HEAD)
        self.dev.readblocks(block, head, 0)
        if bytes(head[:4]) != MAGIC or head[4] != VERSION:
            return None
        n = (head[5] << 8) | head[6]
        if n > _MAX_BODY:
            return None
        data = bytearray(_HEAD + n + 4)
        self.dev.readblocks(block, data, 0)
        if crc32_bytes(bytes(data[:-4])) != bytes(data[-4:]):
            return None
        try:
            body = cbor.decode(bytes(data[_HEAD:-4]), 4, 16, 64, 96)
        except ValueError:
            return None
        if not isinstance(body, dict) or type(body.get("gen")) is not int:
            return None
        return body

    def read(self):
        """The record (empty() when neither block holds one)."""
        best, at = None, None
        for block in (0, 1):
            body = self._read_block(block)
            if body is not None and (best is None or body["gen"] > best["gen"]):
                best, at = body, block
        self._at = at
        record = empty()
        if best is not None:
            for key in record:
                if key in best:
                    record[key] = best[key]
        return record

    def write(self, record):
        """Keep `record` (gen + 1) in the block that does not hold the current one: a power
        cut before the last program leaves the current record, after it the new one."""
        current = self.read()
        body = dict(record)
        body["gen"] = current["gen"] + 1
        data = cbor.encode(body)
        if len(data) > _MAX_BODY:
            raise ValueError("a boot record of %d bytes is too long" % len(data))
        block = 1 if self._at == 0 else 0
        raw = MAGIC + bytes((VERSION, len(data) >> 8, len(data) & 0xFF)) + data
        raw += crc32_bytes(raw)
        raw += b"\xff" * ((256 - len(raw) % 256) % 256)
        self.dev.ioctl(hal.IOCTL_BLOCK_ERASE, block)
        self.dev.writeblocks(block, raw, 0)
        check = self._read_block(block)
        if check is None or cbor.encode(check) != data:
            raise OSError(5, "the boot record did not keep what was written")
        self._at = block
        record["gen"] = body["gen"]
        return record
