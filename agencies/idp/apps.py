from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdpConfig(AppConfig):
    name = "agencies.idp"
    label = "idp"
    verbose_name = _("Organisationens inloggning")
