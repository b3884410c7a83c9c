from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Verksamheter")

    def ready(self) -> None:
        from agencies import access

        access.register_rules()
