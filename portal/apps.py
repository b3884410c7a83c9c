from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portalen")

    def ready(self) -> None:
        from portal import api_schema  # noqa: F401  (registers the OpenAPI auth extension)
