"""Journal: sheets appended and read back, states, order numbers, streaming reads (portable)."""

import _kit
from _flashfs import Disk

from firmware import journal as jn
from firmware.journal import Journal

PRO = "81234567890"
OTHER = "70000000001"
DAY = 20261118


def sheet(i, n=380):
    return bytes((i + k) & 0xFF for k in range(n))


def save(j, i, pro=PRO, date=DAY, third_party=False):
    order = j.reserve_order(pro)
    return j.append_sheet(sheet(i), order, pro, date, third_party)


def test_append_and_read_back():
    disk = Disk()
    j = Journal(disk.fs)
    recs = [save(j, i, third_party=i % 2 == 0) for i in range(5)]
    assert recs == [1, 2, 3, 4, 5]
    got = list(j.records_after())
    assert [r.rec_no for r in got] == recs
    assert [r.payload for r in got] == [sheet(i) for i in range(5)]
    assert [r.order_no for r in got] == [1, 2, 3, 4, 5]
    assert got[0].pro_id == PRO and got[0].completion_date == DAY
    assert [r.third_party for r in got] == [True, False, True, False, True]
    heads = list(j.headers())
    assert [h.rec_no for h in heads] == recs and heads[0].payload is None
    assert j.get(3).payload == sheet(2)
    assert j.get(99) is None
    assert j.status(2) == jn.SIGNED and j.status(6) is None
    print(repr(j.get(1)))


def test_reboot_keeps_sheets_states_and_numbers():
    disk = Disk()
    j = Journal(disk.fs)
    for i in range(4):
        save(j, i)
    j.mark_synced([1, 2, 3], DAY)
    j.acknowledge([1, 2], DAY)
    j = Journal(disk.reboot())
    assert j.problems == []
    assert [j.status(r) for r in (1, 2, 3, 4)] == [jn.ACKED, jn.ACKED, jn.SYNCED, jn.SIGNED]
    assert j.next_rec_no == 5
    assert save(j, 9) == 5
    assert j.get(5).order_no == 5
    assert [r.payload for r in j.records_after(0, 0, 0, None)] == [
        sheet(i) for i in (0, 1, 2, 3, 9)
    ]


def test_order_numbers_never_reused():
    disk = Disk()
    j = Journal(disk.fs)
    assert [j.reserve_order(PRO) for _ in range(3)] == [1, 2, 3]
    assert j.reserve_order(OTHER) == 1  # per professional
    j.append_sheet(sheet(1), 3, PRO, DAY, False)
    # 1 and 2 were reserved and never saved (the cards failed): gaps, never handed out again
    _kit.raises(ValueError, j.append_sheet, sheet(2), 2, PRO, DAY, False)
    _kit.raises(ValueError, j.append_sheet, sheet(2), 3, PRO, DAY, False)
    _kit.raises(ValueError, j.append_sheet, sheet(2), 4, PRO, DAY, False)  # not reserved
    j.reserve_order(PRO)  # 4 reserved, then the power fails before the sheet is saved
    j = Journal(disk.reboot())
    assert j.reserve_order(PRO) == 5
    assert j.reserve_order(OTHER) == 2


def test_order_batch_reservation_skips_the_batch_after_reboot():
    disk = Disk()
    j = Journal(disk.fs, order_batch=10)
    writes = disk.flash.writes
    assert [j.reserve_order(PRO) for _ in range(3)] == [1, 2, 3]
    batch_writes = disk.flash.writes - writes
    j = Journal(disk.reboot(), order_batch=10)
    assert j.reserve_order(PRO) == 11  # 4..10 may be on a patient's card: a gap, no reuse
    print("one write of the orders file for three numbers:", batch_writes > 0)


def test_bad_arguments_are_refused_in_french():
    j = Journal(Disk().fs)
    e = _kit.raises(ValueError, j.reserve_order, "123")
    print(e)
    order = j.reserve_order(PRO)
    e = _kit.raises(ValueError, j.append_sheet, sheet(1), order, PRO, 20261340, False)
    print(e)
    _kit.raises(ValueError, j.append_sheet, b"", order, PRO, DAY, False)
    assert j.next_rec_no == 1


def test_states_are_idempotent_and_ordered():
    j = Journal(Disk().fs)
    for i in range(6):
        save(j, i)
    assert j.mark_synced([1, 2, 3, 4], DAY) == 4
    assert j.mark_synced([1, 2], DAY) == 0
    assert j.acknowledge([1, 2, 99], DAY) == 2
    assert j.acknowledge([1, 2], DAY) == 0  # the PC's ack arrives twice: nothing changes
    assert j.reject([3], DAY) == 1
    assert j.acknowledge([3], DAY) == 0  # the first final answer wins
    assert j.reject([1], DAY) == 0
    assert j.acknowledge([5], DAY) == 1  # acknowledged without a synced mark (mark lost)
    assert j.dismiss([3, 4], DAY) == 1  # only a rejected sheet can be dismissed
    assert [j.status(r) for r in range(1, 7)] == [
        jn.ACKED,
        jn.ACKED,
        jn.DISMISSED,
        jn.SYNCED,
        jn.ACKED,
        jn.SIGNED,
    ]
    assert j.pending_count() == 1 and j.unacknowledged_count() == 2
    assert j.count(jn.ACKED) == 3


def test_records_after_cursor_count_and_byte_budget():
    j = Journal(Disk().fs, segment_bytes=1500)  # several segments
    for i in range(10):
        save(j, i)
    j.acknowledge([2, 3], DAY)
    assert [r.rec_no for r in j.records_after(0)] == [1, 4, 5, 6, 7, 8, 9, 10]
    assert [r.rec_no for r in j.records_after(5)] == [6, 7, 8, 9, 10]
    assert [r.rec_no for r in j.records_after(0, 3)] == [1, 4, 5]
    assert [r.rec_no for r in j.records_after(0, 0, 800)] == [1, 4]
    assert [r.rec_no for r in j.records_after(0, 0, 10)] == [1]  # always at least one
    assert [r.rec_no for r in j.records_after(0, 0, 0, None)] == list(range(1, 11))
    assert j.segment_count() > 2


def test_oldest_unacknowledged_date_by_payment():
    j = Journal(Disk().fs)
    save(j, 1, date=20261116, third_party=True)
    save(j, 2, date=20261112, third_party=False)
    save(j, 3, date=20261110, third_party=True)
    assert j.oldest_unacknowledged_date() == 20261110
    assert j.oldest_unacknowledged_date(True) == 20261110
    assert j.oldest_unacknowledged_date(False) == 20261112
    j.acknowledge([3], DAY)
    assert j.oldest_unacknowledged_date(True) == 20261116
    j.acknowledge([1, 2], DAY)
    assert j.oldest_unacknowledged_date() is None


def test_rejected_sheets_stay_listed():
    j = Journal(Disk().fs)
    for i in range(3):
        save(j, i)
    j.reject([2], DAY)
    assert [r.rec_no for r in j.headers((jn.REJECTED,))] == [2]
    assert j.get(2).payload == sheet(1)
