"""`canhgiac keys rotate`: every encrypted column moves to the new key, old data stays readable."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from hotline.casework import service as casework
from hotline.conversations import service as conversations
from hotline.db.session import unit_of_work
from hotline.kit.crypto import Cipher, DecryptionError, generate_key
from hotline.rotation import encrypted_columns
from hotline.subscribers import service as subscribers
from hotline.tips import service as tips
from hotline.tips.models import Tip
from hotline.tips.photos import sanitize
from hotline.users import service as users
from hotline.users import totp
from hotline.users.models import StaffUser
from tests.tips.test_service import draft

CANHGIAC = str(Path(sys.executable).with_name("canhgiac"))


def rotate(
    db_url: str, secret: str, data: str, previous: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """The real command, as an operator runs it (no .env file in the way)."""
    env = {
        **os.environ,
        "CANHGIAC_DATABASE_URL": db_url,
        "CANHGIAC_SECRET_KEY": secret,
        "CANHGIAC_DATA_KEY": data,
        "CANHGIAC_DATA_KEY_PREVIOUS": previous,
    }
    return subprocess.run(
        [CANHGIAC, "keys", "rotate"], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def photo() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def every_value(hotline_rt) -> dict[str, list[bytes]]:  # type: ignore[no-untyped-def]
    """Every stored ciphertext, by column (the TOTP token without its state prefix)."""
    found: dict[str, list[bytes]] = {}
    with unit_of_work(hotline_rt.sessions) as s:
        for table, column in encrypted_columns():
            values = s.execute(select(column).where(column.is_not(None))).scalars().all()
            found[f"{table.name}.{column.name}"] = list(values)
        secrets_ = s.execute(
            select(StaffUser.totp_secret).where(StaffUser.totp_secret.is_not(None))
        )
        found["staff_users.totp_secret"] = [
            v.split(":", 1)[1].encode() for v in secrets_.scalars().all()
        ]
    return found


def test_rotate_reencrypts_every_column_and_old_data_stays_readable(
    hotline_rt, db_url, keys, tmp_path
) -> None:
    cipher = hotline_rt.cipher
    with unit_of_work(hotline_rt.sessions) as s:
        tip = tips.submit_tip(s, hotline_rt, draft(what="Người lạ ở bến xe, biển 12A")).tip
        tips.add_hotline_message(s, cipher, tip, "op1", "Xe màu gì?")
        tips.add_attachment(s, cipher, tip, sanitize(photo()))
        tips.add_draft_photo(s, cipher, "draft-ref-0001", sanitize(photo()))
        casework.add_note(s, cipher, tip, "op1", "Ghi chú nội bộ")
        conversations.save_state(s, cipher, "k" * 64, "webchat", {"lang": "vi", "flow": "tip"})
        subscribers.subscribe(
            s, cipher, key="s" * 64, channel="telegram", address="123456", topics=["job_offer"]
        )
        user = users.create_user(s, "op1", "mat-khau-du-dai-123", "operator")
        totp.begin(cipher, user)
        tip_id, stamp = tip.id, tip.updated_at
    before = every_value(hotline_rt)
    filled = {name for name, values in before.items() if values}
    assert filled >= {
        "tips.content_enc",
        "tip_messages.body_enc",
        "tip_attachments.content_enc",
        "tip_draft_photos.content_enc",
        "tip_notes.body_enc",
        "conversation_states.state_enc",
        "subscribers.address_enc",
        "staff_users.totp_secret",
    }

    new = generate_key()
    done = rotate(db_url, keys["secret"], new, keys["data"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "tips.content_enc: 1" in done.stdout and "staff_users.totp_secret: 1" in done.stdout

    # The new key alone reads every value; the old key alone reads none of them.
    only_new, only_old = Cipher(new.encode()), Cipher(keys["data"].encode())
    after = every_value(hotline_rt)
    for name, values in after.items():
        assert len(values) == len(before[name]), name
        for value in values:
            only_new.decrypt(value)
            try:
                only_old.decrypt(value)
            except DecryptionError:
                continue
            raise AssertionError(f"{name} still under the old key")
    with unit_of_work(hotline_rt.sessions) as s:
        tip = s.get(Tip, tip_id)
        assert tips.decrypt_content(only_new, tip)["what"].startswith("Người lạ ở bến xe")
        assert tip.updated_at == stamp  # re-encrypting moves no time stamp
        assert [e.text for e in tips.thread(s, only_new, tip)] == ["Xe màu gì?"]

    # Without the key the data was written under, nothing is lost: it says so and exits 1.
    lost = rotate(db_url, keys["secret"], generate_key(), "", tmp_path)
    assert lost.returncode == 1
    assert "unreadable" in lost.stdout + lost.stderr and "Traceback" not in lost.stderr
