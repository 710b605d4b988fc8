"""Blocks whose events a long write left out of date, clustered at the end of the run.

Clustering every touched block in every batch made a long ingest cost the size of each block once
per batch (0.30 of ingest time at 100k documents); deferring it to the end of the run (and every
few thousand documents) clusters each block once.

Revision ID: 0007_pending_blocks
Revises: 0006_corrections
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_pending_blocks"
down_revision = "0006_corrections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_blocks",
        sa.Column("block_key", sa.String(24), nullable=False),
        sa.PrimaryKeyConstraint("block_key", name="pk_pending_blocks"),
    )


def downgrade() -> None:
    op.drop_table("pending_blocks")
