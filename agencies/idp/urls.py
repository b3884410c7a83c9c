from django.urls import path

from agencies.idp import views

app_name = "idp"
urlpatterns = [
    path("konto/organisation/", views.choose, name="choose"),
    path("konto/saml/<str:organization_slug>/acs/finish/", views.saml_finish_acs),
    path("konto/3rdparty/", views.connections_closed),
    path("konto/social/connections/", views.connections_closed),
    path("verksamhet/inloggning/", views.settings_page, name="settings"),
    path("verksamhet/inloggning/spara/", views.settings_save, name="save"),
    path("verksamhet/inloggning/testa/", views.connection_test, name="test"),
    path("verksamhet/inloggning/identitet/", views.identity_set, name="identity"),
]
