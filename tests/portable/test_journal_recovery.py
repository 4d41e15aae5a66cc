"""Journal at boot: a torn tail is cut off, damaged or unknown files are reported in plain
French and kept, never deleted, and numbering never goes back (portable)."""

from _flashfs import Disk

from firmware import journal as jn
from firmware import records
from firmware.journal import Journal

PRO = "81234567890"
DAY = 20261118


def fill(j, n, start=0):
    for i in range(start, start + n):
        order = j.reserve_order(PRO)
        j.append_sheet(bytes([i]) * 380, order, PRO, DAY, False)


def test_torn_tail_is_ignored_and_cut_off():
    disk = Disk()
    j = Journal(disk.fs)
    fill(j, 3)
    path = "journal/00000001"
    good = disk.read_raw(path)
    # What a cut in the middle of an append would leave without littlefs' atomic commit.
    torn = records.frame(jn.T_SHEET, b"\x00\x00\x00\x04" + b"x" * 300)[:200]
    disk.write_raw(path, good + torn)
    j = Journal(disk.reboot())
    assert j.problems == []
    assert j.next_rec_no == 4
    assert disk.read_raw(path) == good
    fill(j, 1, 3)
    j = Journal(disk.reboot())
    assert [r.payload[0] for r in j.records_after()] == [0, 1, 2, 3]


def test_bad_crc_on_last_record_is_a_torn_tail():
    disk = Disk()
    j = Journal(disk.fs)
    fill(j, 1)
    marks_before = disk.read_raw("marks")  # a cut in the append comes before the marks
    fill(j, 1, 1)
    path = "journal/00000001"
    data = bytearray(disk.read_raw(path))
    data[-1] ^= 0xFF
    disk.write_raw(path, bytes(data))
    disk.write_raw("marks", marks_before)
    j = Journal(disk.reboot())
    assert j.problems == [] and j.next_rec_no == 2 and j.damaged == []


def test_a_lost_last_sheet_the_marks_know_is_reported_by_number():
    disk = Disk()
    j = Journal(disk.fs)
    fill(j, 2)
    path = "journal/00000001"
    data = bytearray(disk.read_raw(path))
    data[-1] ^= 0xFF  # sheet 2 was promised: the marks say so
    disk.write_raw(path, bytes(data))
    j = Journal(disk.reboot())
    print(j.problems)
    assert j.damaged == [[2, 1]] and j.next_rec_no == 3


def test_damaged_record_keeps_the_segment_read_only():
    disk = Disk()
    j = Journal(disk.fs, segment_bytes=1500)
    fill(j, 8)
    path = "journal/00000001"
    data = bytearray(disk.read_raw(path))
    data[200] ^= 0x01  # inside the first sheet
    disk.write_raw(path, bytes(data))
    j = Journal(disk.reboot(), segment_bytes=1500)
    for p in j.problems:
        print(p)
    assert len(j.problems) == 1
    assert disk.read_raw(path) == bytes(data)  # kept as it is
    # Past the damage the scan resynchronises: only sheet 1 is lost, and said so.
    assert [r.rec_no for r in j.records_after()] == [2, 3, 4, 5, 6, 7, 8]
    assert j.damaged == [[1, 1]]
    assert j.acknowledge([2, 5], DAY) == 1  # the damaged segment takes no state
    assert j.next_rec_no > 8
    fill(j, 1, 8)
    j.acknowledge(range(1, 20), DAY)
    j.purge(20280101)  # the damaged segment is never purged, whatever its states
    assert disk.read_raw(path) == bytes(data)


def test_unknown_files_are_reported_and_kept():
    disk = Disk()
    j = Journal(disk.fs)
    fill(j, 1)
    disk.write_raw("journal/notes.txt", b"hello")
    disk.write_raw("journal/0000zzzz", b"?")
    j = Journal(disk.reboot())
    for p in j.problems:
        print(p)
    assert len(j.problems) == 2
    assert disk.fs.exists("journal/notes.txt") and disk.fs.exists("journal/0000zzzz")
    assert j.get(1) is not None


def test_segment_with_bad_header_is_kept():
    disk = Disk()
    j = Journal(disk.fs)
    fill(j, 2)
    disk.write_raw("journal/00000001", b"garbage, not a segment")
    j = Journal(disk.reboot())
    print(j.problems[0])
    assert j.next_rec_no > 2  # never hands out numbers that may have been used
    fill(j, 1, 5)
    assert disk.read_raw("journal/00000001") == b"garbage, not a segment"


def test_unreadable_orders_file_is_answered_by_the_marks():
    disk = Disk()
    j = Journal(disk.fs)
    fill(j, 3)
    j.reserve_order(PRO)  # 4, reserved and never saved: a gap, never reused
    disk.write_raw("journal/orders", b"\x00\x01")
    j = Journal(disk.reboot())
    print(j.problems[0])
    assert j.reserve_order(PRO) == 5


def test_orders_file_and_marks_lost_skip_numbers():
    disk = Disk()
    j = Journal(disk.fs)
    fill(j, 3)
    disk.fs.remove("journal/orders")
    disk.fs.remove("marks")
    j = Journal(disk.reboot())
    print(j.problems[0])
    assert j.reserve_order(PRO) > 3 + 100


def test_marks_lost_alone_change_nothing_and_are_written_again():
    disk = Disk()
    j = Journal(disk.fs)
    fill(j, 3)
    disk.fs.remove("marks")
    j = Journal(disk.reboot())
    assert j.reserve_order(PRO) == 4 and j.damaged == []
    assert disk.fs.exists("marks")


def test_a_gap_between_segments_is_damage_unless_purged():
    disk = Disk()
    j = Journal(disk.fs, segment_bytes=1500)
    fill(j, 12)  # segments of 4 sheets: 1-4, 5-8, 9-12
    j.acknowledge(range(1, 5), DAY)
    assert j.purge(20270301) == 4  # segment 1-4 goes, and the purge log says so
    j = Journal(disk.reboot(), segment_bytes=1500)
    assert j.damaged == [] and j.problems == []
    # The middle segment falls back on an older, shorter version (its directory block
    # damaged): sheet 8 vanishes from inside the numbering, and is named.
    path = "journal/00000005"
    with records.RecordFile(disk.fs, path) as rf:
        last = [offset for _, _, offset in rf][-1]  # where sheet 8 starts
    disk.write_raw(path, disk.read_raw(path)[:last])
    j = Journal(disk.reboot(), segment_bytes=1500)
    print(j.damaged)
    assert j.damaged == [[8, 1]]
