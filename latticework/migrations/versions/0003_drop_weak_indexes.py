"""Drop the indexes on events.status and events.origin.

Each holds a handful of distinct values, so no query plan uses them to narrow a search, while every
ingested event paid for their upkeep (measured with bench/scale_store.py).

Revision ID: 0003_drop_weak_indexes
Revises: 0002_coding_history
Create Date: 2026-11-21
"""

from alembic import op

revision = "0003_drop_weak_indexes"
down_revision = "0002_coding_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_events_status", table_name="events")
    op.drop_index("ix_events_origin", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_origin", "events", ["origin"])
    op.create_index("ix_events_status", "events", ["status"])
