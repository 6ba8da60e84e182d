"""Pure rules: urgency triage and photo sanitising."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from hotline.tips.models import Urgency
from hotline.tips.photos import MAX_DIMENSION, PhotoError, sanitize
from hotline.tips.triage import TriageInput, assess


@pytest.mark.parametrize(
    "text",
    [
        "Em tôi đang bị giữ ở Bavet, không cho về",
        "em toi dang bi giu o campuchia",
        "cứu em với, họ đánh em",
        "Họ thu hộ chiếu của chị ấy rồi",
        "They beat him and locked him in",
        "bọn chúng đòi tiền chuộc 10.000 USD",
    ],
)
def test_imminent_danger_is_crisis(text: str) -> None:
    t = assess(TriageInput(text=text))
    assert t.urgency == Urgency.CRISIS and "imminent_danger" in t.reasons


@pytest.mark.parametrize(("child", "reason"), [("yes", "child"), ("unsure", "child_uncertain_age")])
def test_child_or_uncertain_age_is_crisis(child: str, reason: str) -> None:
    t = assess(TriageInput(text="tuyển người làm việc", child=child))
    assert t.urgency == Urgency.CRISIS and reason in t.reasons


def test_ongoing_border_movement_is_crisis() -> None:
    t = assess(
        TriageInput(text="họ đang đưa chị ấy sang bên kia", destination_country="Trung Quốc")
    )
    assert t.urgency == Urgency.CRISIS and "border_movement" in t.reasons
    t = assess(TriageInput(text="dang qua bien gioi bang duong mon"))
    assert t.urgency == Urgency.CRISIS


def test_urgent_request_from_emergency_is_crisis() -> None:
    assert assess(TriageInput(text="", urgent=True)).urgency == Urgency.CRISIS


def test_high_rules() -> None:
    assert assess(TriageInput(text="rủ đi làm", destination_country="Campuchia")).reasons == [
        "high_risk_destination"
    ]
    assert assess(TriageInput(text="x", people_at_risk=4)).urgency == Urgency.HIGH
    assert assess(TriageInput(text="x", reporter_is_victim=True)).urgency == Urgency.HIGH
    assert assess(TriageInput(text="x", tactic="organ")).urgency == Urgency.HIGH


def test_normal_and_no_false_alarms() -> None:
    for text in ("nghiên cứu việc làm ở Nhật", "thấy quảng cáo việc nhẹ lương cao", ""):
        t = assess(TriageInput(text=text, child="no", people_at_risk=1))
        assert t.urgency == Urgency.NORMAL and t.reasons == [], text
    assert assess(TriageInput(text="đang đưa đi", destination_country="Việt Nam")).urgency == (
        Urgency.NORMAL
    )


def _png(size: tuple[int, int], mode: str = "RGBA") -> bytes:
    buf = io.BytesIO()
    img = Image.new(mode, size, (1, 2, 3, 4) if mode == "RGBA" else (1, 2, 3))
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "secret place")
    img.save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def test_png_keeps_transparency_but_drops_text_chunks() -> None:
    out = sanitize(_png((300, 200)))
    assert out.mime == "image/png" and b"secret place" not in out.data
    assert Image.open(io.BytesIO(out.data)).mode == "RGBA"


def test_large_images_are_shrunk_and_bad_input_refused() -> None:
    out = sanitize(_png((5000, 1000), "RGB"))
    img = Image.open(io.BytesIO(out.data))
    assert img.format == "JPEG" and max(img.size) == MAX_DIMENSION
    with pytest.raises(PhotoError) as e:
        sanitize(b"\x00" * 100)
    assert e.value.reason == "unsupported"
    with pytest.raises(PhotoError) as e:
        sanitize(b"\xff" * (10 * 1024 * 1024 + 1))
    assert e.value.reason == "too_large"
