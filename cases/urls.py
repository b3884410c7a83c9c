from django.urls import path

from cases import views

app_name = "cases"
C = "<uuid:case_uuid>/"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("mina/", views.caseload, name="caseload"),
    path("oppna/", views.case_open, name="open"),
    path(C, views.case_detail, name="detail"),
    path(C + "niva/", views.case_level, name="level"),
    path(C + "kontakt/", views.case_contact, name="contact"),
    path(C + "avsluta/", views.case_close, name="close"),
    path(C + "familj/", views.family, name="family"),
    path(C + "familj/medlem/", views.family_member_add, name="family_member_add"),
    path(C + "familj/<uuid:guardian_uuid>/", views.guardianship_edit, name="guardianship_edit"),
    path(C + "samordnare/", views.appoint, name="appoint"),
    path(C + "samordnare/overlamning/", views.handover, name="handover"),
    path(C + "team/", views.team, name="team"),
    path(C + "team/<uuid:member_uuid>/kontaktperson/", views.team_contact, name="team_contact"),
    path(C + "team/<uuid:member_uuid>/ta-bort/", views.team_remove, name="team_remove"),
    path(C + "team/externa/", views.external_add, name="external_add"),
    path(C + "team/externa/<uuid:contact_uuid>/ta-bort/", views.external_remove, name="external_remove"),
    path(C + "kartlaggning/", views.mapping, name="mapping"),
    path(C + "kartlaggning/<uuid:entry_uuid>/", views.mapping_edit, name="mapping_edit"),
    path(C + "plan/", views.plan, name="plan"),
    path(C + "plan/fas/", views.plan_phase, name="plan_phase"),
    path(C + "plan/historik/", views.plan_history, name="plan_history"),
    path(C + "plan/mal/", views.goal_add, name="goal_add"),
    path(C + "plan/mal/<uuid:goal_uuid>/", views.goal_edit, name="goal_edit"),
    path(C + "plan/insatser/", views.action_add, name="action_add"),
    path(C + "plan/insatser/<uuid:action_uuid>/", views.action_edit, name="action_edit"),
    path(C + "plan/insatser/<uuid:action_uuid>/lage/", views.action_status, name="action_status"),
    path(C + "familjens-plan/", views.family_plan, name="family_plan"),
    path(C + "orosanmalan/", views.concern, name="concern"),
    path(C + "delat/ny/", views.shared_item_create, name="shared_item_create"),
    path(C + "delat/<uuid:item_uuid>/", views.shared_item_detail, name="shared_item_detail"),
]
