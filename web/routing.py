"""All websocket routes. Each app lists its own in `<app>/routing.py`."""

from meetings.routing import websocket_urlpatterns as meeting_routes
from notifications.routing import websocket_urlpatterns as notification_routes

websocket_urlpatterns = [*notification_routes, *meeting_routes]
