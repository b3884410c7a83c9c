"""The consent panels on other apps' pages (portal/panels.py): the collaboration page's
consent summary and the family home's consents waiting for an answer."""

from __future__ import annotations

from typing import Any

from access.scoping import Viewer
from consent import selectors, services


def case_detail(
    viewer: Viewer,
    *,
    case: Any,
    guardianships: list[Any] | None = None,
    assessments: dict[int, str | None] | None = None,
) -> dict[str, Any]:
    """The consent summary of one case for staff: the versions in force the viewer may see,
    whether they manage consents, and what their own agency may see now. Fixed queries
    (`guardianships`, `assessments`: what the page has read already, see `build_cards`).
    The panel shows each consent's purpose and state, not its recipients: their rows are
    not read (the case's consent page lists them)."""
    if not viewer.is_staff:
        return {"consent_panel": {"cards": [], "manages": False, "my_categories": []}}
    grants = selectors.active_grants(viewer, case)
    return {
        "consent_panel": {
            "cards": selectors.case_cards(
                viewer,
                case,
                own_grants=grants.consent_ids,
                guardianships=guardianships,
                assessments=assessments,
                with_recipients=False,
            ),
            "manages": services.manages(viewer, case),
            "my_categories": grants.category_labels,
        }
    }


def home_family(viewer: Viewer) -> dict[str, Any]:
    return {"consents_waiting": selectors.waiting_for_me(viewer) if viewer.is_family else []}
