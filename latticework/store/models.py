"""Table definitions: the single source of truth that the Alembic revisions must reproduce.

SQLAlchemy Core tables (not ORM classes) because the store works in bulk: whole batches of
documents and events are written with executemany, which the ORM would only slow down.
"""

from __future__ import annotations

import sqlalchemy as sa

# A naming convention makes constraint names identical on SQLite and PostgreSQL, so the
# migrations and the models can be compared name by name.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

TZ = sa.DateTime(timezone=True)

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("command", sa.String(32), nullable=False),  # ingest | recode | import
    sa.Column("coder_version", sa.String(64)),
    sa.Column("inputs", sa.Text),
    sa.Column("started_at", TZ, nullable=False),
    sa.Column("finished_at", TZ),
    sa.Column("status", sa.String(16), nullable=False),  # running | done | failed | interrupted
    sa.Column("host", sa.String(255)),
    sa.Column("pid", sa.Integer),
    sa.Column("n_new", sa.Integer, nullable=False, server_default="0"),
    sa.Column("n_unchanged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("n_updated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("n_events", sa.Integer, nullable=False, server_default="0"),
    sa.Column("n_problems", sa.Integer, nullable=False, server_default="0"),
)

documents = sa.Table(
    "documents", metadata,
    sa.Column("id", sa.String(512), primary_key=True),
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
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id")),
    # The story this document tells: its own id, or that of the earlier document it nearly copies
    # (a wire story republished by other outlets); story_source is that story's first outlet.
    sa.Column("story_id", sa.String(512)),
    sa.Column("story_source", sa.String(255)),
    sa.Index(None, "coder_version"),
    sa.Index(None, "source"),
)

# MinHash LSH of each document's text (latticework.cluster): one row per band of its signature.
doc_bands = sa.Table(
    "doc_bands", metadata,
    sa.Column("band", sa.String(24), primary_key=True),
    sa.Column("doc_id", sa.String(512), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
)

doc_signatures = sa.Table(
    "doc_signatures", metadata,
    sa.Column("doc_id", sa.String(512), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("signature", sa.LargeBinary, nullable=False),
)

# One row per coding of one document version: the history of how each document was coded.
codings = sa.Table(
    "codings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("doc_id", sa.String(512), nullable=False),
    sa.Column("doc_version", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("coder_version", sa.String(64), nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id")),
    sa.Column("coded_at", TZ, nullable=False),
    sa.Column("n_events", sa.Integer, nullable=False),
    sa.Index(None, "doc_id", "doc_version"),
)

# doc_id is deliberately not a foreign key: events imported from GDELT/ICEWS/... name source
# documents that the store never holds.
events = sa.Table(
    "events", metadata,
    sa.Column("event_id", sa.String(255), primary_key=True),
    sa.Column("doc_id", sa.String(512)),
    sa.Column("doc_version", sa.Integer),
    sa.Column("origin", sa.String(32), nullable=False),  # "text" or the dataset name
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("mode", sa.String(32)),
    sa.Column("framework", sa.String(32)),
    sa.Column("date", sa.String(16)),
    sa.Column("date_lo", sa.String(10)),  # ISO day range the EDTF date (or the publication) covers
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
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id")),
    sa.Column("extra", sa.JSON),
    # Reports -> events (latticework.cluster): the block a report is clustered in, the event it
    # belongs to, the source it counts for, and the day it was first published.
    sa.Column("block_key", sa.String(24)),
    sa.Column("cluster_id", sa.String(16)),
    sa.Column("source_key", sa.String(512)),
    sa.Column("seen", sa.String(10)),
    # Where the report comes from: coder | accepted | corrected | added (an analyst's correction,
    # latticework.store.corrections) or the dataset's name for imported events.
    sa.Column("provenance", sa.String(16)),
    sa.Index(None, "doc_id"),
    sa.Index(None, "block_key"),
    sa.Index(None, "cluster_id"),
    sa.Index(None, "type", "mode"),
    sa.Index(None, "framework"),
    sa.Index(None, "date_lo", "date_hi"),
)

# One row per event: a cluster of the reports (rows of `events`) of one real-world event.
event_clusters = sa.Table(
    "event_clusters", metadata,
    sa.Column("cluster_id", sa.String(16), primary_key=True),
    sa.Column("block_key", sa.String(24), nullable=False),
    sa.Column("rep_id", sa.String(255), nullable=False),  # the representative report
    sa.Column("n_reports", sa.Integer, nullable=False),
    sa.Column("n_documents", sa.Integer, nullable=False),
    sa.Column("n_stories", sa.Integer, nullable=False),
    sa.Column("n_sources", sa.Integer, nullable=False),
    sa.Column("first_seen", sa.String(10)),
    sa.Column("last_seen", sa.String(10)),
    sa.Index(None, "block_key"),
    sa.Index(None, "rep_id", unique=True),
    sa.Index(None, "n_sources"),
)

# Blocks whose events are out of date: a long write (ingest, recode, import) notes them here and
# clusters them at the end of the run, or every few thousand documents (Store.cluster_pending).
pending_blocks = sa.Table(
    "pending_blocks", metadata,
    sa.Column("block_key", sa.String(24), primary_key=True),
)

participants = sa.Table(
    "event_participants", metadata,
    sa.Column("event_id", sa.String(255), sa.ForeignKey("events.event_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.String(8), primary_key=True),  # actor | target
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("actor", sa.String(16), nullable=False),
    sa.Index(None, "actor", "event_id"),
)

actors = sa.Table(
    "actors", metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("kind", sa.String(16), nullable=False),  # state | organisation | grouping | other
)


# An analyst's corrections of coded reports, kept apart from the coder's output and applied again
# after every coding of their document (latticework.store.corrections).
corrections = sa.Table(
    "corrections", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action", sa.String(8), nullable=False),  # accept | reject | edit | add
    sa.Column("doc_id", sa.String(512), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),  # the text the correction was made on
    sa.Column("report_id", sa.String(255)),  # the report corrected (null for add)
    sa.Column("evidence_start", sa.Integer, nullable=False),
    sa.Column("evidence_end", sa.Integer, nullable=False),
    sa.Column("evidence_text", sa.Text, nullable=False),
    sa.Column("original", sa.JSON),  # type, mode, actors, targets of the report as the coder had it
    sa.Column("event", sa.JSON),  # edit: the fields changed; add: the whole event
    sa.Column("author", sa.String(255)),
    sa.Column("note", sa.Text),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # applied | orphaned (its span is gone)
    sa.Column("applied_to", sa.String(255)),  # the report it now applies to
    sa.Index(None, "doc_id"),
)
