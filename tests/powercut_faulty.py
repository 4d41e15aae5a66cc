"""Deliberately broken journals, for tests/test_powercut.py: the power-cut bench must catch
each of them (a checker that cannot fail proves nothing)."""

from emulator.workday import SyntheticDay
from firmware import records
from firmware.accesslog_flash import FlashAccessLog
from firmware.journal import Journal


class _OrdersInRamOnly(Journal):
    def reserve_order(self, pro_id):
        # The bug: the number is handed out before it is written down.
        pro = int(pro_id)
        n = self._next_order.get(pro, 1)
        self._ceiling[pro] = max(self._ceiling.get(pro, 0), n)
        self._next_order[pro] = n + 1
        return n


class _SavedBeforeCommit(Journal):
    _later = None

    def _write(self, fn, path, data):
        # The bug: an append is reported done, but only written with the next write.
        if self._later is not None:
            later, self._later = self._later, None
            later[0](self.fs, later[1], later[2])
        if fn is records.append:
            self._later = (fn, path, data)
        else:
            fn(self.fs, path, data)


class ReusesOrders(SyntheticDay):
    def open_storage(self, board):
        fs = board.filesystem()
        return _OrdersInRamOnly(fs, segment_bytes=self.segment_bytes), FlashAccessLog(fs)


class SavesTooEarly(SyntheticDay):
    def open_storage(self, board):
        fs = board.filesystem()
        return _SavedBeforeCommit(fs, segment_bytes=self.segment_bytes), FlashAccessLog(fs)
