from django.urls import path

from meetings.consumers import MeetingRoomConsumer

websocket_urlpatterns = [path("ws/moten/<uuid:meeting_uuid>/", MeetingRoomConsumer.as_asgi())]
