from django.urls import path

from agencies import views

app_name = "agencies"
urlpatterns = [
    path("personal/", views.staff_list, name="staff"),
    path("personal/bjud-in/", views.staff_invite, name="invite"),
    path("personal/<uuid:membership_uuid>/inaktivera/", views.staff_deactivate, name="deactivate"),
    path("inbjudan/<str:token>/", views.invitation_accept, name="accept"),
    path("byt/", views.switch_agency, name="switch"),
    path("api-nycklar/", views.api_tokens, name="api_tokens"),
    path("api-nycklar/ny/", views.api_token_create, name="api_token_create"),
    path("api-nycklar/<uuid:token_uuid>/sparra/", views.api_token_revoke, name="api_token_revoke"),
]
