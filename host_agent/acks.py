"""The funds' acknowledgements of lots in the older `tla-ack/1` file (docs/lots.md,
"Acknowledgement file"), for `tla-agent acks import`: a positive one closes its lot; a
negative one frees its sheets for a new lot.

The file is checked and applied by host_agent/returns.py, which reads it as the
`tla-return/1` it means (lots only, docs/returns.md): one checker for both formats. A
malformed file, an unknown lot or an acknowledgement that contradicts an earlier one
changes nothing.
"""

from pathlib import Path

from host_agent import returns

FORMAT = returns.ACK_FORMAT
ACCEPTED, REJECTED = "accepted", "rejected"
AckError = returns.ReturnError  # refused: one English line, its French twin, exit code 1
MAX_FILE_BYTES = returns.MAX_FILE_BYTES


class Ack:
    """One acknowledgement: the lot row, accepted or not, the fund's day, its reason."""

    def __init__(self, answer: returns.LotAnswer):
        self.lot = answer.lot
        self.accepted = answer.received
        self.day = answer.day
        self.reason = answer.reason
        self.already = answer.already  # the same acknowledgement was imported before


class Outcome:
    """What an import did: the acknowledgements, and the new lots built for the sheets of
    rejected lots (or why none could be built)."""

    def __init__(self, outcome: returns.Outcome):
        self.acks = [Ack(a) for a in outcome.lots]
        self.lots = outcome.lots  # returns.LotAnswer each (cli/common.said_lots)
        self.new_lots = outcome.new_lots
        self.build_problem = outcome.build_problem


def apply(store, path, now: int) -> Outcome:
    """Import the tla-ack/1 file at `path` in one transaction, then put the sheets of
    rejected lots into new lots. AckError (nothing changed) when refused."""
    raw = returns.read_file(path)
    data = returns.load(raw, Path(path).name)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AckError(
            '%s is not an acknowledgement file (no "format": "%s")' % (path, FORMAT),
            '%s n\'est pas un fichier d\'accusés de réception (pas de "format": "%s")'
            % (path, FORMAT),
        )
    return Outcome(returns.apply(store, raw, Path(path).name, now, data=data))
