"""staff TOTP secret: widen to Text (encrypted secret does not fit String(64))

Revision ID: 0007
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.alter_column(
            "totp_secret",
            existing_type=sa.String(length=64),
            type_=sa.Text(),
            existing_nullable=True,
        )


def downgrade() -> None:
    # Encrypted secrets do not fit the old width: they are dropped (2FA must be set up again).
    op.execute("UPDATE staff_users SET totp_secret = NULL")
    with op.batch_alter_table("staff_users") as batch:
        batch.alter_column(
            "totp_secret",
            existing_type=sa.Text(),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
