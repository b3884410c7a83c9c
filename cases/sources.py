"""What the collaboration's pages show from apps above cases, provided at start-up so that
cases imports none of them (tests/portal/test_layering.py): the caseload's next meeting
is the meetings app's, which `provide_next_meeting` is given from meetings.apps.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import DateTimeField, QuerySet, Subquery, Value

from access.scoping import Viewer

# (viewer, now) -> the start of the outer case's soonest planned meeting from `now` that
# the viewer may see, as a one-value queryset (meetings.selectors.next_meeting_start).
NextMeeting = Callable[[Viewer, datetime], QuerySet[Any]]
_sources: dict[str, NextMeeting] = {}


def provide_next_meeting(next_meeting: NextMeeting) -> None:
    """Set where the caseload's next meeting is read from (once, from meetings.apps.ready)."""
    _sources["next_meeting"] = next_meeting


def next_meeting(viewer: Viewer, now: datetime) -> Subquery | Value:
    """The next meeting of the outer case, for an annotation: NULL without a meetings app."""
    source = _sources.get("next_meeting")
    if source is None:
        return Value(None, output_field=DateTimeField())
    return Subquery(source(viewer, now))
