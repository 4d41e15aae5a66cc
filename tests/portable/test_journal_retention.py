"""Journal retention (R161-47): acknowledged sheets kept 90 days then purged by whole
segments, unacknowledged and rejected ones never; numbering survives a purge (portable)."""

from _flashfs import Disk

from firmware import journal as jn
from firmware.journal import Journal

PRO = "81234567890"
DAY = 20261118
DAY_89 = 20270215  # 89 days later
DAY_90 = 20270216  # 90 days later


def fill(j, n):
    for i in range(n):
        order = j.reserve_order(PRO)
        j.append_sheet(bytes([i]) * 380, order, PRO, DAY, False)


def test_acknowledged_sheets_kept_90_days_then_purged():
    disk = Disk()
    j = Journal(disk.fs, segment_bytes=1500)  # 4 sheets a segment
    fill(j, 12)
    segments = j.segment_count()
    j.acknowledge(range(1, 9), DAY)
    assert j.purge(DAY) == 0
    assert j.purge(DAY_89) == 0
    assert j.purge(DAY_90) == 8
    assert [j.status(r) for r in (1, 8, 9)] == [jn.PURGED, jn.PURGED, jn.SIGNED]
    assert [r.rec_no for r in j.records_after(0, 0, 0, None)] == [9, 10, 11, 12]
    assert j.segment_count() == segments - 2
    assert j.purge(DAY_90) == 0  # nothing more to do: purge can be run again after a cut
    j = Journal(disk.reboot(), segment_bytes=1500)
    assert j.problems == [] and j.status(3) == jn.PURGED and j.next_rec_no == 13


def test_unacknowledged_sheet_pins_its_segment():
    j = Journal(Disk().fs, segment_bytes=1500)
    fill(j, 8)
    j.acknowledge([1, 2, 3, 5, 6, 7, 8], DAY)  # 4 never acknowledged
    assert j.purge(20280101) == 4  # only the second segment
    assert j.status(4) == jn.SIGNED and j.get(4) is not None
    assert j.status(1) == jn.ACKED  # same segment as 4: kept with it


def test_rejected_sheet_stays_until_dismissed():
    j = Journal(Disk().fs, segment_bytes=1500)
    fill(j, 4)
    j.acknowledge([1, 2, 4], DAY)
    j.reject([3], DAY)
    assert j.purge(20280101) == 0
    j.dismiss([3], DAY_89)
    assert j.purge(DAY_90) == 0  # 90 days count from the dismissal
    assert j.purge(20270516) == 4


def test_purging_the_newest_segment_keeps_the_numbering():
    disk = Disk()
    j = Journal(disk.fs)
    fill(j, 3)
    j.acknowledge([1, 2, 3], DAY)
    assert j.purge(DAY_90) == 3
    assert j.segment_count() == 1  # a fresh, empty segment starting at 4
    j = Journal(disk.reboot())
    assert j.next_rec_no == 4 and j.status(2) == jn.PURGED
    fill(j, 1)
    assert [r.rec_no for r in j.records_after()] == [4]
    assert j.get(4).order_no == 4
