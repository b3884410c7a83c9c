"""The improvement-work panel on the staff home page (portal/panels.py)."""

from __future__ import annotations

from typing import Any

from access.scoping import Viewer
from insights import selectors


def home_staff(viewer: Viewer) -> dict[str, Any]:
    """What the viewer may do here: read the management reports, record gaps."""
    if not viewer.is_staff:
        return {"insights_access": {"management": False, "record": False}}
    return {
        "insights_access": {"management": selectors.is_management(viewer), "record": selectors.can_record_gaps(viewer)}
    }
