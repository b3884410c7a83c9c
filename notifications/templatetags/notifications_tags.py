from django import template

from notifications import selectors
from notifications.models import Notification

register = template.Library()


def _signed_in(context: template.Context) -> bool:
    viewer = getattr(context.get("request"), "viewer", None)
    return viewer is not None and (viewer.is_staff or viewer.is_family)


@register.simple_tag(takes_context=True)
def unread_count(context: template.Context) -> int:
    if not _signed_in(context):
        return 0
    return Notification.objects.filter(read_at__isnull=True).count()


@register.simple_tag(takes_context=True)
def bell_state(context: template.Context) -> selectors.BellState:
    """Unread count and newest id for the bell (one query), in the request's scope."""
    if not _signed_in(context):
        return selectors.BellState(unread=0, last_id=0)
    return selectors.bell_state()
