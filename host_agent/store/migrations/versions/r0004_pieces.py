"""The sheets' scanned prescriptions (issue 20 item 7, SCOR; docs/web.md "Pièces
justificatives"): a piece's bytes as checked, its SHA-256, who attached it. Written out here, not read from tables_added.py: a later change
there does not rewrite this step of a database's history.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

from host_agent.store.tables import BLOB, INT, TEXT

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pieces",
        sa.Column("id", INT, primary_key=True, autoincrement=True),
        sa.Column("sheet_id", INT, sa.ForeignKey("sheets.id"), nullable=False),
        sa.Column("media_type", TEXT, nullable=False),
        sa.Column("name", TEXT, nullable=False),
        sa.Column("size", INT, nullable=False),
        sa.Column("dpi", INT, nullable=False),
        sa.Column("pages", INT, nullable=False),
        sa.Column("digest", BLOB, nullable=False),
        sa.Column("content", BLOB),
        sa.Column("added", INT, nullable=False),
        sa.Column("added_by", TEXT, nullable=False),
        sa.Column("purged", INT),
    )
    op.create_index("pieces_sheet", "pieces", ["sheet_id", "id"])


def downgrade() -> None:
    raise NotImplementedError("the agent never goes back to an older schema")
