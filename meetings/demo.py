"""Demo meetings (called by web.demo.seed inside system scope), made through the
services: a meeting for Elsa next week with the school and BUP invited and the school's
preparation submitted, and a meeting held two weeks ago with minutes, a decision that
became a plan action, and the minutes shared with the family."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from access.scoping import STAFF, Viewer
from agencies.models import Membership
from consent.rules import STOCKHOLM
from meetings import services
from meetings.models import Meeting


def _staff_viewer(user: Any, agency: Any) -> Viewer:
    membership = Membership.objects.get(user=user, agency=agency)
    return Viewer(
        kind=STAFF, user_id=user.pk, agency_id=agency.pk, role=membership.role, membership_id=membership.pk, user=user
    )


def _weekday(days_ahead: int, at: time) -> datetime:
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5:  # a working day
        day += timedelta(days=1)
    return datetime.combine(day, at, tzinfo=STOCKHOLM)


def seed(world: dict[str, Any]) -> dict[str, Any]:
    case = world["cases"]["elsa"]
    existing = list(Meeting.objects.filter(case=case).order_by("starts_at"))
    if existing:
        return {"meetings": {"elsa": existing}}
    agencies, users = world["agencies"], world["users"]
    coordinator = _staff_viewer(users["samordnare"], agencies["samordning"])
    school = _staff_viewer(users["mentor"], agencies["skola"])

    # A meeting held two weeks ago: called, then moved into the past (demo only).
    held = services.meeting_call(
        viewer=coordinator,
        case=case,
        purpose="Första gemensamma mötet: komma överens om vad som är viktigast för Elsa just nu.",
        starts_at=_weekday(1, time(9, 0)),
        ends_at=_weekday(1, time(10, 0)),
        place="Skiftingeskolan, konferensrummet",
        agenda=["Hur har det varit sedan sist?", "Skolan", "Stöd hemma", "Vem gör vad?"],
        agency_ids=[agencies["skola"].pk, agencies["bup"].pk, agencies["soc"].pk],
        invite_child=True,
    )
    past_start = _weekday(-14, time(9, 0))
    Meeting.objects.filter(pk=held.pk).update(
        starts_at=past_start, ends_at=past_start + timedelta(hours=1), preparation_due_at=None
    )
    held.refresh_from_db()
    held = services.room_start(viewer=coordinator, meeting=held)
    services.note_add(
        viewer=coordinator,
        meeting=held,
        text="Elsa har varit i skolan två dagar i veckan. Mamma och pappa beskriver mycket oro på morgnarna.",
    )
    items = list(held.agenda_items.order_by("position"))
    services.room_goto(viewer=coordinator, meeting=held, item=items[1])
    services.note_add(viewer=coordinator, meeting=held, text="Skolan erbjuder en lugnare start: Elsa börjar kl. 9.")
    services.decision_add(
        viewer=coordinator,
        meeting=held,
        text="Skolan ordnar en anpassad studiegång med start kl. 9 och en trygg vuxen vid ankomst.",
        due_date=timezone.localdate() + timedelta(days=21),
        responsible_agency_id=agencies["skola"].pk,
    )
    services.room_goto(viewer=coordinator, meeting=held, item=items[2])
    services.decision_add(
        viewer=coordinator,
        meeting=held,
        text="BUP erbjuder Elsa och föräldrarna samtal om oro, första tiden inom tre veckor.",
        due_date=timezone.localdate() + timedelta(days=21),
        responsible_agency_id=agencies["bup"].pk,
    )
    services.room_end(viewer=coordinator, meeting=held, confirmed=True)
    services.minutes_share(viewer=coordinator, meeting=held)

    # The next meeting, next week: school and BUP invited, the school has prepared.
    upcoming = services.meeting_call(
        viewer=coordinator,
        case=case,
        purpose="Följa upp hur skolstarten kl. 9 fungerar och planera stödet framåt, tillsammans med Elsa "
        "och föräldrarna.",
        starts_at=_weekday(7, time(13, 0)),
        ends_at=_weekday(7, time(14, 30)),
        place="Skiftingeskolan, konferensrummet",
        agenda=["Hur går det i skolan?", "Samtalen på BUP", "Elsas egna tankar", "Nästa steg"],
        agency_ids=[agencies["skola"].pk, agencies["bup"].pk],
        invite_child=True,
    )
    services.preparation_save(
        viewer=school,
        meeting=upcoming,
        what_we_see="Elsa kommer oftare till skolan sedan starten flyttades till kl. 9, fyra dagar förra veckan.",
        what_we_contribute="Mentorn möter Elsa vid entrén. Vi kan ordna ett lugnt rum för raster.",
        our_questions="Hur kan vi samarbeta med BUP kring oron på morgnarna?",
        submit=True,
    )
    return {"meetings": {"elsa": [held, upcoming]}}
