"""YAML parsing with libyaml when available (PyYAML's pure-Python parser is ~10x slower)."""

from __future__ import annotations

from typing import Any

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse one YAML document safely."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader (C or Python)
