"""An agency shares information with the team: a summary, never its record."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from access.scoping import Viewer
from cases.models import Case, SharedItem
from cases.services._common import CaseError, clean_text, require_open, require_staff, require_visible
from consent.models import InformationCategory
from portal import audit


def shared_item_create(*, viewer: Viewer, case: Case, category_id: int | None, title: str, body: str) -> SharedItem:
    """Share an item authored by the viewer's agency, in exactly one information category.

    Other agencies see it only while an effective consent covers (that agency, the
    category) — decided by the policy, not here.
    """
    require_staff(viewer)
    require_visible(viewer, case)
    require_open(case)
    title, body = clean_text(title), clean_text(body)
    if not category_id or not InformationCategory.objects.filter(pk=category_id, is_active=True).exists():
        raise CaseError(_("Välj vilken sorts uppgifter det är."))
    if not title:
        raise CaseError(_("Skriv en rubrik."))
    if not body:
        raise CaseError(_("Skriv vad du vill dela."))
    with transaction.atomic():
        item = SharedItem.objects.create(
            case=case,
            author_agency_id=viewer.agency_id,
            created_by_id=viewer.user_id,
            category_id=category_id,
            title=title[:200],
            body=body,
        )
        audit.record(
            viewer=viewer, action="shared.item_created", obj=item, case_id=case.pk, data={"category": category_id}
        )
    return item
