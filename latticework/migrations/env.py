"""Alembic environment: runs on the engine the Store hands over in config.attributes["engine"]."""

from alembic import context
from sqlalchemy import create_engine

from latticework.store.models import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # e.g. the `alembic` command line with -x url=...
    engine = create_engine(context.get_x_argument(as_dictionary=True)["url"])

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
