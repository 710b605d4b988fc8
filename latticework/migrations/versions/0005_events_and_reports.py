"""Reports and events: rows of `events` become reports, clustered into `event_clusters`.

Adds the stories of documents (near-duplicate detection: `documents.story_id`, `story_source`,
`doc_signatures`, `doc_bands`), the clustering columns of reports (`block_key`, `cluster_id`,
`source_key`, `seen`) and the events table, then fills them for what is already stored
(latticework.store.clusters.backfill), so an older store lists events at once.

Revision ID: 0005_events_and_reports
Revises: 0004_date_range_index
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_events_and_reports"
down_revision = "0004_date_range_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("story_id", sa.String(512)))
        batch.add_column(sa.Column("story_source", sa.String(255)))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("block_key", sa.String(24)))
        batch.add_column(sa.Column("cluster_id", sa.String(16)))
        batch.add_column(sa.Column("source_key", sa.String(512)))
        batch.add_column(sa.Column("seen", sa.String(10)))
        batch.create_index("ix_events_block_key", ["block_key"])
        batch.create_index("ix_events_cluster_id", ["cluster_id"])
    op.create_table(
        "doc_bands",
        sa.Column("band", sa.String(24), nullable=False),
        sa.Column("doc_id", sa.String(512), nullable=False),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.id"], name="fk_doc_bands_doc_id_documents",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("band", "doc_id", name="pk_doc_bands"),
    )
    op.create_table(
        "doc_signatures",
        sa.Column("doc_id", sa.String(512), nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.id"], name="fk_doc_signatures_doc_id_documents",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("doc_id", name="pk_doc_signatures"),
    )
    op.create_table(
        "event_clusters",
        sa.Column("cluster_id", sa.String(16), nullable=False),
        sa.Column("block_key", sa.String(24), nullable=False),
        sa.Column("rep_id", sa.String(255), nullable=False),
        sa.Column("n_reports", sa.Integer, nullable=False),
        sa.Column("n_documents", sa.Integer, nullable=False),
        sa.Column("n_stories", sa.Integer, nullable=False),
        sa.Column("n_sources", sa.Integer, nullable=False),
        sa.Column("first_seen", sa.String(10)),
        sa.Column("last_seen", sa.String(10)),
        sa.PrimaryKeyConstraint("cluster_id", name="pk_event_clusters"),
    )
    op.create_index("ix_event_clusters_block_key", "event_clusters", ["block_key"])
    op.create_index("ix_event_clusters_rep_id", "event_clusters", ["rep_id"], unique=True)
    op.create_index("ix_event_clusters_n_sources", "event_clusters", ["n_sources"])

    from latticework.store.clusters import backfill

    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("event_clusters")
    op.drop_table("doc_signatures")
    op.drop_table("doc_bands")
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_cluster_id")
        batch.drop_index("ix_events_block_key")
        batch.drop_column("seen")
        batch.drop_column("source_key")
        batch.drop_column("cluster_id")
        batch.drop_column("block_key")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("story_source")
        batch.drop_column("story_id")
