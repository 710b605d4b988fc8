"""Analysts' corrections of coded reports, and where each report comes from.

Adds `corrections` (accept, reject, edit or add, with the document's content hash and the evidence
span, re-applied after every coding of the document) and `events.provenance` (coder, accepted,
corrected, added, or the dataset's name), filled for what is stored.

Revision ID: 0006_corrections
Revises: 0005_events_and_reports
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_corrections"
down_revision = "0005_events_and_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("provenance", sa.String(16)))
    op.execute("UPDATE events SET provenance = CASE WHEN origin = 'text' THEN 'coder' ELSE origin END")
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("doc_id", sa.String(512), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("report_id", sa.String(255)),
        sa.Column("evidence_start", sa.Integer, nullable=False),
        sa.Column("evidence_end", sa.Integer, nullable=False),
        sa.Column("evidence_text", sa.Text, nullable=False),
        sa.Column("original", sa.JSON),
        sa.Column("event", sa.JSON),
        sa.Column("author", sa.String(255)),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("applied_to", sa.String(255)),
        sa.PrimaryKeyConstraint("id", name="pk_corrections"),
    )
    op.create_index("ix_corrections_doc_id", "corrections", ["doc_id"])


def downgrade() -> None:
    op.drop_index("ix_corrections_doc_id", table_name="corrections")
    op.drop_table("corrections")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("provenance")
