"""Reviews carry a version, so an API client's save of a stale copy is refused.

Revision ID: 1b7dc0844fd5
Revises: baa7f79a4db2
Create Date: 2026-11-22 00:35:32.136368

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1b7dc0844fd5"
down_revision = "baa7f79a4db2"
branch_labels = None
depends_on = None


def upgrade():
    # In place on both dialects, not a batch rebuild: on SQLite a rebuild drops the table, and
    # with foreign keys on that would cascade to the reviews' scores and revisions.
    op.add_column("reviews", sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    op.drop_column("reviews", "version")
