"""How much one sync takes from a terminal (docs/agent.md, "Limits of a sync"). A terminal
(or anything on its port) may send endless bad sheets, an access log that always says
"more", a stream of certificates, or claim 2^40 sheets in STATUS: past a limit the sync
commits what it has, stops, and says which limit was reached and why. The limits are far
above what an honest terminal sends: a 16 MiB flash holds about 40,000 sheets.
"""

from host_agent.errors import EXIT_LIMIT, SyncError


class Limits:
    """The limits of one sync; each may be changed for a test or a bench."""

    def __init__(
        self,
        quarantine=1000,
        log_entries=50_000,
        certs=256,
        batch_bytes=1 << 20,
        sync_bytes=64 << 20,
        unacked=100_000,
    ):
        self.quarantine = quarantine  # sheets sent to quarantine in one sync
        self.log_entries = log_entries  # access-log entries filed in one sync
        self.certs = certs  # new certificates filed in one sync
        self.batch_bytes = batch_bytes  # bytes held in RAM before a commit (not a stop)
        self.sync_bytes = sync_bytes  # bytes received in one sync
        self.unacked = unacked  # unacknowledged sheets STATUS may claim


class LimitReached(SyncError):
    """A limit of Limits was reached: the sync stopped after committing what it had."""

    def __init__(self, what, limit, why):
        super().__init__(
            "the sync stopped at its limit of %s %s: %s; what was received before is filed, "
            "the rest stays on the terminal" % (format(limit, ","), what, why),
            EXIT_LIMIT,
        )


def check(limits, summary, batch, bytes_in) -> None:
    """Raise LimitReached when what this sync received passes a limit (`batch`: the one
    being filled; it is committed by the caller before the raise reaches the user)."""
    if summary.rejected + len(batch.rejected) >= limits.quarantine:
        raise LimitReached(
            "sheets quarantined",
            limits.quarantine,
            "this many sheets failing verification means a damaged or hostile terminal",
        )
    if summary.certs + len(batch.certs) > limits.certs:
        raise LimitReached(
            "new certificates", limits.certs, "a terminal holds a few cards' certificates"
        )
    if bytes_in > limits.sync_bytes:
        raise LimitReached(
            "bytes received", limits.sync_bytes, "more than any terminal's flash holds"
        )


def log_limit(limits, filed) -> None:
    if filed >= limits.log_entries:
        raise LimitReached(
            "access-log entries",
            limits.log_entries,
            "the terminal's access log does not end",
        )
