from django.urls import path

from agencies import views

app_name = "agencies"
urlpatterns = [
    path("personal/", views.staff_list, name="staff"),
    path("personal/bjud-in/", views.staff_invite, name="invite"),
    path("personal/<uuid:membership_uuid>/inaktivera/", views.staff_deactivate, name="deactivate"),
    path("inbjudan/<str:token>/", views.invitation_accept, name="accept"),
    path("byt/", views.switch_agency, name="switch"),
]
