from django import template

from notifications.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_count(context: template.Context) -> int:
    viewer = getattr(context.get("request"), "viewer", None)
    if viewer is None or not (viewer.is_staff or viewer.is_family):
        return 0
    return Notification.objects.filter(read_at__isnull=True).count()
