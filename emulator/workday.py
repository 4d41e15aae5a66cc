"""A synthetic but realistic working day for the power-cut bench: 20 visits saved in the
journal, an evening sync (part acknowledged, one rejected), then a purge 91 days later.

Portable (runs under micropython as the bench's child). A workload is any object with
`run(board, report)`, which boots the terminal's storage on `board.filesystem()` and does
the day or, after a power cut, finishes it (it must be re-entrant: it only learns what was
done from the flash), `key_of(payload)` naming the visit a sheet belongs to (so duplicates
show), and `final_check(journal, log)` returning what is wrong at the end of the day.
"""

import hashlib

from firmware.accesslog_flash import FlashAccessLog
from firmware.journal import ACKED, PURGED, REJECTED, SIGNED, SYNCED, Journal
from protocol import cbor
from protocol.dates import civil_from_days, days_from_civil

PRO_ID = "81234567890"  # the CPS holder (11 digits)
CPS_SERIAL = "CPS-0001"
DAY = 20261118  # a Wednesday
START = 1795075200  # 2026-11-18 08:00 Paris time (07:00 UTC)
ACK_UP_TO = 12  # the PC commits visits 1..12,
REJECTED_VISIT = 13  # quarantines visit 13,
SYNCED_UP_TO = 14  # and had been sent 1..14 when the link dropped
PURGE_AFTER_DAYS = 91  # the clock is moved past the 90-day retention (R161-47)


def _ymd(day_no):
    y, m, d = civil_from_days(day_no)
    return y * 10000 + m * 100 + d


def _filler(seed, visit, n):
    """n deterministic bytes standing for card data and signatures (SHA-256 in counter
    mode, the same on both interpreters)."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d/%d/%d" % (seed, visit, i)).digest()
        i += 1
    return out[:n]


class SyntheticDay:
    """20 visits by one professional; `segment_bytes` small so that the purge deletes whole
    segments within one day's sheets."""

    name = "day"

    def __init__(self, seed=1, visits=20, segment_bytes=2048):
        self.seed = seed
        self.visits = visits
        self.segment_bytes = segment_bytes
        self.purge_day = _ymd(days_from_civil(DAY // 10000, DAY // 100 % 100, DAY % 100) + 91)

    def open_storage(self, board):
        fs = board.filesystem()
        return Journal(fs, segment_bytes=self.segment_bytes), FlashAccessLog(fs)

    def payload(self, visit, order_no):
        """A ~380-byte signed-sheet-like bundle in deterministic CBOR, unique per visit."""
        filler = _filler(self.seed, visit, 315)
        return cbor.encode(
            {
                1: "V%02d" % visit,
                2: order_no,
                3: PRO_ID,
                4: DAY,
                5: visit % 3 == 0,
                6: filler[:8],
                7: [{1: "AMI", 2: 1, 3: 315 + visit}, {1: "IFD", 2: 1, 3: 250}],
                8: filler[8:187],
                9: filler[187:251],
                10: filler[251:315],
            }
        )

    def key_of(self, payload):
        value = cbor.decode(payload)
        assert isinstance(value, dict)
        return value[1]

    def _done_visits(self, journal):
        done = {}
        for r in journal.records_after(0, 0, 0, None):
            done[self.key_of(r.payload)] = r.rec_no
        return done

    def run(self, board, report):
        journal, log = self.open_storage(board)
        report.booted(journal, log)
        if not already_purged(journal):
            done = self._done_visits(journal)
            for visit in range(1, self.visits + 1):
                key = "V%02d" % visit
                if key in done:
                    continue  # saved before the cut: the professional saw it in the list
                when = START + visit * 1200
                log.record(when, PRO_ID, "cps", CPS_SERIAL, "lecture CPS")
                report.logged(log)
                log.record(when + 30, PRO_ID, "vitale", "VIT-%04d" % visit, "identite, droits")
                report.logged(log)
                order_no = journal.reserve_order(PRO_ID)
                report.reserved(PRO_ID, order_no)
                payload = self.payload(visit, order_no)
                rec_no = journal.append_sheet(payload, order_no, PRO_ID, DAY, visit % 3 == 0)
                report.saved(rec_no, order_no, PRO_ID, payload, key)
                done[key] = rec_no
            evening_sync(journal, log, report, done, DAY)
        report.purging(self.purge_day)
        journal.purge(self.purge_day)
        return journal, log

    def final_check(self, journal, log):
        return end_of_day_problems(journal, log, self.key_of, self.visits, 2 * self.visits)


def already_purged(journal):
    """True when the day's purge has begun (a sheet is gone): the day's work is done."""
    for rec_no in range(1, journal.next_rec_no):
        if journal.status(rec_no) == PURGED:
            return True
    return False


def evening_sync(journal, log, report, done, day):
    """What the PC does in the evening, called on the journal directly: it was sent visits
    1..14, committed 1..12 and quarantined 13 (`done`: visit key -> record number)."""
    journal.mark_synced([done["V%02d" % v] for v in range(1, SYNCED_UP_TO + 1)], day)
    acked = [done["V%02d" % v] for v in range(1, ACK_UP_TO + 1)]
    journal.acknowledge(acked, day)
    report.acked(acked, day)
    rejected = [done["V%02d" % REJECTED_VISIT]]
    journal.reject(rejected, day)
    report.rejected(rejected)
    journal.anchor_access_log(*log.head_anchor())


def end_of_day_problems(journal, log, key_of, visits, log_entries):
    """What is wrong once the day, its sync and the purge are done: each visit in the state
    the evening sync left it (acknowledged ones possibly purged), something purged, and at
    least `log_entries` access-log entries."""
    wrong = []
    seen = {}
    for r in journal.records_after(0, 0, 0, None):
        seen[key_of(r.payload)] = r.status
    for visit in range(1, visits + 1):
        key = "V%02d" % visit
        if visit <= ACK_UP_TO:
            want = (ACKED, PURGED)
        elif visit == REJECTED_VISIT:
            want = (REJECTED,)
        elif visit <= SYNCED_UP_TO:
            want = (SYNCED,)
        else:
            want = (SIGNED,)
        got = seen.get(key, PURGED)
        if got not in want:
            wrong.append("visit %s ends %d, expected one of %r" % (key, got, want))
    if len(seen) == visits:
        wrong.append("the purge deleted nothing")
    if len(log) < log_entries:
        wrong.append("access log has %d entries, expected at least %d" % (len(log), log_entries))
    return wrong
