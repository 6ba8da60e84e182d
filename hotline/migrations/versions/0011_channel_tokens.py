"""channel_tokens: rotating platform tokens (Zalo OA access + refresh), encrypted, with a lease

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db.base

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_tokens",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("access_enc", sa.LargeBinary(), nullable=False),
        sa.Column("refresh_enc", sa.LargeBinary(), nullable=False),
        sa.Column("access_expires_at", hotline.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", hotline.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("alerted_at", hotline.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", hotline.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_channel_tokens")),
    )


def downgrade() -> None:
    op.drop_table("channel_tokens")
