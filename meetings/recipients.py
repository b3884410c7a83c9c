"""Who is told about a meeting, and where. Called by the services (and the mail task)
after they have checked access; reads run in the system scope because they cross
agencies by design (an invitation goes to another agency's staff)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Q

from access.scoping import system_scope
from meetings.models import Invitation, Meeting


@dataclass(frozen=True)
class Recipient:
    """One person to tell: a portal user (with the agency they act for), or an address."""

    user_id: int | None
    agency_id: int | None
    email: str
    external: bool = False
    language: str = "sv"


# A team row whose named contact can be reached: an active membership of that same
# agency, of an active user (also the meeting page's "reachable", `invitable_agencies`).
REACHABLE_CONTACT = Q(contact__agency_id=F("agency_id"), contact__is_active=True, contact__user__is_active=True)


def _reachable_contacts(case_id: int) -> Q:
    """Team rows of the case, still in the team, whose named contact can be reached."""
    return Q(case_id=case_id, left_at__isnull=True) & REACHABLE_CONTACT


def agency_user_ids(case_id: int, agency_id: int) -> list[int]:
    """The agency's contact person(s) in the case's team (DESIGN rule 20). Never the
    agency's other staff: they see the meeting under consent but are not told of it. An
    agency without a contact person gets an empty list (`agencies_without_contact` lets
    the coordinator know)."""
    from cases.models import TeamMember

    with system_scope():
        return sorted(
            set(
                TeamMember.objects.filter(_reachable_contacts(case_id), agency_id=agency_id).values_list(
                    "contact__user_id", flat=True
                )
            )
        )


def agencies_without_contact(case_id: int, agency_ids: Iterable[int | None]) -> list[int]:
    """Those of `agency_ids` that nobody in them would hear of an invitation from: no
    reachable contact person in the case's team. One query."""
    from cases.models import TeamMember

    wanted = {a for a in agency_ids if a is not None}
    if not wanted:
        return []
    with system_scope():
        reached = set(
            TeamMember.objects.filter(_reachable_contacts(case_id), agency_id__in=wanted).values_list(
                "agency_id", flat=True
            )
        )
    return sorted(wanted - reached)


def for_invitation(invitation: Invitation) -> list[Recipient]:
    """Everyone one invitation reaches. A person with protected identity is reached in
    the portal only (no e-mail address is returned for them)."""
    from portal.models import User

    with system_scope():
        if invitation.agency_id:
            ids = agency_user_ids(invitation.case_id, invitation.agency_id)
            users = User.objects.filter(pk__in=ids, is_active=True).values_list("pk", "email", "language")
            return [
                Recipient(user_id=pk, agency_id=invitation.agency_id, email=email, language=lang)
                for pk, email, lang in users
            ]
        if invitation.guardian_id:
            guardian = invitation.guardian
            assert guardian is not None
            user = guardian.user
            email = "" if guardian.protected_identity else (user.email if user else guardian.email)
            return [
                Recipient(
                    user_id=user.pk if user else None,
                    agency_id=None,
                    email=email,
                    language=user.language if user else "sv",
                )
            ]
        if invitation.for_child:
            child = invitation.case.child
            user = child.user
            if user is None:
                return []
            email = "" if child.protected_identity else user.email
            return [Recipient(user_id=user.pk, agency_id=None, email=email, language=user.language)]
        external = invitation.external
        if external is None or not external.email:
            return []
        return [Recipient(user_id=None, agency_id=None, email=external.email, external=True)]


def for_invitations(invitations: list[Invitation]) -> list[tuple[Invitation, list[Recipient]]]:
    return [(invitation, for_invitation(invitation)) for invitation in invitations]


def coordinator_ids(meeting: Meeting) -> list[int]:
    """The case's coordinator and whoever called the meeting."""
    with system_scope():
        case = meeting.case
        return [uid for uid in {case.coordinator_id, meeting.created_by_id} if uid]


def family_user_ids(case_id: int, *, include_child: bool) -> list[int]:
    from cases.models import Case, Guardianship

    with system_scope():
        case = Case.objects.select_related("child").get(pk=case_id)
        ids = list(
            Guardianship.objects.filter(
                child_id=case.child_id, has_custody=True, guardian__user__isnull=False
            ).values_list("guardian__user_id", flat=True)
        )
        if include_child and case.child.user_id:
            ids.append(case.child.user_id)
    return ids
