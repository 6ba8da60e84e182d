"""Usage: python scripts/new_migration.py REV_ID DOWN_REVISION "message"."""

import sys

from hotline.db.migrate import revision

if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    revision(sys.argv[3], sys.argv[1], sys.argv[2])
