"""tip_recipients: the agency's outcome also says whether the case was solved and tried

The provincial plans measure investigation (cases solved of cases opened), prosecution and
trial rates (Lào Cai 2023: > 90 %, 95 %, 90 %); the outcome form recorded only "case opened"
and "prosecuted".

Revision ID: 0014
Revises: 0012 (tip_recipients outcomes; 0013 is the campaign branch)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tip_recipients") as batch:
        batch.add_column(sa.Column("case_solved", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("tried", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tip_recipients") as batch:
        batch.drop_column("tried")
        batch.drop_column("case_solved")
