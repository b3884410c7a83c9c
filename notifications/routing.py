from django.urls import path

from notifications.consumers import NotificationConsumer

websocket_urlpatterns = [path("ws/notiser/", NotificationConsumer.as_asgi())]
