"""The damage log: every run of record numbers the flash damage took, kept in flash so it is
shown and reported to the PC at every sync even once the evidence is gone (a later boot
finds the numbering consistent again). File `damage` in the root directory, away from the
journal's own directory (docs/journal.md "Flash damage").

    D record body = first record number u32 | count u32   (numbers the damage took)
    A record body = the same                              (recovered sheets the PC answered)

Entries are only ever appended; a run already logged is not logged again.
"""

from firmware import records
from protocol.runs import merge_runs

PATH = "damage"
T_DAMAGE = 0x44  # "D": record numbers the damage took
T_ANSWERED = 0x41  # "A": recovered sheets the PC has acknowledged or rejected
MAX_RUNS = 64  # what one STATUS reply carries (protocol/sync_messages.py MAX_RUNS)


class DamageLog:
    def __init__(self, fs):
        self.fs = fs
        self.problems = []
        self._runs = []
        self._answered = []
        if fs is None or not fs.exists(PATH):
            return
        try:
            with records.RecordFile(fs, PATH) as rf:
                for rtype, body, _ in rf:
                    if rtype in (T_DAMAGE, T_ANSWERED) and len(body) == 8:
                        run = [records.u32(body, 0), records.u32(body, 4)]
                        (self._runs if rtype == T_DAMAGE else self._answered).append(run)
            if rf.outcome == records.DAMAGED:
                self.problems.append("journal des dommages endommage: lecture partielle")
        except OSError:
            self.problems.append("journal des dommages illisible")

    def runs(self):
        """Every record number logged, as ascending disjoint runs [first, count]."""
        return merge_runs(self._runs)

    def answered(self):
        """Runs of recovered sheets the PC has answered (never sent again)."""
        return [list(r) for r in self._answered]

    def note_answered(self, runs) -> None:
        for first, count in runs:
            self._answered.append([first, count])
            self._append(T_ANSWERED, first, count)

    def _append(self, rtype, first, count):
        if self.fs is not None:
            body = first.to_bytes(4, "big") + count.to_bytes(4, "big")
            try:
                records.append(self.fs, PATH, records.frame(rtype, body))
            except OSError:
                self.problems.append("journal des dommages non ecrit")

    def note(self, runs) -> int:
        """Log the runs not logged yet; returns how many were added. Never raises for the
        flash: damage is also kept in RAM (and shown) when it cannot be written."""
        added = 0
        for first, count in runs:
            if self._covered(first, count):
                continue
            self._runs.append([first, count])
            added += 1
            self._append(T_DAMAGE, first, count)
        return added

    def _covered(self, first, count):
        for f, c in self._runs:
            if f <= first and first + count <= f + c:
                return True
        return False

    def affected(self) -> int:
        """How many record numbers the log names."""
        return sum(c for _, c in self.runs())
