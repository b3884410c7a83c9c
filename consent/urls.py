from django.urls import path

from consent import views

app_name = "consent"
urlpatterns = [
    path("familj/", views.family_overview, name="family"),
    path("familj/<uuid:consent_uuid>/", views.family_detail, name="family_detail"),
    path("<uuid:consent_uuid>/", views.staff_detail, name="staff_detail"),
]
