"""The highest numbers ever issued, kept where one damaged block cannot erase them.

Record numbers live in the journal's segments and order ceilings in `journal/orders`, all
in the `journal/` directory, whose littlefs metadata pair (two blocks) also holds their
sizes: if the newer block of that pair is damaged, littlefs falls back on the older one and
the newest sheets and reservations silently disappear. So the highest record number issued
and every professional's highest order number reserved are also written into the file
`marks` of the root directory, another metadata pair (docs/journal.md "Flash damage"). At
boot the journal takes the higher of the two places: numbers never go back, and a record
number above every sheet found is a lost sheet, reported by number.

    M record body = highest record number issued u32 | next record number u32 (at least the
                    issued one + 1; the PC's highest record raises it) | per professional:
                    id (5 bytes), highest order number reserved u32
"""

from firmware import records

PATH = "marks"
T_MARK = 0x4D  # "M"


def mark_body(issued, next_rec, ceilings) -> bytes:
    body = bytearray(issued.to_bytes(4, "big"))
    body += next_rec.to_bytes(4, "big")
    for pro in sorted(ceilings):
        body += pro.to_bytes(5, "big")
        body += ceilings[pro].to_bytes(4, "big")
    return bytes(body)


def read_mark(body):
    """(highest record number issued, next record number, {professional: order ceiling})
    of an M body, or None."""
    if len(body) < 8 or (len(body) - 8) % 9:
        return None
    ceilings = {}
    for i in range(8, len(body), 9):
        ceilings[int.from_bytes(body[i : i + 5], "big")] = records.u32(body, i + 5)
    return records.u32(body, 0), records.u32(body, 4), ceilings


def load(fs):
    """The marks kept in the root directory, or None (missing or unreadable)."""
    try:
        if not fs.exists(PATH):
            return None
        rec = records.first_record(fs, PATH)
    except OSError:
        return None
    if rec is None or rec[0] != T_MARK:
        return None
    return read_mark(rec[1])


def save(fs, issued, next_rec, ceilings) -> None:
    """Replace the marks (atomic rename): once this returns, they hold."""
    records.write_new(fs, PATH, records.frame(T_MARK, mark_body(issued, next_rec, ceilings)))
