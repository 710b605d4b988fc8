"""One (date_lo, date_hi) index instead of two single-column ones.

`events --since` filters on date_hi but lists in date_lo order; with both columns in one index
the filter is checked inside the index while it is read in order (bench/scale_store.py: the
--since queries at 100k documents went from several hundred ms to a few).

Revision ID: 0004_date_range_index
Revises: 0003_drop_weak_indexes
Create Date: 2026-11-22
"""

from alembic import op

revision = "0004_date_range_index"
down_revision = "0003_drop_weak_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_date_lo_date_hi", "events", ["date_lo", "date_hi"])
    op.drop_index("ix_events_date_lo", table_name="events")
    op.drop_index("ix_events_date_hi", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_date_hi", "events", ["date_hi"])
    op.create_index("ix_events_date_lo", "events", ["date_lo"])
    op.drop_index("ix_events_date_lo_date_hi", table_name="events")
