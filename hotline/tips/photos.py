"""Photos: decoded, re-encoded from pixels only (no EXIF, GPS, ICC or comments), size-capped."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 5
MAX_DIMENSION = 2048
# Refuse decompression bombs well before they exhaust memory. A JPEG is decoded at a reduced
# scale (draft mode: 1/2 to 1/8), so a big camera photo costs little; other formats decode in
# full (4 bytes a pixel, a few copies), hence their lower cap: a 49-megapixel PNG cost 666 MB.
MAX_PIXELS = 50_000_000
MAX_FULL_DECODE_PIXELS = 16_000_000
_ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}


class PhotoError(ValueError):
    """A photo we cannot accept; `reason` is a catalogue key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanPhoto:
    """Re-encoded image bytes and their type."""

    data: bytes
    mime: str


def sanitize(raw: bytes) -> CleanPhoto:
    """Decode, apply orientation, shrink, and re-encode from raw pixels into a fresh image."""
    if len(raw) > MAX_PHOTO_BYTES:
        raise PhotoError("too_large")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
            if fmt not in _ACCEPTED:
                raise PhotoError("unsupported")
            w, h = probe.size
            cap = MAX_PIXELS if fmt == "JPEG" else MAX_FULL_DECODE_PIXELS
            if w * h > cap:
                raise PhotoError("too_large")
            probe.seek(0)
            if fmt == "JPEG":
                probe.draft("RGB", (MAX_DIMENSION, MAX_DIMENSION))
            # Shrink first, then turn upright: the rotation copies the small image, not the big.
            probe.thumbnail((MAX_DIMENSION, MAX_DIMENSION))
            img = ImageOps.exif_transpose(probe) or probe
            img.load()
            keep_png = fmt == "PNG" and img.mode in ("RGBA", "LA", "P")
            pixels = img.convert("RGBA" if keep_png else "RGB")
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoError("unsupported") from exc
    # A brand-new image from the pixel data alone: no info dict, so nothing can be carried over.
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if keep_png:
        clean.save(out, format="PNG", optimize=True)
        return CleanPhoto(out.getvalue(), "image/png")
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return CleanPhoto(out.getvalue(), "image/jpeg")
