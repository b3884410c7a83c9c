"""What every case service checks first, and the small reads they share."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from access import events, policy
from access.scoping import Viewer, system_scope
from cases.models import Case, Guardianship


class CaseError(Exception):
    """A request the case services refuse; the message is shown to the user as it is."""


class CaseRefused(CaseError):
    """A refusal for who the viewer is (not the coordinator, not staff), on a collaboration
    they can see: the API answers 403 where other CaseErrors are 400."""


def require_staff(viewer: Viewer) -> None:
    if not viewer.is_staff:
        raise CaseRefused(_("Bara personal i en verksamhet kan göra det här."))


def require_visible(viewer: Viewer, case: Case) -> None:
    """The viewer may see the collaboration (the same answer for missing and forbidden)."""
    if not policy.can_view(viewer, case):
        raise CaseError(_("Samverkan finns inte, eller så har du inte tillgång till den."))


def require_coordinator(viewer: Viewer, case: Case, message: str | None = None) -> None:
    """Only the coordinator (or, before one is appointed, the opener's agency) may do this."""
    if not policy.is_coordinator_of(viewer, case):
        raise CaseRefused(message or _("Bara samordnaren kan göra det här."))


def require_open(case: Case) -> None:
    if not case.is_open:
        raise CaseError(_("Samverkan är avslutad och kan inte ändras."))


def clean_text(value: str | None) -> str:
    return (value or "").strip()


def check_family_author(case: Case, guardian_id: int | None) -> None:
    """A family-written item names one of the child's own guardians."""
    if guardian_id is None:
        return
    with system_scope():
        ok = Guardianship.objects.filter(child_id=case.child_id, guardian_id=guardian_id).exists()
    if not ok:
        raise CaseError(_("Välj en av barnets vårdnadshavare."))


def active_membership(membership_id: int | None) -> Any:
    """An active membership in an active agency (staff names and agencies are not child data)."""
    from agencies.models import Membership

    if not membership_id:
        return None
    with system_scope():
        return (
            Membership.objects.select_related("user", "agency")
            .filter(pk=membership_id, is_active=True, agency__is_active=True, user__is_active=True)
            .first()
        )


def family_user_ids(case: Case) -> list[int]:
    """Users of the custodial guardians and of the child (for 'something is waiting')."""
    from cases.models import Child

    with system_scope():
        users = list(
            Guardianship.objects.filter(
                child_id=case.child_id, has_custody=True, guardian__user__isnull=False
            ).values_list("guardian__user_id", flat=True)
        )
        child_user = Child.objects.filter(pk=case.child_id).values_list("user_id", flat=True).first()
    if child_user:
        users.append(child_user)
    return users


def notify_family(case: Case, kind: str) -> None:
    events.announce(
        events.notice,
        sender="cases",
        recipients=family_user_ids(case),
        kind=kind,
        case=case,
        target_url=reverse("cases:family_plan", args=[case.uuid]),
    )


def notify_agency(case: Case, agency_id: int, kind: str) -> None:
    """Tell the agency's team contact (or, without one, its active staff) about the case."""
    from agencies.models import Membership
    from cases.models import TeamMember

    with system_scope():
        contact = (
            TeamMember.objects.filter(case=case, agency_id=agency_id, contact__isnull=False)
            .values_list("contact__user_id", flat=True)
            .first()
        )
        recipients = (
            [contact]
            if contact
            else list(
                Membership.objects.filter(agency_id=agency_id, is_active=True).values_list("user_id", flat=True)[:20]
            )
        )
    events.announce(
        events.notice,
        sender="cases",
        recipients=recipients,
        kind=kind,
        case=case,
        agency_id=agency_id,
        target_url=reverse("cases:detail", args=[case.uuid]),
    )
