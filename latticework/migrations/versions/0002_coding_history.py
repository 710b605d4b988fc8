"""Coding history: one row per coding of one document version (ingest and recode).

Revision ID: 0002_coding_history
Revises: 0001_initial
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_coding_history"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "codings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("doc_id", sa.String(512), nullable=False),
        sa.Column("doc_version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("coder_version", sa.String(64), nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.Column("coded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n_events", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_codings"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_codings_run_id_runs"),
    )
    op.create_index("ix_codings_doc_id_doc_version", "codings", ["doc_id", "doc_version"])


def downgrade() -> None:
    op.drop_index("ix_codings_doc_id_doc_version", table_name="codings")
    op.drop_table("codings")
