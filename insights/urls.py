from django.urls import path

from insights import views

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    path("brister/", views.gap_list, name="gap_list"),
    path("brister/ny/", views.gap_create, name="gap_create"),
    path("rapport/brister/", views.gap_report, name="gap_report"),
    path("rapport/brister.csv", views.gap_report_csv, name="gap_report_csv"),
    path("rapport/uppfoljning/", views.followup_report, name="followup"),
    path("rapport/uppfoljning.csv", views.followup_csv, name="followup_csv"),
]
