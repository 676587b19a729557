"""The index's tables: meta, blocks, events, datasets, dataset_items (the event index) and codes
(the content codes of registered works).

A file written before the index had migrations already has some of them (the event index's
file its five, the codes file meta and codes): this step creates only what is missing, and the
file is then at this revision with its rows untouched.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _create(name: str, *columns: sa.Column[object] | sa.Constraint) -> None:
    if not sa.inspect(op.get_bind()).has_table(name):
        op.create_table(name, *columns)


def upgrade() -> None:
    _create("meta", sa.Column("key", sa.Text, primary_key=True), sa.Column("value", sa.Text, nullable=False))
    _create(
        "blocks",
        sa.Column("number", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.Text, nullable=False),
    )
    _create(
        "events",
        sa.Column("block", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("log_index", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("tx", sa.Text, nullable=False),
        sa.Column("contract", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("content_hash", sa.Text),
        sa.Column("dataset_id", sa.BigInteger),
        sa.Column("args", sa.Text, nullable=False),
    )
    op.create_index("events_by_hash", "events", ["content_hash", "block"], if_not_exists=True)
    op.create_index("events_by_dataset", "events", ["dataset_id", "block"], if_not_exists=True)
    _create(
        "datasets",
        sa.Column("dataset_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("block", sa.BigInteger, nullable=False),
        sa.Column("declarer", sa.Text, nullable=False),
        sa.Column("root", sa.Text, nullable=False),
        sa.Column("use", sa.Text, nullable=False),
        sa.Column("item_count", sa.BigInteger, nullable=False),
        sa.Column("manifest_uri", sa.Text, nullable=False),
        sa.Column("manifest_status", sa.Text, nullable=False),
    )
    _create(
        "dataset_items",
        sa.Column("dataset_id", sa.BigInteger, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("block", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("content_hash", "dataset_id"),
    )
    _create(
        "codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("content_hash", sa.Text, nullable=False, unique=True),
        sa.Column("header", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("media", sa.Text, nullable=False),
        sa.Column("registration_id", sa.BigInteger, nullable=False),
        sa.Column("block", sa.BigInteger, nullable=False),
    )
