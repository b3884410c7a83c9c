from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notiser")

    def ready(self) -> None:
        """Subscribe to what the domain announces (access.events): the rows are written in
        the announcing transaction."""
        from access import events
        from notifications import services

        events.notice.connect(services.on_notice, dispatch_uid="notifications.notice")
        events.reminder_scheduled.connect(services.on_reminder_scheduled, dispatch_uid="notifications.reminder")
        events.reminders_written.connect(services.on_reminders_written, dispatch_uid="notifications.reminders")
        events.reminder_keys_written.connect(services.on_reminder_keys_written, dispatch_uid="notifications.keys")
        events.reminders_cancelled.connect(services.on_reminders_cancelled, dispatch_uid="notifications.cancel")
