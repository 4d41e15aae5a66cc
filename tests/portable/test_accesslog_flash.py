"""Durable access log (R162-1-10 c): entries survive a reboot, and an edited, removed or
reordered entry, or a cut-off tail, is found by verify() (portable)."""

import _kit
from _flashfs import Disk

from firmware import records
from firmware.accesslog_flash import T_ENTRY, AccessLogError, FlashAccessLog
from firmware.journal import Journal
from protocol import cbor

PRO = "81234567890"


def write_day(log, n=6):
    for i in range(n):
        log.record(
            1795075200 + i * 60, PRO, "vitale" if i % 2 else "cps", "CARD-%d" % i, "identite"
        )


def split(data):
    """The records of a log file as (offset, end) pairs."""
    out = []
    at = 0
    while at < len(data):
        n = (data[at + 1] << 8) | data[at + 2]
        out.append((at, at + records.OVERHEAD + n))
        at += records.OVERHEAD + n
    return out


def refresh_crc(data, start, end):
    """Re-seal an edited record, as someone who knows the format would."""
    body = data[start + 3 : end - 4]
    return data[:start] + records.frame(data[start], body) + data[end:]


def test_entries_survive_a_reboot_and_verify():
    disk = Disk()
    log = FlashAccessLog(disk.fs)
    write_day(log)
    anchor = log.head_anchor()
    log = FlashAccessLog(disk.reboot())
    assert len(log) == 6 and log.head_anchor() == anchor
    assert log.verify(anchor) == 6
    got = [e.as_list() for e in log.entries()]
    assert got[0] == [1795075200, PRO, "cps", "CARD-0", "identite"]
    log.record(1795079000, PRO, "cps", "CARD-9", "refus: carte en opposition")
    assert log.verify() == 7
    print(got[1])


def test_many_files_chain_across():
    disk = Disk()
    log = FlashAccessLog(disk.fs, file_bytes=400)
    write_day(log, 20)
    assert len(disk.fs.listdir("accesslog")) > 3
    log = FlashAccessLog(disk.reboot(), file_bytes=400)
    assert log.verify(log.head_anchor()) == 20


def tamper(edit):
    disk = Disk()
    log = FlashAccessLog(disk.fs)
    write_day(log)
    anchor = log.head_anchor()
    path = "accesslog/00000001"
    data = disk.read_raw(path)
    disk.write_raw(path, edit(data, split(data)))
    log = FlashAccessLog(disk.reboot())
    e = _kit.raises(AccessLogError, log.verify, anchor)
    print(e)


def test_edited_entry_is_detected():
    def edit(data, spans):
        start, end = spans[2]
        data = data.replace(b"CARD-2", b"CARD-7")
        return refresh_crc(data, start, end)

    tamper(edit)


def test_removed_entry_is_detected():
    tamper(lambda data, spans: data[: spans[3][0]] + data[spans[3][1] :])


def test_reordered_entries_are_detected():
    def swap(data, spans):
        (a, b), (c, d) = spans[1], spans[2]
        return data[:a] + data[c:d] + data[a:b] + data[d:]

    tamper(swap)


def test_edited_last_entry_is_caught_by_the_anchor():
    def edit(data, spans):
        start, end = spans[-1]
        return refresh_crc(data.replace(b"CARD-5", b"CARD-8"), start, end)

    tamper(edit)


def test_cut_off_tail_is_caught_by_the_anchor():
    tamper(lambda data, spans: data[: spans[4][0]])


def test_anchor_kept_in_the_journal():
    disk = Disk()
    log = FlashAccessLog(disk.fs)
    journal = Journal(disk.fs)
    write_day(log)
    journal.anchor_access_log(*log.head_anchor())
    fs = disk.reboot()
    journal = Journal(fs)
    log = FlashAccessLog(fs)
    assert journal.access_log_anchor() == log.head_anchor()
    assert log.verify(journal.access_log_anchor()) == 6


def test_torn_last_entry_is_cut_off_at_boot():
    disk = Disk()
    log = FlashAccessLog(disk.fs)
    write_day(log, 3)
    path = "accesslog/00000001"
    good = disk.read_raw(path)
    disk.write_raw(path, good + records.frame(T_ENTRY, b"\x00" * 40 + cbor.encode([4]))[:30])
    log = FlashAccessLog(disk.reboot())
    assert len(log) == 3 and log.verify() == 3
    assert disk.read_raw(path) == good
    log.record(1, PRO, "cps", "C", "x")
    assert FlashAccessLog(disk.reboot()).verify() == 4


def test_drop_old_files_keeps_a_verifiable_chain():
    disk = Disk()
    log = FlashAccessLog(disk.fs, file_bytes=400)
    write_day(log, 20)
    files = disk.fs.listdir("accesslog")
    dropped = log.drop_through(10)
    assert 0 < dropped <= 10
    assert len(disk.fs.listdir("accesslog")) < len(files) + 1
    log = FlashAccessLog(disk.reboot(), file_bytes=400)
    assert log.verify(log.head_anchor()) == 20 - dropped
    assert len(log) == 20 - dropped
    # removing the oldest remaining file breaks the chain from the base
    first = [n for n in disk.fs.listdir("accesslog") if n != "base"][0]
    disk.fs.remove("accesslog/" + first)
    log = FlashAccessLog(disk.reboot(), file_bytes=400)
    print(_kit.raises(AccessLogError, log.verify))


def test_damaged_log_is_reported_kept_and_goes_on_in_a_new_file():
    disk = Disk()
    log = FlashAccessLog(disk.fs)
    write_day(log)
    path = "accesslog/00000001"
    data = bytearray(disk.read_raw(path))
    data[100] ^= 0x40  # inside entry 1: its CRC fails, entries follow
    disk.write_raw(path, bytes(data))
    log = FlashAccessLog(disk.reboot())
    print(log.problems[0])
    log.record(1795080000, PRO, "cps", "CPS-0001", "lecture CPS")  # the terminal goes on
    assert disk.read_raw(path) == bytes(data)
    print(_kit.raises(AccessLogError, log.verify))
