from django.urls import path

from meetings import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("kalla/<uuid:case_uuid>/", views.meeting_call, name="call"),
    path("<uuid:meeting_uuid>/", views.meeting_detail, name="detail"),
    path("<uuid:meeting_uuid>/andra/", views.meeting_edit, name="edit"),
    path("<uuid:meeting_uuid>/stall-in/", views.meeting_cancel, name="cancel"),
    path("<uuid:meeting_uuid>/bjud-in/", views.invite_more, name="invite_more"),
    path("<uuid:meeting_uuid>/dagordning/", views.agenda_add, name="agenda_add"),
    path("dagordning/<uuid:item_uuid>/ta-bort/", views.agenda_remove, name="agenda_remove"),
    path("inbjudan/<uuid:invitation_uuid>/svar/", views.invitation_answer, name="answer"),
    path("inbjudan/<uuid:invitation_uuid>/ta-bort/", views.invitation_withdraw, name="withdraw"),
    path("inbjudan/<uuid:invitation_uuid>/kalender.ics", views.invitation_ics, name="ics"),
    path("<uuid:meeting_uuid>/forberedelse/", views.preparation, name="preparation"),
    path("<uuid:meeting_uuid>/jag-vill-saga/", views.child_voice, name="child_voice"),
    path("<uuid:meeting_uuid>/rum/", views.room, name="room"),
    path("<uuid:meeting_uuid>/rum/del/<slug:part>/", views.room_part, name="room_part"),
    path("<uuid:meeting_uuid>/rum/starta/", views.room_start, name="room_start"),
    path("<uuid:meeting_uuid>/rum/punkt/", views.room_goto, name="room_goto"),
    path("<uuid:meeting_uuid>/rum/narvaro/", views.room_attendance, name="room_attendance"),
    path("<uuid:meeting_uuid>/rum/anteckning/", views.room_note, name="room_note"),
    path("<uuid:meeting_uuid>/rum/beslut/", views.room_decision, name="room_decision"),
    path("<uuid:meeting_uuid>/rum/avsluta/", views.room_end, name="room_end"),
    path("<uuid:meeting_uuid>/anteckningar/", views.minutes, name="minutes"),
    path("<uuid:meeting_uuid>/anteckningar/dela/", views.minutes_share, name="minutes_share"),
    path("<uuid:meeting_uuid>/anteckningar/svar/", views.minutes_reply, name="minutes_reply"),
    path("<uuid:meeting_uuid>/anteckningar/utskrift/", views.minutes_print, name="minutes_print"),
    path("<uuid:meeting_uuid>/anteckningar.pdf", views.minutes_pdf, name="minutes_pdf"),
]
