"""Writes of notifications and reminders. The domain announces what happened through
`access.events` and the subscribers at the end of this module (connected in
notifications/apps.py) write the rows; meetings still calls `notify`, `reminder_schedule`
and `reminder_cancel` directly; the beat tasks call the rest.

Rows first: a notification is written in the caller's transaction, so it exists exactly
when the change that caused it does. Delivery (websocket push, e-mail) starts after commit
and never holds the request; the database row is what a client catches up from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from access.scoping import FAMILY, STAFF, Viewer, scope, system_scope
from notifications import kinds
from notifications.models import EmailPreference, Notification, Reminder

REMINDER_BATCH = 500


@dataclass(frozen=True)
class Message:
    """One notification to one or more recipients (internal: many are written at once)."""

    recipient_ids: tuple[int, ...]
    kind: str
    case_id: int | None = None
    agency_id: int | None = None
    target_url: str = ""


def _user_id(recipient: Any) -> int:
    return recipient if isinstance(recipient, int) else int(recipient.pk)


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    case: Any = None,
    target_url: str = "",
    agency_id: int | None = None,
) -> list[Notification]:
    """Write one notification row per recipient in the caller's transaction.

    `recipients` are users (or user ids) the caller chose; each is kept only if the policy
    lets them see `case` now, and the row names the agency they must act for to open it
    (`agency_id` when they belong to it, else another of their agencies that can see the
    case, or none for the family). Recipients who cannot see the case get nothing.
    Delivery (websocket push, e-mail) is queued after commit and never holds the request;
    a rollback leaves no row and sends nothing.
    """
    case_id = case if isinstance(case, int) or case is None else case.pk
    message = Message(
        recipient_ids=tuple(_user_id(r) for r in recipients),
        kind=kind,
        case_id=case_id,
        agency_id=agency_id,
        target_url=target_url,
    )
    return notify_many([message])


def notify_many(messages: Sequence[Message]) -> list[Notification]:
    """`notify` for many messages at once: one policy pass and one insert for all of them."""
    audience = _Audience(messages)
    rows: list[Notification] = []
    for message in messages:
        seen: set[int] = set()
        for user_id in message.recipient_ids:
            if user_id in seen:
                continue
            seen.add(user_id)
            allowed, agency_id = audience.resolve(user_id, message.case_id, message.agency_id)
            if allowed:
                rows.append(
                    Notification(
                        recipient_id=user_id,
                        kind=message.kind,
                        case_id=message.case_id,
                        target_url=message.target_url,
                        agency_id=agency_id,
                    )
                )
    if not rows:
        return []
    with system_scope():
        created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.pk is not None]
    if not ids:  # a backend that does not return primary keys from bulk inserts
        ids = _refetch_ids(rows)
    transaction.on_commit(lambda: _dispatch(ids))
    return created


def _refetch_ids(rows: list[Notification]) -> list[int]:
    with system_scope():
        return list(Notification.objects.filter(uuid__in=[r.uuid for r in rows]).values_list("pk", flat=True))


def _dispatch(ids: list[int]) -> None:
    from notifications import delivery

    delivery.dispatch(ids)


class _Audience:
    """Decides through `access.policy` who of the named recipients may see each case.

    Built once per batch: one query for users, one for memberships, one for family roles,
    then the policy's own visibility queryset for every agency and every family member
    involved, sent as one UNION ALL per 100 viewers — so a batch of 500 reminders costs a
    handful of round trips, not one per person.
    """

    UNION_CHUNK = 100

    def __init__(self, messages: Sequence[Message]) -> None:
        from agencies.models import Membership
        from cases.models import Child, Guardian
        from portal.models import User

        user_ids = {uid for m in messages for uid in m.recipient_ids}
        self.case_ids = {m.case_id for m in messages if m.case_id is not None}
        with system_scope():
            self.active = set(User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True))
            self.memberships: dict[int, list[tuple[int, str, int]]] = {}
            for user_id, agency_id, role, pk in (
                Membership.objects.filter(user_id__in=self.active, is_active=True, agency__is_active=True)
                .order_by("id")
                .values_list("user_id", "agency_id", "role", "pk")
            ):
                self.memberships.setdefault(user_id, []).append((agency_id, role, pk))
            self.family_role: dict[int, str] = {}
            if self.case_ids:
                for uid in Child.objects.filter(user_id__in=self.active).values_list("user_id", flat=True):
                    self.family_role[uid] = "child"
                for uid in Guardian.objects.filter(user_id__in=self.active).values_list("user_id", flat=True):
                    self.family_role[uid] = "guardian"
        # The cases each person is named for: a family member's visibility is asked only
        # about those; an agency's about all the batch's cases.
        self.cases_of: dict[int, set[int]] = {}
        for m in messages:
            if m.case_id is not None:
                for uid in m.recipient_ids:
                    if uid in self.active:
                        self.cases_of.setdefault(uid, set()).add(m.case_id)
        self._staff: dict[int, set[int]] | None = None
        self._family: dict[int, set[int]] | None = None

    def _visible_sets(self, viewers: list[tuple[int, Viewer, set[int]]]) -> dict[int, set[int]]:
        """key -> visible case ids, for (key, viewer, case ids to ask about) triples."""
        from django.db.models import IntegerField, Value

        from access import policy
        from cases.models import Case

        result: dict[int, set[int]] = {key: set() for key, _viewer, _cases in viewers}
        for start in range(0, len(viewers), self.UNION_CHUNK):
            queries = [
                policy.visible_to(Case, viewer)
                .filter(pk__in=sorted(case_ids))
                .values_list("pk", Value(key, output_field=IntegerField()))
                for key, viewer, case_ids in viewers[start : start + self.UNION_CHUNK]
            ]
            combined = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
            for pk, key in combined:
                result[key].add(pk)
        return result

    def _staff_visible(self, agency_id: int) -> set[int]:
        if self._staff is None:
            agencies: dict[int, Viewer] = {}
            for user_id in self.cases_of:
                for agency, role, membership_id in self.memberships.get(user_id, []):
                    agencies.setdefault(
                        agency,
                        Viewer(kind=STAFF, user_id=user_id, agency_id=agency, role=role, membership_id=membership_id),
                    )
            self._staff = self._visible_sets([(a, v, self.case_ids) for a, v in sorted(agencies.items())])
        return self._staff.get(agency_id, set())

    def _family_visible(self, user_id: int) -> set[int]:
        if self._family is None:
            family = [
                (uid, Viewer(kind=FAMILY, user_id=uid, role=self.family_role[uid]), cases)
                for uid, cases in sorted(self.cases_of.items())
                if uid in self.family_role
            ]
            self._family = self._visible_sets(family)
        return self._family.get(user_id, set())

    def resolve(self, user_id: int, case_id: int | None, preferred_agency: int | None) -> tuple[bool, int | None]:
        if user_id not in self.active:
            return False, None
        memberships = self.memberships.get(user_id, [])
        if preferred_agency is not None:
            memberships = sorted(memberships, key=lambda m: m[0] != preferred_agency)
        if case_id is None:
            agency = preferred_agency if any(m[0] == preferred_agency for m in memberships) else None
            return True, agency
        for agency_id, _role, _membership_id in memberships:
            if case_id in self._staff_visible(agency_id):
                return True, agency_id
        if user_id in self.family_role and case_id in self._family_visible(user_id):
            return True, None
        return False, None


# --------------------------------------------------------------------------------------
# Reading state
# --------------------------------------------------------------------------------------


def notifications_mark_read(*, viewer: Viewer, uuids: Iterable[Any]) -> int:
    """Mark the viewer's own notifications read (others' are invisible, so untouched)."""
    with scope(viewer):
        return Notification.objects.filter(uuid__in=list(uuids), read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, viewer: Viewer) -> int:
    with scope(viewer):
        return Notification.objects.filter(read_at__isnull=True).update(read_at=timezone.now())


# --------------------------------------------------------------------------------------
# E-mail preferences
# --------------------------------------------------------------------------------------


class PreferenceError(Exception):
    """Bad input to the preferences; the message is shown as it is."""


def email_preferences_get(*, user_id: int, codes: Iterable[str]) -> dict[str, str]:
    """The effective delivery per kind (the person's choice, else the kind's default)."""
    chosen = dict(EmailPreference.objects.filter(user_id=user_id).values_list("kind", "delivery"))
    return {code: chosen.get(code, kinds.default_delivery(code)) for code in codes}


def email_preferences_set(*, user_id: int, choices: dict[str, str]) -> None:
    """Save the person's choices. Unknown kinds or values change nothing."""
    for code, delivery in choices.items():
        if code not in kinds.KINDS or delivery not in kinds.DELIVERY_VALUES:
            from django.utils.translation import gettext as _

            raise PreferenceError(_("Ogiltigt val. Inget har ändrats."))
    with transaction.atomic():
        for code, delivery in choices.items():
            EmailPreference.objects.update_or_create(user_id=user_id, kind=code, defaults={"delivery": delivery})


def digest_unsubscribe(*, user_id: int) -> int:
    """Stop the daily digest: every kind now summarised daily becomes 'never'."""
    codes = list(kinds.KINDS)
    current = email_preferences_get(user_id=user_id, codes=codes)
    changed = {code: kinds.NEVER for code, delivery in current.items() if delivery == kinds.DIGEST}
    if changed:
        email_preferences_set(user_id=user_id, choices=changed)
    return len(changed)


# --------------------------------------------------------------------------------------
# Reminders
# --------------------------------------------------------------------------------------


def reminder_schedule(
    *,
    key: str,
    kind: str,
    due_at: Any,
    recipient_ids: list[int],
    case: Any = None,
    agency_id: int | None = None,
    target_url: str = "",
) -> None:
    """Create a reminder row due at `due_at`, once per `key` (idempotent).

    Recipients are checked against the policy when the reminder is sent, not now.
    """
    Reminder.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "due_at": due_at,
            "recipient_ids": sorted(set(recipient_ids)),
            "case": case,
            "agency_id": agency_id,
            "target_url": target_url,
        },
    )


def reminder_cancel(*, key_prefix: str) -> int:
    """Cancel unsent reminders whose key starts with `key_prefix`."""
    return Reminder.objects.filter(key__startswith=key_prefix, sent_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now()
    )


def reminders_send_due(*, now: datetime | None = None, batch_size: int = REMINDER_BATCH) -> int:
    """Claim due reminders and turn each into notification rows, exactly once.

    Each batch is claimed with SELECT … FOR UPDATE SKIP LOCKED, so two workers never take
    the same row; the notification rows and `sent_at` are written in that same
    transaction, so a crash sends nothing or everything. E-mail follows after commit.
    Returns the number of reminders sent.
    """
    total = 0
    while True:
        moment = now or timezone.now()
        with transaction.atomic():
            batch = list(
                Reminder.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, cancelled_at__isnull=True, due_at__lte=moment)
                .order_by("due_at", "id")[:batch_size]
            )
            if not batch:
                return total
            notify_many(
                [
                    Message(
                        recipient_ids=tuple(r.recipient_ids),
                        kind=r.kind,
                        case_id=r.case_id,
                        agency_id=r.agency_id,
                        target_url=r.target_url,
                    )
                    for r in batch
                ]
            )
            stamp = timezone.now()
            Reminder.objects.filter(pk__in=[r.pk for r in batch]).update(claimed_at=stamp, sent_at=stamp)
        total += len(batch)
        if len(batch) < batch_size:
            return total


def overdue_actions_schedule(*, today: date | None = None) -> int:
    """Create an 'action overdue' reminder, due now, for each open plan action past its due
    date. Idempotent: the key names the action and its due date, so each overdue action is
    reminded once (and again only if its due date is moved and passes again)."""
    from cases.models import PlanAction, TeamMember

    today = today or timezone.localdate()
    now = timezone.now()
    created = 0
    with system_scope():
        actions = list(
            PlanAction.objects.filter(
                due_date__lt=today, status__in=[PlanAction.Status.PLANNED, PlanAction.Status.IN_PROGRESS]
            )
            .select_related("case")
            .only(
                "pk",
                "uuid",
                "due_date",
                "responsible_agency_id",
                "case__uuid",
                "case__coordinator_id",
                "case__opened_by_id",
                "case__status",
            )
            .order_by("id")
        )
        actions = [a for a in actions if a.case.status == "open"]
        if not actions:
            return 0
        keys = {a.pk: f"action:{a.uuid}:overdue:{a.due_date.isoformat()}" for a in actions}
        existing = set(Reminder.objects.filter(key__in=keys.values()).values_list("key", flat=True))
        todo = [a for a in actions if keys[a.pk] not in existing]
        contacts: dict[tuple[int, int], int] = {}
        for case_id, agency_id, user_id in TeamMember.objects.filter(
            case_id__in={a.case_id for a in todo}, contact__isnull=False, left_at__isnull=True
        ).values_list("case_id", "agency_id", "contact__user_id"):
            contacts[(case_id, agency_id)] = user_id
    rows = []
    for action in todo:
        coordinator = action.case.coordinator_id or action.case.opened_by_id
        recipients = {coordinator, contacts.get((action.case_id, action.responsible_agency_id or 0))}
        recipients.discard(None)
        if not recipients:
            continue
        rows.append(
            Reminder(
                key=keys[action.pk],
                kind="action.overdue",
                due_at=now,
                recipient_ids=sorted(recipients),  # type: ignore[type-var]
                case_id=action.case_id,
                agency_id=action.responsible_agency_id,
                target_url=reverse("cases:detail", args=[action.case.uuid]),
            )
        )
    if rows:
        created = len(Reminder.objects.bulk_create(rows, ignore_conflicts=True))
    return created


# --------------------------------------------------------------------------------------
# Subscribers to `access.events` (connected in notifications/apps.py). Each runs in the
# announcing service's transaction; an exception fails it, as a direct call did.
# --------------------------------------------------------------------------------------


def on_notice(
    sender: Any,
    *,
    recipients: Iterable[Any],
    kind: str,
    case: Any = None,
    target_url: str = "",
    agency_id: int | None = None,
    **_signal: Any,
) -> list[Notification]:
    return notify(recipients=recipients, kind=kind, case=case, target_url=target_url, agency_id=agency_id)


def on_reminder_scheduled(
    sender: Any,
    *,
    key: str,
    kind: str,
    due_at: Any,
    recipient_ids: list[int],
    case: Any = None,
    agency_id: int | None = None,
    target_url: str = "",
    **_signal: Any,
) -> None:
    reminder_schedule(
        key=key,
        kind=kind,
        due_at=due_at,
        recipient_ids=recipient_ids,
        case=case,
        agency_id=agency_id,
        target_url=target_url,
    )


def on_reminders_written(sender: Any, *, reminders: list[dict[str, Any]], **_signal: Any) -> int:
    """One insert; a key already written (here or by a concurrent sweep) is skipped."""
    if not reminders:
        return 0
    return len(Reminder.objects.bulk_create([Reminder(**fields) for fields in reminders], ignore_conflicts=True))


def on_reminder_keys_written(sender: Any, *, keys: Iterable[str], **_signal: Any) -> set[str]:
    return set(Reminder.objects.filter(key__in=list(keys)).values_list("key", flat=True))


def on_reminders_cancelled(sender: Any, *, key_prefix: str, **_signal: Any) -> int:
    return reminder_cancel(key_prefix=key_prefix)
