"""The dependency direction of spec/architecture.md, enforced on every import."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports(package: str) -> list[tuple[Path, str]]:
    found = []
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(path, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((path, node.module))
    return found


def test_hotline_never_imports_bot() -> None:
    bad = [(p, m) for p, m in imports("hotline") if m == "bot" or m.startswith("bot.")]
    assert not bad, bad


def test_only_channels_import_telegram() -> None:
    bad = [
        (p, m)
        for pkg in ("bot", "hotline", "nlu")
        for p, m in imports(pkg)
        if (m == "telegram" or m.startswith("telegram.")) and "bot/channels" not in p.as_posix()
    ]
    assert not bad, bad


def test_nlu_never_imports_rasa_or_the_app() -> None:
    bad = [(p, m) for p, m in imports("nlu") if m.split(".")[0] in {"rasa", "bot", "hotline"}]
    assert not bad, bad


def test_fastapi_only_at_the_web_boundary() -> None:
    # The web entry: the back-office app, the bot app and its webhook routes.
    allowed = ("hotline/api/", "hotline/console/", "bot/web.py", "bot/channels/webhooks.py")
    bad = [
        (p, m)
        for pkg in ("bot", "hotline", "nlu")
        for p, m in imports(pkg)
        if m.split(".")[0] in {"fastapi", "starlette"}
        and not any(a in p.as_posix() for a in allowed)
    ]
    assert not bad, bad
