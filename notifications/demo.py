"""Demo data of this app (called by web.demo.seed inside system scope)."""

from __future__ import annotations

from typing import Any


def seed(world: dict[str, Any]) -> dict[str, Any]:
    return {}
