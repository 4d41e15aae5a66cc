"""Flash full: the journal refuses new sheets while states, acknowledgements and access-log
entries still fit; a purge after acknowledgement makes room; nothing stored is lost."""

from _flashfs import Disk

from firmware import journal as jn
from firmware.accesslog_flash import FlashAccessLog
from firmware.journal import Journal, JournalFull

PRO = "81234567890"
DAY = 20261118
LATER = 20270301  # more than 90 days after DAY


def sheet(i):
    return bytes((i * 13 + k) & 0xFF for k in range(380))


def fill_until_refused(j, log):
    n = 0
    while j.can_accept_sheet():
        log.record(1795075200 + n, PRO, "vitale", "VIT-%d" % n, "identite, droits")
        order = j.reserve_order(PRO)
        j.append_sheet(sheet(n), order, PRO, DAY, n % 2 == 0)
        n += 1
    return n


def test_flash_full_refuses_sheets_but_keeps_room_for_states_and_log():
    disk = Disk(blocks=64)
    j = Journal(disk.fs)
    log = FlashAccessLog(disk.fs)
    n = fill_until_refused(j, log)
    assert n > 100
    assert j.unacknowledged_count() == n
    assert not j.can_accept_sheet()
    # "sync needed": the professional still reads cards, the PC syncs and acknowledges.
    for i in range(40):
        log.record(1795170000 + i, PRO, "cps", "CPS-0001", "lecture CPS")
    recs = list(range(1, n + 1))
    assert j.mark_synced(recs, DAY) == n
    assert j.acknowledge(recs[: n - 5], DAY) == n - 5
    j.anchor_access_log(*log.head_anchor())
    assert not j.can_accept_sheet()
    # Nothing stored was lost.
    fs = disk.reboot()
    j = Journal(fs)
    log = FlashAccessLog(fs)
    assert j.problems == [] and log.problems == []
    got = 0
    for r in j.records_after(0, 0, 0, None):
        assert r.payload == sheet(r.rec_no - 1)
        got += 1
    assert got == n
    assert log.verify(j.access_log_anchor()) == n + 40
    assert j.count(jn.ACKED) == n - 5 and j.count(jn.SYNCED) == 5
    # 90 days later the acknowledged sheets go and room comes back.
    purged = j.purge(LATER)
    assert purged > 0 and j.can_accept_sheet()
    assert [r.rec_no for r in j.records_after()] == recs[n - 5 :]
    order = j.reserve_order(PRO)
    assert j.append_sheet(sheet(n), order, PRO, DAY, False) == n + 1


def test_signed_sheet_takes_the_reserve_rather_than_being_lost():
    disk = Disk(blocks=64)
    j = Journal(disk.fs)
    log = FlashAccessLog(disk.fs)
    n = fill_until_refused(j, log)
    # The sheet was signed (and copied onto the patient's card) before the last check:
    # it is saved all the same, from the reserve.
    order = j.reserve_order(PRO)
    assert j.append_sheet(sheet(n), order, PRO, DAY, False) == n + 1
    # Past the reserve, littlefs has no room: the error is plain, and nothing is lost.
    try:
        while True:
            order = j.reserve_order(PRO)
            j.append_sheet(sheet(0), order, PRO, DAY, False)
    except JournalFull as e:
        print(e)
    j = Journal(disk.reboot())
    assert j.problems == []
    assert j.get(n + 1).payload == sheet(n)


def test_purge_works_on_a_flash_with_no_room_at_all():
    disk = Disk(blocks=64)
    j = Journal(disk.fs)
    log = FlashAccessLog(disk.fs)
    n = fill_until_refused(j, log)
    j.acknowledge(range(1, n - 4), DAY)
    try:
        while True:  # card reads go on until littlefs has nothing left
            log.record(1795170000, PRO, "cps", "CPS-0001", "lecture CPS")
    except OSError:
        pass
    assert j.purge(LATER) > 0
    assert j.can_accept_sheet()
    j = Journal(disk.reboot())
    assert j.problems == [] and j.unacknowledged_count() == 5
    assert [r.payload for r in j.records_after()] == [sheet(i) for i in range(n - 5, n)]
