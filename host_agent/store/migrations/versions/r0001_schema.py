"""The agent's tables as schema 6 of the SQLite-only migrations left them
(host_agent/store/schema.py), on either backend: the base every later revision builds on.
A SQLite file made by a release before Alembic is brought to schema 6 by those migrations
and stamped with this revision, not built again (host_agent/store/migrations/__init__.py).

Revision ID: 0001
"""

from alembic import op

from host_agent.store import tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# Schema 6's tables: the tables later revisions add to tables.py are theirs to create.
SCHEMA_6 = (
    "terminals pairings certificates sheets quarantine access_log sync_sessions "
    "opposition_versions opposition opposition_changes settings lot_numbers lots lot_sheets "
    "lot_sendings fund_acks paper_duplicates fund_returns sheet_returns prescriptions rounds "
    "round_entries"
).split()


def upgrade() -> None:
    # tables.py is the newest schema; what a later revision added is marked there with its
    # revision and left out here (tables.as_of), that revision adding it; the tables later
    # revisions create are theirs (only schema 6's here).
    schema = tables.as_of(revision)
    schema.create_all(op.get_bind(), tables=[schema.tables[name] for name in SCHEMA_6])


def downgrade() -> None:
    raise NotImplementedError("the agent never goes back to an older schema")
