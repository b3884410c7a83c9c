"""Pages of the access log: the family's "Vem har tittat?" and the agency's review."""

from django.urls import path  # noqa: F401

app_name = "accesslog"
urlpatterns: list = []
