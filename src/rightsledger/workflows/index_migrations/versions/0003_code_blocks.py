"""The codes index's block hashes: a reorganisation of the chain rolls its codes back from the fork point.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not sa.inspect(op.get_bind()).has_table("code_blocks"):
        op.create_table(
            "code_blocks",
            sa.Column("number", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("hash", sa.Text, nullable=False),
        )
