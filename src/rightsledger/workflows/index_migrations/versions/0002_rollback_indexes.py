"""Indexes on the block of dataset items and codes: a rollback from a fork point deletes by block.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("dataset_items_by_block", "dataset_items", ["block"], if_not_exists=True)
    op.create_index("codes_by_block", "codes", ["block"], if_not_exists=True)
