"""The practice's people and the PC's access log (issue 19 item 4; docs/agent.md "Accounts"):
an account per person (professional with an RPPS number, secretary, administrator; an
argon2id hash), and who saw what on the PC's pages and commands (R162-1-10 c). The tables
are written out here, not read from tables.py: a later change there does not rewrite this
step of a database's history.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

from host_agent.store.tables import INT, TEXT, ZERO

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", INT, primary_key=True, autoincrement=True),
        sa.Column("login", TEXT, nullable=False, unique=True),
        sa.Column("name", TEXT, nullable=False),
        sa.Column("role", TEXT, nullable=False),
        sa.Column("rpps", TEXT),
        sa.Column("password", TEXT, nullable=False),
        sa.Column("disabled", INT, nullable=False, server_default=ZERO),
        sa.Column("created", INT, nullable=False),
        sa.Column("changed", INT, nullable=False),
    )
    op.create_table(
        "pc_access_log",
        sa.Column("id", INT, primary_key=True, autoincrement=True),
        sa.Column("at", INT, nullable=False),
        sa.Column("account_id", INT, sa.ForeignKey("accounts.id")),
        sa.Column("who", TEXT, nullable=False),
        sa.Column("via", TEXT, nullable=False),
        sa.Column("what", TEXT, nullable=False),
        sa.Column("sheet_id", INT),
    )
    op.create_index("pc_access_log_who", "pc_access_log", ["who", "id"])


def downgrade() -> None:
    raise NotImplementedError("the agent never goes back to an older schema")
