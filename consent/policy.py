"""The one door: who may see which child data, decided in one place.

Every scoped model's default manager calls `restrict()` here, so pages, the API,
websocket consumers, tasks, exports and the admin all share the same decision:

* an agency always sees what it wrote itself (`author_agency`);
* another agency sees an item only while an effective consent covers (that agency,
  the item's information category) for the case — read fresh from `ConsentGrant`
  on every query, so a revocation holds on the very next request in every process;
* the coordinating agency sees the collaboration itself by its role;
* the family (custodial guardians, the child) sees their own child's items in
  categories marked visible to the family — never a `NEVER_SHARED` kind (the record of
  a concern report), nor the access-log entries about one (`never_shared_types`);
* everything else is invisible, and a missing object and a forbidden one both 404.

Reads are noted as they are fetched and written to the access log when the scope that
collected them ends (`reading()`), so no read path can skip the log.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from consent.scoping import ScopeError, Viewer, scope, system_scope

M = TypeVar("M", bound=models.Model)

BASIC_CATEGORY = "basic"


# --------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------


def _grants(viewer: Viewer, case_ref: str, category: Q) -> Exists:
    """An effective grant for the viewer's agency on the outer row's case."""
    from consent.models import ConsentGrant

    assert viewer.agency_id is not None  # only staff viewers ask, and they always have one
    now = timezone.now()
    return Exists(
        ConsentGrant._base_manager.filter(
            category,
            case_id=OuterRef(case_ref),
            agency_id=viewer.agency_id,
            starts_at__lte=now,
            ends_at__gt=now,
        )
    )


def _family_link(viewer: Viewer, child_ref: str) -> Q:
    """The outer row's child is the viewer's own child (custodial guardian) or the viewer."""
    from cases.models import Child, Guardianship

    assert viewer.user_id is not None  # only family viewers ask, and they always have one
    if viewer.role == "child":
        return Q(Exists(Child._base_manager.filter(pk=OuterRef(child_ref), user_id=viewer.user_id)))
    return Q(
        Exists(
            Guardianship._base_manager.filter(
                child_id=OuterRef(child_ref), guardian__user_id=viewer.user_id, has_custody=True
            )
        )
    )


def _case_q(viewer: Viewer) -> Q:
    """Visibility of a collaboration (the Case row itself)."""
    if viewer.is_staff:
        return (
            Q(owner_agency_id=viewer.agency_id)
            | Q(coordinator_agency_id=viewer.agency_id)
            | (Q(status="open") & Q(_grants(viewer, "pk", Q(category__code=BASIC_CATEGORY))))
        )
    if viewer.is_family:
        return _family_link(viewer, "child_id")
    return Q(pk__in=[])


def _visible_case_exists(viewer: Viewer, case_ref: str) -> Q:
    from cases.models import Case

    return Q(Exists(Case._base_manager.filter(_case_q(viewer), pk=OuterRef(case_ref))))


def _visible_child_case_exists(viewer: Viewer, child_ref: str) -> Q:
    from cases.models import Case

    return Q(Exists(Case._base_manager.filter(_case_q(viewer), child_id=OuterRef(child_ref))))


def _managed_q(viewer: Viewer) -> Q:
    """Cases whose consents the viewer's agency manages: the opener's agency (Barnets
    bästa-ansvarig) and the coordinating agency. (Services narrow this to the named
    coordinator for writes.)"""
    return Q(owner_agency_id=viewer.agency_id) | Q(coordinator_agency_id=viewer.agency_id)


def _managed_case_exists(viewer: Viewer, case_ref: str) -> Q:
    from cases.models import Case

    return Q(Exists(Case._base_manager.filter(_managed_q(viewer), pk=OuterRef(case_ref))))


def _named_recipient(viewer: Viewer, consent_ref: str) -> Q:
    """The viewer's agency is a recipient in this consent version, and the case is visible."""
    from consent.models import ConsentScope

    assert viewer.agency_id is not None  # only staff viewers ask, and they always have one
    return Q(
        Exists(ConsentScope._base_manager.filter(consent_id=OuterRef(consent_ref), agency_id=viewer.agency_id))
    ) & _visible_case_exists(viewer, "case_id" if consent_ref == "pk" else "consent__case_id")


@functools.cache
def never_shared_types() -> frozenset[str]:
    """Labels of the kinds of rows that only their author agency ever sees (`NEVER_SHARED`:
    the record that a concern report was made, DESIGN rule 9).

    The one definition of what never reaches the family: the rows themselves
    (`_item_q`) and every access-log entry about one — its writing, reads, refused
    lookups — in "who has looked" and in the family's data export, since whoever
    reported may need protection from the family. The log itself keeps the entries
    (the reporting agency's chain, its admin's review): only the family's reads skip them.
    """
    from django.apps import apps

    return frozenset(m._meta.label for m in apps.get_models() if getattr(m, "NEVER_SHARED", False))


def _item_q(model: type[models.Model], viewer: Viewer) -> Q:
    """Generic rule for CaseItem subclasses (one case, one author agency, one category)."""
    from cases.models import Case

    category_code = getattr(model, "CATEGORY_CODE", None)
    if viewer.is_staff:
        own = Q(author_agency_id=viewer.agency_id)
        if model.NEVER_SHARED:  # type: ignore[attr-defined]
            return own
        category = Q(category__code=category_code) if category_code else Q(category_id=OuterRef("category_id"))
        shared = (
            model.shared_condition(viewer)  # type: ignore[attr-defined]
            & Q(_grants(viewer, "case_id", category))
            & Q(Exists(Case._base_manager.filter(pk=OuterRef("case_id"), status="open")))
        )
        staff_condition = getattr(model, "staff_condition", None)
        if staff_condition is not None:
            # A model may narrow even its author agency's view (the child's words for the
            # coordinator only, DESIGN rule 19).
            return staff_condition(viewer, own | shared)
        return own | shared
    if viewer.is_family:
        if model.NEVER_SHARED:  # type: ignore[attr-defined]
            return Q(pk__in=[])
        from consent.models import InformationCategory

        if category_code:
            family_category = Q(
                Exists(InformationCategory._base_manager.filter(code=category_code, visible_to_family=True))
            )
        else:
            family_category = Q(category__visible_to_family=True)
        return _family_link(viewer, "case__child_id") & family_category & model.family_condition(viewer)  # type: ignore[attr-defined]
    return Q(pk__in=[])


# Items whose very existence is kept from some of the family: a read of one is shown in
# the family's "who has looked" only to those who may see the item itself. (The child's
# words for the coordinator only, DESIGN rule 19: a guardian must not learn from the log
# that she wrote something, or when the coordinator read it.)
FAMILY_LOG_ONLY_IF_VISIBLE = ("meetings.ChildVoice",)


def _reads_of_unseen_items(viewer: Viewer) -> Q:
    """Access-log rows about an item of FAMILY_LOG_ONLY_IF_VISIBLE the viewer cannot see."""
    from django.apps import apps
    from django.db.models import CharField
    from django.db.models.functions import Cast

    hidden = Q()
    for label in FAMILY_LOG_ONLY_IF_VISIBLE:
        model = apps.get_model(label)
        seen = visible_to(model, viewer).annotate(uuid_text=Cast("uuid", CharField())).values("uuid_text")
        hidden |= Q(object_type=label) & ~Q(object_id__in=seen)
    return hidden


def item_rule(model: type[models.Model], viewer: Viewer) -> Q:
    """The visibility rule of a CaseItem subclass, as a condition on its own rows. For an
    item that hangs on another item (a preparation's sections) to require that the other
    item is visible too: `Exists(Parent._base_manager.filter(item_rule(Parent, viewer), ...))`."""
    return _item_q(model, viewer)


# --------------------------------------------------------------------------------------
# Rules per model. A scoped model without a rule raises: new models must be decided here.
# --------------------------------------------------------------------------------------


def _rule(model: type[models.Model], viewer: Viewer) -> Q:
    from cases.models import CaseItem

    label = model._meta.label
    if viewer.is_anonymous:
        return Q(pk__in=[])
    if issubclass(model, CaseItem):
        return _item_q(model, viewer)
    if label == "cases.Case":
        return _case_q(viewer)
    if label == "cases.Child":
        if viewer.is_staff:
            return _visible_child_case_exists(viewer, "pk")
        return _family_link(viewer, "pk")
    if label == "cases.Guardianship":
        if viewer.is_staff:
            return _visible_child_case_exists(viewer, "child_id")
        return _family_link(viewer, "child_id")
    if label == "cases.Guardian":
        from cases.models import Guardianship

        if viewer.is_staff:
            from cases.models import Case

            return Q(
                Exists(Case._base_manager.filter(_case_q(viewer), child__guardianships__guardian_id=OuterRef("pk")))
            )
        assert viewer.user_id is not None  # a family viewer (anonymous ones returned above)
        if viewer.role == "child":
            return Q(
                Exists(Guardianship._base_manager.filter(guardian_id=OuterRef("pk"), child__user_id=viewer.user_id))
            )
        # A guardian sees themself and the other guardians of their own children (names only:
        # contact details are gated separately by `can_see_contact_details`).
        return Q(user_id=viewer.user_id) | Q(
            Exists(
                Guardianship._base_manager.filter(
                    guardian_id=OuterRef("pk"),
                    child__guardianships__guardian__user_id=viewer.user_id,
                    child__guardianships__has_custody=True,
                )
            )
        )
    if label in {"cases.CaseJoin", "cases.CaseJoinAgreement"}:
        # The family's own request to bring two collaborations together: theirs alone. The
        # agencies learn of each other only when every guardian with custody has agreed.
        if viewer.is_family:
            prefix = "" if label == "cases.CaseJoin" else "join__"
            return _family_link(viewer, f"{prefix}keep__child_id") | _family_link(viewer, f"{prefix}absorb__child_id")
        return Q(pk__in=[])
    if label == "cases.CoordinatorAppointment":
        # The child's wish in their own words and any reason for deviating from it are for
        # the agencies that run the collaboration and the family; others see who the
        # coordinator is on the collaboration itself.
        if viewer.is_staff:
            return _managed_case_exists(viewer, "case_id")
        return _family_link(viewer, "case__child_id")
    if getattr(model, "CASE_LEVEL", False) or label in {"cases.TeamMember", "cases.ExternalContact"}:
        if viewer.is_staff:
            return _visible_case_exists(viewer, "case_id")
        return _family_link(viewer, "case__child_id")
    if label == "consent.Consent":
        # Staff: the agencies that manage the case, and the recipients named in this version.
        if viewer.is_staff:
            return _managed_case_exists(viewer, "case_id") | _named_recipient(viewer, "pk")
        return _family_link(viewer, "case__child_id")
    if label == "consent.ConsentScope":
        if viewer.is_staff:
            return _managed_case_exists(viewer, "consent__case_id") | _named_recipient(viewer, "consent_id")
        return _family_link(viewer, "consent__case__child_id")
    if label == "consent.ConsentDecision":
        # Who answered what, and how, is for the family and the case's managers only.
        if viewer.is_staff:
            return _managed_case_exists(viewer, "consent__case_id")
        return _family_link(viewer, "consent__case__child_id")
    if label == "consent.MaturityAssessment":
        if viewer.is_staff:
            from cases.models import Case

            return Q(Exists(Case._base_manager.filter(_managed_q(viewer), child_id=OuterRef("child_id"))))
        return _family_link(viewer, "child_id")
    if label == "consent.ConsentGrant":
        if viewer.is_staff:
            return Q(agency_id=viewer.agency_id)
        return _family_link(viewer, "case__child_id")
    if label == "agencies.Membership":
        if viewer.is_staff:
            return Q(agency_id=viewer.agency_id)
        return Q(pk__in=[])
    if label == "agencies.StaffInvitation":
        if viewer.is_agency_admin:
            return Q(agency_id=viewer.agency_id)
        return Q(pk__in=[])
    if label in {"idp.AgencyIdentityProvider", "idp.StaffIdentity"}:
        # The agency's own sign-in settings: its admin's, for that agency only.
        if viewer.is_agency_admin:
            return Q(agency_id=viewer.agency_id)
        return Q(pk__in=[])
    if label == "accesslog.AccessLogEntry":
        # Agency admins review their own agency's chain; the family sees entries about
        # their own child (a public authority's log is a public document).
        if viewer.is_agency_admin:
            return Q(agency_id=viewer.agency_id)
        if viewer.is_family:
            # Never an entry about a kind the family never sees (DESIGN rule 9), nor about
            # an item this family member may not see (the child's words, rule 19).
            return (
                _family_link(viewer, "child_id")
                & ~Q(object_type__in=never_shared_types())
                & ~_reads_of_unseen_items(viewer)
            )
        return Q(pk__in=[])
    if getattr(model, "RECIPIENT_SCOPED", False):
        return Q(recipient_id=viewer.user_id)
    raise ScopeError(f"No access rule for {label}: add one to consent/policy.py")


# --------------------------------------------------------------------------------------
# The public surface
# --------------------------------------------------------------------------------------


def restrict(queryset: models.QuerySet[M], viewer: Viewer) -> models.QuerySet[M]:
    """Restrict `queryset` to what `viewer` may see. Called by every scoped manager."""
    if viewer.is_system:
        return queryset
    return queryset.filter(_rule(queryset.model, viewer))


def visible_to(model: type[M], viewer: Viewer) -> models.QuerySet[M]:
    """All rows of `model` the viewer may see, whatever scope is current."""
    from consent.scoping import ScopedQuerySet

    queryset = ScopedQuerySet(model=model)
    return restrict(queryset, viewer)


def can_view(viewer: Viewer, obj: models.Model) -> bool:
    """True when `viewer` may see `obj`. Costs at most one query."""
    if viewer.is_system:
        return True
    if (
        viewer.is_staff
        and getattr(obj, "author_agency_id", None) == viewer.agency_id
        and not hasattr(type(obj), "staff_condition")  # narrower than "own agency": ask the rule
    ):
        return True
    return visible_to(type(obj), viewer).filter(pk=obj.pk).exists()


def get_or_404(model: type[M], viewer: Viewer, **lookup: Any) -> M:
    """One visible object, or Http404 — the same answer for missing and forbidden."""
    try:
        with scope(viewer):
            return model.objects.get(**lookup)  # type: ignore[attr-defined]
    except model.DoesNotExist:  # type: ignore[attr-defined]
        # Missing and forbidden answer the same 404; the log (not the viewer) learns which.
        from accesslog import writes as accesslog

        accesslog.note_denied(viewer, model, lookup)
        raise Http404 from None
    except (ValueError, TypeError, ValidationError):
        raise Http404 from None


def can_edit(viewer: Viewer, obj: models.Model) -> bool:
    """Consent never gives write access: only the author agency edits its items."""
    if viewer.is_system:
        return True
    return viewer.is_staff and getattr(obj, "author_agency_id", None) == viewer.agency_id


def is_coordinator_of(viewer: Viewer, case: models.Model) -> bool:
    """The viewer is the case's coordinator (or, before one is appointed, its opener's agency
    acting as Barnets bästa-ansvarig)."""
    if not viewer.is_staff:
        return False
    coordinator_id = getattr(case, "coordinator_id", None)
    if coordinator_id is not None:
        return coordinator_id == viewer.user_id and case.coordinator_agency_id == viewer.agency_id  # type: ignore[attr-defined]
    return case.owner_agency_id == viewer.agency_id  # type: ignore[attr-defined]


def coordinator_condition(viewer: Viewer, case_ref: str) -> Q:
    """The outer row's case has the viewer as its coordinator — the same person
    `is_coordinator_of` names, as a query condition (staff viewers only)."""
    from cases.models import Case

    if not viewer.is_staff:
        return Q(pk__in=[])
    named = Q(coordinator_id=viewer.user_id, coordinator_agency_id=viewer.agency_id)
    before_appointment = Q(coordinator_id__isnull=True, owner_agency_id=viewer.agency_id)
    return Q(Exists(Case._base_manager.filter(named | before_appointment, pk=OuterRef(case_ref))))


def can_see_contact_details(viewer: Viewer, person: models.Model) -> bool:
    """Contact details of a guardian or child (DESIGN rule 10).

    A person with protected identity: only staff of the agency that registered them.
    Otherwise: the person themself and staff who can see the person; never the other
    guardian of a separated family.
    """
    if viewer.is_system:
        return True
    if viewer.is_family:
        return getattr(person, "user_id", None) == viewer.user_id
    if not viewer.is_staff:
        return False
    if getattr(person, "protected_identity", False):
        return person.registered_by_agency_id == viewer.agency_id  # type: ignore[attr-defined]
    return True


# --------------------------------------------------------------------------------------
# Access log: reads are noted while the scope is active and written when it ends.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotedRead:
    object_type: str
    object_id: str
    case_id: int | None
    child_id: int | None
    author_agency_id: int | None
    category: str | None  # category code, or "id:<pk>" for a per-row category
    action: str


@dataclass
class ReadContext:
    viewer: Viewer
    request_id: str = ""
    ip: str | None = None
    action: str | None = None  # force "export" / "live"; default: view for one row, list for many
    reads: dict[tuple[str, str], NotedRead] | None = None


_reading: contextvars.ContextVar[ReadContext | None] = contextvars.ContextVar("portal_reading", default=None)


def _describe(model: type[models.Model], obj: Any, action: str) -> NotedRead | None:
    label = model._meta.label
    case_id = getattr(obj, "case_id", None)
    child_id = None
    author = getattr(obj, "author_agency_id", None)
    category: str | None = getattr(model, "CATEGORY_CODE", None)
    if category is None and hasattr(obj, "category_id"):
        category = f"id:{obj.category_id}"
    if label == "cases.Case":
        case_id, child_id, author, category = obj.pk, obj.child_id, obj.owner_agency_id, BASIC_CATEGORY
    elif label == "cases.Child":
        child_id, author, category = obj.pk, obj.registered_by_agency_id, BASIC_CATEGORY
    elif label in {"consent.ConsentScope", "consent.ConsentDecision"}:
        # Rows of a consent are facts about the collaboration (basic information), not
        # information of the category they name.
        category = BASIC_CATEGORY
    elif label == "consent.Consent":
        # A consent is about the collaboration: logged as basic information of the agency
        # that asked for it (a recipient reads it on its basic-category grant).
        author, category = obj.created_by_agency_id, BASIC_CATEGORY
    elif case_id is None:
        from accesslog.writes import LINKS

        child_id = getattr(obj, "child_id", None)  # guardianships, maturity assessments
        if child_id is None and label not in LINKS:  # guardians, consent scopes/decisions: resolved by the log
            return None  # not tied to one child (memberships, notifications, …)
    return NotedRead(
        object_type=label,
        object_id=str(getattr(obj, "uuid", obj.pk)),
        case_id=case_id,
        child_id=child_id,
        author_agency_id=author,
        category=category,
        action=action,
    )


def note_read(viewer: Viewer, model: type[models.Model], rows: Iterable[Any]) -> None:
    """Called by ScopedQuerySet for every evaluated query of a scoped model."""
    context = _reading.get()
    if context is None or context.reads is None or getattr(model, "NOT_LOGGED", False):
        return
    rows = list(rows)
    action = context.action or ("view" if len(rows) == 1 else "list")
    for obj in rows:
        noted = _describe(model, obj, action)
        if noted is not None:
            context.reads.setdefault((noted.object_type, noted.object_id), noted)


def set_read_action(action: str) -> None:
    """Mark the reads of the current scope as e.g. "export" or "live"."""
    context = _reading.get()
    if context is not None:
        context.action = action


@contextmanager
def reading(viewer: Viewer, *, request_id: str = "", ip: str | None = None) -> Iterator[ReadContext]:
    """Enter `viewer`'s scope and write an access-log entry for each child-data row read."""
    context = ReadContext(viewer=viewer, request_id=request_id, ip=ip, reads={})
    token = _reading.set(context)
    try:
        with scope(viewer):
            yield context
    finally:
        _reading.reset(token)
        if context.reads and not viewer.is_system and not viewer.is_anonymous:
            from accesslog import writes as accesslog

            with system_scope():
                accesslog.write_reads(context, list(context.reads.values()))
