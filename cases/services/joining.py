"""The family brings two collaborations for the same child together (DESIGN rule 17).

Two agencies may each run a collaboration for the same child without knowing of each
other: an agency that cannot see a child with the number it typed registers its own
record (`case_open`). Only the family sees both. The family decides whether the agencies
learn of each other:

1. a guardian with custody of the child in both collaborations asks (`case_join_request`),
   choosing which collaboration continues; nothing reaches any agency yet;
2. every guardian with custody, in either collaboration, agrees in the portal
   (`case_join_agree`); any of them can stop it (`case_join_withdraw`);
3. when the last one agrees, in one transaction: the other collaboration's team (agencies
   with their contact persons) and external contacts join the one that continues, the
   other collaboration closes (its consents end with it), both coordinators are told, and
   the family is asked for consent for the agencies that joined, for the categories of
   information they had before. Until the family grants it, the agencies that joined see
   nothing of the continuing collaboration (being in the team gives no access).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import events, policy
from access.policy import in_force
from access.scoping import STAFF, Viewer, system_scope
from cases.models import Case, CaseJoin, CaseJoinAgreement, ExternalContact, Guardianship, TeamMember
from cases.services._common import CaseError
from portal import audit

JOIN_PURPOSE = _("Samverkan förd samman på familjens begäran")


def _custodial(case: Case) -> list[Guardianship]:
    with system_scope():
        return list(Guardianship.objects.filter(child_id=case.child_id, has_custody=True).select_related("guardian"))


def _is_custodial_guardian(viewer: Viewer, case: Case) -> bool:
    return (
        viewer.is_family
        and viewer.role == "guardian"
        and any(g.guardian.user_id == viewer.user_id for g in _custodial(case))
    )


def required_user_ids(join: CaseJoin) -> set[int | None]:
    """The accounts that must agree: every guardian with custody in either collaboration
    (None stands for a guardian without a portal account, who cannot agree yet)."""
    return {g.guardian.user_id for case in (join.keep, join.absorb) for g in _custodial(case)}


def join_candidates(*, viewer: Viewer) -> list[list[Case]]:
    """For a guardian: groups of two or more open collaborations they can see for the same
    child (by personal identity number), where they have custody in each."""
    if not (viewer.is_family and viewer.role == "guardian"):
        return []
    cases = list(
        policy.visible_to(Case, viewer).filter(status=Case.Status.OPEN).select_related("child").order_by("opened_at")
    )
    groups: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        groups[case.child.personal_number].append(case)
    return [group for group in groups.values() if len(group) > 1]


def _load(viewer: Viewer, case: Case) -> Case:
    fresh = policy.visible_to(Case, viewer).filter(pk=case.pk).select_related("child").first()
    if fresh is None:
        raise CaseError(_("Samarbetet finns inte."))
    return fresh


def case_join_request(*, viewer: Viewer, keep: Case, absorb: Case) -> CaseJoin:
    """A guardian asks to bring `absorb` into `keep` (the one that continues)."""
    if not (viewer.is_family and viewer.role == "guardian"):
        raise CaseError(_("Bara vårdnadshavare kan be om att föra samman samarbeten."))
    keep, absorb = _load(viewer, keep), _load(viewer, absorb)
    if keep.pk == absorb.pk:
        raise CaseError(_("Välj två olika samarbeten."))
    if not (keep.is_open and absorb.is_open):
        raise CaseError(_("Bara pågående samarbeten kan föras samman."))
    if keep.child.personal_number != absorb.child.personal_number:
        raise CaseError(_("Samarbetena gäller inte samma barn."))
    if not (_is_custodial_guardian(viewer, keep) and _is_custodial_guardian(viewer, absorb)):
        raise CaseError(_("Du behöver ha vårdnaden om barnet i båda samarbetena."))
    with transaction.atomic(), system_scope():
        pending = CaseJoin.objects.filter(status=CaseJoin.Status.ASKED).filter(
            keep__in=[keep, absorb]
        ) | CaseJoin.objects.filter(status=CaseJoin.Status.ASKED, absorb__in=[keep, absorb])
        if pending.exists():
            raise CaseError(_("Det finns redan en fråga om att föra samman samarbetet. Svara på den i stället."))
        join = CaseJoin.objects.create(keep=keep, absorb=absorb, requested_by_id=viewer.user_id)
        CaseJoinAgreement.objects.create(join=join, user_id=viewer.user_id)
        audit.record(viewer=viewer, action="case.join_requested", obj=join, case_id=keep.pk)
        _carry_out_if_agreed(viewer, join)
    return join


def _asked(viewer: Viewer, join: CaseJoin) -> CaseJoin:
    fresh = (
        policy.visible_to(CaseJoin, viewer).filter(pk=join.pk).select_related("keep__child", "absorb__child").first()
    )
    if fresh is None:
        raise CaseError(_("Frågan finns inte."))
    if fresh.status != CaseJoin.Status.ASKED:
        raise CaseError(_("Frågan är redan avgjord."))
    if not (_is_custodial_guardian(viewer, fresh.keep) or _is_custodial_guardian(viewer, fresh.absorb)):
        raise CaseError(_("Bara vårdnadshavare med vårdnaden om barnet kan svara."))
    return fresh


def case_join_agree(*, viewer: Viewer, join: CaseJoin) -> CaseJoin:
    """Another guardian with custody says yes. The last yes carries the join out."""
    with transaction.atomic():
        join = _asked(viewer, join)
        with system_scope():
            CaseJoin.objects.select_for_update().filter(pk=join.pk).first()
            if not (join.keep.is_open and join.absorb.is_open):
                raise CaseError(_("Bara pågående samarbeten kan föras samman."))
            CaseJoinAgreement.objects.get_or_create(join=join, user_id=viewer.user_id)
        audit.record(viewer=viewer, action="case.join_agreed", obj=join, case_id=join.keep_id)
        _carry_out_if_agreed(viewer, join)
    return join


def case_join_withdraw(*, viewer: Viewer, join: CaseJoin) -> CaseJoin:
    """Any guardian with custody stops the request; nothing has reached the agencies."""
    with transaction.atomic():
        join = _asked(viewer, join)
        with system_scope():
            CaseJoin.objects.filter(pk=join.pk).update(status=CaseJoin.Status.WITHDRAWN, ended_at=timezone.now())
        join.status = CaseJoin.Status.WITHDRAWN
        audit.record(viewer=viewer, action="case.join_withdrawn", obj=join, case_id=join.keep_id)
    return join


def _manager_viewer(case: Case) -> Viewer:
    """The person who runs `case`: its coordinator, or before one, its opener."""
    if case.coordinator_id is not None:
        return Viewer(kind=STAFF, user_id=case.coordinator_id, agency_id=case.coordinator_agency_id)
    return Viewer(kind=STAFF, user_id=case.opened_by_id, agency_id=case.owner_agency_id)


def _carry_out_if_agreed(viewer: Viewer, join: CaseJoin) -> None:
    from consent import services as consent_services
    from consent.models import ConsentGrant, InformationCategory

    required = required_user_ids(join)
    with system_scope():
        agreed = set(CaseJoinAgreement.objects.filter(join=join).values_list("user_id", flat=True))
    if None in required or not required <= agreed:
        return
    now = timezone.now()
    with system_scope():
        keep = Case.objects.select_for_update().get(pk=join.keep_id)
        absorb = Case.objects.select_for_update().get(pk=join.absorb_id)
        in_keep = set(TeamMember.objects.filter(case=keep, left_at__isnull=True).values_list("agency_id", flat=True))
        joining = [
            m
            for m in TeamMember.objects.filter(case=absorb, left_at__isnull=True).order_by("pk")
            if m.agency_id not in in_keep
        ]
        for member in joining:
            left = TeamMember.objects.filter(case=keep, agency_id=member.agency_id).first()
            if left is None:
                TeamMember.objects.create(
                    case=keep,
                    agency_id=member.agency_id,
                    contact_id=member.contact_id,
                    role_description=member.role_description,
                )
            else:
                TeamMember.objects.filter(pk=left.pk).update(
                    left_at=None, added_at=now, contact_id=member.contact_id, role_description=member.role_description
                )
        for contact in ExternalContact.objects.filter(case=absorb, removed_at__isnull=True):
            ExternalContact.objects.create(
                case=keep,
                organisation=contact.organisation,
                name=contact.name,
                email=contact.email,
                phone=contact.phone,
                role_description=contact.role_description,
            )
        # What each joining agency could see before, to ask the family for the same again.
        had: dict[int, set[int]] = defaultdict(set)
        for agency_id, category_id in ConsentGrant.objects.filter(
            in_force(now), case=absorb, agency_id__in=[m.agency_id for m in joining]
        ).values_list("agency_id", "category_id"):
            had[agency_id].add(category_id)
        basic = InformationCategory.objects.get(code=policy.BASIC_CATEGORY).pk
        Case.objects.filter(pk=absorb.pk).update(
            status=Case.Status.CLOSED,
            closed_at=now,
            closed_by_id=viewer.user_id,
            closure_reason=Case.ClosureReason.OTHER_SUPPORT,
            closure_note=_("Förd samman med en annan samverkan på familjens begäran."),
            phase=Case.Phase.CLOSE,
        )
        absorb.refresh_from_db()
    # Closing ends the absorbed collaboration's consents for everyone to see (rule 18),
    # the same step case_close takes; it also rebuilds the grant index.
    consent_services.consents_end_on_close(viewer=viewer, case=absorb)
    consent = None
    if joining:
        categories = {basic}.union(*(had[m.agency_id] for m in joining))
        consent = consent_services.consent_request(
            viewer=_manager_viewer(keep),
            case=keep,
            purpose=str(JOIN_PURPOSE),
            agency_ids=[m.agency_id for m in joining],
            category_ids=sorted(categories),
        )
    with system_scope():
        CaseJoin.objects.filter(pk=join.pk).update(status=CaseJoin.Status.JOINED, ended_at=now, consent=consent)
    join.status, join.consent = CaseJoin.Status.JOINED, consent
    audit.record(
        viewer=viewer,
        action="case.joined",
        obj=join,
        case_id=keep.pk,
        data={"absorbed": absorb.pk, "agencies": [m.agency_id for m in joining]},
    )
    audit.record(viewer=viewer, action="case.joined_into", obj=join, case_id=absorb.pk, data={"into": keep.pk})
    for case in (keep, absorb):
        manager = _manager_viewer(case)
        events.announce(
            events.notice,
            sender="cases",
            recipients=[manager.user_id],
            kind="case.joined",
            case=case,
            agency_id=manager.agency_id,
            target_url=reverse("cases:detail", args=[keep.uuid if case is keep else absorb.uuid]),
        )
