"""Casework: note scopes (hotline-only / one agency) and agency outcomes on recipients

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db.base

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTCOME = (
    ("outcome_verified", sa.String(length=16)),
    ("victims_identified", sa.Integer()),
    ("victims_children", sa.Integer()),
    ("victims_rescued", sa.Integer()),
    ("victims_supported", sa.Integer()),
    ("support_kinds", sa.JSON()),
    ("case_opened", sa.Boolean()),
    ("prosecuted", sa.Boolean()),
    ("outcome_at", hotline.db.base.UTCDateTime(timezone=True)),
    ("outcome_by", sa.String(length=64)),
)


def upgrade() -> None:
    with op.batch_alter_table("tip_notes") as batch:
        batch.add_column(
            sa.Column("scope", sa.String(length=16), nullable=False, server_default="hotline")
        )
        batch.add_column(sa.Column("agency_code", sa.String(length=64), nullable=True))
    # Notes written by agency users so far were shared with their agency only.
    op.execute(
        "UPDATE tip_notes SET scope = 'agency', agency_code = ("
        " SELECT staff_users.agency_code FROM staff_users"
        " WHERE staff_users.username = tip_notes.author AND staff_users.role = 'agency')"
        " WHERE EXISTS (SELECT 1 FROM staff_users WHERE staff_users.username = tip_notes.author"
        " AND staff_users.role = 'agency')"
    )
    with op.batch_alter_table("tip_recipients") as batch:
        for name, type_ in OUTCOME:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tip_recipients") as batch:
        for name, _ in reversed(OUTCOME):
            batch.drop_column(name)
    with op.batch_alter_table("tip_notes") as batch:
        batch.drop_column("agency_code")
        batch.drop_column("scope")
