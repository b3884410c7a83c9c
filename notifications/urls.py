from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("klocka/", views.bell, name="bell"),
    path("las-alla/", views.mark_all_read, name="mark_all_read"),
    path("installningar/", views.preferences, name="preferences"),
    path("avsluta/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<uuid:notification_uuid>/", views.open_notification, name="open"),
    path("<uuid:notification_uuid>/last/", views.mark_read, name="mark_read"),
]
