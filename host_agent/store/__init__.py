"""The practice's database, and every SQL statement of the agent (docs/agent.md, "The
database"): a SQLite file in WAL mode (the default) or a PostgreSQL database shared by the
practice's PCs (location.py), through SQLAlchemy Core (connection.py, engines.py), one
schema for both (tables.py) built and upgraded by Alembic revisions the agent runs itself
(migrations/; schema.py: the SQLite migrations before them), its rows of their columns'
types (rows.py), and one module per table group:

- base.py: opening, migrating, transactions (one writer at a time on both backends);
- copy.py: `tla-agent db copy`, a whole database onto another backend;
- terminals.py: terminals, pairings, certificates, sync sessions, settings;
- leases.py: which PC is syncing a terminal (one at a time, a dead holder's lease lapses);
- sheets.py: filed sheets and the quarantine, a batch filed in one transaction;
- sheet_search.py: the sheets page's search, filters, sorts, pages and totals;
- access.py: access log, opposition list, the per-terminal listings;
- lots.py: lots, their sheets, sendings, paper duplicates (NOT_IN_LOT defined once);
- followup.py: the funds' acknowledgements, retention, what waits;
- returns.py: the funds' returns per sheet, the transmitted sheets' states, a sheet purged;
- checks.py: the read-only reads of `tla-agent check`;
- rounds.py: prescriptions and the day's rounds (docs/round.md);
- people.py: the practice's accounts and the PC's access log (who saw what, R162-1-10 c);
- pieces.py: the sheets' scanned prescriptions (SCOR), carried by lots, purged with them.

A sync commits a whole batch in one transaction, and only then does the agent acknowledge
it to the terminal. Outside this package, host_agent holds no SQL (tests/test_build.py).
"""

from host_agent.store.access import Logs
from host_agent.store.base import Base, StoreConflict, StoreError
from host_agent.store.followup import FollowUp
from host_agent.store.leases import Leases
from host_agent.store.lots import LotTables
from host_agent.store.people import People
from host_agent.store.pieces import Pieces
from host_agent.store.returns import FundReturns
from host_agent.store.rounds import RoundTables
from host_agent.store.sheet_search import SheetSearch
from host_agent.store.sheets import Sheets
from host_agent.store.terminals import Terminals

__all__ = ["Store", "StoreConflict", "StoreError"]


class Store(
    Base,
    Terminals,
    Leases,
    Sheets,
    SheetSearch,
    Logs,
    LotTables,
    FollowUp,
    FundReturns,
    RoundTables,
    People,
    Pieces,
):
    """The agent's database: `Store(path or URL)` opens (or creates, a file 0600) and
    migrates it."""

    def __init__(self, where, quick_check: bool = True):
        self.leases_held = {}  # leases.py
        super().__init__(where, quick_check)

    def close(self) -> None:
        """Close the connection, the sync leases' locks dropped first (leases.py)."""
        try:
            self.close_leases()
        finally:
            super().close()
