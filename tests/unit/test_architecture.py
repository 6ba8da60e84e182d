"""The dependency direction (README, "Architecture") as import-linter contracts, on every import.

The contracts live in pyproject.toml ([tool.importlinter]); `make lint` runs them too. This
test keeps them in the suite CI runs, and checks that each one still bites.
"""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "pyproject.toml"
WEB = {"hotline.web", "hotline.api", "hotline.console"}


def test_the_contracts_hold() -> None:
    assert lint_imports(config_filename=str(CONFIG), no_cache=True, no_logo=True) == 0


def test_the_contracts_are_the_ones_the_readme_names() -> None:
    contracts = tomllib.loads(CONFIG.read_text("utf-8"))["tool"]["importlinter"]["contracts"]
    assert {c["type"] for c in contracts} == {"layers", "forbidden", "independence"}
    layers = [c["layers"] for c in contracts if c["type"] == "layers"]
    assert layers == [["bot", "hotline", "nlu"], ["bot.channels", "bot.dialogs"]]
    forbidden = {m for c in contracts if c["type"] == "forbidden" for m in c["forbidden_modules"]}
    assert forbidden == {"telegram", "fastapi", "starlette", "rasa"} | WEB
    independent = [c["modules"] for c in contracts if c["type"] == "independence"]
    assert independent == [["hotline.api", "hotline.console"]]


def test_every_back_office_package_is_kept_off_the_web_layer() -> None:
    # A new domain package is covered only once it is listed in the contract.
    contracts = tomllib.loads(CONFIG.read_text("utf-8"))["tool"]["importlinter"]["contracts"]
    sources = next(
        set(c["source_modules"]) for c in contracts if set(c.get("forbidden_modules", ())) == WEB
    )
    packages = {
        f"hotline.{p.stem}"
        for p in (ROOT / "hotline").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    assert sources == packages - WEB


@pytest.mark.parametrize(
    ("where", "line"),
    [
        ("hotline/kit/zz_probe.py", "from bot import runtime\n"),
        ("nlu/zz_probe.py", "from hotline import config\n"),
        ("hotline/tips/zz_probe.py", "import telegram\n"),
        ("bot/dialogs/zz_probe.py", "import telegram\n"),
        ("hotline/tips/zz_probe.py", "from fastapi import Request\n"),
        ("nlu/zz_probe.py", "import rasa\n"),
        ("hotline/api/routes/zz_probe.py", "from hotline.console import pages\n"),
        ("hotline/console/zz_probe.py", "from hotline.api.routes import tips\n"),
        ("hotline/tips/zz_probe.py", "from hotline.web import deps\n"),
        ("bot/dialogs/zz_probe.py", "from bot.channels import text\n"),
    ],
)
def test_each_rule_bites(where: str, line: str, tmp_path: Path) -> None:
    # A copy of the three packages with one forbidden import added: the contracts must fail.
    for package in ("bot", "hotline", "nlu"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    (tmp_path / where).write_text(line, encoding="utf-8")
    run = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), str(CONFIG), "--no-cache", "--no-logo"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "zz_probe" in run.stdout
