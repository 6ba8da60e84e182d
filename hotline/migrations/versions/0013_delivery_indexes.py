"""campaign_deliveries: partial indexes that stay small with millions of finished rows

The claim, "is this campaign finished?", lease recovery and Zalo's sends of the day each read
only the rows they need (pending, open, sent) instead of an index over every status; the
created_at index serves the retention purge.

Revision ID: 0013
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('pending', 'claimed', 'sending')"
LEASED = "status IN ('claimed', 'sending')"


def _partial(name: str, columns: list[str], where: str) -> None:
    op.create_index(
        name,
        "campaign_deliveries",
        columns,
        postgresql_where=sa.text(where),
        sqlite_where=sa.text(where),
    )


def upgrade() -> None:
    op.drop_index("ix_campaign_deliveries_due", table_name="campaign_deliveries")
    _partial("ix_campaign_deliveries_claim", ["id"], "status = 'pending'")
    _partial("ix_campaign_deliveries_claim_test", ["id"], "status = 'pending' AND is_test")
    _partial("ix_campaign_deliveries_open", ["campaign_id"], OPEN)
    _partial("ix_campaign_deliveries_leased", ["claimed_until"], LEASED)
    _partial("ix_campaign_deliveries_sent", ["channel", "sent_at"], "status = 'sent'")
    op.create_index("ix_campaign_deliveries_created_at", "campaign_deliveries", ["created_at"])


def downgrade() -> None:
    for name in ("claim", "claim_test", "open", "leased", "sent", "created_at"):
        op.drop_index(f"ix_campaign_deliveries_{name}", table_name="campaign_deliveries")
    op.create_index(
        "ix_campaign_deliveries_due", "campaign_deliveries", ["status", "next_attempt_at"]
    )
