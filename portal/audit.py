"""The audit trail of domain writes. Services call `record()` inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from access.scoping import Viewer
from portal.models import AuditEvent


def record(
    *,
    viewer: Viewer | None,
    action: str,
    obj: models.Model | None = None,
    case_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event (`action` is dotted past tense: `consent.revoked`).

    `data` holds ids and codes only, never free text about a child. When the event
    concerns a collaboration (`case_id`, or an `obj` with a case or a child) and a person
    did it, an access-log entry about the child is appended in the same transaction
    (create / update / consent decision, with the basis: own data or coordinator).
    """
    object_type = obj._meta.label if obj is not None else ""
    object_id = str(getattr(obj, "uuid", getattr(obj, "pk", ""))) if obj is not None else ""
    event = AuditEvent.objects.create(
        actor_id=viewer.user_id if viewer else None,
        agency_id=viewer.agency_id if viewer else None,
        action=action,
        case_id=case_id,
        object_type=object_type,
        object_id=object_id,
        data=data or {},
    )
    from accesslog import writes

    writes.record_write(viewer=viewer, action=action, obj=obj, case_id=case_id)
    return event
