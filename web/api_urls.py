"""The /api/v1/ router. Each app registers its viewsets in `<app>/api.py` `register(router)`."""

from rest_framework.routers import DefaultRouter

from agencies import api as agencies_api
from cases import api as cases_api
from consent import api as consent_api
from directory import api as directory_api
from insights import api as insights_api
from meetings import api as meetings_api
from notifications import api as notifications_api


class PortalRouter(DefaultRouter):
    include_root_view = False


router = PortalRouter()
for module in (agencies_api, cases_api, consent_api, meetings_api, notifications_api, insights_api, directory_api):
    module.register(router)

urlpatterns = router.urls
