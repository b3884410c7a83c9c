"""Writes on the support directory. Keyword-only, the actor first, one transaction, audit.

Entries: only admins of the agency that keeps an entry create, change or unpublish it.
Plan links: only the case's coordinator links an entry into an action of the joint plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import policy
from access.scoping import Viewer
from agencies.models import Agency, Principal
from directory.models import MAX_AGE, NeedKind, PlanActionLink, SupportEntry
from portal import audit

TEXT_FIELDS = [
    "name",
    "summary",
    "for_whom",
    "how_to_apply",
    "provider",
    "cost",
    "phone",
    "email",
    "website",
    "address",
]
REQUIRED = {
    "name": gettext_lazy("Skriv vad stödet heter."),
    "summary": gettext_lazy("Beskriv vad stödet är."),
    "for_whom": gettext_lazy("Skriv vem stödet är till för."),
    "how_to_apply": gettext_lazy("Skriv hur man ansöker eller tar kontakt."),
}


class DirectoryError(Exception):
    """A request the directory services refuse; the message is shown to the user as it is."""


def _require_admin(viewer: Viewer) -> None:
    if not viewer.is_agency_admin:
        raise DirectoryError(_("Bara verksamhetens administratör kan ändra i stödkatalogen."))


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {name: (data.get(name) or "").strip() for name in TEXT_FIELDS}
    for name, message in REQUIRED.items():
        if not cleaned[name]:
            raise DirectoryError(str(message))
    if not (cleaned["phone"] or cleaned["email"] or cleaned["website"] or cleaned["address"]):
        raise DirectoryError(_("Ange minst ett sätt att ta kontakt: telefon, e-post, webbplats eller adress."))
    age_min, age_max = data.get("age_min", 0), data.get("age_max", MAX_AGE)
    if age_min is None or age_max is None or not 0 <= age_min <= age_max <= MAX_AGE:
        raise DirectoryError(
            _("Åldrarna ska vara mellan 0 och %(max)s, och från-åldern högst till-åldern.") % {"max": MAX_AGE}
        )
    cleaned.update(age_min=age_min, age_max=age_max, nationwide=bool(data.get("nationwide")))
    return cleaned


def _save(
    entry: SupportEntry,
    *,
    viewer: Viewer,
    data: dict[str, Any],
    needs: Iterable[NeedKind],
    municipalities: Iterable[Principal],
    principal: Principal,
) -> None:
    needs = list(needs)
    municipalities = [m for m in municipalities if m.kind == Principal.Kind.MUNICIPALITY]
    if not needs:
        raise DirectoryError(_("Välj minst en typ av behov som stödet gäller."))
    for name, value in data.items():
        setattr(entry, name, value)
    entry.principal = principal
    entry.updated_at = timezone.now()
    entry.updated_by_id = viewer.user_id
    entry.search_text = entry.build_search_text([n.name for n in needs])
    entry.save()
    entry.needs.set(needs)
    entry.municipalities.set(municipalities)


def entry_create(
    *,
    viewer: Viewer,
    data: dict[str, Any],
    needs: Iterable[NeedKind],
    municipalities: Iterable[Principal] = (),
    principal: Principal | None = None,
) -> SupportEntry:
    """An agency admin adds an entry kept by their own agency. The responsible principal
    defaults to the agency's own; the entry is available in the agency's municipality
    when no municipality is chosen."""
    _require_admin(viewer)
    assert viewer.agency_id is not None  # an agency admin is staff, so acts for an agency
    cleaned = _clean(data)
    agency = Agency.objects.select_related("principal").get(pk=viewer.agency_id)
    principal = principal or agency.principal
    municipalities = list(municipalities)
    if not municipalities and principal.kind == Principal.Kind.MUNICIPALITY:
        municipalities = [principal]
    with transaction.atomic():
        entry = SupportEntry(agency=agency, principal=principal, created_at=timezone.now())
        _save(entry, viewer=viewer, data=cleaned, needs=needs, municipalities=municipalities, principal=principal)
        audit.record(viewer=viewer, action="directory.entry_created", obj=entry)
    return entry


def entry_update(
    *,
    viewer: Viewer,
    entry: SupportEntry,
    data: dict[str, Any],
    needs: Iterable[NeedKind],
    municipalities: Iterable[Principal] = (),
    principal: Principal | None = None,
) -> SupportEntry:
    """Change an entry of the viewer's own agency."""
    _require_admin(viewer)
    if entry.agency_id != viewer.agency_id:
        raise DirectoryError(_("Bara verksamheten som håller uppgifterna kan ändra dem."))
    cleaned = _clean(data)
    with transaction.atomic():
        _save(
            entry,
            viewer=viewer,
            data=cleaned,
            needs=needs,
            municipalities=municipalities,
            principal=principal or entry.principal,
        )
        audit.record(viewer=viewer, action="directory.entry_updated", obj=entry)
    return entry


def entry_set_published(*, viewer: Viewer, entry: SupportEntry, published: bool) -> SupportEntry:
    """Publish or unpublish an entry of the viewer's own agency. Unpublished entries
    vanish from the public directory and the API; links already in plans stay."""
    _require_admin(viewer)
    if entry.agency_id != viewer.agency_id:
        raise DirectoryError(_("Bara verksamheten som håller uppgifterna kan ändra dem."))
    with transaction.atomic():
        entry.is_published = published
        entry.updated_at = timezone.now()
        entry.updated_by_id = viewer.user_id
        entry.save(update_fields=["is_published", "updated_at", "updated_by"])
        audit.record(
            viewer=viewer, action="directory.entry_published" if published else "directory.entry_unpublished", obj=entry
        )
    return entry


def plan_action_link(*, viewer: Viewer, action: Any, entry: SupportEntry) -> PlanActionLink:
    """The coordinator links a published directory entry into an action of the joint
    plan. `action` must have been fetched through the policy (visible to the viewer).
    Linking the same entry twice changes nothing."""
    case = action.case
    if not policy.is_coordinator_of(viewer, case):
        raise DirectoryError(_("Bara samordnaren kan koppla stöd till planen."))
    if not case.is_open:
        raise DirectoryError(_("Samverkan är avslutad."))
    if not entry.is_published:
        raise DirectoryError(_("Stödet finns inte längre i stödkatalogen."))
    try:
        with transaction.atomic():
            link, created = PlanActionLink.objects.get_or_create(
                action=action,
                entry=entry,
                defaults={"case": case, "author_agency_id": viewer.agency_id, "created_by_id": viewer.user_id},
            )
            if created:
                audit.record(
                    viewer=viewer,
                    action="plan.support_linked",
                    obj=link,
                    case_id=case.pk,
                    data={"action": str(action.uuid), "entry": str(entry.uuid)},
                )
    except IntegrityError:
        # Linked already by another agency's coordinator, out of this viewer's sight.
        raise DirectoryError(_("Stödet är redan kopplat till insatsen.")) from None
    return link


def plan_action_unlink(*, viewer: Viewer, link: PlanActionLink) -> None:
    """The coordinator removes a link (fetched through the policy)."""
    case = link.case
    if not policy.is_coordinator_of(viewer, case):
        raise DirectoryError(_("Bara samordnaren kan ändra planen."))
    with transaction.atomic():
        audit.record(
            viewer=viewer,
            action="plan.support_unlinked",
            obj=link,
            case_id=case.pk,
            data={"action": str(link.action.uuid), "entry": str(link.entry.uuid)},
        )
        link.delete()
