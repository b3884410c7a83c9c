from django.urls import path

from consent import eid_views
from web import eid_views as signin_views

app_name = "eid"
urlpatterns = [
    path("bekrafta/svar/", eid_views.confirm_return, name="confirm_return"),
    path("inget-har-annu/", signin_views.nothing, name="nothing"),
]
