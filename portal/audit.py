"""The audit trail of domain writes. Services call `record()` inside their transaction.

This module is the bottom layer: the access-log entry a write also makes is appended by
the function `on_write()` was given (`accesslog.writes.record_write`, handed over by
web.apps at start-up), never by importing the access log from here. Without it `record`
refuses to write at all: an audited write without its access-log entry must not happen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from access.scoping import Viewer
from portal.models import AuditEvent

# record_write(viewer=, action=, obj=, case_id=): the access-log entry of a write.
WriteRecorder = Callable[..., Any]
_write_recorders: list[WriteRecorder] = []


def on_write(recorder: WriteRecorder) -> None:
    """Set the function that appends a write's access-log entry (once, at start-up)."""
    _write_recorders[:] = [recorder]


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
    if not _write_recorders:
        raise ImproperlyConfigured("portal.audit: no access-log writer; web.apps.WebConfig.ready() sets it")
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
    _write_recorders[0](viewer=viewer, action=action, obj=obj, case_id=case_id)
    return event
