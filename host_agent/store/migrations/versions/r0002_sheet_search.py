"""The sheets page at a year's scale (issue 20 item 1; docs/web.md "Feuilles de soins"):
the patient's name becomes two columns of `sheets`, filled at filing (store/sheets.py),
here once for the sheets already filed by decoding their bundles; the sheet's state a
column the store keeps, computed here once; and the indexes the page's filters and sorts
use (tables.py, the items marked SINCE_0002).

Revision ID: 0002
"""

from alembic import op

from host_agent.store import sheet_search, tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sheets = tables.metadata.tables["sheets"]
    for name in ("patient", "patient_key", "state"):  # NOT NULL DEFAULT '': no table copy on SQLite
        op.add_column("sheets", sheets.c[name]._copy())
    for table in tables.metadata.sorted_tables:
        for index in table.indexes:
            if index.info.get("revision") == revision:
                op.create_index(index.name, table.name, [c.name for c in index.columns])
    sheet_search.backfill_patients(op.get_bind())
    sheet_search.restate_all(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("the agent never goes back to an older schema")
