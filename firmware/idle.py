"""What the idle screen says about the sheets waiting for the PC: how many and the nearest
transmission deadline (R161-47 I 1°), a warning when that deadline is near, the flash under
its reserve, or one of the practice's caps reached; and the visits a hard cap refuses.

The caps are like a payment terminal's offline limits (docs/visit.md "Caps"): how many
sheets may wait for the PC, and how old the oldest may be. Each has a warning threshold and
a hard cap; a hard cap is 0 (none) unless the practice sets one, since refusing a visit is
worse than a late sync for a nurse on her round. The PC sets them in a STATUS (its "caps");
they are kept in the file `caps` of the terminal's littlefs.
"""

from firmware import records, screens
from firmware.journal import SIGNED, SYNCED
from protocol import dates, workdays

WARN_DAYS = 1  # the deadline warning: this many working days left, or fewer
# (warn count, hard count, warn age in days, hard age): defaults. 60 sheets is two days of
# a busy nurse's round (about 30 visits a day): a terminal that waits longer than that
# for its sync is one whose loss or theft costs two days of the practice's claims. Two
# calendar days warns before the shortest deadline (3 working days, R161-47 I 1°) ends.
DEFAULT_CAPS = (60, 0, 2, 0)
CAPS_FILE = "caps"
_T_CAPS = 0x43  # the caps file's one record type ('C')


def _u16s(values):
    out = bytearray()
    for v in values:
        out += bytes(((v >> 8) & 0xFF, v & 0xFF))
    return bytes(out)


class Waiting:
    def __init__(self, journal, fs):
        self.journal = journal
        self.fs = fs
        self.caps = self._load()
        self._key = None
        self._summary = (0, None, None)

    def _load(self):
        try:
            rec = records.first_record(self.fs, CAPS_FILE) if self.fs is not None else None
        except OSError:
            rec = None
        if rec is None or rec[0] != _T_CAPS or len(rec[1]) != 8:
            return DEFAULT_CAPS
        b = rec[1]
        return tuple((b[i] << 8) | b[i + 1] for i in range(0, 8, 2))

    def set_caps(self, caps):
        """The caps a STATUS brought (4 numbers 0-65535, checked by the message's reader),
        kept in flash when they differ (written whole or not at all)."""
        caps = tuple(caps)
        if caps != self.caps and self.fs is not None:
            records.write_new(self.fs, CAPS_FILE, records.frame(_T_CAPS, _u16s(caps)))
        self.caps = caps

    def summary(self, day):
        """(sheets the PC has not committed, their nearest deadline YYYYMMDD or None, the
        oldest completion date or None), read again only when the journal or the day
        changed."""
        j = self.journal
        key = (day, j.next_rec_no, j.unacknowledged_count())
        if key != self._key:
            count = 0
            first = [None, None]  # the oldest completion paid directly, by a third party
            for r in j.headers((SIGNED, SYNCED)):
                count += 1
                c, k = r.completion_date, 1 if r.third_party else 0
                first[k] = c if first[k] is None or c < first[k] else first[k]
            deadline = oldest = None
            for k in (0, 1):
                if first[k] is not None:
                    due = workdays.transmission_deadline(first[k], k == 1)
                    deadline = due if deadline is None or due < deadline else deadline
                    oldest = first[k] if oldest is None or first[k] < oldest else oldest
            self._key = key
            self._summary = (count, deadline, oldest)
        return self._summary

    def _age(self, day, oldest):
        return dates.ymd_to_days(day) - dates.ymd_to_days(oldest)

    def over_cap(self, day):
        """True when a hard cap the practice set is reached: no new visit until a sync."""
        if self.journal is None:
            return False
        _, max_count, _, max_age = self.caps
        count, _, oldest = self.summary(day)
        if max_count and count >= max_count:
            return True
        return bool(max_age and oldest is not None and self._age(day, oldest) >= max_age)

    def lines(self, day):
        """(the waiting line, the warning) of the idle screen, either None."""
        j = self.journal
        if j is None:
            return None, None
        count, deadline, oldest = self.summary(day)
        waiting = screens.waiting_line(count, deadline) if count else None
        if not j.can_accept_sheet():
            return waiting, "Synchro necessaire"
        if self.over_cap(day):
            return waiting, "Plafond: synchro!"
        if deadline is not None:
            left = workdays.working_days_between(day, deadline) if deadline >= day else -1
            if left <= WARN_DAYS:
                return waiting, screens.deadline_warning(left)
        warn_count, _, warn_age, _ = self.caps
        if count and (
            (warn_count and count >= warn_count)
            or (warn_age and self._age(day, oldest) >= warn_age)
        ):
            return waiting, "Synchro conseillee"
        return waiting, None
