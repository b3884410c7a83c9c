from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Möten")

    def ready(self) -> None:
        """Subscribe to what consent announces (access.events): agencies that lose access
        to a case lose their live connections and open invitations. Give the caseload its
        next meeting (cases.sources: cases imports nothing of meetings)."""
        from access import events
        from cases import sources
        from meetings import selectors
        from meetings.services import calling

        events.access_lost.connect(calling.on_access_lost, dispatch_uid="meetings.access_lost")
        sources.provide_next_meeting(selectors.next_meeting_start)
