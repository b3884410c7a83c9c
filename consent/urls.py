from django.urls import path

from consent import views

app_name = "consent"
urlpatterns = [
    # The family: plain Swedish, phone first.
    path("familj/", views.family_overview, name="family"),
    path("familj/<uuid:consent_uuid>/", views.family_detail, name="family_detail"),
    path("familj/<uuid:consent_uuid>/svara/", views.family_answer, name="family_answer"),
    path("familj/<uuid:consent_uuid>/ta-tillbaka/", views.family_revoke, name="family_revoke"),
    path("familj/<uuid:consent_uuid>/begransa/", views.family_narrow, name="family_narrow"),
    path("familj/kod/<uuid:challenge_uuid>/", views.family_confirm, name="family_confirm"),
    # Staff.
    path("samverkan/<uuid:case_uuid>/", views.case_consents, name="case"),
    path("samverkan/<uuid:case_uuid>/be-om-samtycke/", views.consent_request, name="request"),
    path("samverkan/<uuid:case_uuid>/mognadsbedomning/", views.maturity, name="maturity"),
    path("<uuid:consent_uuid>/", views.staff_detail, name="staff_detail"),
    path("<uuid:consent_uuid>/registrera-svar/", views.record, name="record"),
    path("<uuid:consent_uuid>/begransa/", views.staff_narrow, name="staff_narrow"),
    path("<uuid:consent_uuid>/historik/", views.history, name="history"),
]
