from django.contrib.auth.decorators import login_required
from django.urls import path

from cases import views

app_name = "cases"
C = "<uuid:case_uuid>/"
# Signed-out visitors are sent to sign in; signed-in people who may not see a page get 404.
urlpatterns = [
    path("", login_required(views.case_list), name="list"),
    path("mina/", login_required(views.caseload), name="caseload"),
    path("oppna/", login_required(views.case_open), name="open"),
    path("for-samman/", login_required(views.join), name="join"),
    path(C, login_required(views.case_detail), name="detail"),
    path(C + "niva/", login_required(views.case_level), name="level"),
    path(C + "kontakt/", login_required(views.case_contact), name="contact"),
    path(C + "avsluta/", login_required(views.case_close), name="close"),
    path(C + "familj/", login_required(views.family), name="family"),
    path(C + "familj/medlem/", login_required(views.family_member_add), name="family_member_add"),
    path(C + "familj/<uuid:guardian_uuid>/", login_required(views.guardianship_edit), name="guardianship_edit"),
    path(C + "samordnare/", login_required(views.appoint), name="appoint"),
    path(C + "samordnare/overlamning/", login_required(views.handover), name="handover"),
    path(C + "team/", login_required(views.team), name="team"),
    path(C + "team/<uuid:member_uuid>/kontaktperson/", login_required(views.team_contact), name="team_contact"),
    path(C + "team/<uuid:member_uuid>/ta-bort/", login_required(views.team_remove), name="team_remove"),
    path(C + "team/externa/", login_required(views.external_add), name="external_add"),
    path(
        C + "team/externa/<uuid:contact_uuid>/ta-bort/", login_required(views.external_remove), name="external_remove"
    ),
    path(C + "kartlaggning/", login_required(views.mapping), name="mapping"),
    path(C + "kartlaggning/<uuid:entry_uuid>/", login_required(views.mapping_edit), name="mapping_edit"),
    path(C + "plan/", login_required(views.plan), name="plan"),
    path(C + "plan/fas/", login_required(views.plan_phase), name="plan_phase"),
    path(C + "plan/historik/", login_required(views.plan_history), name="plan_history"),
    path(C + "plan/mal/", login_required(views.goal_add), name="goal_add"),
    path(C + "plan/mal/<uuid:goal_uuid>/", login_required(views.goal_edit), name="goal_edit"),
    path(C + "plan/insatser/", login_required(views.action_add), name="action_add"),
    path(C + "plan/insatser/<uuid:action_uuid>/", login_required(views.action_edit), name="action_edit"),
    path(C + "plan/insatser/<uuid:action_uuid>/lage/", login_required(views.action_status), name="action_status"),
    path(C + "familjens-plan/", login_required(views.family_plan), name="family_plan"),
    path(C + "orosanmalan/", login_required(views.concern), name="concern"),
    path(C + "delat/ny/", login_required(views.shared_item_create), name="shared_item_create"),
    path(C + "delat/<uuid:item_uuid>/", login_required(views.shared_item_detail), name="shared_item_detail"),
]
