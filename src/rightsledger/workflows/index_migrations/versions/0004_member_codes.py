"""The content codes of collection members: `coded_collections` (each collection registered with
codes, its members manifest's URI and whether it was loaded) and `member_codes` (one row per coded
member, as `codes` has per registered work).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coded_collections",
        sa.Column("collection_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("block", sa.BigInteger, nullable=False),
        sa.Column("codes_root", sa.Text, nullable=False),
        sa.Column("manifest_uri", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "member_codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("collection_id", sa.BigInteger, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("header", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("media", sa.Text, nullable=False),
        sa.Column("block", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("collection_id", "content_hash"),
        if_not_exists=True,
    )
    op.create_index("member_codes_by_block", "member_codes", ["block"], if_not_exists=True)
