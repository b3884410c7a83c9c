"""Pages of the access log: the family's "Vem har tittat?" and the agency's review."""

from django.urls import path

from accesslog import views

app_name = "accesslog"
urlpatterns = [
    path("", views.index, name="index"),
    path("vem-har-tittat/", views.family_index, name="family_index"),
    path("vem-har-tittat/<uuid:child_uuid>/", views.family_child, name="family"),
    path("mina-uppgifter/", views.export_index, name="export_index"),
    path("mina-uppgifter/<uuid:child_uuid>/", views.export_page, name="export"),
    path("mina-uppgifter/<uuid:child_uuid>/uppgifter.json", views.export_json, name="export_json"),
    path("mina-uppgifter/<uuid:child_uuid>/uppgifter.html", views.export_html, name="export_html"),
    path("mina-uppgifter/<uuid:child_uuid>/uppgifter.pdf", views.export_pdf, name="export_pdf"),
    path("granskning/", views.review, name="review"),
    path("granskning/logg.csv", views.review_csv, name="review_csv"),
]
