from django.urls import path

from directory import views

app_name = "directory"
urlpatterns = [
    path("", views.search, name="search"),
    path("stod/<uuid:entry_uuid>/", views.detail, name="detail"),
    path("hantera/", views.manage, name="manage"),
    path("hantera/nytt/", views.entry_create, name="manage_create"),
    path("hantera/<uuid:entry_uuid>/", views.entry_edit, name="manage_edit"),
    path("hantera/<uuid:entry_uuid>/publicering/", views.entry_publish, name="manage_publish"),
    path("insats/<uuid:action_uuid>/koppla/", views.link_action, name="link_action"),
    path("koppling/<uuid:link_uuid>/ta-bort/", views.unlink_action, name="unlink_action"),
]
