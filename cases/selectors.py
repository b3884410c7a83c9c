"""Reads of collaborations. Every function takes the viewer's scope as given (the
middleware entered it) and returns only what the policy allows."""

from __future__ import annotations

from django.db.models import QuerySet

from cases.models import Case


def case_list(*, include_closed: bool = False) -> QuerySet[Case]:
    queryset = Case.objects.select_related("child", "owner_agency", "coordinator", "coordinator_agency")
    if not include_closed:
        queryset = queryset.filter(status=Case.Status.OPEN)
    return queryset.order_by("-opened_at")
