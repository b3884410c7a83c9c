"""Editable texts (DESIGN rule 16): texts citing law or local routines are content."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q
from django.utils.translation import get_language

from portal.models import EditableText


@dataclass(frozen=True)
class Text:
    title: str
    body: str


def editable_text(key: str, *, principal_id: int | None = None) -> Text | None:
    """The principal's own text for `key`, else the national default, in the user's language."""
    where = Q(principal__isnull=True)
    if principal_id is not None:
        where |= Q(principal_id=principal_id)
    row = EditableText.objects.filter(where, key=key).order_by(F("principal_id").desc(nulls_last=True)).first()
    if row is None:
        return None
    body = row.body_en if get_language() == "en" and row.body_en else row.body
    return Text(title=row.title, body=body)
