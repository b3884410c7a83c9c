from django.urls import path

from portal.eid import views

app_name = "eid"
urlpatterns = [
    path("bekrafta/svar/", views.confirm_return, name="confirm_return"),
    path("inget-har-annu/", views.nothing, name="nothing"),
]
