"""tip_reply_handles: drop consents keyed by the conversation (linkable with the keys)

Handles used to be a keyed hash of the conversation's pseudonym: with the secret key and a known
user id they tied a person to a tip. Handles are now a hash of a random token that only the
person's chat holds; the old ones cannot be converted (the token does not exist), so they go.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM tip_reply_handles")


def downgrade() -> None:
    pass  # deleted consents cannot come back (and must not)
