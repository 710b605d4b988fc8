"""Initial schema: runs, documents, events, event participants, actors.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("command", sa.String(32), nullable=False),
        sa.Column("coder_version", sa.String(64)),
        sa.Column("inputs", sa.Text),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("host", sa.String(255)),
        sa.Column("pid", sa.Integer),
        sa.Column("n_new", sa.Integer, nullable=False, server_default="0"),
        sa.Column("n_unchanged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("n_updated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("n_events", sa.Integer, nullable=False, server_default="0"),
        sa.Column("n_problems", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(512), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("source", sa.String(255)),
        sa.Column("url", sa.Text),
        sa.Column("published", sa.String(32)),
        sa.Column("language", sa.String(16)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("ingested_at", TZ, nullable=False),
        sa.Column("coder_version", sa.String(64), nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_documents_run_id_runs"),
    )
    op.create_index("ix_documents_coder_version", "documents", ["coder_version"])
    op.create_index("ix_documents_source", "documents", ["source"])
    op.create_table(
        "events",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("doc_id", sa.String(512)),
        sa.Column("doc_version", sa.Integer),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(32)),
        sa.Column("framework", sa.String(32)),
        sa.Column("date", sa.String(16)),
        sa.Column("date_lo", sa.String(10)),
        sa.Column("date_hi", sa.String(10)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("hedged", sa.Boolean, nullable=False),
        sa.Column("location_name", sa.Text),
        sa.Column("location_country", sa.String(16)),
        sa.Column("evidence_text", sa.Text),
        sa.Column("evidence_start", sa.Integer),
        sa.Column("evidence_end", sa.Integer),
        sa.Column("confidence", sa.Float),
        sa.Column("cameo", sa.String(16)),
        sa.Column("coder_version", sa.String(64)),
        sa.Column("run_id", sa.Integer),
        sa.Column("extra", sa.JSON),
        sa.PrimaryKeyConstraint("event_id", name="pk_events"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_events_run_id_runs"),
    )
    for cols in (["doc_id"], ["type", "mode"], ["framework"], ["date_lo"], ["date_hi"], ["status"], ["origin"]):
        op.create_index("ix_events_" + "_".join(cols), "events", cols)
    op.create_table(
        "event_participants",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "role", "position", name="pk_event_participants"),
        sa.ForeignKeyConstraint(["event_id"], ["events.event_id"], ondelete="CASCADE",
                                name="fk_event_participants_event_id_events"),
    )
    op.create_index("ix_event_participants_actor_event_id", "event_participants", ["actor", "event_id"])
    op.create_table(
        "actors",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_actors"),
    )


def downgrade() -> None:
    op.drop_table("actors")
    op.drop_index("ix_event_participants_actor_event_id", table_name="event_participants")
    op.drop_table("event_participants")
    for cols in (["doc_id"], ["type", "mode"], ["framework"], ["date_lo"], ["date_hi"], ["status"], ["origin"]):
        op.drop_index("ix_events_" + "_".join(cols), table_name="events")
    op.drop_table("events")
    op.drop_index("ix_documents_source", table_name="documents")
    op.drop_index("ix_documents_coder_version", table_name="documents")
    op.drop_table("documents")
    op.drop_table("runs")
